//! How long a local render will take on this machine, for the "this will take over ten minutes"
//! confirmation.
//!
//! The estimate is frames × the seconds this machine takes to encode one frame × 1.3. The
//! per-frame time is measured, not assumed: a short test encode (ffmpeg's `testsrc2` pattern at
//! the render's size and frame rate, with the render's x264 preset and CRF) timed just now, so a
//! busy or slow machine gets a longer estimate; it includes ffmpeg's start-up, so it errs long.
//! The 1.3 covers decoding the sources, compositing, text and the soundtrack: the render engine's
//! own benchmark target is a full render within 1.3× of encoding its output alone
//! (`bench/render-v2.sh`, figure a). A measurement is reused for five minutes.
//! `REELSMITH_ENCODE_FPS` replaces the measurement with a speed (frames per second at 1080p,
//! scaled by pixel count to other sizes), for machines whose test encode misleads.
//!
//! This module runs ffmpeg itself (the one place the MCP layer does): the backend trait has no
//! way to ask for a speed, and the test encode writes nothing.

use crate::render::encode::{EncodeSettings, draft_size};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this a render is confirmed first (where the client can ask).
pub(crate) const LONG_RENDER: Duration = Duration::from_secs(600);
/// Compositing, decoding and the soundtrack on top of the encode (see the module docs).
const OVERHEAD: f64 = 1.3;
/// Frames in the test encode.
const TEST_FRAMES: u32 = 30;
/// How long a measurement is reused.
const REUSE: Duration = Duration::from_secs(300);
/// Pixels of a 1080p frame, the unit of `REELSMITH_ENCODE_FPS`.
const PIXELS_1080P: f64 = 1920.0 * 1080.0;

/// A render's size and length as the estimate needs them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Job {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub seconds: f64,
    /// A draft: 360p with the fastest preset.
    pub draft: bool,
}

/// How long a render will take, and how that was worked out.
#[derive(Debug, Clone)]
pub(crate) struct Estimate {
    pub seconds: f64,
    /// One sentence for the person: the figures behind `seconds`.
    pub how: String,
}

impl Job {
    /// The frame size and encoder settings the render will use.
    fn settings(&self) -> (u32, u32, EncodeSettings) {
        if self.draft {
            let (w, h) = draft_size(self.width, self.height);
            (w, h, EncodeSettings::draft())
        } else {
            (self.width, self.height, EncodeSettings::default())
        }
    }

    fn frames(&self) -> f64 {
        (self.seconds * f64::from(self.fps.max(1))).ceil()
    }
}

/// Measured seconds per frame, by (width, height, fps, preset, crf).
type Key = (u32, u32, u32, String, u8);
static MEASURED: Mutex<Option<HashMap<Key, (Instant, f64)>>> = Mutex::new(None);

