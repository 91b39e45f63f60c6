//! The editing issue's requests, each as the ops an agent sends, checked on the timeline.

use super::*;
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::style::{Place, Position, SizeStep, TextSize};
use crate::timeline::{
    Mood, Motion, Segment, TT_AUDIO, TT_OVERLAY, TT_TEXT, TT_VIDEO, TextRole, Timeline, Track,
    Transition,
};
use serde_json::json;

fn media(id: &str, name: &str, kind: MediaKind) -> MediaInfo {
    MediaInfo {
        id: id.into(),
        path: format!("/photos/{name}").into(),
        file_name: name.into(),
        kind,
        width: 1280,
        height: 720,
        duration_ms: if kind == MediaKind::Image { 0 } else { 8000 },
        rotation: 0,
        exif_orientation: 1,
        has_audio: kind != MediaKind::Image,
        size_bytes: 1000,
    }
}

const NAMES: [&str; 6] = [
    "cat.jpg",
    "chelsea.png",
    "rocket.jpg",
    "coffee.jpg",
    "shop.jpg",
    "sign.jpg",
];

fn library() -> Vec<MediaInfo> {
    let mut m: Vec<MediaInfo> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| media(&format!("m_{i}aaaaaaa"), n, MediaKind::Image))
        .collect();
    m.push(media("m_badge", "sale.png", MediaKind::Image));
    m.push(media("m_song", "song.mp3", MediaKind::Audio));
    m
}

fn text(id: &str, t: &str, st: u64, end: u64, role: TextRole) -> Segment {
    Segment {
        id: id.into(),
        start_ms: st,
        duration_ms: end - st,
        text: Some(t.into()),
        role: Some(role),
        ..Default::default()
    }
}

/// A 6-photo, 24 s promo: 4 s shots with 0.5 s fades, a title, captions, an end card, music.
fn promo() -> Timeline {
    let mut tl = Timeline::default();
    let shots = (0..6)
        .map(|i| Segment {
            id: format!("shot-{i}aaaaa"),
            duration_ms: 4500,
            media_id: Some(format!("m_{i}aaaaaaa")),
            motion: Some(Motion::ZoomIn),
            transition: (i > 0).then(|| Transition {
                kind: "fade".into(),
                duration_ms: 500,
            }),
            ..Default::default()
        })
        .collect();
    tl.tracks.push(Track {
        id: "video".into(),
        tt: TT_VIDEO,
        segments: shots,
        extra: Default::default(),
    });
    layout::relayout_shots(&mut tl);
    let total = tl.duration_ms;
    tl.tracks.push(Track {
        id: "music".into(),
        tt: TT_AUDIO,
        segments: vec![Segment {
            id: "bgm".into(),
            duration_ms: total,
            generated: Some(Mood::Upbeat),
            volume: Some(0.35),
            ..Default::default()
        }],
        extra: Default::default(),
    });
    tl.tracks.push(Track {
        id: "text".into(),
        tt: TT_TEXT,
        segments: vec![
            text("title", "Main Street Coffee", 0, 3000, TextRole::Title),
            text(
                "cap-1",
                "Fresh every morning",
                4500,
                7500,
                TextRole::Caption,
            ),
            text(
                "cap-2",
                "Beans from small farms",
                8500,
                11500,
                TextRole::Caption,
            ),
            text("end", "Visit us", total - 3000, total, TextRole::EndCard),
        ],
        extra: Default::default(),
    });
    tl
}

fn run(tl: &Timeline, ops: serde_json::Value) -> Result<Applied, EditError> {
    let ops: Vec<EditOp> = serde_json::from_value(ops).expect("ops parse");
    let lib_media = library();
    let lib = Library::of(&lib_media);
    let indexed: Vec<(usize, &EditOp)> = ops.iter().enumerate().collect();
    apply(tl, &lib, &indexed)
}

fn shot_files(tl: &Timeline) -> Vec<String> {
    tl.segments(TT_VIDEO)
        .iter()
        .map(|s| {
            let id = s.media_id.clone().unwrap();
            let i: usize = id[2..3].parse().unwrap();
            NAMES[i].to_string()
        })
        .collect()
}

