//! Disk room for a render: an estimate made from the timeline and the encoder settings before
//! any work starts, and the free space where the scratch and the output go.
//!
//! With constant-quality (CRF) encoding the size is not known in advance, so the estimate is a
//! generous upper bound for busy content; refusing a render that would fit is cheaper for the
//! person than a render that fails after a minute of encoding.

use super::encode::EncodeSettings;
use crate::timeline::Timeline;
use std::path::{Path, PathBuf};

/// Bits per pixel per frame at CRF 20 for busy content (moving photos, gradients, noise); calm
/// stills land well below it.
const BITS_PER_PIXEL_CRF20: f64 = 0.12;
/// The AAC track's bitrate.
const AUDIO_BITS_PER_S: f64 = 192_000.0;
/// 48 kHz stereo PCM, s16, as the soundtrack passes write it (two intermediate files).
const PCM_BYTES_PER_S: f64 = 48_000.0 * 2.0 * 2.0 * 2.0;
/// Room left over for text images, the music bed and the file system's own needs.
const HEADROOM: u64 = 8 << 20;

/// Bytes a render needs in its scratch folder and beside its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceNeed {
    /// Intermediate files (video-only stream, audio passes).
    pub scratch: u64,
    /// The finished MP4 (its hidden partial file, then the file itself).
    pub output: u64,
}

/// Estimate the bytes a render of `tl` needs with `encode`.
pub fn estimate(tl: &Timeline, encode: &EncodeSettings) -> SpaceNeed {
    let secs = tl.duration_ms as f64 / 1000.0;
    let pixels_per_s =
        f64::from(tl.meta.width) * f64::from(tl.meta.height) * f64::from(tl.meta.fps);
    // Each 6 CRF steps halve or double the size.
    let bpp = BITS_PER_PIXEL_CRF20 * 2f64.powf((20.0 - f64::from(encode.crf)) / 6.0);
    let video = pixels_per_s * bpp * secs / 8.0;
    let audio = AUDIO_BITS_PER_S * secs / 8.0;
    SpaceNeed {
        scratch: (video + audio + PCM_BYTES_PER_S * secs) as u64 + HEADROOM,
        output: (video + audio) as u64 + HEADROOM,
    }
}

/// Not enough room for a render, with the figures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not enough disk space: the render needs ~{} MB, {} MB free on {}. Free some space or export to another folder, then export again",
    mb(*needed), mb(*free), nearest_existing(folder).display()
)]
pub struct NoRoom {
    /// What the render needs on that file system.
    pub needed: u64,
    /// What is free there.
    pub free: u64,
    /// The folder the render would write to.
    pub folder: PathBuf,
}

fn mb(b: u64) -> String {
    let m = b as f64 / (1u64 << 20) as f64;
    if m < 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.0}")
    }
}

/// The folder itself or its closest ancestor that exists (output folders are made on demand).
fn nearest_existing(p: &Path) -> &Path {
    let mut cur = p;
    while !cur.exists() {
        match cur.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => cur = parent,
            _ => return Path::new("."),
        }
    }
    cur
}

/// Free bytes for this user and the device id of the file system holding `p`.
pub fn free_space(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let p = nearest_existing(p);
    let dev = std::fs::metadata(p).ok()?.dev();
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64 * st.f_frsize as u64, dev))
}

/// Check that `scratch` and `output` (folders) have room for `need`; when both are on one file
/// system, it must hold both. Unknown free space (an odd file system) is not refused.
pub fn check_room(need: SpaceNeed, scratch: &Path, output: &Path) -> Result<(), NoRoom> {
    let (Some((scratch_free, scratch_dev)), Some((out_free, out_dev))) =
        (free_space(scratch), free_space(output))
    else {
        return Ok(());
    };
    if scratch_dev == out_dev {
        let needed = need.scratch + need.output;
        if needed > out_free {
            return Err(NoRoom {
                needed,
                free: out_free,
                folder: output.to_path_buf(),
            });
        }
        return Ok(());
    }
    if need.output > out_free {
        return Err(NoRoom {
            needed: need.output,
            free: out_free,
            folder: output.to_path_buf(),
        });
    }
    if need.scratch > scratch_free {
        return Err(NoRoom {
            needed: need.scratch,
            free: scratch_free,
            folder: scratch.to_path_buf(),
        });
    }
    Ok(())
}

/// True when an error text or OS error says the disk is full.
pub fn is_out_of_space(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && (io.raw_os_error() == Some(libc::ENOSPC) || io.raw_os_error() == Some(libc::EDQUOT))
        {
            return true;
        }
        let text = err.to_string();
        if text.contains("No space left on device") || text.contains("Disk quota exceeded") {
            return true;
        }
        cur = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(w: u32, h: u32, secs: u64) -> Timeline {
        let mut tl = Timeline::default();
        tl.meta.width = w;
        tl.meta.height = h;
        tl.meta.fps = 30;
        tl.duration_ms = secs * 1000;
        tl
    }

    #[test]
    fn estimates_grow_with_size_length_and_quality() {
        let e = EncodeSettings::default();
        let hd = estimate(&timeline(1920, 1080, 30), &e);
        let uhd = estimate(&timeline(3840, 2160, 30), &e);
        let long = estimate(&timeline(1920, 1080, 60), &e);
        assert!(uhd.output > 3 * hd.output, "{hd:?} {uhd:?}");
        assert!(long.output > hd.output * 3 / 2);
        assert!(hd.scratch > hd.output);
        // 30 s of 1080p30 at CRF 20: tens of MB, not hundreds.
        let mb = hd.output >> 20;
        assert!((20..120).contains(&mb), "{mb} MB");
        let better = EncodeSettings {
            crf: 14,
            ..EncodeSettings::default()
        };
        assert!(estimate(&timeline(1920, 1080, 30), &better).output > hd.output * 3 / 2);
    }

    #[test]
    fn a_folder_that_does_not_exist_yet_is_measured_where_it_will_be() {
        let dir = tempfile::tempdir().unwrap();
        let (free, _) = free_space(&dir.path().join("a/b/c")).expect("measured");
        assert!(free > 0);
    }

    #[test]
    fn refusals_carry_the_figures() {
        let dir = tempfile::tempdir().unwrap();
        let huge = SpaceNeed {
            scratch: 1,
            output: u64::MAX / 4,
        };
        let e = check_room(huge, dir.path(), &dir.path().join("out")).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("not enough disk space: the render needs ~"),
            "{msg}"
        );
        assert!(msg.contains("MB free on"), "{msg}");
        let small = SpaceNeed {
            scratch: 1,
            output: 1,
        };
        assert!(check_room(small, dir.path(), &dir.path().join("out")).is_ok());
    }

    #[test]
    fn out_of_space_is_recognised_in_os_errors_and_ffmpeg_text() {
        let io = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert!(is_out_of_space(&io));
        let other = std::io::Error::from_raw_os_error(libc::EACCES);
        assert!(!is_out_of_space(&other));
        let text = std::io::Error::other("av_interleaved_write_frame(): No space left on device");
        assert!(is_out_of_space(&text));
    }
}
