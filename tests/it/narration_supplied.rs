//! Supplied narration (issue 12, item 2): an uploaded recording is the voice-over, set by the
//! `set_voiceover {file}` op, and the script's words are timed in it by forced alignment, so the
//! captions follow it. The "recording" is made by the installed voice (`reelsmith voice say`),
//! whose own word times are an independent reference for where each word is spoken.

use crate::support::speech::*;
use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest};
use reelsmith::edit::EditOp;
use reelsmith::media::Source;
use std::path::{Path, PathBuf};

const BODY: [&str; 3] = [
    "Fresh bread every morning, baked by hand.",
    "Our ovens start at four, so you never wait.",
    "Come in early and taste the difference.",
];

/// The body spoken into `narration.wav` by the installed voice, with what the engine said of it.
fn record(dir: &Path, body: &str) -> (PathBuf, serde_json::Value) {
    let rec = dir.join("narration.wav");
    let say = reelsmith(dir)
        .args(["voice", "say", "-o"])
        .arg(&rec)
        .arg(body)
        .output()
        .unwrap();
    assert!(
        say.status.success(),
        "`reelsmith voice say` failed — is the voice installed? run scripts/setup: {}",
        text(&say)
    );
    (rec, serde_json::from_slice(&say.stdout).unwrap())
}

