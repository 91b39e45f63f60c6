//! `reelsmith make` end to end: real files in, a real MP4 out, checked with ffprobe and ffmpeg's
//! analysis filters.

use crate::support::*;
use reelsmith::backend::Backend;
use reelsmith::backend::local::LocalBackend;
use reelsmith::timeline::{TT_VIDEO, TextRole};
use std::path::{Path, PathBuf};

const PROMO_PROMPT: &str =
    "turn these images and script into a 30-second promo video with music and transitions";

fn session_of(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("session "))
        .and_then(|l| l.split_whitespace().next())
        .expect("make prints its session")
        .to_string()
}

fn five_stills(dir: &Path) -> Vec<PathBuf> {
    vec![
        still(dir, "a.jpg", 1920, 1080, 0),
        still(dir, "b.jpg", 1080, 1350, 1),
        still(dir, "c.png", 1920, 1080, 2),
        still(dir, "d.jpg", 1080, 1920, 5),
        still(dir, "e.jpg", 1600, 1000, 3),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn promo_30s_from_five_stills_and_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let stills = five_stills(dir.path());
    let script = dir.path().join("script.txt");
    std::fs::write(
        &script,
        "Meet the Aurora lamp.\nWarm light that follows your day.\nCrafted from recycled aluminium.\nOrder today at aurora.shop.\n",
    )
    .unwrap();
    let out = dir.path().join("promo.mp4");
    let run = reelsmith(&home)
        .arg("make")
        .args(&stills)
        .arg("--script")
        .arg(&script)
        .args(["--prompt", PROMO_PROMPT, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("1920x1080") && stdout.contains("30.0 s"),
        "{stdout}"
    );

    // Format.
    let p = probe(&out);
    let v = stream(&p, "video");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["profile"], "High");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    assert_eq!(v["r_frame_rate"], "30/1");
    assert_eq!(v["avg_frame_rate"], "30/1");
    let a = stream(&p, "audio");
    assert_eq!(a["codec_name"], "aac");
    assert_eq!(a["profile"], "LC");
    assert_eq!(a["sample_rate"], "48000");
    assert_eq!(a["channels"], 2);
    let d = duration(&p);
    assert!((d - 30.0).abs() <= 0.1, "duration {d}");
    let boxes = top_level_boxes(&out);
    let moov = boxes.iter().position(|b| b == "moov").expect("moov");
    let mdat = boxes.iter().position(|b| b == "mdat").expect("mdat");
    assert!(moov < mdat, "faststart: {boxes:?}");

    // Loudness.
    let (lufs, peak) = loudness(&out);
    assert!(
        (lufs + 14.0).abs() <= 1.0,
        "integrated loudness {lufs} LUFS"
    );
    assert!(peak <= 0.0, "sample peak {peak} dBFS clips");

    // No black frames anywhere.
    let black = black_stretches(&out);
    assert!(black.is_empty(), "black frames: {black:?}");

    // The workspace remembers the session across processes: read its timeline back.
    let backend = LocalBackend::open(&home).unwrap();
    let state = backend
        .timeline(&session_of(&String::from_utf8_lossy(&run.stderr)))
        .await
        .unwrap();
    let tl = state.timeline;
    let shots = tl.segments(TT_VIDEO);
    assert_eq!(shots.len(), 5);
    assert!(
        tl.title_segment().is_some(),
        "the script's first line is the title"
    );
    assert!(
        tl.segments(reelsmith::timeline::TT_TEXT)
            .iter()
            .any(|s| s.role == Some(TextRole::EndCard))
    );

    // A transition's midpoint is a blend: it differs from a second before and a second after.
    let t = &shots[2];
    let tr = t.transition.as_ref().expect("crossfade into shot 3");
    let mid = (t.start_ms + tr.duration_ms / 2) as f64 / 1000.0;
    let (w, h) = (192, 108);
    let at = gray_frame(&out, mid, w, h);
    let before = gray_frame(&out, mid - 1.0, w, h);
    let after = gray_frame(&out, mid + 1.0, w, h);
    let full = (0.0, 0.0, 1.0, 1.0);
    assert!(
        region_diff(&at, &before, w, h, full) > 4.0,
        "midpoint equals the frame before"
    );
    assert!(
        region_diff(&at, &after, w, h, full) > 4.0,
        "midpoint equals the frame after"
    );

    // The portrait still (shot 2) sits on a blurred fill of itself, not on black bars.
    let s2 = &shots[1];
    let t2 = (s2.start_ms + s2.duration_ms / 2) as f64 / 1000.0;
    let f = gray_frame(&out, t2, w, h);
    for side in [(0.0, 0.1, 0.08, 0.9), (0.92, 0.1, 1.0, 0.9)] {
        let mean = region_mean(&f, w, h, side);
        assert!(
            mean > 20.0,
            "side band {side:?} is near black (mean {mean})"
        );
    }
}

#[test]
fn the_title_is_drawn_where_a_title_belongs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let stills = [
        still(dir.path(), "a.jpg", 1920, 1080, 2),
        still(dir.path(), "b.jpg", 1920, 1080, 0),
    ];
    let render = |title: &str, name: &str| {
        let out = dir.path().join(name);
        let run = reelsmith(&home)
            .arg("make")
            .args(&stills)
            .args([
                "--prompt",
                "a short clip",
                "--duration",
                "4",
                "--no-music",
                "--title",
                title,
                "-o",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", text(&run));
        out
    };
    let with = render("Summer Sale", "with.mp4");
    let without = render("", "without.mp4");
    let (w, h) = (320, 180);
    let a = gray_frame(&with, 1.0, w, h);
    let b = gray_frame(&without, 1.0, w, h);
    let title_band = (0.1, 0.2, 0.9, 0.55);
    let d = region_diff(&a, &b, w, h, title_band);
    assert!(d > 6.0, "title band barely differs ({d})");
    // Nothing else on the frame changes.
    let bottom = region_diff(&a, &b, w, h, (0.0, 0.8, 1.0, 1.0));
    assert!(bottom < 1.0, "bottom band differs by {bottom}");
}

#[test]
fn vertical_for_tiktok_15_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let stills = [
        still(dir.path(), "wide.jpg", 1920, 1080, 0),
        still(dir.path(), "tall.jpg", 1080, 1920, 1),
        still(dir.path(), "sq.jpg", 1200, 1200, 2),
    ];
    let out = dir.path().join("tiktok.mp4");
    let run = reelsmith(&home)
        .arg("make")
        .args(&stills)
        .args(["--prompt", "make it vertical for TikTok, 15 seconds", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let p = probe(&out);
    let v = stream(&p, "video");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1080), Some(1920))
    );
    let d = duration(&p);
    assert!((d - 15.0).abs() <= 0.1, "duration {d}");
    // The landscape still in a portrait frame: blurred fill above and below, not black.
    let (w, h) = (108, 192);
    let f = gray_frame(&out, 2.0, w, h);
    for band in [(0.1, 0.0, 0.9, 0.15), (0.1, 0.85, 0.9, 1.0)] {
        let mean = region_mean(&f, w, h, band);
        assert!(mean > 20.0, "band {band:?} near black ({mean})");
    }
}

