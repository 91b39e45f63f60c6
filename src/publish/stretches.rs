//! Black or frozen stretches nobody asked for, found in the sources the timeline uses.
//!
//! They are looked for in the clips (their used part, at low resolution) rather than by
//! decoding the whole export again: only a clip can bring a frozen one in (a still is either
//! moving or deliberately held), a still only a black one, and the source names the shot to
//! fix. Each source's answer is kept in the render cache by content id, so a re-export or
//! another shape of the same edit scans nothing again.

use crate::ffmpeg::{self, RunOptions, Tools};
use crate::media::{MediaInfo, MediaKind};
use crate::render::cache::{KeyBuilder, RenderCache};
use crate::timeline::{TT_VIDEO, Timeline};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashMap;

/// Why a source could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// ffmpeg failed on the source.
    #[error(transparent)]
    Ffmpeg(#[from] ffmpeg::FfmpegError),
    /// ffmpeg gave fewer pictures than stills asked about.
    #[error("{0}")]
    Pictures(String),
}

/// Black or frozen longer than this is flagged.
pub(super) const STRETCH_S: f64 = 2.0;
/// Clips scanned at once: each scan is one short single-threaded ffmpeg run.
const SCANS_AT_ONCE: usize = 4;
/// Stills looked at in one ffmpeg run (it holds each one's decoded picture), and runs at once.
const STILLS_PER_RUN: usize = 4;
const STILL_RUNS_AT_ONCE: usize = 2;
/// A still darker than this on average (0–255 luma) is a black picture.
const DARK_LUMA: f64 = 0.10 * 255.0;

/// Black and frozen stretches (seconds from the in-point) found in a source.
type Scan = (Vec<(f64, f64)>, Vec<(f64, f64)>);

/// Scans run side by side are boxed, so the future of a render job stays provably Send (a
/// closure-built stream otherwise trips "FnOnce is not general enough" in tokio::spawn).
type Boxed<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, ScanError>> + Send + 'a>>;

/// Black or frozen stretches longer than [`STRETCH_S`] that sources bring into the video, each
/// named with its place on the timeline and what to change.
pub(super) async fn find(
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
    tools: &Tools,
    cache: Option<&RenderCache>,
) -> Result<Vec<String>, ScanError> {
    let mut todo = Vec::new();
    for (i, seg) in tl.segments(TT_VIDEO).iter().enumerate() {
        let Some(m) = seg.media_id.as_deref().and_then(|id| media.get(id)) else {
            continue;
        };
        if seg.duration_ms as f64 / 1000.0 <= STRETCH_S || m.kind == MediaKind::Audio {
            continue;
        }
        todo.push((i, seg, m));
    }
    // The stills nobody looked at yet are looked at together, a few per ffmpeg run.
    let mut stills: Vec<&MediaInfo> = Vec::new();
    for &(_, _, m) in &todo {
        if m.kind == MediaKind::Image
            && !stills.iter().any(|s| s.id == m.id)
            && cached(cache, &scan_key(m, 0, 0)).is_none()
        {
            stills.push(m);
        }
    }
    let dark = dark_stills(&stills, tools).await?;
    let mut runs: Vec<Boxed<'_, Scan>> = Vec::new();
    for &(_, seg, m) in &todo {
        let (in_ms, dur_ms) = (seg.in_ms.unwrap_or(0), seg.duration_ms);
        runs.push(Box::pin(scan_cached(m, in_ms, dur_ms, tools, cache, &dark)));
    }
    let scans: Vec<Scan> = futures_util::stream::iter(runs)
        .buffered(SCANS_AT_ONCE)
        .try_collect()
        .await?;
    let mut found = Vec::new();
    for (&(i, seg, m), (black, frozen)) in todo.iter().zip(scans) {
        let at = seg.start_ms as f64 / 1000.0;
        for (what, list) in [("black", black), ("frozen", frozen)] {
            for (a, b) in list {
                found.push(format!(
                    "{what} picture {:.1}–{:.1} s (shot {}, {} from {:.1} s): trim it with set_shot (in_s, duration_s) or replace the file",
                    at + a,
                    at + b,
                    i + 1,
                    m.file_name,
                    seg.in_ms.unwrap_or(0) as f64 / 1000.0 + a
                ));
            }
        }
    }
    Ok(found)
}

/// The cache key of a source's scan: its content id, and for a clip the part used (a still's
/// scan does not depend on how long it is held).
fn scan_key(m: &MediaInfo, in_ms: u64, dur_ms: u64) -> String {
    let mut k = KeyBuilder::new("readiness-scan");
    k.part(&m.id).part(&format!("{:?}", m.kind));
    if m.kind == MediaKind::Video {
        k.part(&in_ms.to_string()).part(&dur_ms.to_string());
    }
    k.finish()
}

/// JSON has no infinity (a black still is black "to the end"): kept as no end.
type Kept = Vec<Vec<(f64, Option<f64>)>>;

