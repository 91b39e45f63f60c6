//! Text entrances on real frames: "pop" starts small and grows to full size, "slide_up" starts
//! low and rises into place, "none" is whole from its first frame.

use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest, ExportRequest, JobState};
use serde_json::json;
use std::path::Path;

const W: usize = 1280;
const H: usize = 720;

fn frame(video: &Path, t: f64) -> Vec<u8> {
    let out = frame_rgb(video, (t * 10_000.0).round() / 10_000.0);
    assert_eq!(out.len(), W * H * 3);
    out
}

/// Bounding box (x0, y0, x1, y1) of pixels that differ from the grey background in rows y0..y1.
fn ink_box(px: &[u8], rows: std::ops::Range<usize>) -> Option<(usize, usize, usize, usize)> {
    ink_box_in(px, rows, 0..W)
}

/// As [`ink_box`], within columns `cols` too.
fn ink_box_in(
    px: &[u8],
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
) -> Option<(usize, usize, usize, usize)> {
    let mut b: Option<(usize, usize, usize, usize)> = None;
    for y in rows {
        for x in cols.clone() {
            let i = (y * W + x) * 3;
            let d = (0..3).map(|k| (px[i + k] as i32 - 64).abs()).max().unwrap();
            if d > 30 {
                b = Some(match b {
                    None => (x, y, x, y),
                    Some((a, c, e, f)) => (a.min(x), c.min(y), e.max(x), f.max(y)),
                });
            }
        }
    }
    b
}

#[tokio::test(flavor = "multi_thread")]
async fn pop_grows_and_slide_up_rises_on_the_frames() {
    let dir = tempfile::tempdir().unwrap();
    let grey = dir.path().join("grey.jpg");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=0x404040:s=1280x720",
        "-frames:v",
        "1",
        grey.to_str().unwrap(),
    ]);
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let c = b
        .create(CreateRequest {
            prompt: "a 4 second clip, no music".into(),
            files: reelsmith::media::Source::parse_all(&[grey.display().to_string()]).unwrap(),
            options: reelsmith::director::Options {
                resolution: Some(reelsmith::timeline::Resolution::P720),
                title: Some(String::new()),
                transition: Some(reelsmith::timeline::TransitionChoice::Cut),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let edits = serde_json::from_value(json!([
        {"op": "set_shot", "shot": 1, "motion": "none"},
        {"op": "add_text", "text": "POP", "role": "overlay", "start_s": 1.0, "end_s": 4.0,
         "style": {"color": "yellow", "size": "large", "position": "top", "animation": "pop"}},
        {"op": "add_text", "text": "RISE", "role": "overlay", "start_s": 1.0, "end_s": 4.0,
         "style": {"color": "yellow", "size": "large", "position": "bottom", "animation": "slide_up"}},
        {"op": "add_text", "text": "NOW", "role": "overlay", "start_s": 1.0, "end_s": 4.0,
         "style": {"color": "yellow", "size": "large", "position": "center", "animation": "none"}},
        {"op": "add_text", "text": "TYPING", "role": "overlay", "start_s": 1.0, "end_s": 4.0,
         "style": {"color": "yellow", "size": "medium", "position": "top_left", "animation": "typewriter"}}
    ]))
    .unwrap();
    b.create(CreateRequest {
        session_id: Some(c.session_id.clone()),
        edits,
        ..Default::default()
    })
    .await
    .unwrap();
    let out = dir.path().join("anim.mp4");
    let mut h = b
        .export(ExportRequest {
            session_id: c.session_id.clone(),
            output: Some(out.clone()),
            overwrite: false,
            revision: None,
            draft: false,
            shape: None,
            captions_file: false,
        })
        .await
        .unwrap();
    let s = h
        .status
        .wait_for(|s| s.state != JobState::Running)
        .await
        .unwrap()
        .clone();
    assert_eq!(s.state, JobState::Done, "{}", s.message);

    let (top, middle, bottom) = (0..H / 3, H / 3..2 * H / 3, 2 * H / 3..H);
    // Frame 1 of the entrance (t = 1 s + one frame) against a settled frame.
    let early = frame(&out, 1.0 + 1.0 / 30.0 + 0.005);
    let later = frame(&out, 2.5);
    assert!(
        ink_box(&frame(&out, 0.5), 0..H).is_none(),
        "nothing before 1 s"
    );

    // Pop: narrower at first (about 80% of full size), then full width.
    let (a0, _, a1, _) =
        ink_box_in(&early, top.clone(), W / 3..W).expect("pop visible at its first frames");
    let (b0, _, b1, _) = ink_box_in(&later, top.clone(), W / 3..W).unwrap();
    let (wa, wb) = ((a1 - a0) as f64, (b1 - b0) as f64);
    assert!(wa < wb * 0.92 && wa > wb * 0.5, "pop width {wa} then {wb}");
    // Centred on the same spot.
    assert!(((a0 + a1) as i64 - (b0 + b1) as i64).abs() <= 6);

    // Slide up: lower at first, then in place.
    let early = frame(&out, 1.0 + 4.0 / 30.0 + 0.005);
    let (_, _, _, low) = ink_box(&early, bottom.clone()).expect("slide visible");
    let (_, _, _, settled) = ink_box(&later, bottom).unwrap();
    assert!(low >= settled + 8, "bottom edge {low} then {settled}");

    // Typewriter: the first letters only at first, filling from the left, then the whole word.
    let typing = frame(&out, 1.0 + 3.0 / 30.0 + 0.005);
    let (e0, _, e1, _) = ink_box_in(&typing, top.clone(), 0..W / 3).expect("typing started");
    let (f0, _, f1, _) = ink_box_in(&later, top, 0..W / 3).unwrap();
    assert!(e0.abs_diff(f0) <= 3, "starts at the left: {e0} vs {f0}");
    assert!(e1 + 10 < f1, "partly typed: right edge {e1} then {f1}");

    // None: the whole text from its first frame.
    let first = frame(&out, 1.0 + 0.005);
    let (c0, _, c1, _) = ink_box(&first, middle.clone()).expect("no-animation text at once");
    let (d0, _, d1, _) = ink_box(&later, middle).unwrap();
    assert!((c1 - c0).abs_diff(d1 - d0) <= 2);
}
