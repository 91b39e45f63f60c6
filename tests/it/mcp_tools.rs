//! The MCP server driven by rmcp's own client over stdio (and raw HTTP for the transport's
//! guards): every tool, progress notifications, cancellation and the wait_s hand-off.

use crate::support::mcp_client::*;
use crate::support::*;
use rmcp::model::ContentBlock;
use serde_json::json;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn stills(dir: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (w, h) = if i % 2 == 0 { (1280, 720) } else { (720, 900) };
            still(dir, &format!("s{i}.jpg"), w, h, i)
                .display()
                .to_string()
        })
        .collect()
}

/// Upload and make a first cut; returns the session id.
async fn session_with_cut(s: &Server, dir: &Path, prompt: &str) -> String {
    let up = s
        .call("upload_media", json!({"files": stills(dir, 3)}))
        .await;
    ok(&up);
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let c = s
        .call("create_video", json!({"prompt": prompt, "session_id": sid}))
        .await;
    ok(&c);
    sid
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_five_tools_with_schemas_and_truthful_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let info = s.client.peer_info().expect("server info");
    let server = info.server_info.clone().expect("server info");
    assert_eq!(server.name, "reelsmith");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    let tools = s.client.list_all_tools().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(names, TOOL_NAMES);
    for t in &tools {
        assert!(
            t.description.as_deref().is_some_and(|d| d.len() > 60),
            "{} needs a real description",
            t.name
        );
        assert!(t.output_schema.is_some(), "{} has no output schema", t.name);
        let a = t.annotations.as_ref().expect("annotations");
        let read_only = matches!(t.name.as_ref(), "get_timeline" | "check_credits");
        assert_eq!(a.read_only_hint, Some(read_only), "{}", t.name);
        assert_eq!(a.destructive_hint, Some(false), "{}", t.name);
        assert_eq!(a.open_world_hint, Some(false), "{}", t.name);
    }
    let create = tools.iter().find(|t| t.name == "create_video").unwrap();
    let props = create.input_schema["properties"].as_object().unwrap();
    for k in ["prompt", "session_id", "files", "options", "edits"] {
        assert!(props.contains_key(k), "create_video lacks {k}");
    }
    // A prompt, edits or both: neither is required on its own.
    assert!(
        create
            .input_schema
            .get("required")
            .is_none_or(|r| r.as_array().unwrap().is_empty()),
        "{:?}",
        create.input_schema.get("required")
    );
    s.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_create_timeline_export_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;

    let files = stills(dir.path(), 3);
    let up = s.call("upload_media", json!({"files": files})).await;
    ok(&up);
    let u = structured(&up);
    let sid = u["session_id"].as_str().unwrap().to_string();
    let media = u["media"].as_array().unwrap();
    assert_eq!(media.len(), 3);
    assert_eq!(media[0]["kind"], "image");
    assert_eq!(
        (media[0]["width"].as_u64(), media[0]["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert_eq!(
        (media[1]["width"].as_u64(), media[1]["height"].as_u64()),
        (Some(720), Some(900))
    );

    let c = s
        .call(
            "create_video",
            json!({
                "prompt": "a 6 second clip called \"Hello MCP\" with calm music",
                "session_id": sid,
                "options": {"resolution": "720p"}
            }),
        )
        .await;
    ok(&c);
    let cs = structured(&c);
    assert_eq!(cs["action"], "created");
    assert_eq!(cs["revision"], 1);
    assert_eq!(cs["timeline"]["d"], 6000);
    assert!(text_of(&c).contains("Hello MCP"), "{}", text_of(&c));
    let shots = images(&c);
    assert_eq!(shots.len(), 1, "one preview image");
    assert_eq!(&shots[0][..2], &[0xFF, 0xD8], "JPEG");
    assert!(shots[0].len() <= 200 * 1024);

    // An edit makes revision 2 and says what changed.
    let e = s
        .call(
            "create_video",
            json!({"prompt": "make it 4 seconds", "session_id": sid}),
        )
        .await;
    ok(&e);
    assert_eq!(structured(&e)["action"], "edited");
    assert_eq!(structured(&e)["revision"], 2);
    assert!(text_of(&e).contains("6 s → 4 s"), "{}", text_of(&e));

    let t = s.call("get_timeline", json!({"session_id": sid})).await;
    ok(&t);
    let ts = structured(&t);
    assert_eq!(ts["revision"], 2);
    assert_eq!(ts["timeline"]["d"], 4000);
    assert_eq!(ts["media"].as_array().unwrap().len(), 3);
    assert!(text_of(&t).contains("Shot 3"), "{}", text_of(&t));
    assert_eq!(images(&t).len(), 1);

    let before = s.recorder.progress.lock().unwrap().len();
    let out = dir.path().join("out dir").join("final video.mp4");
    let x = s
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 300}),
        )
        .await;
    ok(&x);
    let xs = structured(&x);
    assert_eq!(xs["status"], "done");
    assert_eq!(xs["output_path"], out.display().to_string());
    let p = probe(&out);
    let v = stream(&p, "video");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert!((duration(&p) - 4.0).abs() <= 0.1);
    // A resource link to the file.
    let link = x
        .content
        .iter()
        .find_map(|c| match c {
            ContentBlock::ResourceLink(r) => Some(r.clone()),
            _ => None,
        })
        .expect("resource link");
    assert_eq!(
        link.uri,
        format!("file://{}", out.display()).replace(' ', "%20")
    );
    assert_eq!(link.mime_type.as_deref(), Some("video/mp4"));
    // Progress notifications arrived, rising, with render messages.
    let progress = s.recorder.progress.lock().unwrap()[before..].to_vec();
    assert!(
        progress.len() >= 2,
        "{} progress notifications",
        progress.len()
    );
    // Rising within each request (a late notification of an earlier call may interleave).
    for values in progress_by_request(&s, before) {
        assert!(values.windows(2).all(|w| w[1] > w[0]), "{values:?}");
    }
    assert!(
        progress.iter().any(|(_, p)| p
            .message
            .as_deref()
            .is_some_and(|m| m.contains("Rendering"))),
        "{:?}",
        progress
            .iter()
            .map(|(_, p)| p.message.clone())
            .collect::<Vec<_>>()
    );

    // A new revision never overwrites an existing file unless asked.
    ok(&s
        .call(
            "create_video",
            json!({"prompt": "make it 3 seconds", "session_id": sid}),
        )
        .await);
    let refused = s
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 300}),
        )
        .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text_of(&refused).contains("already exists"),
        "{}",
        text_of(&refused)
    );
    assert!(
        (duration(&probe(&out)) - 4.0).abs() <= 0.1,
        "the old file was touched"
    );
    let replaced = s
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 300, "overwrite": true}),
        )
        .await;
    ok(&replaced);
    assert!((duration(&probe(&out)) - 3.0).abs() <= 0.1);

    let cr = s.call("check_credits", json!({})).await;
    ok(&cr);
    assert_eq!(structured(&cr)["backend"], "local");
    assert!(structured(&cr)["free_disk_bytes"].as_u64().unwrap() > 0);
    assert!(text_of(&cr).contains("no credits"), "{}", text_of(&cr));
    s.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_s_hands_off_and_never_renders_a_revision_twice() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let sid = session_with_cut(&s, dir.path(), "a 12 second video, no music").await;

    let first = s
        .call("export_video", json!({"session_id": sid, "wait_s": 0}))
        .await;
    ok(&first);
    let f = structured(&first);
    assert_eq!(f["status"], "rendering", "{}", text_of(&first));
    let job = f["job_id"].as_str().unwrap().to_string();
    assert!(
        text_of(&first).contains("call export_video again"),
        "{}",
        text_of(&first)
    );

    let second = s
        .call("export_video", json!({"session_id": sid, "wait_s": 600}))
        .await;
    ok(&second);
    let sd = structured(&second);
    assert_eq!(sd["status"], "done");
    assert_eq!(sd["job_id"], job.as_str(), "joined the running job");
    let path = PathBuf::from(sd["output_path"].as_str().unwrap());
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();

    let third = s
        .call("export_video", json!({"session_id": sid, "wait_s": 0}))
        .await;
    ok(&third);
    assert_eq!(structured(&third)["status"], "done");
    assert_eq!(structured(&third)["job_id"], job.as_str());
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    let jobs = std::fs::read_dir(s.home.join("exports")).unwrap().count();
    assert_eq!(jobs, 1, "one file for one revision");
    s.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_an_export_stops_the_render_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let sid = session_with_cut(&s, dir.path(), "a 60 second 1080p video with music").await;
    let out = dir.path().join("cancelled.mp4");
    // Dropping the call's future sends notifications/cancelled for it.
    let call = s.try_call(
        "export_video",
        json!({"session_id": sid, "output_path": out, "wait_s": 600}),
    );
    let r = tokio::time::timeout(Duration::from_secs(6), call).await;
    assert!(
        r.is_err(),
        "the render finished before it could be cancelled"
    );
    // The render stops: no encoder writing for this directory, no file, no partials.
    let needle = dir.path().display().to_string();
    let t0 = Instant::now();
    loop {
        let running = std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
            std::fs::read(p.path().join("cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                c.split('\0').next().is_some_and(|p| p.ends_with("ffmpeg")) && c.contains(&needle)
            })
        });
        if !running {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "ffmpeg still running"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!out.exists());
    let partials: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".partial"))
        .collect();
    assert!(partials.is_empty(), "{partials:?}");
    // The server is still serving, and a new export starts afresh (not "cancelled" forever).
    let again = s
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 0}),
        )
        .await;
    ok(&again);
    assert_eq!(structured(&again)["status"], "rendering");
    s.client.cancel().await.unwrap();
}

