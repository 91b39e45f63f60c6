//! Every adjustment the director makes is said in `notes`, and numbers it cannot read are
//! refused: one test per kind, through [`plan`] and [`edit`] as the backends call them.

use super::*;
use crate::media::{MediaInfo, MediaKind};
use std::path::PathBuf;

fn media(name: &str, kind: MediaKind, (width, height): (u32, u32), duration_ms: u64) -> MediaInfo {
    MediaInfo {
        id: format!("med_{name}"),
        path: PathBuf::from(format!("/m/{name}")),
        file_name: name.into(),
        kind,
        width,
        height,
        duration_ms,
        rotation: 0,
        exif_orientation: 0,
        has_audio: false,
        size_bytes: 1,
    }
}

/// `n` full-HD photos: nothing about them needs adjusting at 1080p.
fn photos(n: usize) -> Vec<MediaInfo> {
    (0..n)
        .map(|i| media(&format!("p{i}.jpg"), MediaKind::Image, (1920, 1080), 0))
        .collect()
}

fn plan_with(prompt: &str, media: &[MediaInfo]) -> Result<Outcome, DirectorError> {
    plan(&Brief {
        prompt,
        script: None,
        media,
        options: &Options::default(),
    })
}

fn first_cut(prompt: &str, media: &[MediaInfo]) -> Outcome {
    plan_with(prompt, media).unwrap_or_else(|e| panic!("{prompt}: {e}"))
}

fn edited(prompt: &str, media: &[MediaInfo]) -> Outcome {
    let base = first_cut("a 30 second video", media);
    assert!(base.notes.is_empty(), "{:?}", base.notes);
    edit(&base.timeline, prompt, &Options::default(), media, &[])
        .unwrap_or_else(|e| panic!("{prompt}: {e}"))
}

#[test]
fn nothing_adjusted_means_no_notes() {
    let o = first_cut("a 15 second promo with music", &photos(3));
    assert_eq!(o.timeline.duration_ms, 15_000);
    assert!(o.notes.is_empty(), "{:?}", o.notes);
}

#[test]
fn a_zero_second_video_is_said_to_be_the_natural_length() {
    let o = first_cut("make a 0 second video", &photos(2));
    assert_eq!(o.timeline.duration_ms, 6000);
    assert_eq!(
        o.notes,
        [
            "A 0-second video has nothing to show, so it is 6 s (about 3 s per picture); ask for 1 second to 10 minutes to set the length"
        ]
    );
}

#[test]
fn a_length_past_ten_minutes_is_clamped_and_said() {
    let o = first_cut("做一个999999秒的视频", &photos(2));
    assert_eq!(o.timeline.duration_ms, 600_000);
    assert_eq!(
        o.notes,
        ["999999 s was asked for, but the longest video is 600 s (10 minutes), so it is 600 s"]
    );
}

#[test]
fn a_length_under_a_second_is_raised_and_said() {
    let o = first_cut("a 0.3 second video", &photos(1));
    assert_eq!(o.timeline.duration_ms, 1000);
    assert_eq!(
        o.notes,
        ["0.3 s was asked for, but the shortest video is 1 s, so it is 1 s"]
    );
}

#[test]
fn a_length_too_short_for_the_shots_is_lengthened_and_said() {
    let o = first_cut("make a 1 second video", &photos(4));
    assert_eq!(o.timeline.duration_ms, 2400);
    assert_eq!(
        o.notes,
        ["4 shots need at least 0.6 s each, so the video is 2.4 s instead of 1 s"]
    );
}

#[test]
fn per_shot_lengths_out_of_range_are_said() {
    let o = first_cut("0.1 seconds per photo", &photos(3));
    assert_eq!(o.timeline.duration_ms, 1800);
    assert_eq!(
        o.notes,
        ["0.1 s per shot is shorter than the shortest shot, so each shot is 0.6 s"]
    );
    let o = first_cut("300 seconds each", &photos(3));
    assert_eq!(o.timeline.duration_ms, 600_000);
    assert_eq!(
        o.notes,
        [
            "300 s per shot × 3 shots is 900 s, longer than the longest video, so it is 600 s (about 200 s per shot)"
        ]
    );
}