fn seg<'t>(tl: &'t Timeline, tt: u8, id: &str) -> &'t Segment {
    tl.segments(tt).iter().find(|s| s.id == id).unwrap()
}

#[test]
fn the_promo_is_what_the_tests_think() {
    let tl = promo();
    assert_eq!(tl.duration_ms, 24_500);
    assert_eq!(shot_files(&tl), NAMES);
}

#[test]
fn end_card_text() {
    let a = run(
        &promo(),
        json!([{"op": "set_text", "id": "end", "text": "Open daily 7am-7pm"}]),
    )
    .unwrap();
    assert_eq!(
        seg(&a.timeline, TT_TEXT, "end").text.as_deref(),
        Some("Open daily 7am-7pm")
    );
    assert_eq!(a.timeline.duration_ms, 24_500);
}

#[test]
fn calmer_and_quieter_music() {
    let a = run(&promo(), json!([{"op": "set_music", "mood": "calm"}])).unwrap();
    let m = &a.timeline.segments(TT_AUDIO)[0];
    assert_eq!(m.generated, Some(Mood::Calm));
    assert_eq!(m.volume, Some(0.35), "volume kept");
    let a = run(&promo(), json!([{"op": "set_music", "volume": 0.2}])).unwrap();
    let m = &a.timeline.segments(TT_AUDIO)[0];
    assert_eq!((m.generated, m.volume), (Some(Mood::Upbeat), Some(0.2)));
}

#[test]
fn video_length_retimes_shots_and_keeps_text_on_them() {
    let before = promo();
    let a = run(&before, json!([{"op": "set_video", "duration_s": 20}])).unwrap();
    let tl = &a.timeline;
    let d = tl.duration_ms as i64;
    assert!((d - 20_000).abs() <= 100, "{d}");
    // cap-2 started 0.5 s into shot 3; it still starts inside shot 3.
    let shot3 = &tl.segments(TT_VIDEO)[2];
    let cap2 = seg(tl, TT_TEXT, "cap-2");
    assert!(cap2.start_ms >= shot3.start_ms && cap2.start_ms < shot3.end_ms());
    // The end card still ends with the video.
    assert_eq!(seg(tl, TT_TEXT, "end").end_ms(), tl.duration_ms);
    assert_eq!(tl.segments(TT_AUDIO)[0].duration_ms, tl.duration_ms);
}

#[test]
fn second_shot_five_seconds_changes_only_that_shot() {
    let a = run(
        &promo(),
        json!([{"op": "set_shot", "shot": 2, "duration_s": 5}]),
    )
    .unwrap();
    let tl = &a.timeline;
    let shots = tl.segments(TT_VIDEO);
    assert_eq!(shots[1].duration_ms, 5000);
    for (i, s) in shots.iter().enumerate() {
        if i != 1 {
            assert_eq!(s.duration_ms, 4500, "shot {}", i + 1);
        }
    }
    assert_eq!(shot_files(tl), NAMES, "order unchanged");
    assert_eq!(tl.duration_ms, 25_000);
    assert!(a.changes[0].contains("4.5 s → 5 s"), "{:?}", a.changes);
}

#[test]
fn title_for_five_seconds() {
    let a = run(
        &promo(),
        json!([{"op": "set_text", "id": "title", "end_s": 5}]),
    )
    .unwrap();
    let t = seg(&a.timeline, TT_TEXT, "title");
    assert_eq!((t.start_ms, t.end_ms()), (0, 5000));
    assert_eq!(
        a.timeline.duration_ms, 24_500,
        "the video's length is untouched"
    );
}

