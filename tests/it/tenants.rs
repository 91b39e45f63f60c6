//! Multi-tenant HTTP (`REELSMITH_HTTP_TOKENS`): two tenants over real HTTP, where tenant B tries
//! every id of tenant A's (session, revision, media, job, export file, task, MCP session) and
//! gets exactly the answer an unknown id of the same shape gets; limits refuse with clear words;
//! SIGHUP adds and removes tokens (a bad file keeps the old table); no token reaches the log.

use crate::support::mcp_client::{structured, text_of};
use crate::support::*;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ClientCapabilities,
    ClientConfig, GetTaskParams, Implementation, ReadResourceRequestParams,
};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOK_A: &str = "tenantA-4f9c2e7d1b8a6035";
const TOK_B: &str = "tenantB-8e1d4c7a2f9b3061";
const TOK_C: &str = "tenantC-2b7e9f4a1d6c8053";
const TOK_D: &str = "tenantD-6a3f8d1e9c4b2075";
const TOK_NEW: &str = "tenantN-1c5e8a2d7f3b9046";

type Client = rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>;

/// A client of `token`'s tenant; with `tasks`, one that declares the tasks extension (its
/// export_video calls become tasks).
async fn client(url: &str, token: &str, tasks: bool) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            url.to_string(),
        )
        .auth_header(token),
    );
    let caps = if tasks {
        ClientCapabilities::builder().enable_tasks().build()
    } else {
        ClientCapabilities::default()
    };
    ClientConfig::new(caps, Implementation::new("tenant-test", "1"))
        .serve(transport)
        .await
        .unwrap()
}

fn params(tool: &'static str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool).with_arguments(args.as_object().cloned().unwrap())
}

/// A tool call's plain result.
async fn call(c: &Client, tool: &'static str, args: Value) -> CallToolResult {
    match c.call_tool_once(params(tool, args)).await.unwrap() {
        CallToolResponse::Complete(r) => r,
        other => panic!("{tool}: expected a plain result, got {other:?}"),
    }
}

async fn good(c: &Client, tool: &'static str, args: Value) -> CallToolResult {
    let r = call(c, tool, args).await;
    assert_ne!(r.is_error, Some(true), "{tool}: {}", text_of(&r));
    r
}

async fn refused(c: &Client, tool: &'static str, args: Value) -> String {
    let r = call(c, tool, args).await;
    assert_eq!(r.is_error, Some(true), "{tool} should fail: {r:?}");
    text_of(&r)
}

/// `ours` (the answer about another tenant's `real` id) must read exactly as `unknown` (the
/// answer about `fake`, an id of the same shape that does not exist).
fn same_answer(what: &str, ours: &str, unknown: &str, real: &str, fake: &str) {
    assert_eq!(
        ours.replace(real, fake),
        unknown,
        "{what}: another tenant's id is answered differently from an unknown one"
    );
}

/// An id of the same shape as `id` that does not exist.
fn fake_like(id: &str) -> String {
    id.chars()
        .enumerate()
        .map(|(i, c)| {
            if i > 4 && c.is_ascii_hexdigit() {
                '0'
            } else {
                c
            }
        })
        .collect()
}