#[test]
fn a_length_without_a_number_is_said() {
    let o = first_cut("a few seconds of my holiday", &photos(2));
    assert_eq!(o.timeline.duration_ms, 6000);
    assert_eq!(
        o.notes,
        [
            "\"few seconds\" names no number, so the length is 6 s (about 3 s per picture); say e.g. \"15 seconds\" to set it"
        ]
    );
}

#[test]
fn a_clip_too_short_for_its_transitions_holds_and_is_said() {
    let mut m = photos(2);
    m.insert(1, media("blink.mp4", MediaKind::Video, (1920, 1080), 300));
    let o = first_cut("a 30 second video with crossfades", &m);
    assert_eq!(
        o.notes,
        [
            "blink.mp4 is 0.3 s long but its shot lasts 1.03 s (a shot must outlast its 0.5 s transitions), so its last frame holds for 0.73 s"
        ]
    );
}

#[test]
fn clips_shorter_than_the_video_hold_and_are_said() {
    let m = [
        media("a.mp4", MediaKind::Video, (1920, 1080), 2000),
        media("b.mp4", MediaKind::Video, (1920, 1080), 2000),
    ];
    let o = first_cut("a 10 second video, hard cuts", &m);
    assert_eq!(
        o.notes,
        [
            "a.mp4 is 2 s long but its shot lasts 5 s (the clips are shorter than the video), so its last frame holds for 3 s",
            "b.mp4 is 2 s long but its shot lasts 5 s (the clips are shorter than the video), so its last frame holds for 3 s",
        ]
    );
}

#[test]
fn enlarged_low_resolution_pictures_are_said_with_their_factor() {
    let mut m = photos(1);
    m.push(media("tiny.jpg", MediaKind::Image, (640, 360), 0));
    m.push(media("tall.png", MediaKind::Image, (600, 720), 0));
    let o = first_cut("a 10 second video", &m);
    assert_eq!(
        o.notes,
        [
            "tiny.jpg (640x360) is enlarged 3.0× to fit the 1920x1080 frame and may look soft; use a larger original or a lower resolution",
            "tall.png (600x720) is enlarged 1.5× to fit the 1920x1080 frame and may look soft; use a larger original or a lower resolution",
        ]
    );
    // At 720p the same full-HD photo is shrunk, and tiny.jpg only doubled.
    let o = first_cut("a 10 second video in 720p", &m[..2]);
    assert_eq!(
        o.notes,
        [
            "tiny.jpg (640x360) is enlarged 2.0× to fit the 1280x720 frame and may look soft; use a larger original or a lower resolution"
        ]
    );
}

