//! Any audio (or video with sound) → mono f32 PCM at [`RATE`], decoded by an ffmpeg child.
//!
//! ffmpeg already reads every format reelsmith admits, so decoding here is one more run of it,
//! piping raw little-endian floats to stdout: no decoder crates, and the same kill-on-drop and
//! time limit as every other run.

use crate::ffmpeg::{self, FfmpegError, RunOptions, Tools};
use std::path::Path;
use std::time::Duration;

/// Sample rate the tracker analyses at. 11 025 Hz keeps kicks, snares and the low half of hats
/// (onsets live well below 5.5 kHz) while a 3-minute track is only 8 MB of floats.
pub const RATE: u32 = 11_025;

/// Longest stretch decoded, in seconds: a beat grid for a ten-minute track is plenty for any
/// video we make, and it bounds memory on a hostile hour-long file.
pub const MAX_SECONDS: u32 = 600;

/// The first [`MAX_SECONDS`] of `path`'s first audio stream as mono samples at [`RATE`].
pub async fn decode(path: &Path, tools: &Tools) -> Result<Vec<f32>, FfmpegError> {
    let mut cmd = tools.ffmpeg_command();
    cmd.arg("-i")
        .arg(path)
        .args(["-map", "0:a:0", "-vn", "-sn", "-dn", "-t"])
        .arg(MAX_SECONDS.to_string())
        .args(["-ac", "1", "-ar"])
        .arg(RATE.to_string())
        .args(["-f", "f32le", "pipe:1"]);
    let out = ffmpeg::run(
        "ffmpeg",
        cmd,
        RunOptions {
            timeout: Some(Duration::from_secs(120)),
            ..Default::default()
        },
    )
    .await?;
    Ok(out
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}