struct Server {
    child: std::process::Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(home: &Path, tokens: &Path) -> Server {
        let mut child = reelsmith(home)
            .args(["serve", "--http", "127.0.0.1:0"])
            .env("REELSMITH_HTTP_TOKENS", tokens)
            .env_remove("REELSMITH_HTTP_TOKEN")
            .env_remove("REELSMITH_ALLOWED_DIRS")
            .env_remove("REELSMITH_OUTPUT_DIR")
            .env_remove("REELSMITH_BACKEND")
            // Debug logging, so the token check covers every line the server can write.
            .env("RUST_LOG", "debug")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(String::new()));
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(
                err.read_line(&mut line).unwrap() > 0,
                "server exited: {}",
                log.lock().unwrap()
            );
            log.lock().unwrap().push_str(&line);
            if let Some(rest) = line.split("http://").nth(1) {
                break format!("http://{}/mcp", rest.split('/').next().unwrap());
            }
        };
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut l = String::new();
            while err.read_line(&mut l).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&l);
                l.clear();
            }
        });
        Server { child, url, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn hangup(&self) {
        // SAFETY: signalling our own child by its pid.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as i32, libc::SIGHUP) },
            0
        );
    }

    /// The status of a bare initialize with `token` (and the session id it opened).
    async fn initialize(&self, token: &str) -> (u16, Option<String>) {
        let r = http()
            .post(&self.url)
            .header("Accept", "application/json, text/event-stream")
            .bearer_auth(token)
            .json(
                &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"}}}),
            )
            .send()
            .await
            .unwrap();
        let session = r
            .headers()
            .get("mcp-session-id")
            .map(|v| v.to_str().unwrap().to_string());
        let status = r.status().as_u16();
        let _ = r.text().await;
        (status, session)
    }

    /// A request on MCP session `session` with `token`: its status and body.
    async fn on_session(
        &self,
        method: reqwest::Method,
        token: &str,
        session: &str,
    ) -> (u16, String) {
        let mut req = http()
            .request(method.clone(), &self.url)
            .header("Accept", "application/json, text/event-stream")
            .header("Mcp-Session-Id", session)
            .header("MCP-Protocol-Version", "2025-06-18")
            .bearer_auth(token);
        if method == reqwest::Method::POST {
            req = req.json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
        }
        let r = tokio::time::timeout(Duration::from_secs(30), req.send())
            .await
            .unwrap()
            .unwrap();
        let status = r.status().as_u16();
        // A GET that was let through is an open SSE stream: do not wait for it to end.
        let body = if status == 200 && method == reqwest::Method::GET {
            String::new()
        } else {
            r.text().await.unwrap_or_default()
        };
        (status, body)
    }
}

fn http() -> reqwest::Client {
    reelsmith::http::client_builder().build().unwrap()
}

fn write_tokens(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A folder of `tenant`'s that its clients may read from.
fn inbox(home: &Path, tenant: &str) -> PathBuf {
    let d = home.join("tenants").join(tenant).join("in");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stills(dir: &Path, prefix: &str, n: usize, seed: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            still(dir, &format!("{prefix}{i}.jpg"), 1280, 720, seed + i)
                .display()
                .to_string()
        })
        .collect()
}