#[test]
fn caption_on_the_cat_shot() {
    let a = run(
        &promo(),
        json!([{"op": "add_text", "text": "Now with oat milk", "shot": "cat.jpg"}]),
    )
    .unwrap();
    let tl = &a.timeline;
    let t = tl
        .segments(TT_TEXT)
        .iter()
        .find(|s| s.text.as_deref() == Some("Now with oat milk"))
        .expect("added");
    let cat = &tl.segments(TT_VIDEO)[0];
    assert_eq!((t.start_ms, t.end_ms()), (cat.start_ms, cat.end_ms()));
    assert_eq!(t.role, Some(TextRole::Caption));
    assert_eq!(t.anchor.as_deref(), Some(cat.id.as_str()));
    // It moves with the cat.
    let b = run(tl, json!([{"op": "move_shot", "shot": "cat", "to": 6}])).unwrap();
    let t2 = seg(&b.timeline, TT_TEXT, &t.id);
    let cat2 = b.timeline.segments(TT_VIDEO).last().unwrap().clone();
    assert_eq!(cat2.media_id.as_deref(), Some("m_0aaaaaaa"));
    assert_eq!((t2.start_ms, t2.end_ms()), (cat2.start_ms, cat2.end_ms()));
}

#[test]
fn bigger_captions_and_yellow_text() {
    let a = run(
        &promo(),
        json!([
            {"op": "set_style", "role": "caption", "style": {"size": "large"}},
            {"op": "set_style", "role": "title", "style": {"color": "yellow"}}
        ]),
    )
    .unwrap();
    for id in ["cap-1", "cap-2"] {
        let s = seg(&a.timeline, TT_TEXT, id).style.clone().unwrap();
        assert_eq!(s.size, Some(TextSize::Named(SizeStep::Large)));
    }
    let t = seg(&a.timeline, TT_TEXT, "title").style.clone().unwrap();
    assert_eq!(t.color.as_deref(), Some("yellow"));
    assert!(
        seg(&a.timeline, TT_TEXT, "end").style.is_none(),
        "others untouched"
    );
}

#[test]
fn moves_swaps_and_removals_by_name_and_position() {
    let a = run(
        &promo(),
        json!([{"op": "move_shot", "shot": "chelsea.png", "to": 1}]),
    )
    .unwrap();
    assert_eq!(shot_files(&a.timeline)[..2], ["chelsea.png", "cat.jpg"]);
    assert!(a.timeline.segments(TT_VIDEO)[0].transition.is_none());
    assert!(a.timeline.segments(TT_VIDEO)[1].transition.is_some());
    let a = run(&promo(), json!([{"op": "move_shot", "shot": 2, "to": 1}])).unwrap();
    assert_eq!(
        shot_files(&a.timeline)[..3],
        ["chelsea.png", "cat.jpg", "rocket.jpg"]
    );
    let a = run(
        &promo(),
        json!([{"op": "remove_shot", "shot": "rocket.jpg"}]),
    )
    .unwrap();
    let files = shot_files(&a.timeline);
    assert_eq!(files.len(), 5);
    assert!(!files.contains(&"rocket.jpg".to_string()));
    assert_eq!(a.timeline.duration_ms, 24_500 - 4000);
    // Text that sat on the rocket goes with it (cap-2 was on shot 3).
    assert!(a.timeline.segments(TT_TEXT).iter().all(|s| s.id != "cap-2"));
    assert!(a.changes[0].contains("cap-2"), "{:?}", a.changes);
}

#[test]
fn badge_and_motion() {
    let a = run(
        &promo(),
        json!([
            {"op": "add_overlay", "file": "sale.png", "position": "top_right", "size": 0.18},
            {"op": "set_shot", "shot": 1, "motion": "zoom_out"}
        ]),
    )
    .unwrap();
    let o = &a.timeline.segments(TT_OVERLAY)[0];
    assert_eq!(o.media_id.as_deref(), Some("m_badge"));
    assert_eq!(o.position, Some(Position::Named(Place::TopRight)));
    assert_eq!((o.start_ms, o.end_ms()), (0, a.timeline.duration_ms));
    assert_eq!(
        a.timeline.segments(TT_VIDEO)[0].motion,
        Some(Motion::ZoomOut)
    );
}