fn cached(cache: Option<&RenderCache>, key: &str) -> Option<Scan> {
    let back = |l: &[(f64, Option<f64>)]| -> Vec<(f64, f64)> {
        l.iter()
            .map(|&(a, b)| (a, b.unwrap_or(f64::INFINITY)))
            .collect()
    };
    match cache?.fetch_fact::<Kept>(key)?.as_slice() {
        [black, frozen] => Some((back(black), back(frozen))),
        _ => None,
    }
}

/// The scan of `m`'s used part: from `cache` when the same bytes were scanned before, from
/// `dark` (the stills looked at together) for a still, else scanned now.
async fn scan_cached(
    m: &MediaInfo,
    in_ms: u64,
    dur_ms: u64,
    tools: &Tools,
    cache: Option<&RenderCache>,
    dark: &HashMap<String, bool>,
) -> Result<Scan, ScanError> {
    let key = scan_key(m, in_ms, dur_ms);
    if let Some(hit) = cached(cache, &key) {
        return Ok(hit);
    }
    let scan = match m.kind {
        MediaKind::Video => scan_clip(m, in_ms, dur_ms, tools).await?,
        // A held still is what the timeline asked for; only a black one is a problem.
        _ => {
            let black = match dark.get(&m.id) {
                Some(&b) => b,
                None => still_means(&[m], tools).await?[0] < DARK_LUMA,
            };
            let whole = black.then_some((0.0, f64::INFINITY));
            (whole.into_iter().collect(), Vec::new())
        }
    };
    let keep = |l: &[(f64, f64)]| -> Vec<(f64, Option<f64>)> {
        l.iter()
            .map(|&(a, b)| (a, b.is_finite().then_some(b)))
            .collect()
    };
    if let Some(c) = cache
        && let Err(e) = c.store_fact(&key, &vec![keep(&scan.0), keep(&scan.1)])
    {
        tracing::warn!(error = %e, "could not keep a readiness scan in the render cache");
    }
    Ok(scan)
}

/// Black and frozen stretches (seconds from the in-point) in the used part of a clip.
async fn scan_clip(
    m: &MediaInfo,
    in_ms: u64,
    dur_ms: u64,
    tools: &Tools,
) -> Result<Scan, ScanError> {
    let mut cmd = tools.ffmpeg_command();
    cmd.args(["-loglevel", "info", "-an", "-ss"])
        .arg(format!("{:.3}", in_ms as f64 / 1000.0))
        .arg("-t")
        .arg(format!("{:.3}", dur_ms as f64 / 1000.0))
        .arg("-i")
        .arg(&m.path)
        .args([
            "-vf",
            &format!(
                "scale=160:-2,blackdetect=d={STRETCH_S}:pix_th=0.10,freezedetect=n=-60dB:d={STRETCH_S},metadata=mode=print"
            ),
            "-f",
            "null",
            "-",
        ]);
    let out = ffmpeg::run("ffmpeg", cmd, RunOptions::default()).await?;
    let end = dur_ms as f64 / 1000.0;
    Ok((black_ranges(&out.stderr), freeze_ranges(&out.stderr, end)))
}