#[test]
fn unreadable_lengths_are_refused_with_the_reason() {
    let refused = |p: &str| match plan_with(p, &photos(2)) {
        Err(DirectorError::Unreadable(u)) => u.to_string(),
        other => panic!("{p}: expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refused("make it 1e309 seconds"),
        "cannot read \"1e309 seconds\" as a length: the number is too large to read; give the length as a plain number from 1 second to 10 minutes, e.g. \"30 seconds\", \"1.5 minutes\" or \"30秒\""
    );
    assert!(refused("a NaN second video").contains("it is not a finite number"));
    assert!(refused("infinity seconds").contains("it is not a finite number"));
    assert!(refused("a 1e-999 second video").contains("too small to read"));
    assert!(refused("a -5 second video").contains("it is below zero"));
    assert!(refused("1.2.3 seconds").contains("not a well-formed number"));
    assert!(refused(&format!("{} minutes", "9".repeat(25))).contains("too large to read"));
    // Edits refuse the same way, and leave the timeline as it was.
    let base = first_cut("a 30 second video", &photos(2));
    let e = edit(
        &base.timeline,
        "make it 1e309 seconds",
        &Options::default(),
        &photos(2),
        &[],
    );
    assert!(
        matches!(e, Err(DirectorError::Unreadable(_))),
        "expected a refusal, got {e:?}"
    );
}

#[test]
fn edits_say_their_adjustments() {
    let o = edited("make it 999999 seconds", &photos(2));
    assert_eq!(o.timeline.duration_ms, 600_000);
    assert_eq!(o.changes, ["Length 30 s → 600 s"]);
    assert_eq!(
        o.notes,
        ["999999 s was asked for, but the longest video is 600 s (10 minutes), so it is 600 s"]
    );
    let o = edited("make it 0 seconds", &photos(3));
    assert_eq!(o.timeline.duration_ms, 1800);
    assert_eq!(
        o.notes,
        [
            "0 s was asked for, but the shortest video is 1 s, so it is 1 s",
            "3 shots need at least 0.6 s each, so the video is 1.8 s instead of 1 s",
        ]
    );
    let o = edited("music at 500%", &photos(2));
    assert_eq!(
        o.notes,
        ["Music at 500% was asked for, but 100% is the loudest, so it is 100%"]
    );
    let loud = edit(
        &o.timeline,
        "make the music louder",
        &Options::default(),
        &photos(2),
        &[],
    )
    .unwrap();
    assert_eq!(
        loud.notes,
        ["The music cannot go louder than 100%, so it stays at 100%"]
    );
}

#[test]
fn cuts_chosen_for_one_shot_stay_cuts_when_a_shot_is_added() {
    let all = photos(2);
    let one = first_cut("a 10 second video with hard cuts", &all[..1]);
    let meta = one.timeline.to_draft()["m"].clone();
    assert_eq!(meta["transition"], "none", "a cut is stored as before");
    let two = edit_with(&one.timeline, &[], &Options::default(), &all, &all[1..])
        .unwrap()
        .unwrap();
    let video = two.timeline.segments(crate::timeline::TT_VIDEO);
    assert_eq!(video.len(), 2);
    assert!(video[1].transition.is_none(), "{:?}", video[1].transition);
}

#[test]
fn transition_options_read_like_the_prompt_and_name_the_accepted_ones() {
    use crate::timeline::{TransitionChoice, TransitionKind};
    let read = |v: serde_json::Value| {
        serde_json::from_value::<Options>(serde_json::json!({ "transition": v }))
            .map(|o| o.transition)
    };
    for cut in ["none", "cut", "Hard Cut"] {
        assert_eq!(
            read(cut.into()).unwrap(),
            Some(TransitionChoice::Cut),
            "{cut}"
        );
    }
    let kind = |k| Some(TransitionChoice::Kind(k));
    assert_eq!(read("wipeup".into()).unwrap(), kind(TransitionKind::WipeUp));
    assert_eq!(
        read("slide".into()).unwrap(),
        kind(TransitionKind::SlideLeft)
    );
    assert_eq!(
        read("Dip to black".into()).unwrap(),
        kind(TransitionKind::FadeBlack)
    );
    assert_eq!(read("溶解".into()).unwrap(), kind(TransitionKind::Dissolve));
    let e = read("spin".into()).unwrap_err().to_string();
    assert!(
        e.contains("'spin' is not a transition; use none (hard cuts) or one of fade, dissolve"),
        "{e}"
    );
    // Shapes and resolutions take their other spellings too; bad ones say what is accepted.
    let o: Options =
        serde_json::from_value(serde_json::json!({"aspect": "portrait", "resolution": "4K"}))
            .unwrap();
    assert_eq!(
        (o.aspect, o.resolution),
        (Some(Aspect::Portrait), Some(Resolution::P2160))
    );
    let e = serde_json::from_value::<Options>(serde_json::json!({"resolution": "8k"}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("use 720p, 1080p or 4k"), "{e}");
}

#[test]
fn an_unknown_transition_in_options_is_refused_before_it_reaches_a_timeline() {
    use crate::timeline::{TransitionChoice, TransitionKind};
    let options = Options {
        transition: Some(TransitionChoice::Kind(TransitionKind::Other("spin".into()))),
        ..Default::default()
    };
    let e = plan(&Brief {
        prompt: "a video",
        script: None,
        media: &photos(2),
        options: &options,
    })
    .unwrap_err();
    assert!(
        matches!(&e, DirectorError::BadOption { field: "transition", value, .. } if value == "spin"),
        "{e}"
    );
}
