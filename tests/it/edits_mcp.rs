//! Exact edits through MCP: the editing issue's requests as `create_video {edits}` on a 6-photo
//! promo, checked in the timeline get_timeline returns; undo restores the previous revision
//! byte for byte; history survives a restart; an old revision exports.

use crate::support::mcp_client::*;
use crate::support::*;
use serde_json::{Value, json};
use std::path::Path;

const NAMES: [&str; 6] = [
    "cat.jpg",
    "chelsea.png",
    "rocket.jpg",
    "coffee.jpg",
    "shop.jpg",
    "sign.jpg",
];

fn shots(tl: &Value) -> Vec<Value> {
    tl["t"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tt"] == 0)
        .map(|t| t["sg"].as_array().unwrap().clone())
        .unwrap_or_default()
}

fn track(tl: &Value, tt: u64) -> Vec<Value> {
    tl["t"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tt"] == tt)
        .map(|t| t["sg"].as_array().unwrap().clone())
        .unwrap_or_default()
}

/// File names of the shots in order, from the media list.
fn order(state: &Value) -> Vec<String> {
    let media = state["media"].as_array().unwrap();
    shots(&state["timeline"])
        .iter()
        .map(|s| {
            media
                .iter()
                .find(|m| m["media_id"] == s["media_id"])
                .unwrap()["file_name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

async fn edit(s: &Server, sid: &str, edits: Value) -> Value {
    let r = s
        .call("create_video", json!({"session_id": sid, "edits": edits}))
        .await;
    ok(&r);
    structured(&r).clone()
}

async fn timeline(s: &Server, sid: &str) -> Value {
    let r = s.call("get_timeline", json!({"session_id": sid})).await;
    ok(&r);
    structured(&r).clone()
}

fn badge(dir: &Path) -> String {
    let p = dir.join("sale.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=red@0.85:s=240x120,format=rgba",
        "-frames:v",
        "1",
        p.to_str().unwrap(),
    ]);
    p.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_as_exact_edits_with_history() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let s = start(&home).await;
    let files: Vec<String> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| still(dir.path(), n, 960, 540, i).display().to_string())
        .collect();
    let c = s
        .call(
            "create_video",
            json!({"prompt": "a 24 second promo with calm music", "files": files,
                   "script": "Main Street Coffee\nFresh every morning.\nBeans from small farms.\nVisit us today",
                   "options": {"resolution": "720p"}}),
        )
        .await;
    ok(&c);
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();
    let first = timeline(&s, &sid).await;
    assert_eq!(order(&first), NAMES);
    let r1 = first["revision"].as_u64().unwrap();

    // "make the second shot 5 seconds": only that shot changes.
    let before: Vec<u64> = shots(&first["timeline"])
        .iter()
        .map(|x| x["d"].as_u64().unwrap())
        .collect();
    let e = edit(
        &s,
        &sid,
        json!([{"op": "set_shot", "shot": 2, "duration_s": 5}]),
    )
    .await;
    assert_eq!(e["revision"], r1 + 1);
    let t = timeline(&s, &sid).await;
    let after: Vec<u64> = shots(&t["timeline"])
        .iter()
        .map(|x| x["d"].as_u64().unwrap())
        .collect();
    assert_eq!(after[1], 5000);
    // Shots are whole frames; their length in ms is that rounded, ±1 ms by where they start.
    let frames = |ms: u64| reelsmith::timeline::ms_to_frames(ms, 30);
    for i in [0, 2, 3, 4, 5] {
        assert_eq!(
            frames(after[i]),
            frames(before[i]),
            "shot {} untouched",
            i + 1
        );
    }
    assert_eq!(order(&t), NAMES, "no shot moved");

    // "undo the last change": the previous revision, byte for byte.
    let u = edit(&s, &sid, json!([{"op": "undo"}])).await;
    assert_eq!(u["revision"], r1);
    let back = timeline(&s, &sid).await;
    assert_eq!(
        serde_json::to_string(&back["timeline"]).unwrap(),
        serde_json::to_string(&first["timeline"]).unwrap()
    );
    let r = edit(&s, &sid, json!([{"op": "redo"}])).await;
    assert_eq!(r["revision"], r1 + 1);

    // The rest of the requests, one call each.
    let sale = badge(dir.path());
    let title_id = track(&t["timeline"], 7)
        .iter()
        .find(|x| x["role"] == "title")
        .map(|x| x["id"].as_str().unwrap().to_string())
        .expect("a title");
    let end_id = track(&t["timeline"], 7)
        .iter()
        .find(|x| x["role"] == "end_card")
        .map(|x| x["id"].as_str().unwrap().to_string())
        .expect("an end card");
    edit(
        &s,
        &sid,
        json!([{"op": "set_text", "id": end_id, "text": "Open daily 7am-7pm"}]),
    )
    .await;
    edit(&s, &sid, json!([{"op": "set_music", "mood": "calm"}])).await;
    edit(&s, &sid, json!([{"op": "set_music", "volume": 0.2}])).await;
    edit(
        &s,
        &sid,
        json!([{"op": "set_text", "id": title_id, "end_s": 5}]),
    )
    .await;
    edit(
        &s,
        &sid,
        json!([{"op": "add_text", "text": "Now with oat milk", "shot": "cat.jpg"}]),
    )
    .await;
    edit(&s, &sid, json!([{"op": "set_style", "role": "caption", "style": {"size": "large", "color": "yellow"}}])).await;
    edit(
        &s,
        &sid,
        json!([{"op": "add_overlay", "file": sale, "position": "top_right", "size": 0.2}]),
    )
    .await;
    edit(
        &s,
        &sid,
        json!([{"op": "set_shot", "shot": 1, "motion": "zoom_out"}]),
    )
    .await;
    edit(
        &s,
        &sid,
        json!([{"op": "move_shot", "shot": "chelsea.png", "to": 1}]),
    )
    .await;
    edit(&s, &sid, json!([{"op": "move_shot", "shot": 2, "to": 1}])).await; // swap the first two back
    edit(
        &s,
        &sid,
        json!([{"op": "remove_shot", "shot": "rocket.jpg"}]),
    )
    .await;
    let e = edit(&s, &sid, json!([{"op": "set_video", "duration_s": 20}])).await;
    let last_rev = e["revision"].as_u64().unwrap();

    let t = timeline(&s, &sid).await;
    let tl = &t["timeline"];
    assert_eq!(
        order(&t),
        [
            "cat.jpg",
            "chelsea.png",
            "coffee.jpg",
            "shop.jpg",
            "sign.jpg"
        ]
    );
    assert!(
        (tl["d"].as_i64().unwrap() - 20_000).abs() <= 100,
        "{}",
        tl["d"]
    );
    let texts = track(tl, 7);
    let text_of = |id: &str| texts.iter().find(|x| x["id"] == id).unwrap().clone();
    assert_eq!(text_of(&end_id)["text"], "Open daily 7am-7pm");
    let oat = texts
        .iter()
        .find(|x| x["text"] == "Now with oat milk")
        .expect("caption added");
    assert_eq!(oat["style"]["size"], "large");
    assert_eq!(oat["style"]["color"], "yellow");
    let music = &track(tl, 1)[0];
    assert_eq!(music["generated"], "calm");
    assert!(
        (music["volume"].as_f64().unwrap() - 0.2).abs() < 1e-6,
        "{music}"
    );
    let ovl = &track(tl, 20)[0];
    assert_eq!(ovl["position"], "top_right");
    assert_eq!(shots(tl)[0]["motion"], "zoom_out", "the cat zooms out");
    // The cat caption sits on the cat shot.
    let cat = &shots(tl)[0];
    assert_eq!(oat["anchor"], cat["id"]);
    assert!(text_of(&title_id)["d"].as_u64().unwrap() >= 4000);
    // The text for the agent names ids, files and the overlay.
    let r = s.call("get_timeline", json!({"session_id": sid})).await;
    let txt = text_of_result(&r);
    assert!(
        txt.contains("(cat.jpg)") && txt.contains("Overlay ovl-1 (sale.png)"),
        "{txt}"
    );

    // An error names the op and field, and changes nothing.
    let bad = s
        .call(
            "create_video",
            json!({"session_id": sid, "edits": [
            {"op": "set_shot", "shot": 1, "duration_s": 3},
            {"op": "remove_shot", "shot": "shot-1234"}]}),
        )
        .await;
    assert_eq!(bad.is_error, Some(true));
    let msg = text_of_result(&bad);
    assert!(
        msg.contains("edits[1].shot: no shot 'shot-1234'; shots are 1 "),
        "{msg}"
    );
    assert_eq!(
        timeline(&s, &sid).await["revision"],
        last_rev,
        "nothing changed"
    );

    // What changed since the first cut, item by item.
    let d = s
        .call("get_timeline", json!({"session_id": sid, "diff_from": r1}))
        .await;
    let changes = structured(&d)["changes"].as_array().unwrap().clone();
    let all = serde_json::to_string(&changes).unwrap();
    assert!(all.contains("removed") && all.contains("music"), "{all}");

    // History survives a restart; an old revision is shown and exported.
    s.client.cancel().await.unwrap();
    let s = start(&home).await;
    let old = s
        .call("get_timeline", json!({"session_id": sid, "revision": r1}))
        .await;
    ok(&old);
    assert_eq!(
        serde_json::to_string(&structured(&old)["timeline"]).unwrap(),
        serde_json::to_string(&first["timeline"]).unwrap()
    );
    let u = edit(&s, &sid, json!([{"op": "undo"}])).await;
    assert_eq!(u["revision"], last_rev - 1);
    let rv = edit(&s, &sid, json!([{"op": "revert", "revision": last_rev}])).await;
    assert_eq!(rv["revision"], last_rev);
    let out = dir.path().join("first-cut.mp4");
    let x = s
        .call(
            "export_video",
            json!({"session_id": sid, "revision": r1, "output_path": out, "wait_s": 300}),
        )
        .await;
    ok(&x);
    assert_eq!(structured(&x)["revision"], r1);
    let p = probe(&out);
    assert!((duration(&p) - first["timeline"]["d"].as_f64().unwrap() / 1000.0).abs() < 0.1);
    s.client.cancel().await.unwrap();
}

fn text_of_result(r: &rmcp::model::CallToolResult) -> String {
    crate::support::mcp_client::text_of(r)
}

/// The edits' looks reach the pixels: a red badge top right, yellow text in the middle, and
/// a cut without the default fade of the text when it asks for no animation.
#[tokio::test(flavor = "multi_thread")]
async fn badges_and_text_styles_render() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
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
    let c = s
        .call(
            "create_video",
            json!({"prompt": "a 4 second clip, no music", "files": [grey],
                   "options": {"resolution": "720p", "title": "", "transition": "none"}}),
        )
        .await;
    ok(&c);
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();
    let sale = badge(dir.path());
    let r = s
        .call(
            "create_video",
            json!({"session_id": sid, "edits": [
                {"op": "set_shot", "shot": 1, "motion": "none"},
                {"op": "add_overlay", "file": sale, "position": "top_right", "size": 0.25},
                {"op": "add_text", "text": "SALE", "role": "overlay",
                 "style": {"color": "yellow", "size": "extra_large", "position": "center", "animation": "none"}}
            ]}),
        )
        .await;
    ok(&r);
    let e = structured(&r).clone();
    assert!(e["changes"].as_array().unwrap().len() == 3, "{e}");
    // The contact sheet shows the badge (red, top right of the thumbnail) and the yellow text.
    let sheet = dir.path().join("sheet.jpg");
    std::fs::write(&sheet, &images(&r)[0]).unwrap();
    let (sw, sh) = {
        let p = probe(&sheet);
        let v = stream(&p, "video");
        (
            v["width"].as_u64().unwrap() as usize,
            v["height"].as_u64().unwrap() as usize,
        )
    };
    let raw = ffmpeg(&[
        "-v",
        "error",
        "-i",
        sheet.to_str().unwrap(),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ])
    .stdout;
    let count = |f: &dyn Fn(i32, i32, i32) -> bool, right_half: bool| {
        (0..sh)
            .flat_map(|y| (0..sw).map(move |x| (x, y)))
            .filter(|&(x, _)| !right_half || x > sw / 2)
            .filter(|&(x, y)| {
                let i = (y * sw + x) * 3;
                f(raw[i] as i32, raw[i + 1] as i32, raw[i + 2] as i32)
            })
            .count()
    };
    let red = count(&|r, g, b| r > 180 && g < 80 && b < 80, true);
    let yellow = count(&|r, g, b| r > 200 && g > 170 && b < 90, false);
    assert!(
        red > 500 && yellow > 100,
        "sheet {sw}x{sh}: {red} red, {yellow} yellow pixels"
    );
    let out = dir.path().join("styled.mp4");
    let x = s
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 300}),
        )
        .await;
    ok(&x);
    let (w, h) = (1280usize, 720usize);
    let px = frame_rgb(&out, 2.0);
    assert_eq!(px.len(), w * h * 3);
    let at = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        (px[i] as i32, px[i + 1] as i32, px[i + 2] as i32)
    };
    // The badge: 25% of the width, centred at (0.85, 0.12) and kept inside the frame.
    let (r, g, b) = at((0.85 * w as f64) as usize, (0.12 * h as f64) as usize);
    assert!(r > 180 && g < 80 && b < 80, "badge pixel is ({r},{g},{b})");
    // Bottom-left stays the grey picture.
    let (r, g, b) = at(40, h - 40);
    assert!(
        (r - 64).abs() < 20 && (g - 64).abs() < 20 && (b - 64).abs() < 20,
        "({r},{g},{b})"
    );
    // Yellow text in the middle third.
    let yellow = (h / 3..2 * h / 3)
        .flat_map(|y| (w / 4..3 * w / 4).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let (r, g, b) = at(x, y);
            r > 200 && g > 170 && b < 90
        })
        .count();
    assert!(yellow > 2000, "{yellow} yellow pixels");
    // No animation: the text is fully there in the very first frame.
    let first = frame_rgb(&out, 0.0);
    let yellow0 = (h / 3..2 * h / 3)
        .flat_map(|y| (w / 4..3 * w / 4).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let i = (y * w + x) * 3;
            first[i] > 200 && first[i + 1] > 170 && first[i + 2] < 90
        })
        .count();
    assert!(
        yellow0 * 10 > yellow * 9,
        "first frame {yellow0} vs {yellow}"
    );
    s.client.cancel().await.unwrap();
}