#[test]
fn all_or_nothing_with_errors_that_name_the_op_and_field() {
    let tl = promo();
    let e = run(
        &tl,
        json!([
            {"op": "set_shot", "shot": 2, "duration_s": 5},
            {"op": "remove_shot", "shot": "shot-1234"}
        ]),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("edits[1].shot: no shot 'shot-1234'; shots are 1 shot-0aaaaa (cat.jpg)"),
        "{msg}"
    );
    let e = run(&tl, json!([{"op": "set_text", "id": "nope", "text": "x"}])).unwrap_err();
    assert!(
        e.to_string()
            .contains("texts are title 'Main Street Coffee'"),
        "{e}"
    );
    let e = run(&tl, json!([{"op": "set_shot", "shot": 9, "duration_s": 2}])).unwrap_err();
    assert_eq!(e.field, "shot");
    let e = run(
        &tl,
        json!([{"op": "set_shot", "shot": 1, "duration_s": 0.1}]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("at least 0.6 s"), "{e}");
    let e = run(&tl, json!([{"op": "set_video", "duration_s": f64::MAX}]));
    assert!(e.is_err(), "infinite seconds refused");
    let e = run(
        &tl,
        json!([{"op": "set_shot", "shot": 2, "transition": {"name": "spin"}}]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("edits[0].transition.name"), "{e}");
    let e = run(
        &tl,
        json!([{"op": "set_style", "role": "caption", "style": {"color": "mauve-ish"}}]),
    )
    .unwrap_err();
    assert_eq!(e.field, "style.color");
    let e = run(
        &tl,
        json!([{"op": "add_overlay", "file": "song.mp3", "position": "top"}]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a picture"), "{e}");
}

#[test]
fn a_move_keeps_chosen_cuts_and_a_hand_timed_title_keeps_its_time() {
    let a = run(
        &promo(),
        json!([
            {"op": "set_shot", "shot": 4, "transition": {"name": "none"}},
            {"op": "move_shot", "shot": 1, "to": 3},
            {"op": "set_text", "id": "title", "start_s": 2, "end_s": 4}
        ]),
    )
    .unwrap();
    let shots = a.timeline.segments(TT_VIDEO);
    let coffee = shots
        .iter()
        .find(|s| s.media_id.as_deref() == Some("m_3aaaaaaa"))
        .unwrap();
    assert!(
        coffee.transition.is_none(),
        "the cut into coffee.jpg stays a cut"
    );
    let cat = &shots[2];
    assert_eq!(cat.media_id.as_deref(), Some("m_0aaaaaaa"));
    assert!(
        cat.transition.is_some(),
        "the old first shot blends in like its neighbours"
    );
    let t = seg(&a.timeline, TT_TEXT, "title");
    assert_eq!((t.start_ms, t.end_ms()), (2000, 4000));
}

#[test]
fn a_prompt_rebuild_keeps_what_edits_added() {
    let old = run(
        &promo(),
        json!([
            {"op": "set_style", "role": "caption", "style": {"color": "yellow"}},
            {"op": "add_text", "text": "Oat milk", "shot": "chelsea.png"},
            {"op": "add_overlay", "file": "sale.png", "position": "top_right"},
            {"op": "set_shot", "shot": 3, "focus": {"x": 0.2, "y": 0.3}}
        ]),
    )
    .unwrap()
    .timeline;
    // A rebuild as a prompt makes it: the recipe's own items, shots in a new order.
    let mut new = promo();
    new.track_mut(TT_VIDEO).unwrap().segments.swap(0, 1);
    layout::relayout_shots(&mut new);
    carry_over(&old, &mut new);
    assert_eq!(
        seg(&new, TT_TEXT, "cap-1")
            .style
            .as_ref()
            .unwrap()
            .color
            .as_deref(),
        Some("yellow")
    );
    let chelsea = new.segments(TT_VIDEO)[0].clone();
    let oat = new
        .segments(TT_TEXT)
        .iter()
        .find(|s| s.text.as_deref() == Some("Oat milk"))
        .expect("carried");
    assert_eq!(
        (oat.start_ms, oat.end_ms()),
        (chelsea.start_ms, chelsea.end_ms())
    );
    assert_eq!(new.segments(TT_OVERLAY).len(), 1);
    assert_eq!(new.segments(TT_VIDEO)[2].focus.map(|f| f.x), Some(0.2));
}
