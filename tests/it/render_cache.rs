//! Windowed renders and the render cache: a windowed render matches the one-pass render frame
//! for frame; a re-export after one caption edit renders only the windows that caption is on,
//! and every other window's frames are bit-identical to the first export's; a damaged cache
//! entry is noticed and rendered again.

use crate::support::*;
use reelsmith::ffmpeg::Tools;
use reelsmith::media::{self, MediaInfo};
use reelsmith::render::cache::RenderCache;
use reelsmith::render::encode::EncodeSettings;
use reelsmith::render::{self, RenderRequest, Rendered};
use reelsmith::timeline::style::{Animation, TextStyle};
use reelsmith::timeline::{
    Meta, Motion, Segment, TT_OVERLAY, TT_TEXT, TT_VIDEO, TextRole, Timeline, Track, Transition,
    TransitionKind,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const W: u32 = 480;
const H: u32 = 270;
const FPS: u32 = 30;

struct Setup {
    dir: tempfile::TempDir,
    tools: Tools,
    media: HashMap<String, MediaInfo>,
    ids: Vec<String>,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let tools = Tools::locate().unwrap();
    let mut media = HashMap::new();
    let mut ids = Vec::new();
    for k in 0..4 {
        let p = still(dir.path(), &format!("s{k}.jpg"), 640, 360, k);
        let m = media::intake(&p, &tools).await.unwrap();
        ids.push(m.id.clone());
        media.insert(m.id.clone(), m);
    }
    Setup {
        dir,
        tools,
        media,
        ids,
    }
}

fn track(id: &str, tt: u8, segments: Vec<Segment>) -> Track {
    Track {
        id: id.into(),
        tt,
        segments,
        extra: Default::default(),
    }
}

/// 14 s: a 2 s shot, a crossfade into a 9 s zooming shot (split into windows of its own), a
/// hard cut to a 2 s shot, a crossfade into a 2 s shot; a sliding caption across the first
/// join, a popping title, a caption per later shot and a logo over the whole video.
fn timeline(s: &Setup, second_caption: &str) -> Timeline {
    let shot = |k: usize, start_ms: u64, duration_ms: u64, fade: bool, motion: Motion| Segment {
        id: format!("shot{k}"),
        start_ms,
        duration_ms,
        media_id: Some(s.ids[k].clone()),
        motion: Some(motion),
        transition: fade.then_some(Transition {
            kind: TransitionKind::Fade,
            duration_ms: 500,
        }),
        ..Default::default()
    };
    let text = |id: &str, t: &str, start_ms: u64, duration_ms: u64, anim: Animation| Segment {
        id: id.into(),
        start_ms,
        duration_ms,
        text: Some(t.into()),
        role: Some(TextRole::Caption),
        style: Some(TextStyle {
            animation: Some(anim),
            ..Default::default()
        }),
        ..Default::default()
    };
    Timeline {
        tracks: vec![
            track(
                "video",
                TT_VIDEO,
                vec![
                    shot(0, 0, 2000, false, Motion::PanRight),
                    shot(1, 1500, 9000, true, Motion::ZoomIn),
                    shot(2, 10500, 2000, false, Motion::ZoomOut),
                    shot(3, 12000, 2000, true, Motion::None),
                ],
            ),
            track(
                "text",
                TT_TEXT,
                vec![
                    text("t0", "Across the join", 1000, 2500, Animation::SlideUp),
                    text("t1", "Pop goes the title", 4000, 2000, Animation::Pop),
                    text("t2", second_caption, 10600, 1300, Animation::Fade),
                    text("t3", "The end", 12700, 1200, Animation::None),
                ],
            ),
            track(
                "overlay",
                TT_OVERLAY,
                vec![Segment {
                    id: "logo".into(),
                    start_ms: 0,
                    duration_ms: 14000,
                    media_id: Some(s.ids[3].clone()),
                    size: Some(0.15),
                    ..Default::default()
                }],
            ),
        ],
        duration_ms: 14000,
        meta: Meta {
            width: W,
            height: H,
            fps: FPS,
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn render(
    s: &Setup,
    tl: &Timeline,
    name: &str,
    cache: Option<&RenderCache>,
    one_window: bool,
) -> (PathBuf, Rendered) {
    let out = s.dir.path().join(name);
    let r = render::render(
        &RenderRequest {
            timeline: tl,
            media: &s.media,
            output: &out,
            overwrite: true,
            scratch: &s.dir.path().join("scratch"),
            // Near-lossless, B-frames on: the frames of two renders of the same edit agree to
            // within encoder noise, and a frame out of place would stand out.
            encode: EncodeSettings {
                preset: "veryfast".into(),
                crf: 10,
                one_pass_audio: true,
            },
            cache,
            one_window,
            team: None,
        },
        &s.tools,
        &|_| {},
        &Default::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    (out, r)
}

/// Per-frame PSNR (dB) of `b` against `a`.
fn psnr_per_frame(a: &Path, b: &Path) -> Vec<f64> {
    let log = a.with_extension("psnr.log");
    ffmpeg(&[
        "-v",
        "error",
        "-i",
        a.to_str().unwrap(),
        "-i",
        b.to_str().unwrap(),
        "-lavfi",
        &format!("[0:v][1:v]psnr=stats_file={}", log.display()),
        "-f",
        "null",
        "-",
    ]);
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let v = l
                .split_whitespace()
                .find_map(|f| f.strip_prefix("psnr_avg:"))
                .unwrap();
            if v == "inf" { 99.0 } else { v.parse().unwrap() }
        })
        .collect()
}

fn assert_deliverable(path: &Path) {
    let p = probe(path);
    let v = stream(&p, "video");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["profile"], "High");
    assert_eq!(v["r_frame_rate"], "30/1");
    assert_eq!(v["avg_frame_rate"], "30/1");
    assert!((duration(&p) - 14.0).abs() < 0.05, "{}", duration(&p));
    let a = stream(&p, "audio");
    let ad: f64 = a["duration"].as_str().unwrap().parse().unwrap();
    assert!((ad - 14.0).abs() < 0.05, "audio {ad}");
}

#[tokio::test(flavor = "multi_thread")]
async fn windowed_renders_match_one_pass_and_reuse_what_an_edit_left_alone() {
    let s = setup().await;
    let tl = timeline(&s, "Second caption");
    let cache = RenderCache::open(&s.dir.path().join("cache"), 100)
        .unwrap()
        .unwrap();

    // One pass (the reference) and windowed: same frames, same times, same pictures.
    let (one, r1) = render(&s, &tl, "one.mp4", None, true).await;
    assert_eq!((r1.windows_rendered, r1.windows_reused), (1, 0));
    let (first, r) = render(&s, &tl, "first.mp4", Some(&cache), false).await;
    assert!(r.windows_rendered >= 5, "{r:?}");
    assert_eq!(r.windows_reused, 0);
    assert_deliverable(&first);
    let (fa, fb) = (frames(&one), frames(&first));
    assert_eq!(fa.len(), 420);
    let times = |f: &[(String, String)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(times(&fa), times(&fb), "frame timestamps differ");
    // Encoder noise is 43–48 dB here (each window ends its own group of pictures); a frame out
    // of place or a missing overlay is far below.
    let psnr = psnr_per_frame(&one, &first);
    assert_eq!(psnr.len(), 420);
    let worst = psnr
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    assert!(
        *worst.1 > 40.0,
        "windowed frame {} differs from the one-pass render: {:.1} dB",
        worst.0,
        worst.1
    );

    // Change one caption: only the window(s) it is on render again.
    let edited = timeline(&s, "A different caption");
    let (second, r2) = render(&s, &edited, "second.mp4", Some(&cache), false).await;
    assert_deliverable(&second);
    assert_eq!(r2.windows_rendered + r2.windows_reused, r.windows_rendered);
    assert_eq!(r2.windows_rendered, 1, "{r2:?}");
    let (f1, f2) = (frames(&first), frames(&second));
    assert_eq!(times(&f1), times(&f2));
    // The caption runs 10.6–11.9 s, in the window of frames 315–374: every other frame is
    // bit-identical.
    let changed: Vec<usize> = (0..f1.len()).filter(|&i| f1[i].1 != f2[i].1).collect();
    assert!(!changed.is_empty(), "the edit changed no frame");
    let (lo, hi) = (changed[0], *changed.last().unwrap());
    assert!(lo >= 315 && hi < 375, "frames {lo}–{hi} changed");

    // A damaged entry is noticed and rendered again; the result is the same video.
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    for e in &entries {
        let mut bytes = std::fs::read(e).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(e, &bytes).unwrap();
    }
    let (third, r3) = render(&s, &edited, "third.mp4", Some(&cache), false).await;
    assert_eq!(r3.windows_reused, 0, "a damaged entry was used: {r3:?}");
    // Same frames at the same times, the pictures equal within encoder noise: a window
    // rendered again need not be bit-identical to its earlier render (seen once under heavy
    // load: the 14 crossfade frames ending one window differed); what matters is that no
    // damaged entry reached the output.
    assert_eq!(times(&frames(&third)), times(&f2));
    let worst = psnr_per_frame(&second, &third)
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    assert!(
        worst > 40.0,
        "re-rendered after damage: worst frame {worst:.1} dB"
    );
    let (_, r4) = render(&s, &edited, "fourth.mp4", Some(&cache), false).await;
    assert_eq!(r4.windows_rendered, 0, "{r4:?}");
}

/// Entries (sidecar-backed) and temporaries in a cache folder.
fn cache_files(dir: &Path) -> (Vec<String>, Vec<String>) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let entries = names
        .iter()
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .cloned()
        .collect();
    let temps = names
        .into_iter()
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    (entries, temps)
}

#[test]
fn kill_9_during_a_cached_render_leaves_the_cache_usable() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let cache = home.join("cache");
    let stills: Vec<_> = (0..6)
        .map(|i| still(dir.path(), &format!("s{i}.jpg"), 1280, 720, i))
        .collect();
    let out = dir.path().join("v.mp4");
    let make = || {
        let mut c = reelsmith(&home);
        c.arg("make")
            .args(&stills)
            .args([
                "--prompt",
                "a 24 second video",
                "--resolution",
                "720p",
                "-f",
                "-o",
            ])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let mut child = make().spawn().unwrap();
    let t0 = std::time::Instant::now();
    while cache_files(&cache).0.is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the render finished before it could be killed"
        );
        assert!(t0.elapsed().as_secs() < 120, "no window was ever cached");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL, mid-render: windows are being encoded and stored
    child.wait().unwrap();
    assert!(!out.exists());
    let (kept, _) = cache_files(&cache);
    // What a kill in the middle of storing an entry leaves: a temporary of a dead writer, and
    // an entry file whose sidecar was never written.
    std::fs::write(cache.join(".tmp-2147483646-0123abcd.mp4"), b"half").unwrap();
    std::fs::write(cache.join("0123abcd.mp4"), b"half").unwrap();

    let status = make().status().unwrap();
    assert!(status.success(), "the render after the kill failed");
    let p = probe(&out);
    assert!((duration(&p) - 24.0).abs() < 0.1, "{}", duration(&p));
    let (entries, temps) = cache_files(&cache);
    assert!(temps.is_empty(), "temporaries left: {temps:?}");
    assert!(!entries.contains(&"0123abcd.json".to_string()));
    for k in &kept {
        assert!(
            entries.contains(k),
            "entry {k} from before the kill is gone"
        );
    }
}
