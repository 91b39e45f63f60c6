//! Measuring a narrated render: its audio as samples, levels over spans, SRT cues, where the
//! voice sits in the deliverable, and how far each caption cue is from its spoken word.

use reelsmith::backend::local::LocalBackend;
use reelsmith::media::MediaInfo;
use reelsmith::timeline::Timeline;
use reelsmith::timeline::narration::VOICE_TRACK;
use reelsmith::voice::{Inventory, Timing};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Samples of the audio of `path` as mono f32 at `rate`, through the ffmpeg filter `af`.
pub fn pcm(path: &Path, rate: u32, af: &str) -> Vec<f32> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-i"])
        .arg(path)
        .args(["-vn", "-af", af, "-ac", "1", "-ar", &rate.to_string()])
        .args(["-f", "f32le", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// RMS level (dB) of the samples inside the spans (ms).
pub fn level_db(s: &[f32], rate: u32, spans: &[(u64, u64)]) -> f64 {
    let (mut sum, mut n) = (0f64, 0usize);
    for &(a, b) in spans {
        let (a, b) = (
            (a * rate as u64 / 1000) as usize,
            ((b * rate as u64 / 1000) as usize).min(s.len()),
        );
        for x in s.get(a..b).unwrap_or(&[]) {
            sum += (*x as f64) * (*x as f64);
            n += 1;
        }
    }
    assert!(
        n > rate as usize / 4,
        "too little audio to measure in {spans:?}"
    );
    10.0 * (sum / n as f64 + 1e-12).log10()
}

/// SRT cues: (start ms, text).
pub fn srt_cues(srt: &str) -> Vec<(u64, String)> {
    let ms = |t: &str| -> u64 {
        let (hms, milli) = t.trim().split_once(',').unwrap();
        let p: Vec<u64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
        ((p[0] * 60 + p[1]) * 60 + p[2]) * 1000 + milli.parse::<u64>().unwrap()
    };
    srt.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let lines: Vec<&str> = b.lines().collect();
            let (start, _) = lines[1].split_once("-->").unwrap();
            (ms(start), lines[2..].join(" "))
        })
        .collect()
}

/// The session's media by id.
pub fn media_of(b: &LocalBackend, session: &str) -> HashMap<String, MediaInfo> {
    b.store()
        .media(session)
        .unwrap()
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect()
}

/// `tl`'s soundtrack with the voice-over muted (its ducking, keyed by the word times, stays),
/// made by the renderer itself (drafts' one pass) in `work`.
pub async fn music_only(tl: &Timeline, media: &HashMap<String, MediaInfo>, work: &Path) -> PathBuf {
    let mut t = tl.clone();
    let track = t.tracks.iter_mut().find(|t| t.id == VOICE_TRACK).unwrap();
    track.segments[0].volume = Some(0.0);
    let tools = reelsmith::ffmpeg::Tools::locate().unwrap();
    reelsmith::render::audio::soundtrack(&t, media, work, &tools, &CancellationToken::new(), true)
        .await
        .unwrap()
        .path
}

/// How far (ms) the voice in `mix` lies after the recording `voice` delayed by `start_ms`,
/// within ±`max_ms`: the peak of their cross-correlation in the 300–1800 Hz band at 4 kHz
/// (0.25 ms steps). The music in the mix does not correlate with the voice.
pub fn lag_ms(voice: &Path, start_ms: u64, mix: &Path, max_ms: i64) -> f64 {
    const RATE: i64 = 4000;
    let band = "highpass=f=300,lowpass=f=1800";
    let x = pcm(
        voice,
        RATE as u32,
        &format!("adelay={start_ms}:all=1,{band}"),
    );
    let y = pcm(mix, RATE as u32, band);
    let max = max_ms * RATE / 1000;
    let n = x.len().min(y.len()) as i64;
    let corr = |lag: i64| -> f64 {
        (max..n - max)
            .map(|i| x[i as usize] as f64 * y[(i + lag) as usize] as f64)
            .sum()
    };
    let best = (-max..=max)
        .max_by(|&p, &q| corr(p).total_cmp(&corr(q)))
        .unwrap();
    best as f64 * 1000.0 / RATE as f64
}

