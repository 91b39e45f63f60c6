//! Is the exported file ready to post? Each platform's rules checked against the file itself
//! (ffprobe for the streams, a loudness measurement of its soundtrack), the text's placement
//! against the platform's safe zone, and the timeline's sources for black or frozen stretches
//! nobody asked for ([`super::stretches`]). Every failed check says what to change.

use super::platform::Platform;
use crate::ffmpeg::{self, RunOptions, Tools};
use crate::media::MediaInfo;
use crate::render::Rendered;
use crate::render::cache::RenderCache;
use crate::render::overlays::TextBox;
use crate::timeline::{Aspect, Timeline};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Loudness target of the deliverable and its tolerance.
const TARGET_LUFS: f64 = -14.0;
const LUFS_TOLERANCE: f64 = 1.0;
const MAX_TRUE_PEAK: f64 = -1.0;
/// At or below this the soundtrack is silence (ebur128 reports −70 LUFS for digital silence).
const SILENT_LUFS: f64 = -60.0;

/// One platform's verdict on one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Readiness {
    /// The platform.
    pub platform: String,
    /// Every check passed.
    pub ready: bool,
    /// The checks that failed, each with what to change (empty when ready).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// What was checked, e.g. "h264 High, 1080x1920, 30 fps CFR, 30.0 s, 22 MB, -14.0 LUFS".
    pub checked: String,
}

/// What the file and its timeline measured, shared by every platform's verdict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    video_codec: String,
    profile: String,
    pix_fmt: String,
    width: u32,
    height: u32,
    fps: (u32, u32),
    avg_fps: (u32, u32),
    duration_s: f64,
    size_bytes: u64,
    audio_codec: Option<String>,
    lufs: Option<f64>,
    true_peak: Option<f64>,
    /// Text boxes outside the safe zone: (id, why).
    text_outside: Vec<String>,
    /// Black or frozen stretches on the output timeline: (what, from s, to s, shot hint).
    stretches: Vec<String>,
}

