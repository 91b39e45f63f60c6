//! Every transition the timeline offers really renders with this machine's ffmpeg, and its
//! midpoint is a blend: different from the last frame of the shot before and the first frame of
//! the shot after.

use crate::support::*;
use reelsmith::ffmpeg::Tools;
use reelsmith::media;
use reelsmith::render::{self, RenderRequest};
use reelsmith::timeline::{
    Meta, Motion, Segment, TT_VIDEO, Timeline, Track, Transition, TransitionKind,
};
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread")]
async fn every_transition_renders_as_a_blend() {
    assert!(TransitionKind::ALL.len() >= 12, "at least 12 transitions");
    let dir = tempfile::tempdir().unwrap();
    let tools = Tools::locate().unwrap();
    let a = media::intake(&still(dir.path(), "a.jpg", 320, 180, 2), &tools)
        .await
        .unwrap();
    let b = media::intake(&still(dir.path(), "b.jpg", 320, 180, 0), &tools)
        .await
        .unwrap();
    let media: HashMap<String, _> = [(a.id.clone(), a.clone()), (b.id.clone(), b.clone())].into();
    // Two 1 s shots overlapping by 0.5 s: the transition runs 0.5–1.0 s, midpoint 0.75 s.
    let shot = |id: &str, start_ms: u64, kind: Option<&TransitionKind>| Segment {
        id: format!("s{start_ms}"),
        start_ms,
        duration_ms: 1000,
        media_id: Some(id.to_string()),
        motion: Some(Motion::None),
        transition: kind.map(|k| Transition {
            kind: k.clone(),
            duration_ms: 500,
        }),
        ..Default::default()
    };
    let mut failures = Vec::new();
    let unknown = TransitionKind::Other("cloudspin".into());
    for kind in TransitionKind::ALL.iter().chain([&unknown]) {
        let tl = Timeline {
            tracks: vec![Track {
                id: "video".into(),
                tt: TT_VIDEO,
                segments: vec![shot(&a.id, 0, None), shot(&b.id, 500, Some(kind))],
                extra: Default::default(),
            }],
            duration_ms: 1500,
            meta: Meta {
                width: 320,
                height: 180,
                ..Default::default()
            },
            ..Default::default()
        };
        let out = dir.path().join(format!("{kind}.mp4"));
        let r = render::render(
            &RenderRequest {
                timeline: &tl,
                media: &media,
                output: &out,
                overwrite: false,
                scratch: &dir.path().join("scratch"),
                encode: Default::default(),
                cache: None,
                one_window: false,
                team: None,
            },
            &tools,
            &|_| {},
            &Default::default(),
        )
        .await;
        if !kind.is_known() {
            // A name kept from a draft is refused, naming what can be drawn.
            match r {
                Err(e) if e.to_string().contains("use one of fade, dissolve") => {}
                other => failures.push(format!("{kind}: {:?}", other.map(|_| "rendered"))),
            }
            continue;
        }
        if let Err(e) = r {
            failures.push(format!("{kind}: {e}"));
            continue;
        }
        let (w, h) = (64, 36);
        let full = (0.0, 0.0, 1.0, 1.0);
        let before = gray_frame(&out, 0.4, w, h);
        let mid = gray_frame(&out, 0.75, w, h);
        let after = gray_frame(&out, 1.1, w, h);
        let d1 = region_diff(&mid, &before, w, h, full);
        let d2 = region_diff(&mid, &after, w, h, full);
        if d1 < 2.0 || d2 < 2.0 {
            failures.push(format!(
                "{kind}: midpoint is not a blend (differs {d1:.1} from before, {d2:.1} from after)"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