#[test]
fn chinese_prompt_and_title_render_as_glyphs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let stills = [
        still(dir.path(), "a.jpg", 1920, 1080, 2),
        still(dir.path(), "b.jpg", 1080, 1350, 1),
        still(dir.path(), "c.jpg", 1920, 1080, 0),
    ];
    let out = dir.path().join("zh.mp4");
    let run = reelsmith(&home)
        .arg("make")
        .args(&stills)
        .args([
            "--prompt",
            "把这些图片做成15秒的竖屏视频,加背景音乐",
            "--title",
            "夏日新品发布",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let p = probe(&out);
    let v = stream(&p, "video");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1080), Some(1920))
    );
    assert!((duration(&p) - 15.0).abs() <= 0.1);
    let (lufs, _) = loudness(&out);
    assert!(
        (lufs + 14.0).abs() <= 1.0,
        "music present and normalised: {lufs}"
    );

    // With only a Latin font available, the same request is refused by name, never drawn as tofu.
    let latin = dir.path().join("latin-fonts");
    std::fs::create_dir_all(&latin).unwrap();
    std::fs::copy(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        latin.join("DejaVuSans-Bold.ttf"),
    )
    .unwrap();
    let out2 = dir.path().join("zh-latin.mp4");
    let run = reelsmith(&home)
        .env("REELSMITH_FONT_DIR", &latin)
        .arg("make")
        .args(&stills)
        .args([
            "--prompt",
            "把这些图片做成15秒的竖屏视频,加背景音乐",
            "--title",
            "夏日新品发布",
            "-o",
        ])
        .arg(&out2)
        .output()
        .unwrap();
    assert!(!run.status.success(), "rendered CJK with a Latin-only font");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains('夏'),
        "error should name the missing characters: {err}"
    );
    assert!(!out2.exists());
}

#[test]
fn make_prints_each_adjustment_and_refuses_unreadable_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let small = still(dir.path(), "small.jpg", 320, 180, 0);
    let out = dir.path().join("short.mp4");
    let run = reelsmith(&home)
        .arg("make")
        .arg(&small)
        .args([
            "--prompt",
            "a 0.5 second clip",
            "--resolution",
            "720p",
            "--no-music",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let err = String::from_utf8_lossy(&run.stderr);
    for note in [
        "Note: 0.5 s was asked for, but the shortest video is 1 s, so it is 1 s\n",
        "Note: small.jpg (320x180) is enlarged 4.0× to fit the 1280x720 frame and may look soft; use a larger original or a lower resolution\n",
    ] {
        assert!(err.contains(note), "{note:?} not in {err}");
    }
    assert!((duration(&probe(&out)) - 1.0).abs() <= 0.1);

    let refused = dir.path().join("refused.mp4");
    let run = reelsmith(&home)
        .arg("make")
        .arg(&small)
        .args(["--prompt", "make it 1e309 seconds", "-o"])
        .arg(&refused)
        .output()
        .unwrap();
    assert!(!run.status.success(), "read 1e309 as a length");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cannot read \"1e309 seconds\" as a length: the number is too large to read"),
        "{err}"
    );
    assert!(!refused.exists());
}
