//! Issue 12's acceptance: a script rendered with narration. Speech is present where the script
//! is, the SRT's words are the script's words and each cue starts within 100 ms of its word's
//! onset (forced alignment and sound onsets of the voice, which cross-correlation finds at its
//! place in the deliverable; the typical cue also against the final mix), the music is ≥ 8 dB lower
//! under the voice than without it, and the mix is −14 ± 1 LUFS with true peak ≤ −1 dBTP.
//!
//! The voice is installed by scripts/setup (CI runs it); without it this test fails and says so
//! instead of skipping. Nothing here is timed, so CPU load cannot make it flaky.

use crate::support::speech::*;
use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest};
use reelsmith::edit::EditOp;
use reelsmith::media::Source;

const TITLE: &str = "Aurora Lamp";
const BODY: [&str; 4] = [
    "Meet Aurora, the lamp that follows your day.",
    "It wakes you gently with a warm sunrise glow.",
    "At night, it dims to a soft amber light.",
    "Made from recycled aluminium, built to last.",
];
const END: &str = "Order today at aurora.shop.";

#[tokio::test(flavor = "multi_thread")]
async fn narrated_script_speaks_captions_follow_and_music_ducks() {
    narrated(false).await;
}

/// Every cue within 100 ms of its word, not just the typical one.
#[tokio::test(flavor = "multi_thread")]
async fn every_cue_starts_within_100_ms_of_its_word() {
    narrated(true).await;
}

