//! The cloud backend through the MCP tools, against a fake NemoVideo written from the contract:
//! normal generation, silent edits, keep-alive stalls, dropped streams, error events, token
//! expiry, session loss, 429, 402, 2001, render failure and renders that never finish. Each test
//! asserts what the agent sees, and every request the fake received carries the right headers.

use crate::support::fake_nemo::{Render, Shared, Turn, hold};
use crate::support::mcp_client::*;
use crate::support::*;
use reelsmith::backend::nemo::{NemoBackend, Timings};
use reelsmith::backend::{Backend, CreateRequest, ExportRequest, JobState};
use reelsmith::ffmpeg::Tools;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

struct Cloud {
    fake: Shared,
    server: Server,
    dir: tempfile::TempDir,
}

/// The fake plus `reelsmith serve` on the nemo backend, with short timings, running in the
/// test's directory (so relative paths name files there).
async fn cloud(extra: &[(&str, &str)]) -> Cloud {
    let dir = tempfile::tempdir().unwrap();
    let (fake, base) = crate::support::fake_nemo::start(sample_mp4(dir.path())).await;
    let mut env = vec![
        ("REELSMITH_BACKEND", "nemo"),
        ("NEMO_API_URL", base.as_str()),
        ("NEMO_RENDER_POLL_MS", "100"),
        ("NEMO_RETRY_WAIT_MS", "200"),
        ("NEMO_RECOVERY_POLL_MS", "250"),
        ("NEMO_HEARTBEAT_MS", "400"),
        ("RUST_LOG", "reelsmith=debug"),
    ];
    env.extend_from_slice(extra);
    let log = dir.path().join("server.log");
    let server = start_in(&dir.path().join("home"), &env, Some(&log), Some(dir.path())).await;
    Cloud { fake, server, dir }
}

impl Cloud {
    /// Every request carried attribution and (but for the token request) the bearer token.
    fn assert_headers(&self) {
        let skill = reelsmith::skill::info();
        let f = self.fake.lock().unwrap();
        assert!(!f.seen.is_empty());
        for r in &f.seen {
            if r.path.starts_with("/cdn/") {
                assert!(
                    !r.headers.contains_key("authorization"),
                    "the token went to the CDN"
                );
                continue;
            }
            assert_eq!(
                r.headers.get("x-skill-source"),
                Some(&skill.name),
                "{} {}",
                r.method,
                r.path
            );
            assert_eq!(
                r.headers.get("x-skill-version"),
                Some(&skill.version),
                "{}",
                r.path
            );
            assert_eq!(
                r.headers.get("x-skill-platform").map(String::as_str),
                Some("unknown")
            );
            if r.path == "/api/auth/anonymous-token" {
                assert!(r.headers.contains_key("x-client-id"));
                assert!(!r.headers.contains_key("authorization"));
            } else {
                let auth = r.headers.get("authorization").expect("bearer token");
                assert!(
                    auth.starts_with("Bearer nmv_usr_fake"),
                    "{}: {auth}",
                    r.path
                );
            }
        }
    }

