//! The player app (MCP Apps): the `ui://reelsmith/player` view, linked from the tools, run in a
//! real headless Chromium inside a small test host that speaks the host side of the protocol
//! and forwards the view's calls to a real `reelsmith serve`. Screenshots go to target/player/.

use crate::support::chromium::Chromium;
use crate::support::mcp_client::*;
use crate::support::*;
use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, ReadResourceRequestParams, ResourceContents};
use rmcp::service::Peer;
use serde_json::{Value, json};
use std::path::PathBuf;

const HOST_PAGE: &str = include_str!("support/player_host.html");
const URI: &str = "ui://reelsmith/player";

/// The test host's web server: the host page, and /mcp forwarding the view's calls to the
/// real server over MCP.
async fn host_server(peer: Peer<RoleClient>) -> String {
    use axum::routing::{get, post};
    async fn forward(peer: Peer<RoleClient>, req: Value) -> Value {
        let params = req["params"].clone();
        let answer = match req["method"].as_str() {
            Some("tools/call") => match serde_json::from_value::<CallToolRequestParams>(params) {
                Ok(p) => peer
                    .call_tool(p)
                    .await
                    .map(|r| serde_json::to_value(r).unwrap()),
                Err(e) => return json!({"error": {"code": -32602, "message": e.to_string()}}),
            },
            Some("resources/read") => {
                match serde_json::from_value::<ReadResourceRequestParams>(params) {
                    Ok(p) => peer
                        .read_resource(p)
                        .await
                        .map(|r| serde_json::to_value(r).unwrap()),
                    Err(e) => {
                        return json!({"error": {"code": -32602, "message": e.to_string()}});
                    }
                }
            }
            other => return json!({"error": {"code": -32601, "message": format!("{other:?}")}}),
        };
        match answer {
            Ok(result) => json!({ "result": result }),
            Err(e) => json!({"error": {"code": -32000, "message": e.to_string()}}),
        }
    }
    let app = axum::Router::new()
        .route("/", get(|| async { axum::response::Html(HOST_PAGE) }))
        .route(
            "/mcp",
            post(move |axum::Json(req): axum::Json<Value>| {
                let peer = peer.clone();
                async move { axum::Json(forward(peer, req).await) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/")
}

fn shots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/player")
}

/// Relative luminance (0 black – 1 white) of a CSS `rgb(...)` colour.
fn luminance(css: &str) -> f64 {
    let n: Vec<f64> = css
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse::<f64>().unwrap() / 255.0)
        .collect();
    assert_eq!(n.len(), 3, "{css}");
    0.2126 * n[0] + 0.7152 * n[1] + 0.0722 * n[2]
}

#[tokio::test(flavor = "multi_thread")]
async fn player_app_shows_and_drives_a_real_session_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;

    // The tools name the player, and the server serves it.
    let tools = s.client.list_all_tools().await.unwrap();
    for name in ["create_video", "get_timeline", "export_video"] {
        let t = tools.iter().find(|t| t.name == name).unwrap();
        let meta = serde_json::to_value(&t.meta).unwrap();
        assert_eq!(meta["ui"]["resourceUri"], URI, "{name}: {meta}");
    }
    let export_schema = serde_json::to_value(
        &tools
            .iter()
            .find(|t| t.name == "export_video")
            .unwrap()
            .input_schema,
    )
    .unwrap();
    let has_formats = export_schema["properties"]["formats"].is_object();
    let listed = s.client.list_all_resources().await.unwrap();
    let r = listed.iter().find(|r| r.uri == URI).expect("player listed");
    assert_eq!(r.mime_type.as_deref(), Some("text/html;profile=mcp-app"));
    let read = s
        .client
        .read_resource(ReadResourceRequestParams::new(URI))
        .await
        .unwrap();
    let html = match &read.contents[0] {
        ResourceContents::TextResourceContents {
            text, mime_type, ..
        } => {
            assert_eq!(mime_type.as_deref(), Some("text/html;profile=mcp-app"));
            text.clone()
        }
        other => panic!("{other:?}"),
    };
    eprintln!("player HTML: {} bytes", html.len());
    assert!(html.len() < 40_000);

    // A real session: a first cut, then an edit (so there is something to undo).
    let files: Vec<String> = (0..3)
        .map(|i| {
            still(dir.path(), &format!("p{i}.jpg"), 1280, 720, i)
                .display()
                .to_string()
        })
        .collect();
    let c = s
        .call(
            "create_video",
            json!({"prompt": "a 6 second promo with music", "files": files,
                   "script": "Summer Sale\nFresh picks every morning.\nShop now at example.com"}),
        )
        .await;
    ok(&c);
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();
    let args =
        json!({"session_id": sid, "edits": [{"op": "set_shot", "shot": 1, "duration_s": 3}]});
    let e = s.call("create_video", args.clone()).await;
    ok(&e);
    let rev = structured(&e)["revision"].as_u64().unwrap();
    // The text and image content stay as they were for hosts without apps.
    assert!(text_of(&e).contains("Edited the video"), "{}", text_of(&e));
    assert_eq!(images(&e).len(), 1);
    let texts: Vec<String> = structured(&e)["timeline"]["t"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["tt"] == 7)
        .flat_map(|t| t["sg"].as_array().unwrap().clone())
        .filter_map(|sg| sg["text"].as_str().map(str::to_string))
        .collect();
    assert!(texts.iter().any(|t| t == "Summer Sale"), "{texts:?}");
    let create_tool = tools.iter().find(|t| t.name == "create_video").unwrap();

    let url = host_server(s.client.peer().clone()).await;
    let start = json!({
        "html": html,
        "tool": create_tool,
        "args": args,
        "result": serde_json::to_value(&e).unwrap(),
        "theme": "light",
    });
    let shots = shots_dir();

    // Chromium blocks; it runs on its own thread.
    tokio::task::spawn_blocking(move || {
        let mut b = Chromium::start();
        b.viewport(800, 900);
        b.goto(&url);
        b.eval(&format!("host.start({start})"));
        let doc = "host.frame()";

        // The contact sheet and the strip of shots with their text.
        b.wait_for(&format!("{doc}.getElementById('sheet').naturalWidth > 0"), 30);
        let strip = b
            .wait_for(
                &format!("{doc}.querySelectorAll('.shot').length >= 3 && {doc}.getElementById('strip').innerText"),
                30,
            )
            .as_str()
            .unwrap()
            .to_string();
        for t in &texts {
            assert!(strip.contains(t.as_str()), "strip lacks {t:?}:\n{strip}");
        }
        let rev_label = format!("Revision {rev}");
        assert_eq!(b.eval(&format!("{doc}.getElementById('rev').textContent")), json!(rev_label));
        // export_video has no `formats` yet: the button stays hidden until it does.
        assert_eq!(
            b.eval(&format!("{doc}.getElementById('export-all').hidden")),
            json!(!has_formats)
        );

        // Undo goes to the host as create_video with an undo edit, and the view follows it.
        b.eval(&format!("{doc}.getElementById('undo').click()"));
        let call = b.wait_for("host.calls('tools/call').find((c) => c.result)", 120);
        assert_eq!(
            call["params"],
            json!({"name": "create_video", "arguments": {"session_id": sid, "edits": [{"op": "undo"}]}}),
        );
        b.wait_for(
            &format!("{doc}.getElementById('rev').textContent !== {} && {doc}.getElementById('rev').textContent", serde_json::to_string(&rev_label).unwrap()),
            30,
        );
        b.eval(&format!("{doc}.getElementById('redo').click()"));
        b.wait_for(
            &format!("{doc}.getElementById('rev').textContent === {}", serde_json::to_string(&rev_label).unwrap()),
            120,
        );

        // The preview: a draft render, read as a resource and played from a data: URL.
        b.wait_for(&format!("!{doc}.getElementById('preview').disabled"), 30);
        b.eval(&format!("{doc}.getElementById('preview').click()"));
        let duration = b.wait_for(
            &format!("(v => v.readyState >= 1 && v.duration > 0 && v.duration)({doc}.getElementById('video'))"),
            600,
        );
        assert!(duration.as_f64().unwrap() > 5.0, "{duration}");
        let draft = b.eval("host.calls('tools/call').map((c) => c.params).filter((p) => p.arguments.quality === 'draft')");
        assert_eq!(draft, json!([{"name": "export_video", "arguments": {"session_id": sid, "quality": "draft"}}]));
        let read = b.eval("host.calls('resources/read').map((c) => [c.params.uri, c.result && c.result.contents[0].blob.length])");
        assert!(read[0][0].as_str().unwrap().starts_with("reelsmith://renders/"), "{read}");
        eprintln!("draft preview: {} base64 chars for {duration} s", read[0][1]);
        b.eval(&format!("{doc}.getElementById('video').play().then(() => true)"));
        b.wait_for(&format!("{doc}.getElementById('video').currentTime > 0.3"), 60);
        b.eval(&format!("{doc}.getElementById('video').pause()"));
        b.screenshot(&shots.join("player-light.png"));

        // Export: the MP4 is made, and Open asks the host to open its link.
        b.eval(&format!("{doc}.getElementById('export').click()"));
        b.wait_for(&format!("!{doc}.getElementById('open').hidden"), 900);
        b.eval(&format!("{doc}.getElementById('open').click()"));
        let link = b.wait_for("host.calls('ui/open-link')[0]", 30);
        let link = link["params"]["url"].as_str().unwrap().to_string();
        assert!(link.starts_with("file:///") && link.ends_with(".mp4"), "{link}");
        let exported = b.eval("host.calls('tools/call').filter((c) => c.params.name === 'export_video' && !c.params.arguments.quality).map((c) => c.result.structuredContent)");
        let last = exported.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["status"], "done", "{last}");
        assert_eq!(last["session_id"].as_str(), Some(sid.as_str()));
        let mp4 = PathBuf::from(last["output_path"].as_str().unwrap());
        assert!(duration_of(&mp4) > 5.0);

        // Dark theme from the host context.
        let light = b.eval(&format!("getComputedStyle({doc}.body).backgroundColor"));
        assert!(luminance(light.as_str().unwrap()) > 0.8, "{light}");
        b.eval("host.setContext({theme: 'dark'})");
        let dark = b.wait_for(
            &format!("(c => c !== {light} && c)(getComputedStyle({doc}.body).backgroundColor)"),
            10,
        );
        assert!(luminance(dark.as_str().unwrap()) < 0.2, "{dark}");
        let text = b.eval(&format!("getComputedStyle({doc}.body).color"));
        assert!(luminance(text.as_str().unwrap()) > 0.8, "{text}");
        b.screenshot(&shots.join("player-dark.png"));

        // 320 px wide: nothing overflows sideways (the strip scrolls inside itself).
        b.viewport(320, 900);
        b.wait_for("window.innerWidth === 320", 10);
        let overflow = b.eval(&format!(
            "[{doc}.documentElement.scrollWidth, {doc}.documentElement.clientWidth, document.documentElement.scrollWidth]"
        ));
        let o: Vec<u64> = overflow.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert!(o[0] <= o[1] && o[2] <= 320, "horizontal overflow at 320 px: {overflow}");
        b.screenshot(&shots.join("player-narrow.png"));

        // No theme from the host: the view follows prefers-color-scheme.
        b.viewport(800, 900);
        b.color_scheme("dark");
        let mut start2 = start;
        start2["theme"] = Value::Null;
        b.eval(&format!("host.start({start2})"));
        let bg = b.wait_for(&format!("{doc}.querySelectorAll('.shot').length && getComputedStyle({doc}.body).backgroundColor"), 30);
        assert!(luminance(bg.as_str().unwrap()) < 0.2, "{bg}");
    })
    .await
    .unwrap();
}