/// Progress of every request, as sent on the wire, grouped by request (token).
fn progress_by_request(s: &Server, from: usize) -> Vec<Vec<f64>> {
    let mut by_token: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for (_, p) in &s.recorder.progress.lock().unwrap()[from..] {
        by_token
            .entry(format!("{:?}", p.progress_token))
            .or_default()
            .push(p.progress);
    }
    by_token.into_values().collect()
}

/// Edits and exports repeated under a busy loop on every core: every request's progress rises.
#[tokio::test(flavor = "multi_thread")]
async fn progress_rises_under_cpu_contention() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let up = s
        .call("upload_media", json!({"files": stills(dir.path(), 2)}))
        .await;
    ok(&up);
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let _load = BusyLoad::start();
    let before = s.recorder.progress.lock().unwrap().len();
    for round in 0..6 {
        let prompt = if round == 0 {
            "a 2 second clip".to_string()
        } else {
            format!("make it {} seconds", 2 + round % 2)
        };
        let opts = json!({"resolution": "720p"});
        ok(&s
            .call(
                "create_video",
                json!({"prompt": prompt, "session_id": sid, "options": opts}),
            )
            .await);
        let out = dir.path().join(format!("round{round}.mp4"));
        let x = s
            .call(
                "export_video",
                json!({"session_id": sid, "output_path": out, "wait_s": 300}),
            )
            .await;
        ok(&x);
        assert!(out.exists());
    }
    let requests = progress_by_request(&s, before);
    assert!(requests.len() >= 12, "{} requests reported", requests.len());
    for values in &requests {
        assert!(values.windows(2).all(|w| w[1] > w[0]), "{values:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_arrives_at_least_every_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let sid = session_with_cut(&s, dir.path(), "a 40 second 1080p video with music").await;
    let before = s.recorder.progress.lock().unwrap().len();
    let t0 = Instant::now();
    let r = s
        .call("export_video", json!({"session_id": sid, "wait_s": 12}))
        .await;
    ok(&r);
    let t1 = Instant::now();
    let progress = s.recorder.progress.lock().unwrap()[before..].to_vec();
    let mut times: Vec<Instant> = vec![t0];
    times.extend(progress.iter().map(|(t, _)| *t));
    times.push(t1);
    let longest = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(
        // The heartbeat is 4 s, checked each second; 7 s leaves room for a busy machine.
        longest <= Duration::from_millis(7000),
        "silence of {longest:?} between progress notifications"
    );
    s.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_arguments_are_invalid_params_and_failures_are_tool_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let invalid = |e: rmcp::ServiceError| match e {
        rmcp::ServiceError::McpError(d) => {
            assert_eq!(d.code, rmcp::model::ErrorCode::INVALID_PARAMS, "{d:?}");
            d.message.to_string()
        }
        other => panic!("expected invalid params, got {other:?}"),
    };
    let m = invalid(
        s.try_call("upload_media", json!({"files": "a.jpg"}))
            .await
            .unwrap_err(),
    );
    assert!(m.contains("`files`"), "{m}");
    let m = invalid(s.try_call("get_timeline", json!({})).await.unwrap_err());
    assert!(m.contains("session_id"), "{m}");
    let m = invalid(
        s.try_call("export_video", json!({"session_id": "x", "wait_s": -1}))
            .await
            .unwrap_err(),
    );
    assert!(m.contains("wait_s"), "{m}");
    let m = invalid(
        s.try_call(
            "export_video",
            json!({"session_id": "x", "output_path": "/tmp/video.mov"}),
        )
        .await
        .unwrap_err(),
    );
    assert!(m.contains("output_path") && m.contains(".mp4"), "{m}");

    let files = stills(dir.path(), 2);
    let m = invalid(
        s.try_call(
            "create_video",
            json!({"prompt": "a video", "files": files, "options": {"aspect": "banana"}}),
        )
        .await
        .unwrap_err(),
    );
    assert!(m.contains("options.aspect") && m.contains("9:16"), "{m}");

    // Domain failures: isError with a message that says what to do.
    let r = s
        .call("get_timeline", json!({"session_id": "ses_nope"}))
        .await;
    assert_eq!(r.is_error, Some(true));
    assert!(text_of(&r).contains("not found"), "{}", text_of(&r));
    let missing = dir.path().join("missing.png");
    let r = s.call("upload_media", json!({"files": [missing]})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text_of(&r).contains("missing.png") && text_of(&r).contains("not found"));
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hi").unwrap();
    let r = s.call("upload_media", json!({"files": [notes]})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text_of(&r).contains("accepted formats"), "{}", text_of(&r));
    // Still serving afterwards.
    ok(&s.call("check_credits", json!({})).await);
    s.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn prompts_that_are_other_requests_are_routed() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let r = s
        .call(
            "create_video",
            json!({"prompt": "how many credits do I have?"}),
        )
        .await;
    ok(&r);
    assert_eq!(structured(&r)["action"], "credits");
    assert!(text_of(&r).contains("no credits"));
    let r = s.call("create_video", json!({"prompt": "积分"})).await;
    assert_eq!(structured(&r)["action"], "credits");

    let sid = session_with_cut(&s, dir.path(), "a 3 second video, no music").await;
    let r = s
        .call(
            "create_video",
            json!({"prompt": "status", "session_id": sid}),
        )
        .await;
    ok(&r);
    assert_eq!(structured(&r)["action"], "timeline");
    assert_eq!(structured(&r)["routed_result"]["revision"], 1);
    let r = s
        .call("create_video", json!({"prompt": "导出", "session_id": sid}))
        .await;
    ok(&r);
    assert_eq!(structured(&r)["action"], "exported");
    assert_eq!(structured(&r)["routed_result"]["status"], "done");
    // "export" without a session says which argument is missing.
    let e = s
        .try_call("create_video", json!({"prompt": "export it"}))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("session_id"), "{e}");
    s.client.cancel().await.unwrap();
}