    /// No issued token appears in the server's logs (debug level) or in `texts`.
    fn assert_no_token_leak(&self, texts: &[String]) {
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let tokens = self.fake.lock().unwrap().tokens.clone();
        assert!(!tokens.is_empty());
        for t in &tokens {
            assert!(!log.contains(t.as_str()), "token in the log");
            for x in texts {
                assert!(!x.contains(t.as_str()), "token in a result: {x}");
            }
        }
        assert!(!log.contains("fakeSECRET"));
        // In the workspace, only the anonymous token cache may hold a token.
        let home = self.server.home.clone();
        for entry in walk(&home) {
            let bytes = std::fs::read(&entry).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            if entry.ends_with("nemo/token.json") {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&entry).unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "token cache readable by others");
                continue;
            }
            assert!(!text.contains("fakeSECRET"), "token in {}", entry.display());
        }
    }

    /// The checks every scenario ends with: headers on every request, no token anywhere.
    fn finish(&self, results: &[&rmcp::model::CallToolResult]) {
        self.assert_headers();
        let texts: Vec<String> = results
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    text_of(r),
                    r.structured_content.clone().unwrap_or_default()
                )
            })
            .collect();
        self.assert_no_token_leak(&texts);
    }

    fn count(&self, path_prefix: &str) -> usize {
        self.fake
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }

    async fn upload_two(&self) -> String {
        let files = [
            still(self.dir.path(), "a.jpg", 640, 360, 0),
            still(self.dir.path(), "b.jpg", 360, 640, 1),
        ];
        let up = self
            .server
            .call("upload_media", json!({"files": files}))
            .await;
        ok(&up);
        structured(&up)["session_id"].as_str().unwrap().to_string()
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn messages(s: &Server) -> Vec<String> {
    s.recorder
        .progress
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, p)| p.message.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn normal_generation_then_silent_edit_then_export() {
    let c = cloud(&[]).await;
    c.fake
        .lock()
        .unwrap()
        .turns
        .extend([Turn::Normal, Turn::Silent]);
    let sid = c.upload_two().await;
    {
        let f = c.fake.lock().unwrap();
        let sizes: Vec<_> = f.uploaded.iter().map(|(n, b)| (n.clone(), *b)).collect();
        assert_eq!(sizes.len(), 2);
        assert_eq!(sizes[0].0, "a.jpg");
        assert_eq!(
            sizes[0].1,
            std::fs::metadata(c.dir.path().join("a.jpg")).unwrap().len()
        );
    }

    let r = c
        .server
        .call(
            "create_video",
            json!({"prompt": "a 10 second promo with music", "session_id": sid}),
        )
        .await;
    ok(&r);
    let text = text_of(&r);
    assert!(text.contains("call export_video"), "{text}");
    assert!(text.contains("call get_timeline"), "{text}");
    assert!(!text.contains("Click Export"), "{text}");
    let s = structured(&r);
    assert_eq!(s["action"], "created");
    assert_eq!(s["revision"], 1);
    assert_eq!(s["timeline"]["d"], 10_000);
    assert_eq!(
        s["timeline"]["canvas"]["ratio"], "16:9",
        "unknown draft fields kept"
    );
    assert_eq!(images(&r).len(), 1, "no contact sheet: {text}");
    let msgs = messages(&c.server);
    assert!(
        msgs.iter().any(|m| m.contains("generating video")),
        "{msgs:?}"
    );

    // A turn with tool results and no text: the change is read from the draft.
    let e = c
        .server
        .call(
            "create_video",
            json!({"prompt": "retitle it", "session_id": sid}),
        )
        .await;
    ok(&e);
    let et = text_of(&e);
    assert_eq!(structured(&e)["action"], "edited");
    assert!(et.contains("Length 10 s → 15 s"), "{et}");
    assert!(et.contains("Title 'Urban Dreams' → 'Neon Nights'"), "{et}");

    let t = c
        .server
        .call("get_timeline", json!({"session_id": sid}))
        .await;
    ok(&t);
    assert_eq!(structured(&t)["revision"], 2);
    assert_eq!(structured(&t)["media"].as_array().unwrap().len(), 2);
    assert!(text_of(&t).contains("Neon Nights"));

    let out = c.dir.path().join("cloud.mp4");
    let x = c
        .server
        .call(
            "export_video",
            json!({"session_id": sid, "output_path": out, "wait_s": 60}),
        )
        .await;
    ok(&x);
    assert_eq!(structured(&x)["status"], "done");
    assert_eq!(std::fs::read(&out).unwrap(), c.fake.lock().unwrap().mp4);
    let p = probe(&out);
    assert!((duration(&p) - 2.0).abs() < 0.2);

    let cr = c.server.call("check_credits", json!({})).await;
    ok(&cr);
    let cs = structured(&cr);
    assert_eq!(
        (
            cs["available"].as_i64(),
            cs["frozen"].as_i64(),
            cs["total"].as_i64()
        ),
        (Some(60), Some(40), Some(100))
    );
    assert!(text_of(&cr).contains("anonymous"), "{}", text_of(&cr));

    c.assert_headers();
    let texts: Vec<String> = [&r, &e, &t, &x, &cr].iter().map(|r| text_of(r)).collect();
    c.assert_no_token_leak(&texts);
    // One token for the whole run, fetched with one persisted client id.
    assert_eq!(c.count("/api/auth/anonymous-token"), 1);
    assert_eq!(c.fake.lock().unwrap().sse_calls, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alives_become_progress_and_the_poll_reads_the_other_shape() {
    let c = cloud(&[]).await;
    {
        let mut f = c.fake.lock().unwrap();
        f.turns
            .push_back(Turn::Heartbeats(std::time::Duration::from_millis(1500)));
        f.poll_shape_b = true;
    }
    let r = c
        .server
        .call("create_video", json!({"prompt": "make something calm"}))
        .await;
    ok(&r);
    assert!(
        text_of(&r).contains("Done after a long think."),
        "{}",
        text_of(&r)
    );
    let msgs = messages(&c.server);
    let still = msgs
        .iter()
        .filter(|m| m.contains("⏳ Still working"))
        .count();
    assert!(still >= 3, "{msgs:?}");
    let sid = structured(&r)["session_id"].as_str().unwrap().to_string();
    let x = c
        .server
        .call("export_video", json!({"session_id": sid, "wait_s": 60}))
        .await;
    ok(&x);
    assert_eq!(structured(&x)["status"], "done");
    assert!(Path::new(structured(&x)["output_path"].as_str().unwrap()).is_file());
    c.finish(&[&r, &x]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_stream_is_never_resent_and_the_state_tells_what_happened() {
    let c = cloud(&[]).await;
    c.fake.lock().unwrap().turns.push_back(Turn::Disconnect);
    let r = c
        .server
        .call("create_video", json!({"prompt": "a promo"}))
        .await;
    ok(&r);
    let t = text_of(&r);
    assert!(t.contains("connection dropped"), "{t}");
    assert!(t.contains("After The Drop"), "{t}");
    assert_eq!(
        c.fake.lock().unwrap().sse_calls,
        1,
        "the turn was sent twice"
    );
    assert!(c.count("/api/state/") >= 2, "state was not polled");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_event_is_a_tool_error() {
    let c = cloud(&[]).await;
    c.fake.lock().unwrap().turns.push_back(Turn::ErrorEvent);
    let r = c
        .server
        .call("create_video", json!({"prompt": "a promo"}))
        .await;
    assert_eq!(r.is_error, Some(true));
    let t = text_of(&r);
    assert!(
        t.contains("model overloaded") && t.contains("try the request again"),
        "{t}"
    );
    assert_eq!(c.fake.lock().unwrap().sse_calls, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_renewed_once_and_429_is_waited_out() {
    let c = cloud(&[]).await;
    c.fake.lock().unwrap().expire_token_once = true;
    let r = c.server.call("check_credits", json!({})).await;
    ok(&r);
    assert_eq!(
        c.count("/api/auth/anonymous-token"),
        2,
        "token renewed once"
    );
    let ids = c.fake.lock().unwrap().client_ids.clone();
    assert_eq!(ids[0], ids[1], "the client id is kept");

    c.fake.lock().unwrap().rate_limit_once = true;
    let r = c.server.call("check_credits", json!({})).await;
    ok(&r);
    assert_eq!(c.count("/api/credits/"), 4, "429 retried once");
    c.finish(&[&r]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_session_is_replaced_and_the_agent_is_told_what_it_lacks() {
    let c = cloud(&[]).await;
    let sid = c.upload_two().await;
    c.fake.lock().unwrap().lose_session_once = true;
    let r = c
        .server
        .call(
            "create_video",
            json!({"prompt": "a promo", "session_id": sid}),
        )
        .await;
    assert_eq!(r.is_error, Some(true));
    let t = text_of(&r);
    assert!(
        t.contains("session expired") && t.contains("a.jpg, b.jpg"),
        "{t}"
    );
    assert!(t.contains("upload_media"), "{t}");
    assert_eq!(c.count("/api/tasks/me/with-session/nemo_agent"), 2);
    // The same session_id works again once the files are back.
    let files = [c.dir.path().join("a.jpg")];
    ok(&c
        .server
        .call("upload_media", json!({"files": files, "session_id": sid}))
        .await);
    let r = c
        .server
        .call(
            "create_video",
            json!({"prompt": "a promo", "session_id": sid}),
        )
        .await;
    ok(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_credits_gives_the_register_link() {
    let c = cloud(&[]).await;
    c.fake.lock().unwrap().no_credits = true;
    let r = c
        .server
        .call("create_video", json!({"prompt": "a promo"}))
        .await;
    assert_eq!(r.is_error, Some(true));
    let t = text_of(&r);
    assert!(t.contains("out of NemoVideo credits"), "{t}");
    assert!(t.contains("register?bind=anon_fake1"), "{t}");
    c.finish(&[&r]);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_restrictions_failures_and_endless_renders_are_explained() {
    let c = cloud(&[("NEMO_RENDER_TIMEOUT_MS", "1200")]).await;
    c.fake.lock().unwrap().turns.extend([Turn::Normal]);
    let r = c
        .server
        .call("create_video", json!({"prompt": "a promo"}))
        .await;
    ok(&r);
    let sid = structured(&r)["session_id"].as_str().unwrap().to_string();

    // 402: the plan, not credits.
    c.fake.lock().unwrap().plan_blocks_export = true;
    let x = c
        .server
        .call("export_video", json!({"session_id": sid, "wait_s": 30}))
        .await;
    assert_eq!(x.is_error, Some(true));
    let t = text_of(&x);
    assert!(t.contains("plan restriction, not a lack of credits"), "{t}");
    c.fake.lock().unwrap().plan_blocks_export = false;

    // The render fails.
    c.fake.lock().unwrap().render = Some(Render::Fail);
    let x = c
        .server
        .call("export_video", json!({"session_id": sid, "wait_s": 30}))
        .await;
    assert_eq!(x.is_error, Some(true));
    assert!(text_of(&x).contains("lambda crashed"), "{}", text_of(&x));

    // The render never finishes: hand-off first, then a clear time-out.
    c.fake.lock().unwrap().render = Some(Render::Never);
    let x = c
        .server
        .call("export_video", json!({"session_id": sid, "wait_s": 0.3}))
        .await;
    ok(&x);
    assert_eq!(structured(&x)["status"], "rendering");
    assert!(
        text_of(&x).contains("Rendering in the cloud"),
        "{}",
        text_of(&x)
    );
    let x = c
        .server
        .call("export_video", json!({"session_id": sid, "wait_s": 30}))
        .await;
    assert_eq!(x.is_error, Some(true));
    assert!(
        text_of(&x).contains("did not finish within"),
        "{}",
        text_of(&x)
    );
    // Each attempt submitted its own render id.
    let f = c.fake.lock().unwrap();
    assert_eq!(f.renders.len(), 2);
    drop(f);
    c.finish(&[&x]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_refuses_exports_without_attribution() {
    // The rule the adapter's headers exist for: unattributed render submits get 402.
    let dir = tempfile::tempdir().unwrap();
    let (fake, base) = crate::support::fake_nemo::start(Vec::new()).await;
    fake.lock().unwrap().valid.push("t".into());
    let addr = base.trim_start_matches("http://").to_string();
    let status = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let body = r#"{"id":"r1","sessionId":"1","draft":{"t":[]}}"#;
        let mut sock = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            sock,
            "POST /api/render/proxy/lambda HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut head = [0u8; 12];
        sock.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head[9..12]).to_string()
    })
    .await
    .unwrap();
    drop(dir);
    assert_eq!(status, "402");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_files_are_refused_before_upload() {
    let c = cloud(&[]).await;
    let notes = c.dir.path().join("notes.txt");
    std::fs::write(&notes, "x").unwrap();
    let r = c
        .server
        .call("upload_media", json!({"files": [notes]}))
        .await;
    assert_eq!(r.is_error, Some(true));
    assert!(text_of(&r).contains("accepted formats"), "{}", text_of(&r));
    assert_eq!(c.count("/api/upload-video"), 0);
    assert_eq!(
        c.count("/api/auth/anonymous-token"),
        0,
        "nothing sent for a refused file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn url_uploads_and_the_services_file_refusals() {
    let c = cloud(&[]).await;
    let up = c
        .server
        .call(
            "upload_media",
            json!({"files": ["https://example.com/media/clip.mp4", "https://example.com/p/photo.png"]}),
        )
        .await;
    ok(&up);
    let media = structured(&up)["media"].as_array().unwrap().clone();
    assert_eq!(media.len(), 2);
    assert_eq!(media[0]["kind"], "video");
    assert_eq!(media[1]["kind"], "image");
    assert_eq!(media[0]["duration_s"], 30.5);
    let sid = structured(&up)["session_id"].as_str().unwrap().to_string();
    let bad = c
        .server
        .call(
            "upload_media",
            json!({"files": ["https://example.com/x/setup.exe"], "session_id": sid}),
        )
        .await;
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text_of(&bad).contains("does not accept this file type") && text_of(&bad).contains("mp4")
    );
    let big = c
        .server
        .call(
            "upload_media",
            json!({"files": ["https://example.com/x/huge.mov"], "session_id": sid}),
        )
        .await;
    assert_eq!(big.is_error, Some(true));
    assert!(
        text_of(&big).contains("compress it or trim it"),
        "{}",
        text_of(&big)
    );
    c.finish(&[&up, &bad, &big]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_client_id_is_replaced() {
    let c = cloud(&[]).await;
    c.fake.lock().unwrap().reject_client_id_once = true;
    let r = c.server.call("check_credits", json!({})).await;
    ok(&r);
    let ids = c.fake.lock().unwrap().client_ids.clone();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "a new client id after 400");
    let kept = std::fs::read_to_string(c.server.home.join("nemo").join("client_id")).unwrap();
    assert_eq!(kept.trim(), ids[1]);
    c.finish(&[&r]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_of_only_keep_alives_times_out_without_resending() {
    let c = cloud(&[
        ("NEMO_TURN_IDLE_MS", "800"),
        ("NEMO_RECOVERY_POLL_MS", "100"),
    ])
    .await;
    c.fake
        .lock()
        .unwrap()
        .turns
        .push_back(Turn::Heartbeats(std::time::Duration::from_secs(5)));
    let r = c
        .server
        .call("create_video", json!({"prompt": "a promo"}))
        .await;
    assert_eq!(r.is_error, Some(true));
    let t = text_of(&r);
    assert!(
        t.contains("only keep-alives") && t.contains("get_timeline"),
        "{t}"
    );
    assert!(t.contains("charged twice"), "{t}");
    assert_eq!(c.fake.lock().unwrap().sse_calls, 1);
    let msgs = messages(&c.server);
    assert!(msgs.iter().any(|m| m.contains("⏳")), "{msgs:?}");
    c.finish(&[&r]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_personal_token_is_used_as_given_and_never_shown_or_stored() {
    let c = cloud(&[("NEMO_TOKEN", "nmv_usr_fakeSECRETpersonal")]).await;
    c.fake
        .lock()
        .unwrap()
        .valid
        .push("nmv_usr_fakeSECRETpersonal".into());
    c.fake
        .lock()
        .unwrap()
        .turns
        .extend([Turn::Normal, Turn::ErrorEvent]);
    // Every tool, and error paths: a refused file, an agent error, a lost session, a failed render.
    let sid = c.upload_two().await;
    let mut results = Vec::new();
    results.push(c.server.call("check_credits", json!({})).await);
    results.push(
        c.server
            .call(
                "create_video",
                json!({"prompt": "a promo", "session_id": sid}),
            )
            .await,
    );
    results.push(
        c.server
            .call("get_timeline", json!({"session_id": sid}))
            .await,
    );
    results.push(
        c.server
            .call("export_video", json!({"session_id": sid, "wait_s": 30}))
            .await,
    );
    results.push(
        c.server
            .call(
                "create_video",
                json!({"prompt": "again", "session_id": sid}),
            )
            .await,
    );
    c.fake.lock().unwrap().render = Some(Render::Fail);
    c.fake.lock().unwrap().turns.push_back(Turn::Silent);
    results.push(
        c.server
            .call(
                "create_video",
                json!({"prompt": "retitle", "session_id": sid}),
            )
            .await,
    );
    results.push(
        c.server
            .call("export_video", json!({"session_id": sid, "wait_s": 30}))
            .await,
    );
    c.fake.lock().unwrap().lose_session_once = true;
    results.push(
        c.server
            .call("get_timeline", json!({"session_id": sid}))
            .await,
    );
    let notes = c.dir.path().join("notes.txt");
    std::fs::write(&notes, "x").unwrap();
    results.push(
        c.server
            .call("upload_media", json!({"files": [notes]}))
            .await,
    );
    assert!(results.iter().any(|r| r.is_error == Some(true)));
    // The personal token is used as given: no anonymous token is fetched, none is stored.
    assert_eq!(c.count("/api/auth/anonymous-token"), 0);
    assert!(!c.server.home.join("nemo").join("token.json").exists());
    // Nor does it appear in any progress message.
    for m in messages(&c.server) {
        assert!(!m.contains("fakeSECRET"), "token in progress: {m}");
    }
    c.fake
        .lock()
        .unwrap()
        .tokens
        .push("nmv_usr_fakeSECRETpersonal".into());
    let refs: Vec<&rmcp::model::CallToolResult> = results.iter().collect();
    c.finish(&refs);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_file_named_like_a_url_is_a_file_everywhere() {
    let c = cloud(&[]).await;
    let clip = c.dir.path().join("http_clip.mp4");
    std::fs::write(&clip, c.fake.lock().unwrap().mp4.clone()).unwrap();
    std::fs::write(c.dir.path().join("http_notes.txt"), "x").unwrap();

    // Refused by the local checks before anything is sent, like any other file.
    let r = c
        .server
        .call("upload_media", json!({"files": ["http_notes.txt"]}))
        .await;
    assert_eq!(r.is_error, Some(true));
    assert!(text_of(&r).contains("accepted formats"), "{}", text_of(&r));
    assert_eq!(
        c.count("/api/auth/anonymous-token"),
        0,
        "a request was sent"
    );
    assert_eq!(c.count("/api/tasks/"), 0, "a session was made");

    // Uploaded as a file (multipart, every byte), not passed to the service as a URL.
    let up = c
        .server
        .call("upload_media", json!({"files": ["http_clip.mp4"]}))
        .await;
    ok(&up);
    let size = std::fs::metadata(&clip).unwrap().len();
    assert_eq!(
        c.fake.lock().unwrap().uploaded,
        vec![("http_clip.mp4".to_string(), size)]
    );
    assert_eq!(structured(&up)["media"][0]["size_bytes"], size);

    // The local backend, from the same directory, takes it as a file too.
    let local = start_in(&c.dir.path().join("local"), &[], None, Some(c.dir.path())).await;
    let up = local
        .call("upload_media", json!({"files": ["http_clip.mp4"]}))
        .await;
    ok(&up);
    assert_eq!(structured(&up)["media"][0]["kind"], "video");
    c.finish(&[&r]);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_on_one_session_lose_no_update() {
    let c = cloud(&[]).await;
    let sid = c.upload_two().await;
    let more = [
        still(c.dir.path(), "c.jpg", 640, 360, 2),
        still(c.dir.path(), "d.jpg", 640, 360, 3),
    ];
    // Both uploads are in flight at once: the fake holds them until both have arrived.
    let gate = hold(&c.fake, "POST", "/api/upload-video/*");
    let (u1, u2, ()) = tokio::join!(
        c.server.call(
            "upload_media",
            json!({"files": [more[0]], "session_id": sid})
        ),
        c.server.call(
            "upload_media",
            json!({"files": [more[1]], "session_id": sid})
        ),
        async {
            gate.arrivals(2).await;
            gate.release();
        }
    );
    ok(&u1);
    ok(&u2);
    let r = c
        .server
        .call(
            "create_video",
            json!({"prompt": "a promo", "session_id": sid}),
        )
        .await;
    ok(&r);
    // A timeline read and an edit at the same time: both revisions are counted.
    c.fake.lock().unwrap().turns.push_back(Turn::Silent);
    let (t, e) = tokio::join!(
        c.server.call("get_timeline", json!({"session_id": sid})),
        c.server.call(
            "create_video",
            json!({"prompt": "retitle it", "session_id": sid})
        )
    );
    ok(&t);
    ok(&e);
    assert_eq!(structured(&e)["revision"], 2);
    let t = c
        .server
        .call("get_timeline", json!({"session_id": sid}))
        .await;
    ok(&t);
    assert_eq!(structured(&t)["revision"], 2);
    let mut names: Vec<&str> = structured(&t)["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["file_name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["a.jpg", "b.jpg", "c.jpg", "d.jpg"],
        "an upload was lost"
    );
    c.finish(&[&u1, &u2, &t]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mixed_upload_is_all_or_nothing() {
    let c = cloud(&[("REELSMITH_URL_ALLOW_LOOPBACK", "1")]).await;
    let base = c.fake.lock().unwrap().base.clone();
    let sid = c.upload_two().await;
    let held = |c: &Cloud| -> Vec<String> {
        c.fake
            .lock()
            .unwrap()
            .session_files
            .values()
            .flatten()
            .map(|f| f["filename"].as_str().unwrap().to_string())
            .collect()
    };
    let local = still(c.dir.path(), "c.jpg", 640, 360, 2);

    // The service refuses the URL's file: the local one beside it must not land either.
    c.fake.lock().unwrap().refuse_upload = Some(("bad.mp4".into(), 4002));
    let r = c
        .server
        .call(
            "upload_media",
            json!({"files": [local, format!("{base}/cdn/bad.mp4")], "session_id": sid}),
        )
        .await;
    assert_eq!(r.is_error, Some(true));
    assert!(
        text_of(&r).contains("compress it or trim it"),
        "{}",
        text_of(&r)
    );
    assert_eq!(held(&c), ["a.jpg", "b.jpg"], "half an upload landed");

    // Accepted: one request, in the order given, the URL's file under its own name.
    c.fake.lock().unwrap().refuse_upload = None;
    let up = c
        .server
        .call(
            "upload_media",
            json!({"files": [format!("{base}/cdn/clip.mp4"), local], "session_id": sid}),
        )
        .await;
    ok(&up);
    let media = structured(&up)["media"].as_array().unwrap().clone();
    assert_eq!(media[0]["file_name"], "clip.mp4");
    assert_eq!(media[0]["kind"], "video");
    assert_eq!(media[1]["file_name"], "c.jpg");
    assert_eq!(held(&c), ["a.jpg", "b.jpg", "clip.mp4", "c.jpg"]);
    let mp4_len = c.fake.lock().unwrap().mp4.len() as u64;
    assert!(
        c.fake
            .lock()
            .unwrap()
            .uploaded
            .contains(&("clip.mp4".to_string(), mp4_len))
    );

    // The session lists exactly what the service holds.
    let r = c
        .server
        .call(
            "create_video",
            json!({"prompt": "a promo", "session_id": sid}),
        )
        .await;
    ok(&r);
    let t = c
        .server
        .call("get_timeline", json!({"session_id": sid}))
        .await;
    let names: Vec<&str> = structured(&t)["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.jpg", "b.jpg", "clip.mp4", "c.jpg"]);
    // Fetched copies do not outlive the upload.
    let scratch: Vec<_> = std::fs::read_dir(c.server.home.join("tmp"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(scratch.is_empty(), "{scratch:?}");
    c.finish(&[&r, &up, &t]);
}

/// The cloud backend in this process, against the fake, with quick polls; `cancel` waits up to
/// `cancel_wait` for a job to stop.
async fn in_process(cancel_wait: Duration) -> (Shared, NemoBackend, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (fake, base) = crate::support::fake_nemo::start(sample_mp4(dir.path())).await;
    let mut t = Timings::from_env();
    t.render_poll = Duration::from_millis(100);
    t.cancel_wait = cancel_wait;
    let b = NemoBackend::with(&dir.path().join("home"), &base, None, t).unwrap();
    (fake, b, dir)
}

async fn first_cut(b: &NemoBackend) -> String {
    b.create(CreateRequest {
        prompt: "a promo".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .session_id
}

/// Files in `dir` (none when it does not exist).
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_reaches_a_stalled_render_submit() {
    // A cancel that did not reach the submit would wait the full 60 s for the job to stop.
    let (fake, b, dir) = in_process(Duration::from_secs(60)).await;
    let sid = first_cut(&b).await;
    let gate = hold(&fake, "POST", "/api/render/proxy/lambda");
    let out = dir.path().join("out").join("cut.mp4");
    let h = b
        .export(ExportRequest {
            session_id: sid,
            output: Some(out.clone()),
            overwrite: false,
            revision: None,
            draft: false,
            shape: None,
            captions_file: false,
        })
        .await
        .unwrap();
    gate.arrivals(1).await;
    let t0 = Instant::now();
    let s = b.cancel(&h.job_id).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    assert_eq!(s.state, JobState::Cancelled, "{}", s.message);
    assert!(
        s.message.contains("Submitting") && s.message.contains("withdrawn"),
        "{}",
        s.message
    );
    assert_eq!(b.job(&h.job_id).await.unwrap().state, JobState::Cancelled);
    // The render we had sent is withdrawn by the id we chose for it.
    let withdrawn = fake
        .lock()
        .unwrap()
        .seen
        .iter()
        .filter(|r| {
            r.path.starts_with("/api/render/proxy/lambda/render_") && r.path.ends_with("/cancel")
        })
        .count();
    assert_eq!(withdrawn, 1);
    assert!(files_in(&dir.path().join("out")).is_empty());
    gate.release();
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_reaches_a_stalled_describe_and_nothing_is_written() {
    let (_fake, b, dir) = in_process(Duration::from_secs(60)).await;
    // The real ffprobe behind a gate: it waits until the test says go.
    let real = Tools::locate().unwrap();
    let gate = dir.path().join("gate");
    std::fs::create_dir_all(&gate).unwrap();
    let shim = dir.path().join("ffprobe-gated");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\ntouch '{g}/probing'\nwhile [ ! -e '{g}/go' ]; do sleep 0.05; done\nexec '{real}' \"$@\"\n",
            g = gate.display(),
            real = real.ffprobe.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let b = b.with_tools(Tools {
        ffmpeg: real.ffmpeg.clone(),
        ffprobe: shim,
    });
    let sid = first_cut(&b).await;
    let out = dir.path().join("out").join("cut.mp4");
    let h = b
        .export(ExportRequest {
            session_id: sid,
            output: Some(out.clone()),
            overwrite: false,
            revision: None,
            draft: false,
            shape: None,
            captions_file: false,
        })
        .await
        .unwrap();
    let waited = Instant::now();
    while !gate.join("probing").exists() {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "ffprobe never ran"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let t0 = Instant::now();
    let s = b.cancel(&h.job_id).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    assert_eq!(s.state, JobState::Cancelled, "{}", s.message);
    assert!(s.message.contains("Checking the MP4"), "{}", s.message);
    // Downloaded but not yet described: neither the file nor its partial is left.
    assert!(
        files_in(&dir.path().join("out")).is_empty(),
        "{:?}",
        files_in(&dir.path().join("out"))
    );
    std::fs::write(gate.join("go"), "").unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_says_stopping_until_the_job_has_stopped() {
    let (fake, b, _dir) = in_process(Duration::from_millis(300)).await;
    fake.lock().unwrap().render = Some(Render::Never);
    let sid = first_cut(&b).await;
    let mut h = b
        .export(ExportRequest {
            session_id: sid,
            ..Default::default()
        })
        .await
        .unwrap();
    tokio::time::timeout(
        Duration::from_secs(30),
        h.status
            .wait_for(|s| s.message.starts_with("Rendering in the cloud:")),
    )
    .await
    .unwrap()
    .unwrap();
    // The service is slow to take the cancel: the job cannot stop within the wait.
    let gate = hold(&fake, "POST", "/api/render/proxy/lambda/*");
    let s = b.cancel(&h.job_id).await.unwrap();
    assert_eq!(s.state, JobState::Running);
    assert!(s.message.starts_with("Stopping"), "{}", s.message);
    assert!(
        s.message.contains("Rendering in the cloud"),
        "{}",
        s.message
    );
    let again = b.job(&h.job_id).await.unwrap();
    assert!(again.message.starts_with("Stopping"), "{}", again.message);
    gate.arrivals(1).await;
    gate.release();
    let end = tokio::time::timeout(
        Duration::from_secs(30),
        h.status.wait_for(|s| s.state != JobState::Running),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    assert_eq!(end.state, JobState::Cancelled, "{}", end.message);
    assert_eq!(b.job(&h.job_id).await.unwrap().state, JobState::Cancelled);
}

/// Standard deviation of a grey image within a rectangle (fractions): near 0 for a flat tile.
fn spread(px: &[u8], w: u32, h: u32, rect: (f64, f64, f64, f64)) -> f64 {
    let mut vals = Vec::new();
    for y in (rect.1 * h as f64) as u32..(rect.3 * h as f64) as u32 {
        for x in (rect.0 * w as f64) as u32..(rect.2 * w as f64) as u32 {
            vals.push(px[(y * w + x) as usize] as f64);
        }
    }
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64).sqrt()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cloud_contact_sheet_shows_the_uploaded_media() {
    let c = cloud(&[]).await;
    c.fake
        .lock()
        .unwrap()
        .turns
        .extend([Turn::Normal, Turn::Normal]);
    let sid = c.upload_two().await;
    let made = c
        .server
        .call(
            "create_video",
            json!({"prompt": "a promo", "session_id": sid}),
        )
        .await;
    ok(&made);
    let t = c
        .server
        .call("get_timeline", json!({"session_id": sid}))
        .await;
    ok(&t);
    // A session whose shots came from nowhere on this machine gets plain tiles.
    let bare = c
        .server
        .call("create_video", json!({"prompt": "a promo"}))
        .await;
    ok(&bare);
    let mut centres = Vec::new();
    for (name, r) in [("made", &made), ("timeline", &t), ("bare", &bare)] {
        let imgs = images(r);
        assert_eq!(imgs.len(), 1, "{name}: {}", text_of(r));
        assert!(imgs[0].starts_with(&[0xff, 0xd8]) && imgs[0].len() <= 200 * 1024);
        let path = c.dir.path().join(format!("{name}.jpg"));
        std::fs::write(&path, &imgs[0]).unwrap();
        let v = stream(&probe(&path), "video").clone();
        let (w, h) = (
            v["width"].as_u64().unwrap() as u32,
            v["height"].as_u64().unwrap() as u32,
        );
        assert!(w > h, "{name}: two 16:9 shots side by side, {w}x{h}");
        let px = gray_frame(&path, 0.0, w, h);
        // The middle of the second tile (no title there, the label is in its corner).
        centres.push(spread(&px, w, h, (0.6, 0.35, 0.9, 0.85)));
    }
    assert!(centres[0] > 20.0 && centres[1] > 20.0, "{centres:?}");
    assert!(centres[2] < 5.0, "{centres:?}");
    c.finish(&[&made, &t, &bare]);
}