/// Each cue's start minus its first word's onset in the recording `voice` placed at `start_ms`
/// on the video's clock, by forced alignment and by where the sound comes back after quiet (None
/// when no pause precedes the word). The cues' words must be the script's words, in order.
pub async fn cue_errors(
    voice: &Path,
    start_ms: u64,
    script: &str,
    cues: &[(u64, String)],
) -> (Vec<i64>, Vec<Option<i64>>) {
    let inv = Inventory::discover();
    let tools = reelsmith::ffmpeg::Tools::locate().unwrap();
    let cancel = CancellationToken::new();
    let (aligned, timing) = reelsmith::voice::align(voice, script, "en", &inv, &tools, &cancel)
        .await
        .unwrap();
    assert_eq!(timing, Timing::Aligned);
    // 10 ms frames of the speech band; quiet is 26 dB under the loudest frame.
    let rate = 16_000;
    let band = pcm(
        voice,
        rate,
        &format!("adelay={start_ms}:all=1,highpass=f=300,lowpass=f=3400"),
    );
    let f10: Vec<f32> = band
        .chunks((rate / 100) as usize)
        .map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let peak = f10.iter().cloned().fold(0.0, f32::max);
    let physical = |start: u64| -> Option<i64> {
        let from = (start.saturating_sub(300) / 10) as usize;
        // A loud frame after at least 60 ms of quiet, within 300 ms of the cue.
        (from + 6..(from + 60).min(f10.len()))
            .find(|&k| f10[k] > peak * 0.05 && f10[k - 6..k].iter().all(|&x| x <= peak * 0.05))
            .map(|k| k as i64 * 10)
    };
    let mut first = 0usize;
    let (mut errors, mut sound) = (Vec::new(), Vec::new());
    for (start, text) in cues {
        errors.push(*start as i64 - (start_ms + aligned[first].start_ms) as i64);
        sound.push(physical(*start).map(|p| *start as i64 - p));
        first += text.split_whitespace().count();
    }
    (errors, sound)
}

/// The median of the absolute values.
pub fn median_abs(v: &[i64]) -> i64 {
    let mut abs: Vec<i64> = v.iter().map(|e| e.abs()).collect();
    abs.sort();
    abs[abs.len() / 2]
}

/// Run `req` on `b` and wait until it is done (failing the test otherwise).
pub async fn export_done(b: &LocalBackend, req: reelsmith::backend::ExportRequest) {
    use reelsmith::backend::{Backend, JobState};
    let mut job = b.export(req).await.unwrap();
    let status = job
        .status
        .wait_for(|s| s.state != JobState::Running)
        .await
        .unwrap()
        .clone();
    assert_eq!(status.state, JobState::Done, "{}", status.message);
}

/// Export `session` to `out` with its caption files (.srt, .vtt) and wait for it.
pub async fn export_with_captions(b: &LocalBackend, session: &str, out: &Path) {
    export_done(
        b,
        reelsmith::backend::ExportRequest {
            session_id: session.to_string(),
            output: Some(out.to_path_buf()),
            captions_file: true,
            ..Default::default()
        },
    )
    .await;
}

/// The music's level (dB) under the voice and away from it: `tl`'s soundtrack with the voice
/// muted, measured inside the spoken spans (150 ms in from each end) and before the first word
/// and after the last one (fades aside).
pub async fn music_under_and_without(
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
) -> (f64, f64) {
    let rate = 16_000;
    let work = tempfile::tempdir().unwrap();
    let m = pcm(&music_only(tl, media, work.path()).await, rate, "anull");
    let spans = tl.speech_spans(700);
    let under: Vec<(u64, u64)> = spans
        .iter()
        .map(|&(a, e)| (a + 150, e.saturating_sub(150)))
        .collect();
    let (first_word, last_word) = (spans[0].0, spans.last().unwrap().1);
    let bgm = &tl.music()[0];
    let without = [
        (bgm.fade_in_ms.unwrap_or(0) + 100, first_word - 200),
        (
            last_word + 600,
            tl.duration_ms - bgm.fade_out_ms.unwrap_or(0) - 100,
        ),
    ];
    (level_db(&m, rate, &under), level_db(&m, rate, &without))
}