fn script() -> String {
    format!("Bakery\n{}\nSee you soon.\n", BODY.join("\n"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supplied_recording_narrates_with_captions_that_follow_it_and_music_ducks() {
    let dir = tempfile::tempdir().unwrap();
    let body = BODY.join(" ");
    let (rec, said) = record(dir.path(), &body);
    // Where the voice engine put each word in the recording (ms).
    let spoken: Vec<u64> = said["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["start_ms"].as_u64().unwrap())
        .collect();

    let shots: Vec<Source> = (0..3)
        .map(|k| Source::Path(still(dir.path(), &format!("s{k}.png"), 1280, 720, k)))
        .collect();
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let made = b
        .create(CreateRequest {
            prompt: "a promo video with music".into(),
            script: Some(script()),
            files: shots,
            edits: vec![EditOp::SetVoiceover {
                text: None,
                voice: None,
                speed: None,
                words_per_minute: None,
                media_id: None,
                file: Some(rec.to_string_lossy().into_owned()),
                off: None,
            }],
            edit_files: vec![(0, Source::Path(rec.clone()))],
            ..Default::default()
        })
        .await
        .unwrap();
    let tl = &made.timeline;
    let vo = tl
        .voiceover()
        .unwrap_or_else(|| panic!("no voice-over on the timeline: {:?}", made.notes));
    let take = vo.voice.as_ref().unwrap();
    assert_eq!(take.voice, "supplied", "{:?}", made.notes);
    assert_eq!(take.timing, "aligned", "{:?}", made.notes);
    assert!(
        made.notes.iter().any(|n| n.contains("narration.wav")),
        "the result names the recording: {:?}",
        made.notes
    );
    // It is the recording, whole: same length, and the video's length follows it.
    let secs = |ms: u64| ms as f64 / 1000.0;
    let rec_ms = said["duration_ms"].as_u64().unwrap();
    assert!(
        vo.duration_ms.abs_diff(rec_ms) <= 50,
        "{} s placed of a {} s recording",
        secs(vo.duration_ms),
        secs(rec_ms)
    );
    assert!(tl.duration_ms >= vo.end_ms() + 1000, "{}", tl.summary());

    let out = dir.path().join("supplied.mp4");
    export_with_captions(&b, &made.session_id, &out).await;

    // The captions say the script, word for word.
    let srt = std::fs::read_to_string(out.with_extension("srt")).unwrap();
    let cues = srt_cues(&srt);
    let srt_words: Vec<&str> = cues
        .iter()
        .flat_map(|(_, t)| t.split_whitespace())
        .collect();
    assert_eq!(
        srt_words,
        body.split_whitespace().collect::<Vec<_>>(),
        "{srt}"
    );

    // The recording sits where the timeline places it in the deliverable.
    let kept = media_of(&b, &made.session_id)[vo.media_id.as_deref().unwrap()]
        .path
        .clone();
    let lag = lag_ms(&kept, vo.start_ms, &out, 200);
    assert!(
        lag.abs() <= 5.0,
        "the voice is {lag} ms off its place in the mix"
    );

    // Each cue starts within 100 ms of its first word as the voice engine spoke it (an
    // independent reference: the captions were timed by the aligner) and of the sound onset
    // after a pause.
    let mut first = 0usize;
    let mut engine = Vec::new();
    for (start, text) in &cues {
        engine.push(*start as i64 - (vo.start_ms + spoken[first]) as i64);
        first += text.split_whitespace().count();
    }
    let (_, sound) = cue_errors(&kept, vo.start_ms, &body, &cues).await;
    eprintln!("cue start − engine onset (ms): {engine:?}; − sound onset: {sound:?}");
    for (k, (e, s)) in engine.iter().zip(&sound).enumerate() {
        assert!(
            e.abs() <= 100 && s.is_none_or(|s| s.abs() <= 100),
            "cue {} ('{}') starts {e} ms from the spoken word and {s:?} ms from the sound",
            k + 1,
            cues[k].1
        );
    }
    assert!(
        sound.iter().filter(|s| s.is_some()).count() >= 2,
        "pauses to check against: {sound:?}"
    );

    // The music dips under the recording.
    let (under, without) = music_under_and_without(tl, &media_of(&b, &made.session_id)).await;
    eprintln!("music: {under:.1} dB under the voice, {without:.1} dB without");
    assert!(
        without - under >= 8.0,
        "music ducked only {:.1} dB under the recording",
        without - under
    );
}

/// "Use my recording as the voice-over", said in the first prompt or in an edit: the uploaded
/// recording is the narration (aligned to the script), not the music; a file that is not in
/// the session is named in a clear error.
#[tokio::test(flavor = "multi_thread")]
async fn a_prompt_makes_the_uploaded_recording_the_voice_over() {
    let dir = tempfile::tempdir().unwrap();
    let (rec, _) = record(dir.path(), &BODY.join(" "));
    let song = dir.path().join("song.mp3");
    let made = ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=f=330:d=20",
        song.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let stills = || -> Vec<Source> {
        (0..3)
            .map(|k| Source::Path(still(dir.path(), &format!("s{k}.png"), 1280, 720, k)))
            .collect()
    };
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let id_of = |session: &str, name: &str| {
        media_of(&b, session)
            .into_values()
            .find(|m| m.file_name == name)
            .unwrap()
            .id
    };
    let voice_of = |made: &reelsmith::backend::Created| {
        let tl = &made.timeline;
        let vo = tl
            .voiceover()
            .unwrap_or_else(|| panic!("no voice-over: {:?} {:?}", made.changes, made.notes));
        let take = vo.voice.as_ref().unwrap();
        assert_eq!(
            (take.voice.as_str(), take.timing.as_str()),
            ("supplied", "aligned")
        );
        vo.media_id.clone().unwrap()
    };

    // First cut: of two audio files, the prompt's recording narrates and the other is music.
    let mut files = stills();
    files.push(Source::Path(rec.clone()));
    files.push(Source::Path(song.clone()));
    let first = b
        .create(CreateRequest {
            prompt: "a promo video, my recording is the voice-over".into(),
            script: Some(script()),
            files,
            ..Default::default()
        })
        .await
        .unwrap();
    let s = first.session_id.as_str();
    assert_eq!(voice_of(&first), id_of(s, "narration.wav"));
    assert_eq!(
        first.timeline.music()[0].media_id.as_deref(),
        Some(id_of(s, "song.mp3").as_str()),
        "{}",
        first.timeline.summary()
    );
    assert!(
        first.changes.iter().any(|c| c.contains("narration.wav")),
        "{:?}",
        first.changes
    );

    // Music is not a narration: the script is not heard in it, so the edit is refused with
    // why, and nothing changes (the music stays the music).
    let wrong = b
        .create(CreateRequest {
            session_id: Some(s.to_string()),
            prompt: "use song.mp3 as the voice-over".into(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        wrong.contains("not heard")
            && wrong.contains("song.mp3")
            && wrong.contains("nothing was changed"),
        "{wrong}"
    );
    assert_eq!(
        b.timeline(s).await.unwrap().revision,
        first.revision,
        "{wrong}"
    );

    // An edit: the recording was uploaded as the only audio, so it became the music; the
    // prompt moves it to the voice and says the music is gone.
    let mut files = stills();
    files.push(Source::Path(rec.clone()));
    let plain = b
        .create(CreateRequest {
            prompt: "a promo video".into(),
            script: Some(script()),
            files,
            ..Default::default()
        })
        .await
        .unwrap();
    let s = plain.session_id.clone();
    let rec_id = id_of(&s, "narration.wav");
    assert_eq!(
        plain.timeline.music()[0].media_id.as_deref(),
        Some(rec_id.as_str())
    );
    let edit = |prompt: &str| {
        b.create(CreateRequest {
            session_id: Some(s.clone()),
            prompt: prompt.into(),
            ..Default::default()
        })
    };
    let voiced = edit("use my recording as the voice-over").await.unwrap();
    assert_eq!(voice_of(&voiced), rec_id);
    assert!(
        voiced.timeline.music().is_empty(),
        "{}",
        voiced.timeline.summary()
    );
    let said = voiced.changes.join(" | ");
    assert!(
        said.contains("narration.wav") && said.contains("no music"),
        "{said}"
    );

    // A recording that is not there: the error names it and the session's audio.
    let err = edit("use take9.wav as the narration")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("take9.wav") && err.contains("narration.wav"),
        "{err}"
    );
}
