//! Edit prompts on the local backend, in English and Chinese: each changes what it says and the
//! backend says what it changed. (Timelines only; rendering is covered elsewhere.)

use crate::support::still;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest};
use reelsmith::timeline::{TT_AUDIO, TT_VIDEO, Timeline};

struct Fixture {
    _dir: tempfile::TempDir,
    backend: LocalBackend,
    session: String,
    files: Vec<String>,
}

async fn first_cut(prompt: &str) -> (Fixture, Timeline) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = [(1920, 1080), (1080, 1350), (1920, 1080), (1080, 1920)]
        .iter()
        .enumerate()
        .map(|(i, (w, h))| {
            still(dir.path(), &format!("p{i}.jpg"), *w, *h, i)
                .display()
                .to_string()
        })
        .collect();
    let backend = LocalBackend::open(&dir.path().join("home")).unwrap();
    let c = backend
        .create(CreateRequest {
            prompt: prompt.into(),
            script: Some(
                "Summer is here.\nFresh looks for warm days.\nShop the collection now.".into(),
            ),
            files: reelsmith::media::Source::parse_all(&files).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!c.edited);
    let fx = Fixture {
        _dir: dir,
        backend,
        session: c.session_id,
        files,
    };
    (fx, c.timeline)
}

async fn edit(fx: &Fixture, prompt: &str) -> (Timeline, Vec<String>) {
    let c = fx
        .backend
        .create(CreateRequest {
            session_id: Some(fx.session.clone()),
            prompt: prompt.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("edit '{prompt}' failed: {e}"));
    assert!(c.edited);
    (c.timeline, c.changes)
}

fn media_order(tl: &Timeline) -> Vec<String> {
    tl.segments(TT_VIDEO)
        .iter()
        .filter_map(|s| s.media_id.clone())
        .collect()
}

#[tokio::test]
async fn english_edits_change_what_they_say() {
    let (fx, tl0) = first_cut(
        "turn these images and script into a 30-second promo video with music and transitions",
    )
    .await;
    assert_eq!(tl0.duration_ms, 30_000);
    assert_eq!((tl0.meta.width, tl0.meta.height), (1920, 1080));

    let (tl, changes) = edit(&fx, "make it vertical for TikTok, 15 seconds").await;
    assert_eq!((tl.meta.width, tl.meta.height), (1080, 1920));
    assert_eq!(tl.duration_ms, 15_000);
    assert!(tl.rev > tl0.rev);
    assert!(changes.len() >= 2, "{changes:?}");

    let (tl, changes) = edit(&fx, "change the title to Summer Sale").await;
    assert_eq!(
        tl.title_segment().unwrap().text.as_deref(),
        Some("Summer Sale")
    );
    assert!(
        changes.iter().any(|c| c.contains("Summer Sale")),
        "{changes:?}"
    );

    let (tl, _) = edit(&fx, "use slide transitions").await;
    let kinds: Vec<_> = tl
        .segments(TT_VIDEO)
        .iter()
        .filter_map(|s| s.transition.as_ref().map(|t| t.kind.clone()))
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| k.as_str().starts_with("slide")),
        "{kinds:?}"
    );

    let before = media_order(&tl);
    let (tl, _) = edit(&fx, "move the last photo first").await;
    let after = media_order(&tl);
    assert_eq!(after[0], *before.last().unwrap());
    assert_eq!(after[1..], before[..before.len() - 1]);

    let (tl, changes) = edit(&fx, "remove the music").await;
    assert!(tl.segments(TT_AUDIO).is_empty());
    assert!(
        changes.iter().any(|c| c.to_lowercase().contains("music")),
        "{changes:?}"
    );

    // The edit survives a restart of the backend.
    let reopened = LocalBackend::open(fx.backend.home()).unwrap();
    let state = reopened.timeline(&fx.session).await.unwrap();
    assert_eq!(state.revision, tl.rev);
    assert!(state.timeline.segments(TT_AUDIO).is_empty());
    assert_eq!(fx.files.len(), state.media.len());
}

#[tokio::test]
async fn chinese_edits_change_what_they_say() {
    let (fx, _) = first_cut("把这些图片做成30秒的视频,加背景音乐").await;
    let (tl, _) = edit(&fx, "改成竖屏").await;
    assert_eq!((tl.meta.width, tl.meta.height), (1080, 1920));
    let (tl, _) = edit(&fx, "改成15秒").await;
    assert_eq!(tl.duration_ms, 15_000);
    let (tl, _) = edit(&fx, "标题改成夏日特卖").await;
    assert_eq!(
        tl.title_segment().unwrap().text.as_deref(),
        Some("夏日特卖")
    );
    let before = media_order(&tl);
    let (tl, _) = edit(&fx, "把最后一张图片放到最前面").await;
    assert_eq!(media_order(&tl)[0], *before.last().unwrap());
    let (tl, _) = edit(&fx, "去掉音乐").await;
    assert!(tl.segments(TT_AUDIO).is_empty());
}

#[tokio::test]
async fn an_edit_with_nothing_recognisable_says_what_is_understood() {
    let (fx, _) = first_cut("a 10 second video").await;
    let err = fx
        .backend
        .create(CreateRequest {
            session_id: Some(fx.session.clone()),
            prompt: "hmm".into(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("make it 15 seconds"), "{err}");
}

#[tokio::test]
async fn a_title_drawn_smaller_to_fit_is_said_at_create_time() {
    let (fx, _) = first_cut("a 10 second video").await;
    let long = "The Biggest Summer Collection We Have Ever Made, Now In Every Store Near You";
    let c = fx
        .backend
        .create(CreateRequest {
            session_id: Some(fx.session.clone()),
            prompt: format!("make it vertical and change the title to \"{long}\""),
            ..Default::default()
        })
        .await
        .unwrap();
    let note = c
        .notes
        .iter()
        .find(|n| n.starts_with("The title \"The Biggest Summer Collection We Have…\""))
        .unwrap_or_else(|| panic!("no note on the title: {:?}", c.notes));
    assert!(
        note.ends_with("% of its usual size to fit the 1080x1920 frame"),
        "{note}"
    );
    // A short title fits as designed: no note.
    let c = fx
        .backend
        .create(CreateRequest {
            session_id: Some(fx.session.clone()),
            prompt: "change the title to \"Sale\"".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}
