//! The beat tracker through ffmpeg on real recordings with a known tempo (see
//! `support/music/README.md`), on our own generated music, and on a file with no audio.

use reelsmith::beats::{self, Accuracy, BeatGrid, BeatsError};
use reelsmith::ffmpeg::Tools;
use reelsmith::render::music::{self, Mood};
use std::path::{Path, PathBuf};

fn music(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/support/music")
        .join(name)
}

/// Detect `path`, compare with a grid at `bpm` from `first_ms`, print and assert the figures.
async fn check(path: &Path, bpm: f64, first_ms: u64, secs: f64) {
    let tools = Tools::locate().unwrap();
    let t0 = std::time::Instant::now();
    let grid = beats::detect(path, &tools).await.unwrap();
    let truth = BeatGrid::regular(bpm, first_ms, (secs * 1000.0) as u64).beats_ms;
    let acc = Accuracy::measure(&grid, bpm, &truth, 50);
    println!(
        "{}: {bpm} BPM → {:.3}: {acc}, confidence {:.2}, {} ms",
        path.file_name().unwrap().to_string_lossy(),
        grid.bpm,
        grid.confidence,
        t0.elapsed().as_millis()
    );
    assert!(
        acc.passes(),
        "{}: {acc}\n{:?}",
        path.display(),
        grid.beats_ms
    );
}

#[tokio::test]
async fn a_recorded_drum_break_at_140_bpm() {
    check(&music("amen-140bpm.opus"), 140.0, 0, 20.57).await;
}

#[tokio::test]
async fn a_recorded_full_mix_loop_at_120_bpm() {
    check(&music("mika-120bpm.opus"), 120.0, 0, 24.0).await;
}

#[tokio::test]
async fn generated_music_through_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    for mood in [Mood::Upbeat, Mood::Happy, Mood::Lofi] {
        let path = dir.path().join(format!("{mood:?}.wav"));
        music::write_bed(mood, 20_000, &path, &cancel).unwrap();
        check(&path, mood.bpm() as f64, 0, 20.0).await;
    }
}

#[tokio::test]
async fn a_file_without_audio_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let still = crate::support::still(dir.path(), "still.png", 64, 64, 0);
    let err = beats::detect(&still, &Tools::locate().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, BeatsError::NoAudio), "{err}");
    let missing = beats::detect(&dir.path().join("nope.mp3"), &Tools::locate().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(missing, BeatsError::Decode(_)), "{missing}");
}
