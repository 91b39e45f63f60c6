//! Cuts on the beat: four stills and a supplied click track at 120 BPM, asked for as a music
//! video, get every cut (a hard cut, or a transition's middle) within one frame of a click;
//! with set_beat_sync off the same request keeps its even pacing, off the beat.

use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest, Created};
use reelsmith::director::Options;
use reelsmith::edit::EditOp;
use reelsmith::media::Source;
use reelsmith::timeline::{TT_VIDEO, Timeline};
use std::path::Path;

/// Clicks every 500 ms from 0 (120 BPM): 20 ms bursts of a 1 kHz tone, 24 s long.
fn click_track(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("clicks-120.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "aevalsrc='if(lt(mod(t\\,0.5)\\,0.02)\\,0.8*sin(2*PI*1000*t)\\,0)':s=44100:d=24",
        p.to_str().unwrap(),
    ]);
    p
}

/// The cut times (ms): where each shot after the first takes over.
fn cuts(tl: &Timeline) -> Vec<f64> {
    tl.segments(TT_VIDEO)[1..]
        .iter()
        .map(|s| {
            s.start_ms as f64 + s.transition.as_ref().map_or(0, |t| t.duration_ms) as f64 / 2.0
        })
        .collect()
}

/// Distance (ms) from `t` to the nearest click.
fn off_beat(t: f64) -> f64 {
    let r = t.rem_euclid(500.0);
    r.min(500.0 - r)
}

async fn make(dir: &Path, edits: Vec<EditOp>) -> Created {
    let mut files: Vec<Source> = (0..4)
        .map(|k| Source::Path(still(dir, &format!("s{k}.png"), 640, 360, k)))
        .collect();
    files.push(Source::Path(click_track(dir)));
    let b = LocalBackend::open(&dir.join(format!("home{}", edits.len()))).unwrap();
    b.create(CreateRequest {
        prompt: "a music video".into(),
        files,
        // 11 s: evenly paced, the cuts fall 120–150 ms off the beat.
        options: Options {
            duration_s: Some(11.0),
            ..Default::default()
        },
        edits,
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn cuts_snap_to_a_supplied_tracks_beat_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let fps = 30.0;

    let on = make(dir.path(), Vec::new()).await;
    let tl = &on.timeline;
    assert!(
        tl.music().first().is_some_and(|m| m.media_id.is_some()),
        "the click track is the music: {}",
        tl.summary()
    );
    let c = cuts(tl);
    eprintln!("snapped cuts (ms): {c:?}; notes: {:?}", on.notes);
    assert_eq!(c.len(), 3, "{}", tl.summary());
    for t in &c {
        assert!(
            off_beat(*t) <= 1000.0 / fps,
            "cut at {t} ms is {} ms off the beat: {c:?}",
            off_beat(*t)
        );
    }
    for s in tl.segments(TT_VIDEO) {
        assert!(s.duration_ms >= 1000, "a shot of {} ms", s.duration_ms);
    }
    assert!(
        on.notes.iter().any(|n| n.contains("nearest beat")),
        "the result says the cuts moved: {:?}",
        on.notes
    );
    assert!((tl.duration_ms as f64 - 11_000.0).abs() <= 1000.0 / fps);

    let off = make(dir.path(), vec![EditOp::SetBeatSync { on: false }]).await;
    let c = cuts(&off.timeline);
    eprintln!("unsnapped cuts (ms): {c:?}");
    assert_eq!(c.len(), 3);
    assert!(
        c.iter().any(|t| off_beat(*t) > 2.0 * 1000.0 / fps),
        "with beat sync off the cuts stay where pacing put them: {c:?}"
    );
    assert!(!off.notes.iter().any(|n| n.contains("nearest beat")));
}