/// Why the check itself could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReadinessError {
    /// ffprobe or ffmpeg failed on the file.
    #[error(transparent)]
    Ffmpeg(#[from] ffmpeg::FfmpegError),
    /// ffprobe said something unexpected.
    #[error("could not read the export's streams: {0}")]
    Probe(String),
    /// A source could not be scanned for black or frozen stretches.
    #[error(transparent)]
    Scan(#[from] super::stretches::ScanError),
}

/// Measure the export `made` from `tl`, with the text boxes as drawn. The file's streams, its
/// loudness (unless the render measured its sound track as encoded) and the sources' scans run
/// side by side; scans of sources already scanned are taken from `cache`.
pub async fn measure(
    made: &Rendered,
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
    tools: &Tools,
    cache: Option<&RenderCache>,
) -> Result<Measured, ReadinessError> {
    let file = made.path.as_path();
    let streams = async {
        let mut m = probe(file, tools).await?;
        if m.audio_codec.is_some() {
            let (i, tp) = match made.loudness {
                Some(known) => known,
                None => loudness(file, tools).await?,
            };
            (m.lufs, m.true_peak) = (i, tp);
        }
        Ok::<_, ReadinessError>(m)
    };
    let (mut m, stretches) = tokio::try_join!(streams, async {
        Ok::<_, ReadinessError>(super::stretches::find(tl, media, tools, cache).await?)
    })?;
    m.stretches = stretches;
    let (x0, y0, x1, y1) = crate::render::text::safe_area(m.width, m.height);
    for TextBox { id, placed } in &made.text_boxes {
        let (x, y, w, h) = (placed.x, placed.y, placed.width, placed.height);
        if x < x0 || y < y0 || x + w > x1 || y + h > y1 {
            m.text_outside.push(format!(
                "text {id} ({w}x{h} at {x},{y}) is outside the safe zone ({x0},{y0})–({x1},{y1})"
            ));
        }
    }
    Ok(m)
}

/// The finished export `made` (in `aspect`) judged for every platform that shape suits; a
/// check that cannot run is logged and leaves the report empty rather than failing the export.
pub async fn report(
    made: &Rendered,
    aspect: Aspect,
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
    tools: &Tools,
    cache: Option<&RenderCache>,
) -> Vec<Readiness> {
    match measure(made, tl, media, tools, cache).await {
        Ok(m) => judge(&m, &Platform::for_aspect(aspect)),
        Err(e) => {
            tracing::warn!(error = %e, "could not check the export for posting");
            Vec::new()
        }
    }
}

/// Judge the measurements against each platform.
pub fn judge(m: &Measured, platforms: &[Platform]) -> Vec<Readiness> {
    platforms.iter().map(|p| judge_one(m, *p)).collect()
}

fn judge_one(m: &Measured, p: Platform) -> Readiness {
    let lim = p.limits();
    let mut problems = Vec::new();
    if m.video_codec != "h264" || m.profile != "High" || m.pix_fmt != "yuv420p" {
        problems.push(format!(
            "video is {} {} {}; {p} wants H.264 High yuv420p: export again with reelsmith (not a draft)",
            m.video_codec, m.profile, m.pix_fmt
        ));
    }
    match &m.audio_codec {
        Some(a) if a == "aac" => {}
        Some(a) => problems.push(format!("audio is {a}; {p} wants AAC")),
        None => problems.push(format!("the file has no audio track; {p} expects one")),
    }
    let aspect = Aspect::ALL.into_iter().find(|a| {
        let (rw, rh) = a.ratio();
        (f64::from(m.width) / f64::from(m.height.max(1)) - f64::from(rw) / f64::from(rh)).abs()
            < 0.01
    });
    match aspect {
        Some(a) if p.accepts(a) => {}
        _ => problems.push(format!(
            "the frame is {}x{}; {p} shows {} best: export with formats [\"{}\"]",
            m.width,
            m.height,
            p.aspect().as_str(),
            p.aspect().as_str()
        )),
    }
    if m.width.min(m.height) < 720 {
        problems.push(format!(
            "{}x{} is below 720p; {p} shows it soft: export at 1080p",
            m.width, m.height
        ));
    }
    let fps = f64::from(m.fps.0) / f64::from(m.fps.1.max(1));
    if m.fps != m.avg_fps || fps > f64::from(lim.max_fps) + 0.01 {
        problems.push(format!(
            "frame rate {}/{} (average {}/{}) is not a constant rate up to {} fps",
            m.fps.0, m.fps.1, m.avg_fps.0, m.avg_fps.1, lim.max_fps
        ));
    }
    if m.duration_s > lim.max_duration_s + 0.05 {
        problems.push(format!(
            "{:.1} s is longer than {p} takes ({:.0} s): shorten it, e.g. create_video with duration_s",
            m.duration_s, lim.max_duration_s
        ));
    }
    if m.duration_s + 0.05 < lim.min_duration_s {
        problems.push(format!(
            "{:.1} s is shorter than {p} takes ({:.0} s): lengthen it",
            m.duration_s, lim.min_duration_s
        ));
    }
    if m.size_bytes > lim.max_bytes {
        problems.push(format!(
            "{:.0} MB is more than {p} accepts ({:.0} MB): shorten it or export at a lower resolution",
            m.size_bytes as f64 / 1e6,
            lim.max_bytes as f64 / 1e6
        ));
    }
    match (m.lufs, m.true_peak) {
        // A silent soundtrack (no music asked for) has nothing to normalise.
        (Some(i), _) if i <= SILENT_LUFS => {}
        (Some(i), Some(tp)) => {
            if (i - TARGET_LUFS).abs() > LUFS_TOLERANCE {
                problems.push(format!(
                    "loudness {i:.1} LUFS is off the {TARGET_LUFS} LUFS the platforms normalise to: export the final (not a draft)"
                ));
            }
            if tp > MAX_TRUE_PEAK {
                problems.push(format!(
                    "true peak {tp:.1} dBTP is above {MAX_TRUE_PEAK} dBTP and may distort after the platform re-encodes"
                ));
            }
        }
        _ if m.audio_codec.is_some() => {
            problems.push("the soundtrack's loudness could not be measured".into())
        }
        _ => {}
    }
    for t in &m.text_outside {
        problems.push(format!(
            "{t}: {p}'s buttons and captions may cover it; move or shrink it with set_text_style"
        ));
    }
    problems.extend(m.stretches.iter().cloned());
    let checked = format!(
        "{} {}, {}x{}, {:.3} fps {}, {:.1} s, {:.1} MB{}",
        m.video_codec,
        m.profile,
        m.width,
        m.height,
        fps,
        if m.fps == m.avg_fps { "CFR" } else { "VFR" },
        m.duration_s,
        m.size_bytes as f64 / 1e6,
        match (m.lufs, m.true_peak) {
            (Some(i), _) if i <= SILENT_LUFS => ", silent soundtrack".to_string(),
            (Some(i), Some(tp)) => format!(", {i:.1} LUFS, {tp:.1} dBTP"),
            _ => String::new(),
        }
    );
    Readiness {
        platform: p.as_str().into(),
        ready: problems.is_empty(),
        problems,
        checked,
    }
}

async fn probe(file: &Path, tools: &Tools) -> Result<Measured, ReadinessError> {
    let mut cmd = tools.ffprobe_command();
    cmd.args(["-show_streams", "-show_format"]).arg(file);
    let out = ffmpeg::run("ffprobe", cmd, RunOptions::default()).await?;
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| ReadinessError::Probe(e.to_string()))?;
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .ok_or_else(|| ReadinessError::Probe("no video stream".into()))?;
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let rate = |r: &str| -> (u32, u32) {
        let (n, d) = r.split_once('/').unwrap_or((r, "1"));
        (n.parse().unwrap_or(0), d.parse().unwrap_or(1))
    };
    Ok(Measured {
        video_codec: s(video, "codec_name"),
        profile: s(video, "profile"),
        pix_fmt: s(video, "pix_fmt"),
        width: video["width"].as_u64().unwrap_or(0) as u32,
        height: video["height"].as_u64().unwrap_or(0) as u32,
        fps: rate(&s(video, "r_frame_rate")),
        avg_fps: rate(&s(video, "avg_frame_rate")),
        duration_s: s(&v["format"], "duration").parse().unwrap_or(0.0),
        size_bytes: s(&v["format"], "size").parse().unwrap_or(0),
        audio_codec: audio.map(|a| s(a, "codec_name")),
        ..Default::default()
    })
}

