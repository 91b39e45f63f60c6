//! The deliverable's encoding: x264 settings for the video pass, AAC settings for the sound,
//! and the final mux that joins them (video copied, moov atom first).

use std::ffi::OsString;
use std::path::Path;

/// Encoder settings for the final file.
#[derive(Debug, Clone)]
pub struct EncodeSettings {
    /// x264 preset (speed/size trade-off).
    pub preset: String,
    /// x264 constant rate factor (quality).
    pub crf: u8,
    /// A draft: the soundtrack mixed and peak-limited in one pass, without loudness
    /// normalisation.
    pub one_pass_audio: bool,
}

impl Default for EncodeSettings {
    fn default() -> Self {
        EncodeSettings {
            preset: "veryfast".into(),
            crf: 20,
            one_pass_audio: false,
        }
    }
}

impl EncodeSettings {
    /// A draft: fastest preset, lower quality; for checking motion and timing, not for posting.
    pub fn draft() -> Self {
        EncodeSettings {
            preset: "ultrafast".into(),
            crf: 30,
            one_pass_audio: true,
        }
    }
}

/// Short side of a draft's frame.
pub const DRAFT_SHORT_SIDE: u32 = 360;

/// The frame size a draft of a `w`×`h` video is rendered at: the same shape with a 360 px short
/// side (never larger than the video itself), both sides even.
pub fn draft_size(w: u32, h: u32) -> (u32, u32) {
    let short = w.min(h).max(1);
    if short <= DRAFT_SHORT_SIDE {
        return (w, h);
    }
    let scale =
        |side: u32| ((u64::from(side) * u64::from(DRAFT_SHORT_SIDE)) / u64::from(short)) as u32;
    (scale(w).max(2) & !1, scale(h).max(2) & !1)
}

/// The deliverable's audio codec settings: AAC-LC 192 kb/s, 48 kHz stereo.
pub const AAC: [&str; 10] = [
    "-c:a",
    "aac",
    "-profile:a",
    "aac_low",
    "-b:a",
    "192k",
    "-ar",
    "48000",
    "-ac",
    "2",
];

/// Arguments that join the encoded video and the finished soundtrack into the deliverable:
/// video copied, AAC-LC 48 kHz stereo, `total_frames` long, moov atom first.
///
/// `video` are the arguments that open the video input (a file, or a concat list of windows).
pub fn mux_args(
    video: Vec<OsString>,
    audio: &Path,
    total_frames: u64,
    fps: u32,
    out: &Path,
) -> Vec<OsString> {
    let dur_s = format!("{:.4}", total_frames as f64 / fps.max(1) as f64);
    let mut args = video;
    args.extend(["-i".into(), audio.into()]);
    args.extend(["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy"].map(OsString::from));
    // The soundtrack arrives as finished AAC (copied) or, when silent, as a WAV to encode.
    let encoded = audio.extension().is_some_and(|e| e == "m4a");
    if encoded {
        args.extend(["-c:a", "copy"].map(OsString::from));
    } else {
        args.extend(AAC.map(OsString::from));
    }
    args.extend(["-t", &dur_s, "-movflags", "+faststart", "-f", "mp4"].map(OsString::from));
    args.push(out.into());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_keep_the_shape_at_360p() {
        assert_eq!(draft_size(1920, 1080), (640, 360));
        assert_eq!(draft_size(1080, 1920), (360, 640));
        assert_eq!(draft_size(1080, 1350), (360, 450));
        assert_eq!(draft_size(3840, 2160), (640, 360));
        assert_eq!(draft_size(640, 360), (640, 360));
    }
}