/// A picture named by an edit is used by that edit only: a prompt in the same request does not
/// make it a shot, and a first cut does not either.
#[tokio::test(flavor = "multi_thread")]
async fn a_file_named_by_an_edit_is_not_made_a_shot() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let a = still(dir.path(), "a.jpg", 640, 360, 0);
    let b = still(dir.path(), "b.jpg", 640, 360, 1);
    let sale = badge(dir.path());
    let c = s
        .call(
            "create_video",
            json!({"prompt": "a 4 second clip", "files": [a, b],
                   "options": {"resolution": "720p"},
                   "edits": [{"op": "add_overlay", "file": sale, "position": "top_left"}]}),
        )
        .await;
    ok(&c);
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();
    let tl = &structured(&c)["timeline"];
    assert_eq!(
        shots(tl).len(),
        2,
        "{}",
        serde_json::to_string(&structured(&c)).unwrap()
    );
    assert_eq!(track(tl, 20).len(), 1);
    let sale2 = badge(&dir.path().join("x").tap_mkdir());
    let e = s
        .call(
            "create_video",
            json!({"session_id": sid, "prompt": "make it 5 seconds",
                   "edits": [{"op": "add_overlay", "file": sale2, "position": "bottom_right"}]}),
        )
        .await;
    ok(&e);
    let tl = &structured(&e)["timeline"];
    assert_eq!(shots(tl).len(), 2, "the badge did not become a shot: {tl}");
    assert_eq!(track(tl, 20).len(), 2);
    assert!((tl["d"].as_i64().unwrap() - 5000).abs() <= 100);
    // Text no installed font can draw is refused when it is set, not at export.
    let r = s
        .call(
            "create_video",
            json!({"session_id": sid, "edits": [{"op": "add_text", "text": "Grand opening \u{1FAE8}\u{E000}", "shot": 1}]}),
        )
        .await;
    assert_eq!(r.is_error, Some(true), "{}", text_of_result(&r));
    let msg = text_of_result(&r);
    assert!(
        msg.contains("cannot be drawn") && msg.contains("Grand opening"),
        "{msg}"
    );
    // A prompt about one shot's length is done by the exact op (said in the result), never
    // applied to the whole video.
    let before = timeline(&s, &sid).await;
    let length = before["timeline"]["d"].as_i64().unwrap();
    let old2 = shots(&before["timeline"])[1]["d"].as_i64().unwrap();
    let r = s
        .call(
            "create_video",
            json!({"session_id": sid, "prompt": "make the second shot 3 seconds"}),
        )
        .await;
    assert_ne!(r.is_error, Some(true), "{}", text_of_result(&r));
    let msg = text_of_result(&r);
    assert!(msg.contains(r#""op":"set_shot","shot":2"#), "{msg}");
    let after = timeline(&s, &sid).await;
    let shot2 = &shots(&after["timeline"])[1];
    assert_eq!(shot2["d"], 3000, "{shot2}");
    // The video's length changes by exactly what shot 2 gained or lost.
    let now = after["timeline"]["d"].as_i64().unwrap();
    assert!(
        (now - (length - old2 + 3000)).abs() <= 34,
        "{now} vs {length}"
    );
    s.client.cancel().await.unwrap();
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
