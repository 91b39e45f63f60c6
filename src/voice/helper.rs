//! Running the embedded Python helper (`helper.py`) with a venv's Python: the request goes in a
//! JSON file, the answer comes back as JSON on stdout. The helper's source is compiled into the
//! binary so an installed `reelsmith` needs no file beside it.

use super::error::VoiceError;
use crate::ffmpeg::{self, FfmpegError, RunOptions};
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SOURCE: &str = include_str!("helper.py");
/// How `helper.py` marks a refusal of its input on stderr (kept in step with its `REFUSED`).
const REFUSED: &str = "refused: ";

/// Run `helper.py` with `python` on `request`, in the scratch folder `work`.
pub(crate) async fn run(
    python: &Path,
    request: &serde_json::Value,
    work: &Path,
    cancel: &CancellationToken,
) -> Result<serde_json::Value, VoiceError> {
    let script = work.join("reelsmith_voice_helper.py");
    let req = work.join("request.json");
    std::fs::write(&script, SOURCE)?;
    std::fs::write(
        &req,
        serde_json::to_vec(request).map_err(std::io::Error::other)?,
    )?;
    let mut cmd = ffmpeg::child_command(python);
    cmd.arg(&script).arg(&req).current_dir(work);
    // Quiet TensorFlow/onnxruntime banners; never let a library reach for the network.
    cmd.env("TF_CPP_MIN_LOG_LEVEL", "3")
        .env("HF_HUB_OFFLINE", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let opts = RunOptions {
        timeout: Some(Duration::from_secs(30 * 60)),
        cancel: Some(cancel),
        ..Default::default()
    };
    let out = ffmpeg::run("the voice helper", cmd, opts)
        .await
        .map_err(|e| match e {
            FfmpegError::Failed { stderr, .. } => {
                match stderr.lines().find_map(|l| l.strip_prefix(REFUSED)) {
                    Some(why) => VoiceError::Refused(why.trim().to_string()),
                    None => VoiceError::Engine(stderr),
                }
            }
            other => VoiceError::Ffmpeg(other),
        })?;
    serde_json::from_slice(&out.stdout).map_err(|e| {
        VoiceError::Engine(format!(
            "unreadable answer ({e}): {}",
            ffmpeg::tail(&String::from_utf8_lossy(&out.stdout), 3)
        ))
    })
}

/// The per-word `[start_s, end_s] | null` list of a helper answer (None when absent).
pub(crate) fn spans(answer: &serde_json::Value) -> Option<Vec<Option<(f64, f64)>>> {
    let list = answer.get("words")?.as_array()?;
    Some(
        list.iter()
            .map(|w| {
                let a = w.as_array()?;
                Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?))
            })
            .collect(),
    )
}