/// One raw HTTP request; returns the status code.
fn http_status(addr: &str, headers: &[(&str, &str)], body: &str) -> u16 {
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    sock.write_all(req.as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    let n = sock.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn http_requires_the_token_and_refuses_foreign_origins_and_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = reelsmith(&dir.path().join("home"));
    cmd.args(["serve", "--http", "127.0.0.1:0"])
        .env("REELSMITH_HTTP_TOKEN", "s3cret-token")
        .env("RUST_LOG", "debug");
    let HttpServer {
        mut child,
        addr,
        announced: line,
        log: mut err,
    } = spawn_http(cmd);
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    assert_eq!(http_status(&addr, &[], init), 401);
    assert_eq!(
        http_status(&addr, &[("Authorization", "Bearer wrong")], init),
        401
    );
    let auth = ("Authorization", "Bearer s3cret-token");
    assert_eq!(http_status(&addr, &[auth], init), 200);
    assert_eq!(
        http_status(&addr, &[auth, ("Origin", "http://localhost:3000")], init),
        200
    );
    assert_eq!(
        http_status(&addr, &[auth, ("Origin", "https://evil.example")], init),
        403
    );
    assert_eq!(
        http_status(&addr, &[auth, ("Host", "evil.example")], init),
        403
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // Not even debug logging shows the token (given right or wrong).
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    let log = format!("{line}{rest}");
    assert!(log.contains("INFO"), "logging was on: {log}");
    assert!(!log.contains("s3cret-token"), "token in the log");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_marks_the_render_interrupted_and_export_resumes_it() {
    use reelsmith::backend::{Backend, JobState};
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let s = start(&home).await;
    let sid = session_with_cut(&s, dir.path(), "a 20 second video, no music").await;
    let first = s
        .call("export_video", json!({"session_id": sid, "wait_s": 0}))
        .await;
    ok(&first);
    assert_eq!(structured(&first)["status"], "rendering");
    let job = structured(&first)["job_id"].as_str().unwrap().to_string();
    // The server goes away mid-render.
    s.client.cancel().await.unwrap();
    let t0 = Instant::now();
    loop {
        let b = reelsmith::backend::local::LocalBackend::open(&home).unwrap();
        let st = b.job(&job).await.unwrap();
        if st.state == JobState::Interrupted {
            assert!(st.message.contains("export again"), "{}", st.message);
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "still {:?}",
            st.state
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // After the restart, export_video renders the revision again (a new job) to the end.
    let s2 = start(&home).await;
    let again = s2
        .call("export_video", json!({"session_id": sid, "wait_s": 600}))
        .await;
    ok(&again);
    let a = structured(&again);
    assert_eq!(a["status"], "done");
    assert_ne!(a["job_id"], job.as_str());
    let p = probe(std::path::Path::new(a["output_path"].as_str().unwrap()));
    assert!((duration(&p) - 20.0).abs() <= 0.1);
    s2.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn simultaneous_exports_of_one_revision_share_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let sid = session_with_cut(&s, dir.path(), "a 6 second video, no music").await;
    let args = json!({"session_id": sid, "wait_s": 600});
    let (a, b, c) = tokio::join!(
        s.call("export_video", args.clone()),
        s.call("export_video", args.clone()),
        s.call("export_video", args.clone())
    );
    for r in [&a, &b, &c] {
        ok(r);
        assert_eq!(structured(r)["status"], "done");
    }
    let ids: std::collections::HashSet<_> = [&a, &b, &c]
        .iter()
        .map(|r| structured(r)["job_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "one job for one revision: {ids:?}");
    s.client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_render_leaves_no_file_and_an_intact_store_then_resumes() {
    use reelsmith::backend::{Backend, JobState};
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let s = start(&home).await;
    let sid = session_with_cut(&s, dir.path(), "a 30 second 1080p video with music").await;
    let out = dir.path().join("crash.mp4");
    let first = s
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 2}),
        )
        .await;
    ok(&first);
    assert_eq!(structured(&first)["status"], "rendering");
    let job = structured(&first)["job_id"].as_str().unwrap().to_string();
    // SIGKILL: no destructor, no cleanup, mid-encode.
    let pid = s.pid.expect("server pid") as i32;
    // SAFETY: killing the child process this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    drop(s);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!out.exists(), "output after kill -9");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".partial"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
    // On restart the store is sound and the job reads interrupted …
    let b = reelsmith::backend::local::LocalBackend::open(&home).unwrap();
    assert_eq!(b.store().integrity_check().unwrap(), "ok");
    let st = b.job(&job).await.unwrap();
    assert_eq!(st.state, JobState::Interrupted, "{}", st.message);
    // … and export_video resumes it to the same path.
    let s2 = start(&home).await;
    let again = s2
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 600}),
        )
        .await;
    ok(&again);
    assert_eq!(structured(&again)["status"], "done");
    assert!((duration(&probe(&out)) - 30.0).abs() <= 0.1);
    s2.client.cancel().await.unwrap();
}

/// Nothing is adjusted silently: each adjustment reaches the agent in structuredContent.notes and
/// as a "Note:" line of the text, and a length that cannot be read is refused with its reason.
#[tokio::test(flavor = "multi_thread")]
async fn create_video_says_every_adjustment_in_notes() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let files: Vec<String> = [("big.jpg", 1920, 1080), ("tiny.jpg", 640, 360)]
        .iter()
        .enumerate()
        .map(|(i, (name, w, h))| still(dir.path(), name, *w, *h, i).display().to_string())
        .collect();
    let tiny = "tiny.jpg (640x360) is enlarged 3.0× to fit the 1920x1080 frame and may look soft; use a larger original or a lower resolution";
    let notes_of = |r: &rmcp::model::CallToolResult| -> Vec<String> {
        let notes: Vec<String> = serde_json::from_value(structured(r)["notes"].clone())
            .unwrap_or_else(|e| panic!("notes: {e}: {}", structured(r)));
        let text = text_of(r);
        for n in &notes {
            assert!(
                text.contains(&format!("\nNote: {n}")),
                "{n:?} not in {text}"
            );
        }
        notes
    };

    let c = s
        .call(
            "create_video",
            json!({"prompt": "make a 0 second video", "files": files}),
        )
        .await;
    ok(&c);
    assert_eq!(structured(&c)["timeline"]["d"], 6000);
    assert_eq!(
        notes_of(&c),
        [
            "A 0-second video has nothing to show, so it is 6 s (about 3 s per picture); ask for 1 second to 10 minutes to set the length",
            tiny
        ]
    );
    let sid = structured(&c)["session_id"].as_str().unwrap().to_string();

    let e = s
        .call(
            "create_video",
            json!({"prompt": "做一个999999秒的视频", "session_id": sid}),
        )
        .await;
    ok(&e);
    assert_eq!(structured(&e)["timeline"]["d"], 600_000);
    assert_eq!(
        notes_of(&e),
        [
            "999999 s was asked for, but the longest video is 600 s (10 minutes), so it is 600 s",
            tiny
        ]
    );

    let r = s
        .call(
            "create_video",
            json!({"prompt": "make it 1e309 seconds", "session_id": sid}),
        )
        .await;
    assert_eq!(r.is_error, Some(true), "{}", text_of(&r));
    assert_eq!(
        text_of(&r),
        "cannot read \"1e309 seconds\" as a length: the number is too large to read; give the length as a plain number from 1 second to 10 minutes, e.g. \"30 seconds\", \"1.5 minutes\" or \"30秒\""
    );
    let t = s.call("get_timeline", json!({"session_id": sid})).await;
    ok(&t);
    assert_eq!(structured(&t)["revision"], 2, "the refusal changed nothing");
    s.client.cancel().await.unwrap();
}