async fn until(what: &str, secs: u64, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_see_only_their_own_ids() {
    let _ = reelsmith::http::client_builder();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let tokens = dir.path().join("tokens");
    // World-readable at first: the server starts but warns.
    write_tokens(
        &tokens,
        &format!(
            "# reelsmith tenants\n{TOK_A} acme\n\n{TOK_B} beta   # the other tenant\n{TOK_C} gamma max_mb=1\n{TOK_D} delta max_renders=1\n"
        ),
        0o644,
    );
    let server = Server::start(&home, &tokens);
    assert!(
        server.log().contains("can be read by every user"),
        "{}",
        server.log()
    );
    let url = server.url.clone();

    // Tenant A: a session with media, two revisions, a finished draft, an export task.
    let a = client(&url, TOK_A, false).await;
    let a_tasks = client(&url, TOK_A, true).await;
    let a_files = stills(&inbox(&home, "acme"), "a", 2, 0);
    let up = good(&a, "upload_media", json!({"files": a_files})).await;
    let sid_a = structured(&up)["session_id"].as_str().unwrap().to_string();
    let media_a = structured(&up)["media"][0]["media_id"]
        .as_str()
        .unwrap()
        .to_string();
    good(&a, "create_video", json!({"session_id": sid_a, "prompt": "a 3 second video, no music", "options": {"resolution": "720p"}})).await;
    good(
        &a,
        "create_video",
        json!({"session_id": sid_a, "prompt": "use slide transitions"}),
    )
    .await;
    let draft = good(
        &a,
        "export_video",
        json!({"session_id": sid_a, "quality": "draft", "wait_s": 600}),
    )
    .await;
    assert_eq!(structured(&draft)["status"], "done", "{draft:?}");
    let job_a = structured(&draft)["job_id"].as_str().unwrap().to_string();
    let export_a = structured(&draft)["output_path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        Path::new(&export_a).starts_with(home.join("tenants/acme")),
        "exports go to the tenant's folder: {export_a}"
    );
    let task = match a_tasks
        .call_tool_once(params("export_video", json!({"session_id": sid_a})))
        .await
        .unwrap()
    {
        CallToolResponse::Task(t) => t.task.task_id,
        other => panic!("expected a task, got {other:?}"),
    };
    // A itself reads all of it.
    good(
        &a,
        "get_timeline",
        json!({"session_id": sid_a, "revision": 1}),
    )
    .await;
    a.read_resource(ReadResourceRequestParams::new(format!(
        "reelsmith://renders/{job_a}"
    )))
    .await
    .unwrap();
    a_tasks
        .peer()
        .get_task(GetTaskParams::new(task.clone()))
        .await
        .unwrap();

    // Tenant B tries each of A's ids next to an unknown id of the same shape.
    let b = client(&url, TOK_B, false).await;
    let b_tasks = client(&url, TOK_B, true).await;
    let fake_sid = fake_like(&sid_a);
    let b_files = stills(&inbox(&home, "beta"), "b", 2, 5);
    for (tool, args) in [
        ("get_timeline", json!({"session_id": "SID"})),
        ("get_timeline", json!({"session_id": "SID", "revision": 1})),
        ("get_timeline", json!({"session_id": "SID", "diff_from": 1})),
        (
            "upload_media",
            json!({"session_id": "SID", "files": [b_files[0]]}),
        ),
        (
            "create_video",
            json!({"session_id": "SID", "prompt": "make it calm"}),
        ),
        (
            "create_video",
            json!({"session_id": "SID", "edits": [{"op": "undo"}]}),
        ),
        ("export_video", json!({"session_id": "SID", "wait_s": 0})),
        (
            "export_video",
            json!({"session_id": "SID", "revision": 1, "quality": "draft", "wait_s": 0}),
        ),
    ] {
        let with =
            |id: &str| serde_json::from_str::<Value>(&args.to_string().replace("SID", id)).unwrap();
        let ours = refused(&b, tool, with(&sid_a)).await;
        let unknown = refused(&b, tool, with(&fake_sid)).await;
        assert!(unknown.contains("not found"), "{tool}: {unknown}");
        same_answer(tool, &ours, &unknown, &sid_a, &fake_sid);
    }
    // A's media id in an edit of B's own session.
    let up_b = good(&b, "upload_media", json!({"files": b_files})).await;
    let sid_b = structured(&up_b)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    good(
        &b,
        "create_video",
        json!({"session_id": sid_b, "prompt": "a 3 second video, no music"}),
    )
    .await;
    let fake_media = fake_like(&media_a);
    let ours = refused(
        &b,
        "create_video",
        json!({"session_id": sid_b, "edits": [{"op": "add_shot", "media_id": media_a}]}),
    )
    .await;
    let unknown = refused(
        &b,
        "create_video",
        json!({"session_id": sid_b, "edits": [{"op": "add_shot", "media_id": fake_media}]}),
    )
    .await;
    same_answer(
        "media id in an edit",
        &ours,
        &unknown,
        &media_a,
        &fake_media,
    );
    // A's export file, by path: read as media, or overwritten as an output.
    let missing = Path::new(&export_a).with_file_name("nothing-here.mp4");
    let missing = missing.to_str().unwrap();
    let ours = refused(&b, "upload_media", json!({"files": [export_a]})).await;
    let unknown = refused(&b, "upload_media", json!({"files": [missing]})).await;
    assert!(unknown.contains("outside the folders"), "{unknown}");
    same_answer("export file as media", &ours, &unknown, &export_a, missing);
    let ours = refused(
        &b,
        "export_video",
        json!({"session_id": sid_b, "output_path": export_a, "overwrite": true, "wait_s": 0}),
    )
    .await;
    let unknown = refused(
        &b,
        "export_video",
        json!({"session_id": sid_b, "output_path": missing, "overwrite": true, "wait_s": 0}),
    )
    .await;
    same_answer("export file as output", &ours, &unknown, &export_a, missing);
    // A's render job, through the player's resource.
    let fake_job = fake_like(&job_a);
    let read = |job: &str| {
        b.read_resource(ReadResourceRequestParams::new(format!(
            "reelsmith://renders/{job}"
        )))
    };
    let ours = read(&job_a).await.unwrap_err().to_string();
    let unknown = read(&fake_job).await.unwrap_err().to_string();
    assert!(unknown.contains("not found"), "{unknown}");
    same_answer("render resource", &ours, &unknown, &job_a, &fake_job);
    // A's task: neither readable nor cancellable.
    let fake_task = fake_like(&task);
    let ours = b_tasks
        .peer()
        .get_task(GetTaskParams::new(task.clone()))
        .await
        .unwrap_err()
        .to_string();
    let unknown = b_tasks
        .peer()
        .get_task(GetTaskParams::new(fake_task.clone()))
        .await
        .unwrap_err()
        .to_string();
    same_answer("tasks/get", &ours, &unknown, &task, &fake_task);
    let ours = b_tasks
        .peer()
        .cancel_task(CancelTaskParams::new(task.clone()))
        .await
        .unwrap_err()
        .to_string();
    let unknown = b_tasks
        .peer()
        .cancel_task(CancelTaskParams::new(fake_task.clone()))
        .await
        .unwrap_err()
        .to_string();
    same_answer("tasks/cancel", &ours, &unknown, &task, &fake_task);
    let t = a_tasks
        .peer()
        .get_task(GetTaskParams::new(task.clone()))
        .await
        .unwrap();
    assert!(
        !format!("{:?}", t.task.status())
            .to_lowercase()
            .contains("cancel"),
        "B's cancel reached A's task: {t:?}"
    );
    // A's MCP session itself, with B's token: answered as an unknown session, on every method.
    let (status, session_a) = server.initialize(TOK_A).await;
    assert_eq!(status, 200);
    let session_a = session_a.unwrap();
    let fake_session = fake_like(&session_a);
    for method in [
        reqwest::Method::POST,
        reqwest::Method::GET,
        reqwest::Method::DELETE,
    ] {
        let ours = server.on_session(method.clone(), TOK_B, &session_a).await;
        let unknown = server
            .on_session(method.clone(), TOK_B, &fake_session)
            .await;
        assert_eq!(
            ours.0, 404,
            "{method} on A's session with B's token: {ours:?}"
        );
        assert_eq!(ours, unknown, "{method}");
    }
    let (status, _) = server
        .on_session(reqwest::Method::POST, TOK_A, &session_a)
        .await;
    assert_ne!(status, 404, "A's own session must still answer A");

    // Limits. gamma may keep 1 MB: a 3 MB picture is refused, saying why.
    let g = client(&url, TOK_C, false).await;
    let noise = inbox(&home, "gamma").join("noise.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=1024x1024,geq=random(1)*255:random(2)*255:random(3)*255",
        "-frames:v",
        "1",
        noise.to_str().unwrap(),
    ]);
    assert!(std::fs::metadata(&noise).unwrap().len() > 1_500_000);
    let e = refused(&g, "upload_media", json!({"files": [noise]})).await;
    assert!(
        e.contains("storage limit") && e.contains("gamma") && e.contains("max_mb"),
        "{e}"
    );
    let small = stills(&inbox(&home, "gamma"), "g", 1, 9);
    good(&g, "upload_media", json!({"files": small})).await;
    // delta renders one at a time: a second render while the first runs is refused.
    let d = client(&url, TOK_D, false).await;
    let d_tasks = client(&url, TOK_D, true).await;
    let files = stills(&inbox(&home, "delta"), "d", 3, 11);
    let made = good(&d, "create_video", json!({"files": files, "prompt": "a 10 second video, no music", "options": {"resolution": "720p"}})).await;
    let sid_d = structured(&made)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let first = match d_tasks
        .call_tool_once(params("export_video", json!({"session_id": sid_d})))
        .await
        .unwrap()
    {
        CallToolResponse::Task(t) => t.task.task_id,
        other => panic!("expected a task, got {other:?}"),
    };
    let running = d_tasks
        .peer()
        .get_task(GetTaskParams::new(first.clone()))
        .await
        .unwrap();
    assert!(
        !running.task.status().is_terminal(),
        "the first render ended too soon to test the limit"
    );
    let e = refused(
        &d,
        "export_video",
        json!({"session_id": sid_d, "quality": "draft", "wait_s": 0}),
    )
    .await;
    assert!(
        e.contains("1 at once is the limit") && e.contains("delta"),
        "{e}"
    );
    until("the first render to end", 600, async || {
        d_tasks
            .peer()
            .get_task(GetTaskParams::new(first.clone()))
            .await
            .unwrap()
            .task
            .status()
            .is_terminal()
    })
    .await;
    good(
        &d,
        "export_video",
        json!({"session_id": sid_d, "quality": "draft", "wait_s": 600}),
    )
    .await;

    // SIGHUP: beta's token goes, a new one (for a new tenant) comes.
    write_tokens(
        &tokens,
        &format!(
            "{TOK_A} acme\n{TOK_C} gamma max_mb=1\n{TOK_D} delta max_renders=1\n{TOK_NEW} epsilon\n"
        ),
        0o600,
    );
    server.hangup();
    until("the new token to work", 30, async || {
        server.initialize(TOK_NEW).await.0 == 200
    })
    .await;
    assert_eq!(
        server.initialize(TOK_B).await.0,
        401,
        "a removed token must be refused"
    );
    assert!(
        b.call_tool(params("get_timeline", json!({"session_id": sid_b})))
            .await
            .is_err()
    );
    assert_eq!(server.initialize(TOK_A).await.0, 200);
    // A bad file is not taken: the table in force stays.
    write_tokens(&tokens, &format!("{TOK_A} acme\n{TOK_A} epsilon\n"), 0o600);
    server.hangup();
    until("the refused reload to be logged", 30, async || {
        server.log().contains("kept the tokens in force")
    })
    .await;
    assert!(server.log().contains("line 2"), "{}", server.log());
    assert_eq!(server.initialize(TOK_NEW).await.0, 200);
    assert_eq!(server.initialize(TOK_D).await.0, 200);
    assert_eq!(server.initialize("tenantX-0000000000000000").await.0, 401);

    // No token anywhere in the log.
    let log = server.log();
    for t in [TOK_A, TOK_B, TOK_C, TOK_D, TOK_NEW] {
        assert!(!log.contains(t), "a token reached the log");
    }
}

#[test]
fn a_bad_tokens_file_stops_the_server_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    write_tokens(
        &tokens,
        &format!("{TOK_A} acme\n{TOK_B} Not/A/Name\n"),
        0o600,
    );
    let out = reelsmith(&dir.path().join("home"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .env("REELSMITH_HTTP_TOKENS", &tokens)
        .env_remove("REELSMITH_ALLOWED_DIRS")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out);
    assert!(
        err.contains("line 2") && err.contains("tenant name"),
        "{err}"
    );
    assert!(!err.contains(TOK_B) && !err.contains(TOK_A), "{err}");
    write_tokens(&tokens, &format!("{TOK_A} acme\n{TOK_A} beta\n"), 0o600);
    let out = reelsmith(&dir.path().join("home"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .env("REELSMITH_HTTP_TOKENS", &tokens)
        .env_remove("REELSMITH_ALLOWED_DIRS")
        .output()
        .unwrap();
    let err = text(&out);
    assert!(
        !out.status.success() && err.contains("line 2") && err.contains("already given on line 1"),
        "{err}"
    );
    assert!(!err.contains(TOK_A), "{err}");
}