fn duration_of(p: &std::path::Path) -> f64 {
    duration(&probe(p))
}

#[tokio::test(flavor = "multi_thread")]
async fn player_off_leaves_the_tools_plain() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_with(&dir.path().join("home"), &[("REELSMITH_UI", "off")]).await;
    let tools = s.client.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|t| t.meta.is_none()), "{tools:?}");
    let listed = s.client.list_all_resources().await.unwrap();
    assert!(listed.iter().all(|r| !r.uri.starts_with("ui://")));
    assert!(
        s.client
            .read_resource(ReadResourceRequestParams::new(URI))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn player_renders_serve_only_finished_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let read = |uri: String| s.client.read_resource(ReadResourceRequestParams::new(uri));
    for bad in [
        "reelsmith://renders/",
        "reelsmith://renders/../../etc/passwd",
        "reelsmith://renders/nope",
    ] {
        assert!(read(bad.to_string()).await.is_err(), "{bad}");
    }
    let files: Vec<String> = (0..2)
        .map(|i| {
            still(dir.path(), &format!("q{i}.jpg"), 640, 360, i)
                .display()
                .to_string()
        })
        .collect();
    let c = s
        .call(
            "create_video",
            json!({"prompt": "a 3 second video", "files": files}),
        )
        .await;
    ok(&c);
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();
    let fin = s
        .call("export_video", json!({"session_id": sid, "wait_s": 600}))
        .await;
    ok(&fin);
    let job = structured(&fin)["job_id"].as_str().unwrap().to_string();
    let e = read(format!("reelsmith://renders/{job}"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only draft"), "{e}");
    let d = s
        .call(
            "export_video",
            json!({"session_id": sid, "wait_s": 600, "quality": "draft"}),
        )
        .await;
    ok(&d);
    let job = structured(&d)["job_id"].as_str().unwrap().to_string();
    let r = read(format!("reelsmith://renders/{job}")).await.unwrap();
    match &r.contents[0] {
        ResourceContents::BlobResourceContents {
            blob, mime_type, ..
        } => {
            use base64::Engine as _;
            assert_eq!(mime_type.as_deref(), Some("video/mp4"));
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(blob)
                .unwrap();
            let on_disk = std::fs::read(structured(&d)["output_path"].as_str().unwrap()).unwrap();
            assert_eq!(bytes, on_disk);
        }
        other => panic!("{other:?}"),
    }
}