/// Render a narrated script and check it; `every_cue` holds each cue to 100 ms (otherwise the
/// typical cue, the median, is held to it).
async fn narrated(every_cue: bool) {
    let inv = reelsmith::voice::Inventory::discover();
    assert!(
        inv.voice_for("en").is_some() && inv.aligner.is_some(),
        "the English voice and the aligner are not installed in {}; run scripts/setup",
        inv.dir.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let shots: Vec<Source> = (0..3)
        .map(|k| Source::Path(still(dir.path(), &format!("s{k}.png"), 1280, 720, k)))
        .collect();
    let script = format!("{TITLE}\n{}\n{END}\n", BODY.join("\n"));
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let made = b
        .create(CreateRequest {
            prompt: "a promo video with music".into(),
            script: Some(script),
            files: shots,
            edits: vec![EditOp::SetVoiceover {
                text: None,
                voice: None,
                speed: None,
                words_per_minute: None,
                media_id: None,
                file: None,
                off: None,
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    let tl = &made.timeline;
    let vo = tl
        .voiceover()
        .unwrap_or_else(|| panic!("no voice-over on the timeline: {:?}", made.notes));
    let take = vo.voice.as_ref().unwrap();
    assert_eq!(take.timing, "engine", "{:?}", made.notes);

    // Shot changes fall between sentences: no cut (transition middle) inside a spoken word.
    let words: Vec<(u64, u64)> = take
        .words
        .iter()
        .map(|w| (vo.start_ms + w.start_ms, vo.start_ms + w.end_ms))
        .collect();
    for s in tl.segments(reelsmith::timeline::TT_VIDEO).iter().skip(1) {
        let cut = s.start_ms + s.transition.as_ref().map_or(0, |t| t.duration_ms) / 2;
        assert!(
            !words.iter().any(|&(a, e)| cut > a && cut < e),
            "a shot changes inside a word at {cut} ms"
        );
    }
    // The video's length follows the narration.
    assert!(tl.duration_ms >= vo.end_ms() + 1000, "{}", tl.summary());

    let out = dir.path().join("narrated.mp4");
    export_with_captions(&b, &made.session_id, &out).await;

    // Loudness of the deliverable.
    let (lufs, peak) = loudness(&out);
    eprintln!("loudness {lufs} LUFS, true peak {peak} dBTP");
    assert!((lufs + 14.0).abs() <= 1.0, "integrated {lufs} LUFS");
    assert!(peak <= -1.0, "true peak {peak} dBTP");

    // The SRT's words are the script's words.
    let srt = std::fs::read_to_string(out.with_extension("srt")).unwrap();
    assert!(out.with_extension("vtt").is_file());
    let cues = srt_cues(&srt);
    let srt_words: Vec<String> = cues
        .iter()
        .flat_map(|(_, t)| t.split_whitespace().map(String::from))
        .collect();
    let body = BODY.join(" ");
    let script_words: Vec<&str> = body.split_whitespace().collect();
    assert_eq!(srt_words, script_words, "{srt}");

    // Each cue starts within 100 ms of its first word's onset. Measured on the voice alone:
    // PocketSphinx on the final mix is thrown by the music under the voice (in about one take in
    // four it stretches a vowel-initial word after a pause 60–300 ms into the music before it,
    // where the voice-only audio aligns within 40 ms), so the recording is aligned where it is
    // placed, and cross-correlation shows the voice sits exactly there in the deliverable.
    let rec = made_voice(&b, &made.session_id, vo.media_id.as_deref().unwrap());
    let lag = lag_ms(&rec, vo.start_ms, &out, 200);
    eprintln!("the voice in the MP4 is {lag} ms after where the timeline places it");
    assert!(
        lag.abs() <= 5.0,
        "the voice is {lag} ms off its place in the mix"
    );
    let (errors, sound) = cue_errors(&rec, vo.start_ms, &body, &cues).await;
    eprintln!("cue onset errors (ms), cue start − aligned onset: {errors:?}");
    eprintln!("cue onset errors (ms), cue start − sound onset after a pause: {sound:?}");
    for (k, (a, p)) in errors.iter().zip(&sound).enumerate() {
        if !every_cue {
            break;
        }
        // PocketSphinx starts a word after a pause early; the sound onset is exact there.
        assert!(
            a.abs() <= 100 || p.is_some_and(|p| p.abs() <= 100),
            "cue {} ('{}') starts {a} ms from the aligned onset and {p:?} ms from the sound onset",
            k + 1,
            cues[k].1
        );
    }
    assert!(
        median_abs(&errors) <= 100,
        "typical cue error {} ms: {errors:?}",
        median_abs(&errors)
    );

    // The same on the final mix, music and all, for the typical cue.
    let tools = reelsmith::ffmpeg::Tools::locate().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let (aligned, _) = reelsmith::voice::align(&out, &body, "en", &inv, &tools, &cancel)
        .await
        .unwrap();
    let mut first = 0usize;
    let mut in_mix = Vec::new();
    for (start, text) in &cues {
        in_mix.push(*start as i64 - aligned[first].start_ms as i64);
        first += text.split_whitespace().count();
    }
    eprintln!("cue onset errors (ms) against the final mix: {in_mix:?}");
    assert!(median_abs(&in_mix) <= 100, "in the mix: {in_mix:?}");

    let rate = 16_000;
    let band = pcm(&out, rate, "highpass=f=300,lowpass=f=3400");

    // Speech where the script is: in the speech band (300–3400 Hz) the spoken spans are well
    // above the music alone before the voice starts, and vary like speech.
    let speech = tl.speech_spans(0);
    let first_word = speech[0].0;
    let lead = [(600, first_word - 200)];
    let speech_db = level_db(&band, rate, &speech);
    let lead_db = level_db(&band, rate, &lead);
    eprintln!("speech band: {speech_db:.1} dB under the voice, {lead_db:.1} dB music alone");
    assert!(
        speech_db > lead_db + 3.0,
        "no speech where the script is: {speech_db:.1} dB vs {lead_db:.1} dB of music alone"
    );
    let frames: Vec<f64> = speech
        .iter()
        .flat_map(|&(a, e)| (a..e.saturating_sub(260)).step_by(130))
        .map(|t| level_db(&band, rate, &[(t, t + 260)]))
        .collect();
    let mean = frames.iter().sum::<f64>() / frames.len() as f64;
    let sd = (frames.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / frames.len() as f64).sqrt();
    assert!(
        sd > 1.5,
        "speech-band level too steady for speech (sd {sd:.1} dB)"
    );

    // Music under speech vs without: the same soundtrack with the voice muted (its ducking is
    // keyed by the word times, so it stays), measured inside and outside the spoken spans.
    let (under_db, without_db) = music_under_and_without(tl, &media_of(&b, &made.session_id)).await;
    eprintln!("music: {under_db:.1} dB under speech, {without_db:.1} dB without");
    assert!(
        without_db - under_db >= 8.0,
        "music under speech {under_db:.1} dB vs {without_db:.1} dB without: ducked only {:.1} dB",
        without_db - under_db
    );
}

/// The path of the session's narration recording `id`.
fn made_voice(b: &LocalBackend, session: &str, id: &str) -> std::path::PathBuf {
    media_of(b, session)[id].path.clone()
}

/// An edit that changes the voice-over says what changed in its result: the pace asked and
/// reached, and the narration's new length.
#[tokio::test(flavor = "multi_thread")]
async fn a_slower_voice_over_edit_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let set = |speed: Option<f32>| EditOp::SetVoiceover {
        text: None,
        voice: None,
        speed,
        words_per_minute: None,
        media_id: None,
        file: None,
        off: None,
    };
    let made = b
        .create(CreateRequest {
            prompt: "a promo video".into(),
            script: Some(format!("{TITLE}\n{}\n{END}\n", BODY[..2].join("\n"))),
            files: vec![Source::Path(still(dir.path(), "a.png", 1280, 720, 0))],
            edits: vec![set(None)],
            ..Default::default()
        })
        .await
        .unwrap();
    let before = made.timeline.voiceover().expect("a voice-over").duration_ms;
    let edited = b
        .create(CreateRequest {
            session_id: Some(made.session_id.clone()),
            edits: vec![set(Some(0.8))],
            ..Default::default()
        })
        .await
        .unwrap();
    let after = edited.timeline.voiceover().unwrap().duration_ms;
    assert!(after > before, "{before} ms → {after} ms at 80% speed");
    let line = edited
        .changes
        .iter()
        .find(|c| c.starts_with("voice-over: "))
        .unwrap_or_else(|| panic!("no voice-over line in {:?}", edited.changes));
    assert!(
        line.contains("natural pace → 80% speed")
            && line.contains(&reelsmith::timeline::secs(after)),
        "{line}"
    );
}
