//! Word times for speech whose words are known: forced alignment with PocketSphinx (English),
//! else an estimate spread over the detected speech (no offline aligner for Chinese is packaged).

use super::discover::Inventory;
use super::error::VoiceError;
use super::helper;
use super::words::{Timing, WordTiming, fill, is_cjk, script_words};
use crate::ffmpeg::{self, Tools};
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// Times for every word of `script` in the narration `audio` (any format ffmpeg reads), in script
/// order. `language` is the script's (`en`, `zh`…); text with CJK characters counts as Chinese.
/// English is aligned with PocketSphinx ([`Timing::Aligned`]), other languages are estimated
/// ([`Timing::Estimated`]).
pub async fn align(
    audio: &Path,
    script: &str,
    language: &str,
    inventory: &Inventory,
    tools: &Tools,
    cancel: &CancellationToken,
) -> Result<(Vec<WordTiming>, Timing), VoiceError> {
    let words = script_words(script);
    if words.is_empty() {
        return Err(VoiceError::EmptyScript);
    }
    let work = tempfile::tempdir()?;
    let wav = work.path().join("16k.wav");
    let mut cmd = tools.ffmpeg_command();
    cmd.arg("-i")
        .arg(audio)
        .args(["-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"])
        .arg(&wav);
    ffmpeg::run_cancellable("ffmpeg", cmd, cancel).await?;
    let pcm = read_pcm16(&wav)?;
    let total_ms = pcm.len() as u64 * 1000 / 16000;
    let chinese = script.chars().any(is_cjk) || language.to_lowercase().starts_with("zh");
    if chinese || !language.to_lowercase().starts_with("en") {
        let spans = estimate(&pcm, 16000, &words);
        return Ok((fill(&words, &spans, total_ms), Timing::Estimated));
    }
    let Some(aligner) = &inventory.aligner else {
        return Err(VoiceError::NotInstalled {
            what: "the word aligner (PocketSphinx)".into(),
            dir: inventory.dir.clone(),
        });
    };
    let request = serde_json::json!({
        "op": "align",
        "audio": wav,
        "tokens": words,
    });
    let answer = helper::run(&aligner.python, &request, work.path(), cancel).await?;
    let spans = helper::spans(&answer)
        .ok_or_else(|| VoiceError::Engine("the aligner answered no word times".into()))?;
    let spans = onsets_at_sound(&pcm, 16000, &spans);
    Ok((fill(&words, &spans, total_ms), Timing::Aligned))
}

/// Loudest 10 ms frame over this much quiet: a word starting in quiet has not started yet.
const QUIET_DB: f64 = -30.0;

/// Word onsets moved to where the sound comes back when the aligner starts a word in quiet.
///
/// PocketSphinx gives the pause before a word to the word (170–220 ms of it seen after a comma),
/// so its caption would show before the word is heard; the sound's return is exact there.
/// A word whose onset is already in sound keeps it; none moves past its own end.
pub(crate) fn onsets_at_sound(
    pcm: &[i16],
    rate: u32,
    spans: &[Option<(f64, f64)>],
) -> Vec<Option<(f64, f64)>> {
    let hop = (rate / 100).max(1) as usize;
    let rms: Vec<f64> = pcm
        .chunks(hop)
        .map(|c| (c.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let peak = rms.iter().cloned().fold(0.0, f64::max);
    let quiet = peak * 10f64.powf(QUIET_DB / 20.0);
    let frame = |t: f64| (t * 100.0).floor().max(0.0) as usize;
    spans
        .iter()
        .map(|s| {
            let (a, b) = (*s)?;
            if rms.get(frame(a)).is_none_or(|&r| r > quiet) {
                return Some((a, b));
            }
            let back = (frame(a)..frame(b).min(rms.len())).find(|&k| rms[k] > quiet);
            Some(back.map_or((a, b), |k| ((k as f64 / 100.0).max(a), b)))
        })
        .collect()
}

/// The samples of a 16-bit mono PCM WAV (the format ffmpeg and the engines write).
pub(crate) fn read_pcm16(path: &Path) -> Result<Vec<i16>, VoiceError> {
    let bytes = std::fs::read(path)?;
    let bad = || VoiceError::Engine(format!("{} is not a 16-bit PCM WAV", path.display()));
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad());
    }
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = at + 8;
        if id == b"data" {
            let end = (body + len).min(bytes.len());
            return Ok(bytes[body..end]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect());
        }
        at = body + len + (len & 1);
    }
    Err(bad())
}

/// Spread `words` over the voiced part of `pcm` in proportion to their length: where no aligner
/// exists for the language, this keeps captions in step with the speech at sentence scale.
pub(crate) fn estimate(pcm: &[i16], rate: u32, words: &[String]) -> Vec<Option<(f64, f64)>> {
    let frame = (rate / 100) as usize; // 10 ms
    let rms: Vec<f64> = pcm
        .chunks(frame)
        .map(|c| (c.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let peak = rms.iter().cloned().fold(0.0, f64::max);
    let voiced: Vec<usize> = (0..rms.len()).filter(|&i| rms[i] > peak * 0.05).collect();
    if voiced.is_empty() {
        return vec![None; words.len()];
    }
    let weight = |w: &String| -> f64 {
        let cjk = w.chars().filter(|&c| is_cjk(c)).count();
        let other = w
            .chars()
            .filter(|c| c.is_alphanumeric() && !is_cjk(*c))
            .count();
        (cjk * 3 + other + 2) as f64
    };
    let total: f64 = words.iter().map(weight).sum();
    let n = voiced.len() as f64;
    let mut acc = 0.0;
    words
        .iter()
        .map(|w| {
            let a = ((acc / total) * n) as usize;
            acc += weight(w);
            let b = (((acc / total) * n) as usize).clamp(a + 1, voiced.len());
            let a = a.min(voiced.len() - 1);
            Some((voiced[a] as f64 / 100.0, (voiced[b - 1] + 1) as f64 / 100.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_aligned_into_the_pause_before_it_starts_where_the_sound_does() {
        // 0.5 s of tone, 0.3 s of near silence, 0.5 s of tone, at 16 kHz.
        let tone = |n: usize| (0..n).map(|i| ((i as f64 * 0.2).sin() * 8000.0) as i16);
        let pcm: Vec<i16> = tone(8000)
            .chain(std::iter::repeat_n(3, 4800))
            .chain(tone(8000))
            .collect();
        let spans = [Some((0.0, 0.5)), Some((0.6, 1.3)), Some((0.9, 1.0)), None];
        let got = onsets_at_sound(&pcm, 16000, &spans);
        assert_eq!(got[0], Some((0.0, 0.5)), "in sound already");
        assert_eq!(got[1], Some((0.8, 1.3)), "moved to the sound");
        assert_eq!(got[2], Some((0.9, 1.0)));
        assert_eq!(got[3], None);
    }
}