/// Integrated loudness and true peak of the file's soundtrack (the video is not decoded).
async fn loudness(
    file: &Path,
    tools: &Tools,
) -> Result<(Option<f64>, Option<f64>), ReadinessError> {
    Ok(crate::render::audio::measure(file, tools, None).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Measured {
        Measured {
            video_codec: "h264".into(),
            profile: "High".into(),
            pix_fmt: "yuv420p".into(),
            width: 1080,
            height: 1920,
            fps: (30, 1),
            avg_fps: (30, 1),
            duration_s: 30.0,
            size_bytes: 20_000_000,
            audio_codec: Some("aac".into()),
            lufs: Some(-14.1),
            true_peak: Some(-1.6),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_portrait_file_is_ready_for_the_vertical_platforms_only() {
        let r = judge(&good(), &Platform::ALL);
        for v in &r {
            let vertical = matches!(v.platform.as_str(), "tiktok" | "reels" | "shorts");
            assert_eq!(v.ready, vertical, "{v:?}");
        }
        let yt = r.iter().find(|v| v.platform == "youtube").unwrap();
        assert!(yt.problems[0].contains("formats [\"16:9\"]"), "{yt:?}");
    }

    #[test]
    fn every_failed_check_is_named() {
        let mut m = good();
        m.duration_s = 200.0;
        m.lufs = Some(-20.0);
        m.fps = (60000, 1001);
        m.avg_fps = (59, 1);
        m.stretches = vec!["black picture 3.0–6.0 s (shot 2, x.mp4 from 1.0 s): trim".into()];
        m.text_outside = vec!["text t1".into()];
        let r = judge_one(&m, Platform::Shorts);
        let mut silent = good();
        (silent.lufs, silent.true_peak) = (Some(-70.0), None);
        assert!(judge_one(&silent, Platform::Tiktok).ready);
        assert!(!r.ready);
        let all = r.problems.join("\n");
        for needle in [
            "longer than shorts",
            "LUFS",
            "constant rate",
            "black picture",
            "text t1",
        ] {
            assert!(all.contains(needle), "{needle} missing from {all}");
        }
    }

    #[test]
    fn reads_the_loudness_summary() {
        let summary = "Summary:\n\n  Integrated loudness:\n    I:         -14.2 LUFS\n  True peak:\n    Peak:       -1.4 dBFS";
        assert_eq!(
            crate::render::audio::parse_ebur128(summary),
            (Some(-14.2), Some(-1.4))
        );
    }
}