/// The estimate for `jobs` renders (one per format) run one after another, or None when there is
/// no way to tell (no ffmpeg, the test encode failed).
pub(crate) async fn render_time(jobs: &[Job]) -> Option<Estimate> {
    let speed = std::env::var("REELSMITH_ENCODE_FPS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f > 0.0);
    let mut per = Vec::new();
    for job in jobs {
        let (w, h, enc) = job.settings();
        per.push(match speed {
            Some(f) => (
                f64::from(w) * f64::from(h) / PIXELS_1080P / f,
                format!("REELSMITH_ENCODE_FPS={f} at 1080p"),
            ),
            None => measured(w, h, job.fps, &enc).await?,
        });
    }
    Some(add_up(jobs, &per))
}

/// Frames × seconds a frame × the overhead, for each job with its per-frame figure.
fn add_up(jobs: &[Job], per_frame: &[(f64, String)]) -> Estimate {
    let mut total = 0.0;
    let mut parts = Vec::new();
    for (job, (s, source)) in jobs.iter().zip(per_frame) {
        let (w, h, _) = job.settings();
        let frames = job.frames();
        total += frames * s * OVERHEAD;
        parts.push(format!(
            "{frames:.0} frames at {w}×{h} × {s:.3} s a frame ({source}) × {OVERHEAD} for compositing and sound"
        ));
    }
    Estimate {
        seconds: total,
        how: parts.join("; plus "),
    }
}

/// Seconds this machine takes to encode one frame (measured, or reused from a measurement in
/// the last five minutes), and where the figure came from.
async fn measured(w: u32, h: u32, fps: u32, enc: &EncodeSettings) -> Option<(f64, String)> {
    let key: Key = (w, h, fps, enc.preset.clone(), enc.crf);
    if let Some((at, s)) = MEASURED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_default()
        .get(&key)
        && at.elapsed() < REUSE
    {
        return Some((*s, measured_how(*s)));
    }
    let s = test_encode(w, h, fps, enc).await?;
    MEASURED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_default()
        .insert(key, (Instant::now(), s));
    Some((s, measured_how(s)))
}

fn measured_how(s: f64) -> String {
    format!(
        "a {TEST_FRAMES}-frame test encode on this machine ran at {:.1} frames a second",
        1.0 / s
    )
}

/// Time a `TEST_FRAMES`-frame encode of a moving test pattern with these settings.
async fn test_encode(w: u32, h: u32, fps: u32, enc: &EncodeSettings) -> Option<f64> {
    let tools = crate::ffmpeg::Tools::locate().ok()?;
    let mut cmd = tools.ffmpeg_command();
    cmd.args(["-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={w}x{h}:rate={}", fps.max(1)))
        .args(["-frames:v", &TEST_FRAMES.to_string()])
        .args(["-c:v", "libx264", "-preset", &enc.preset])
        .args(["-crf", &enc.crf.to_string(), "-pix_fmt", "yuv420p"])
        .args(["-f", "null", "-"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(120), cmd.status())
        .await
        .ok()?
        .ok()?;
    if !status.success() {
        tracing::debug!(?status, "test encode failed; no render-time estimate");
        return None;
    }
    Some(start.elapsed().as_secs_f64() / f64::from(TEST_FRAMES))
}

/// "about 14 minutes", "about 2 hours 5 minutes".
pub(crate) fn spoken(seconds: f64) -> String {
    let minutes = ((seconds / 60.0).round() as u64).max(1);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("about {m} minute{}", if m == 1 { "" } else { "s" }),
        (h, 0) => format!("about {h} hour{}", if h == 1 { "" } else { "s" }),
        (h, m) => format!(
            "about {h} hour{} {m} minutes",
            if h == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_times_speed_times_overhead() {
        let job = Job {
            width: 1920,
            height: 1080,
            fps: 30,
            seconds: 600.0,
            draft: false,
        };
        // 18000 frames at 0.1 s a frame = 1800 s, × 1.3.
        let e = add_up(&[job], &[(0.1, "x".into())]);
        assert!((e.seconds - 2340.0).abs() < 1e-6, "{}", e.seconds);
        assert!(e.how.contains("18000 frames at 1920×1080"), "{}", e.how);
        // Two formats add up; a draft is 360p.
        let draft = Job { draft: true, ..job };
        let e = add_up(&[job, draft], &[(0.1, "x".into()), (0.01, "y".into())]);
        assert!((e.seconds - 2340.0 - 234.0).abs() < 1e-6, "{}", e.seconds);
        assert!(e.how.contains("640×360"), "{}", e.how);
    }

    #[tokio::test]
    async fn a_test_encode_measures_this_machine() {
        // Skipped where ffmpeg is missing (the render tests need it anyway).
        if crate::ffmpeg::Tools::locate().is_err() {
            return;
        }
        let (s, how) = measured(320, 240, 30, &EncodeSettings::draft())
            .await
            .unwrap();
        assert!(s > 0.0 && s < 5.0, "{s}");
        assert!(how.contains("test encode"), "{how}");
    }

    #[test]
    fn durations_are_spoken() {
        assert_eq!(spoken(20.0), "about 1 minute");
        assert_eq!(spoken(14.0 * 60.0), "about 14 minutes");
        assert_eq!(spoken(3600.0), "about 1 hour");
        assert_eq!(spoken(7500.0), "about 2 hours 5 minutes");
    }
}
