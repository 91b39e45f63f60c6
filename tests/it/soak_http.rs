//! A short soak over streamable HTTP (loopback only, bounded): 8 clients at once, each uploading
//! its own pictures, making, editing and exporting a short video; then a burst of 200 quick tool
//! calls while a render runs. Every export must be valid, no client may see another's media, and
//! the server's memory must not keep growing. `bench/soak.sh` runs the long version.

use crate::support::*;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};
use std::io::BufRead;
use std::time::Duration;

async fn call(
    c: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &'static str,
    args: Value,
) -> CallToolResult {
    let r = c
        .call_tool(
            CallToolRequestParams::new(tool).with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert_ne!(r.is_error, Some(true), "{tool}: {:?}", r.content);
    r
}

const TOKEN: &str = "httpSECRET-soak-7d1";

fn transport(url: &str) -> StreamableHttpClientTransport<reqwest::Client> {
    StreamableHttpClientTransport::from_config(
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            url.to_string(),
        )
        .auth_header(TOKEN),
    )
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_clients_then_a_burst_during_a_render() {
    // The test's own HTTP client shares reelsmith's TLS set-up (ring as the crypto provider).
    let _ = reelsmith::http::client_builder();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = reelsmith(&dir.path().join("home"));
    cmd.args(["serve", "--http", "127.0.0.1:0"])
        .env("REELSMITH_ALLOWED_DIRS", dir.path())
        .env("REELSMITH_HTTP_TOKEN", TOKEN)
        // Debug logging, so the check below covers every log line the server can write.
        .env("RUST_LOG", "debug");
    let HttpServer {
        mut child,
        addr,
        log: mut err,
        ..
    } = spawn_http(cmd);
    let url = format!("http://{addr}/mcp");
    let pid = child.id();
    // Keep reading the server's log (a full pipe would stall it), to check it afterwards.
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut l = String::new();
        while err.read_line(&mut l).unwrap_or(0) > 0 {
            sink.lock().unwrap().push_str(&l);
            l.clear();
        }
    });

    let round = |round: usize| {
        let url = url.clone();
        let dir = dir.path().to_path_buf();
        async move {
            let mut clients = Vec::new();
            for k in 0..8 {
                let url = url.clone();
                let dir = dir.join(format!("r{round}c{k}"));
                clients.push(tokio::spawn(async move {
                    std::fs::create_dir_all(&dir).unwrap();
                    let c = ().serve(transport(&url)).await.unwrap();
                    let files: Vec<String> = (0..2)
                        .map(|i| {
                            still(&dir, &format!("p{i}.jpg"), 640, 360, k * 2 + i)
                                .display()
                                .to_string()
                        })
                        .collect();
                    let up = call(&c, "upload_media", json!({"files": files})).await;
                    let up = up.structured_content.unwrap();
                    let sid = up["session_id"].as_str().unwrap().to_string();
                    let mine: Vec<String> = up["media"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m["media_id"].as_str().unwrap().to_string())
                        .collect();
                    call(
                        &c,
                        "create_video",
                        json!({"session_id": sid, "prompt": "a 2 second video, no music", "options": {"resolution": "720p"}}),
                    )
                    .await;
                    call(&c, "create_video", json!({"session_id": sid, "prompt": "use slide transitions"})).await;
                    let t = call(&c, "get_timeline", json!({"session_id": sid})).await;
                    let seen: Vec<String> = t.structured_content.unwrap()["media"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m["media_id"].as_str().unwrap().to_string())
                        .collect();
                    assert_eq!(seen, mine, "a session saw media that is not its own");
                    let out = dir.join("v.mp4");
                    let x = call(
                        &c,
                        "export_video",
                        json!({"session_id": sid, "output_path": out, "wait_s": 600}),
                    )
                    .await;
                    assert_eq!(x.structured_content.unwrap()["status"], "done");
                    let p = probe(&out);
                    assert!((duration(&p) - 2.0).abs() <= 0.1);
                    c.cancel().await.unwrap();
                }));
            }
            for c in clients {
                c.await.unwrap();
            }
        }
    };
    // SOAK_ROUNDS (default 2) rounds of 8 clients; bench/soak.sh runs many more.
    let rounds: usize = std::env::var("SOAK_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2)
        .max(2);
    let t0 = std::time::Instant::now();
    round(0).await;
    let after_first = rss_kb(pid);
    let mut peak = after_first;
    for r in 1..rounds {
        round(r).await;
        peak = peak.max(rss_kb(pid));
    }
    let after_last = rss_kb(pid);
    assert!(
        after_last < after_first + 32 * 1024,
        "RSS grew from {after_first} kB to {after_last} kB over {rounds} identical rounds"
    );
    // Loading the fonts per render once held ~250 MB after one round; shared fonts keep ~45 MB.
    assert!(peak < 160 * 1024, "server RSS peaked at {peak} kB");
    // 6 tool calls per client (upload, create, edit, timeline, export, plus initialize).
    eprintln!(
        "soak: {rounds} rounds × 8 clients, {} tool calls, 0 errors, {:.1} s; server RSS after round 1 {} MB, peak {} MB, last {} MB",
        rounds * 8 * 5,
        t0.elapsed().as_secs_f64(),
        after_first / 1024,
        peak / 1024,
        after_last / 1024
    );

    // 200 quick calls while a render runs: all answer.
    let c = ().serve(transport(&url)).await.unwrap();
    let d = dir.path().join("burst");
    std::fs::create_dir_all(&d).unwrap();
    let files: Vec<String> = (0..3)
        .map(|i| {
            still(&d, &format!("b{i}.jpg"), 1280, 720, i)
                .display()
                .to_string()
        })
        .collect();
    let up = call(&c, "upload_media", json!({"files": files})).await;
    let sid = up.structured_content.unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &c,
        "create_video",
        json!({"session_id": sid, "prompt": "a 20 second 1080p video with music"}),
    )
    .await;
    let x = call(&c, "export_video", json!({"session_id": sid, "wait_s": 0})).await;
    assert_eq!(x.structured_content.unwrap()["status"], "rendering");
    let started = std::time::Instant::now();
    let mut answered = 0;
    for i in 0..200 {
        let r = if i % 2 == 0 {
            call(&c, "check_credits", json!({})).await
        } else {
            call(&c, "export_video", json!({"session_id": sid, "wait_s": 0})).await
        };
        assert!(r.structured_content.is_some());
        answered += 1;
    }
    assert_eq!(answered, 200);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "burst took {:?}",
        started.elapsed()
    );
    c.cancel().await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // The HTTP token never reaches the log (debug level) or the workspace.
    let log = log.lock().unwrap().clone();
    assert!(log.contains("DEBUG"), "debug logging was on");
    assert!(!log.contains(TOKEN), "the HTTP token is in the log");
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut files = Vec::new();
    walk(&dir.path().join("home"), &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "the HTTP token is in {}",
            f.display()
        );
    }
}