/// Which of `stills` are black pictures, by id: [`STILLS_PER_RUN`] per ffmpeg run (a process
/// start costs more than shrinking a picture). A run that fails looks at its stills one by
/// one, so one bad file does not hide the others' answers.
async fn dark_stills(
    stills: &[&MediaInfo],
    tools: &Tools,
) -> Result<HashMap<String, bool>, ScanError> {
    let runs: Vec<Boxed<'_, Vec<(String, bool)>>> = stills
        .chunks(STILLS_PER_RUN)
        .map(|run| -> Boxed<'_, Vec<(String, bool)>> { Box::pin(dark_run(run, tools)) })
        .collect();
    let found: Vec<_> = futures_util::stream::iter(runs)
        .buffer_unordered(STILL_RUNS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

async fn dark_run(run: &[&MediaInfo], tools: &Tools) -> Result<Vec<(String, bool)>, ScanError> {
    let means = match still_means(run, tools).await {
        Ok(means) => means,
        Err(e) if run.len() > 1 => {
            tracing::debug!(error = %e, "looking at the stills one by one");
            let mut means = Vec::with_capacity(run.len());
            for m in run {
                means.push(still_means(&[*m], tools).await?[0]);
            }
            means
        }
        Err(e) => return Err(e),
    };
    Ok(run
        .iter()
        .zip(means)
        .map(|(m, l)| (m.id.clone(), l < DARK_LUMA))
        .collect())
}

/// The average luma (0–255) of each still's first picture, shrunk to 64×64 grey in one run.
async fn still_means(stills: &[&MediaInfo], tools: &Tools) -> Result<Vec<f64>, ScanError> {
    let mut cmd = tools.ffmpeg_command();
    let mut graph = String::new();
    for (k, m) in stills.iter().enumerate() {
        cmd.arg("-i").arg(&m.path);
        graph.push_str(&format!(
            "[{k}:v]trim=end_frame=1,scale=64:64,format=gray,setsar=1[s{k}];"
        ));
    }
    for k in 0..stills.len() {
        graph.push_str(&format!("[s{k}]"));
    }
    graph.push_str(&format!("concat=n={}:v=1:a=0[out]", stills.len()));
    cmd.arg("-filter_complex")
        .arg(&graph)
        // Every picture out as it comes (the output's frame rate would drop one).
        .args([
            "-map",
            "[out]",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-",
        ]);
    let out = ffmpeg::run("ffmpeg", cmd, RunOptions::default())
        .await?
        .stdout;
    const PICTURE: usize = 64 * 64;
    if out.len() != PICTURE * stills.len() {
        return Err(ScanError::Pictures(format!(
            "looking at {} stills gave {} bytes of pictures",
            stills.len(),
            out.len()
        )));
    }
    Ok(out
        .chunks(PICTURE)
        .map(|p| p.iter().map(|&b| f64::from(b)).sum::<f64>() / PICTURE as f64)
        .collect())
}

fn black_ranges(stderr: &str) -> Vec<(f64, f64)> {
    stderr
        .lines()
        .filter_map(|l| {
            let v = |k: &str| -> Option<f64> {
                let at = l.find(k)? + k.len();
                l[at..].split_whitespace().next()?.parse().ok()
            };
            Some((v("black_start:")?, v("black_end:")?))
        })
        .collect()
}

fn freeze_ranges(stderr: &str, end: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut start = None;
    for l in stderr.lines() {
        let v = |k: &str| -> Option<f64> {
            let at = l.find(k)? + k.len();
            l[at..]
                .trim_start_matches([' ', '='])
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        };
        if let Some(s) = v("lavfi.freezedetect.freeze_start") {
            start = Some(s);
        } else if let Some(e) = v("lavfi.freezedetect.freeze_end")
            && let Some(s) = start.take()
        {
            out.push((s, e));
        }
    }
    // Frozen to the end of the clip.
    if let Some(s) = start {
        out.push((s, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn still(dir: &std::path::Path, name: &str, colour: Option<&str>) -> MediaInfo {
        let path = dir.join(name);
        match colour {
            Some(c) => {
                let st = std::process::Command::new("ffmpeg")
                    .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
                    .arg(format!("color=c={c}:s=320x180"))
                    .args(["-frames:v", "1"])
                    .arg(&path)
                    .status()
                    .expect("ffmpeg runs");
                assert!(st.success());
            }
            None => std::fs::write(&path, b"not a picture").unwrap(),
        }
        MediaInfo {
            id: format!("med_{name}"),
            path,
            file_name: name.into(),
            kind: MediaKind::Image,
            width: 320,
            height: 180,
            duration_ms: 0,
            rotation: 0,
            exif_orientation: 1,
            has_audio: false,
            size_bytes: 1,
        }
    }

    #[tokio::test]
    async fn stills_are_looked_at_together_and_one_by_one_when_a_run_fails() {
        let dir = tempfile::tempdir().unwrap();
        let tools = Tools::locate().expect("ffmpeg is installed");
        let colours = ["black", "white", "0x101010", "gray", "0x404040"];
        let stills: Vec<MediaInfo> = colours
            .iter()
            .enumerate()
            .map(|(i, c)| still(dir.path(), &format!("s{i}.jpg"), Some(c)))
            .collect();
        let refs: Vec<&MediaInfo> = stills.iter().collect();
        // One run looks at a whole batch (not one by one after a failed run).
        let means = still_means(&refs[..STILLS_PER_RUN], &tools).await.unwrap();
        assert_eq!(means.len(), STILLS_PER_RUN);
        let dark = dark_stills(&refs, &tools).await.unwrap();
        let is_dark = |i: usize| dark[&format!("med_s{i}.jpg")];
        assert_eq!(dark.len(), 5);
        // Black and near-black are black pictures; white, grey and dark grey (25%) are not.
        assert!(is_dark(0) && is_dark(2), "{dark:?}");
        assert!(!is_dark(1) && !is_dark(3) && !is_dark(4), "{dark:?}");
        // A broken file fails its run; looked at one by one, it alone is the error.
        let broken = still(dir.path(), "broken.png", None);
        let mut with_broken = refs.clone();
        with_broken.insert(1, &broken);
        assert!(dark_stills(&with_broken, &tools).await.is_err());
        assert!(still_means(&[&broken], &tools).await.is_err());
    }

    #[test]
    fn reads_detector_output() {
        let log = "[blackdetect @ 0x1] black_start:1.5 black_end:4.5 black_duration:3\n\
                   [Parsed_metadata_3 @ 0x2] lavfi.freezedetect.freeze_start=2.2\n\
                   [Parsed_metadata_3 @ 0x2] lavfi.freezedetect.freeze_duration=2.5\n\
                   [Parsed_metadata_3 @ 0x2] lavfi.freezedetect.freeze_end=4.7\n\
                   [Parsed_metadata_3 @ 0x2] lavfi.freezedetect.freeze_start=8\n";
        assert_eq!(black_ranges(log), vec![(1.5, 4.5)]);
        assert_eq!(freeze_ranges(log, 10.0), vec![(2.2, 4.7), (8.0, 10.0)]);
    }
}
