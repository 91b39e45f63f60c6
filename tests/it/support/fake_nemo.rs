//! A fake NemoVideo "mega-api", written from the reconstructed contract
//! (shared/docs/nemo-api-contract.md), with scripted faults. It records every request it
//! receives (method, path, headers) so tests can assert on what the adapter sent.
// Handlers return early with a full HTTP response; boxing it would only obscure the fake.
#![allow(clippy::result_large_err)]

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One chat turn's script.
#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    /// functionCall → functionResponse (draft updated) → text with GUI wording.
    Normal,
    /// Tool call and result, draft changed, no text at all.
    Silent,
    /// Only keep-alives (comments, empty data, `{"type":"heartbeat"}`) for a while, then text.
    Heartbeats(Duration),
    /// A tool call, then the connection drops; the draft changes a moment later.
    Disconnect,
    /// An `{"error": …}` event.
    ErrorEvent,
}

/// How renders behave.
#[derive(Debug, Clone, PartialEq)]
pub enum Render {
    /// Completes after this many polls.
    Complete(u32),
    /// Fails on the first poll.
    Fail,
    /// Never leaves "processing".
    Never,
}

/// A stall control: requests matching it wait at the fake (after being recorded) until the
/// test releases them, so tests make calls overlap, or cancel one mid-flight, without sleeping.
#[derive(Clone)]
pub struct Hold {
    method: &'static str,
    /// Exact path, or a prefix when it ends with `*`.
    path: String,
    arrived: Arc<tokio::sync::watch::Sender<usize>>,
    open: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Hold {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method == method
            && match self.path.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == self.path,
            }
    }

    /// Wait until `n` matching requests are being held (panics after a generous 30 s).
    pub async fn arrivals(&self, n: usize) {
        let mut rx = self.arrived.subscribe();
        tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|a| *a >= n))
            .await
            .unwrap_or_else(|_| panic!("{} held requests never arrived", n))
            .unwrap();
    }

    /// Let every held request (and later ones) through.
    pub fn release(&self) {
        self.open.send_replace(true);
    }
}

/// Hold `method` requests to `path` (a prefix when it ends with `*`) until released.
pub fn hold(s: &Shared, method: &'static str, path: &str) -> Hold {
    let h = Hold {
        method,
        path: path.to_string(),
        arrived: Arc::new(tokio::sync::watch::channel(0).0),
        open: Arc::new(tokio::sync::watch::channel(false).0),
    };
    s.lock().unwrap().holds.push(h.clone());
    h
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
}

#[derive(Default)]
pub struct Fake {
    pub seen: Vec<Seen>,
    pub turns: VecDeque<Turn>,
    pub render: Option<Render>,
    /// Poll replies in the top-level shape (`status`, `output.url`) instead of `{success,data}`.
    pub poll_shape_b: bool,
    pub tokens: Vec<String>,
    pub valid: Vec<String>,
    pub client_ids: Vec<String>,
    pub sessions: HashMap<String, Value>,
    pub next_session: u64,
    pub expire_token_once: bool,
    pub lose_session_once: bool,
    pub rate_limit_once: bool,
    /// Answer the next anonymous-token request with 400, as for a missing or bad client id.
    pub reject_client_id_once: bool,
    pub no_credits: bool,
    pub plan_blocks_export: bool,
    pub renders: HashMap<String, (Render, u32)>,
    pub mp4: Vec<u8>,
    /// Bytes received per uploaded file (name, bytes), for uploads the fake accepted.
    pub uploaded: Vec<(String, u64)>,
    /// Refuse any upload request naming this file with this business code (4001, 4002).
    pub refuse_upload: Option<(String, i64)>,
    /// What each session holds after its accepted uploads (`file_entry` values), as the
    /// service merges uploads into session state; a refused request adds nothing.
    pub session_files: HashMap<String, Vec<Value>>,
    pub sse_calls: u32,
    pub base: String,
    /// Stall controls (see [`hold`]).
    pub holds: Vec<Hold>,
}

pub type Shared = Arc<Mutex<Fake>>;

/// Start the fake on a loopback port; returns its state and base URL.
pub async fn start(mp4: Vec<u8>) -> (Shared, String) {
    let state: Shared = Arc::new(Mutex::new(Fake {
        mp4,
        next_session: 5_529_798_706_024_415_232,
        ..Default::default()
    }));
    let app = Router::new()
        .route("/api/auth/anonymous-token", post(anonymous_token))
        .route(
            "/api/tasks/me/with-session/nemo_agent",
            post(create_session),
        )
        .route("/run_sse", post(run_sse))
        .route("/api/upload-video/nemo_agent/{user}/{sid}", post(upload))
        .route("/api/credits/balance/simple", get(credits))
        .route(
            "/api/state/nemo_agent/{user}/{sid}/latest",
            get(state_latest),
        )
        .route("/api/render/proxy/lambda", post(render_submit))
        .route("/api/render/proxy/lambda/{id}", get(render_poll))
        .route("/api/render/proxy/lambda/{id}/cancel", post(render_cancel))
        .route("/api/render/proxy/{id}/download", get(download))
        .route("/cdn/{file}", get(cdn))
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(state.clone(), record))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    state.lock().unwrap().base = base.clone();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (state, base)
}

async fn record(State(s): State<Shared>, req: Request, next: axum::middleware::Next) -> Response {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let (method, path) = (req.method().to_string(), req.uri().path().to_string());
    let held = {
        let mut f = s.lock().unwrap();
        f.seen.push(Seen {
            method: method.clone(),
            path: path.clone(),
            headers,
        });
        f.holds.iter().find(|h| h.matches(&method, &path)).cloned()
    };
    if let Some(h) = held {
        let mut open = h.open.subscribe();
        h.arrived.send_modify(|n| *n += 1);
        // Generous: a test that forgets to release fails rather than hangs.
        let _ = tokio::time::timeout(Duration::from_secs(60), open.wait_for(|o| *o)).await;
    }
    next.run(req).await
}

fn code(code: i64, msg: &str) -> Response {
    Json(json!({"code": code, "message": msg})).into_response()
}

/// Checks shared by authenticated endpoints: 429 once, bearer token, expiry once.
fn guard(s: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let mut f = s.lock().unwrap();
    if f.rate_limit_once {
        f.rate_limit_once = false;
        return Err((StatusCode::TOO_MANY_REQUESTS, "slow down").into_response());
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    if !f.valid.contains(&token) {
        return Err((
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 1001, "message": "token invalid"})),
        )
            .into_response());
    }
    if f.expire_token_once {
        f.expire_token_once = false;
        f.valid.retain(|t| *t != token);
        return Err((
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 1001, "message": "token expired"})),
        )
            .into_response());
    }
    Ok(())
}

fn session_guard(s: &Shared, sid: &str) -> Result<(), Response> {
    let mut f = s.lock().unwrap();
    if f.lose_session_once {
        f.lose_session_once = false;
        f.sessions.remove(sid);
    }
    if !f.sessions.contains_key(sid) {
        return Err(code(1002, "session not found"));
    }
    Ok(())
}

async fn anonymous_token(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let Some(cid) = headers.get("x-client-id").and_then(|v| v.to_str().ok()) else {
        return (StatusCode::BAD_REQUEST, "X-Client-Id required").into_response();
    };
    let mut f = s.lock().unwrap();
    f.client_ids.push(cid.to_string());
    if f.reject_client_id_once {
        f.reject_client_id_once = false;
        return (StatusCode::BAD_REQUEST, "bad X-Client-Id").into_response();
    }
    let token = format!("nmv_usr_fakeSECRET{:04}", f.tokens.len() + 1);
    f.tokens.push(token.clone());
    f.valid.push(token.clone());
    Json(
        json!({"code": 0, "data": {"token": token, "user_id": "anon_fake1",
        "expires_at": "2099-01-01T00:00:00Z", "credits": 100}}),
    )
    .into_response()
}

async fn create_session(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let mut f = s.lock().unwrap();
    assert_eq!(body["task_name"], "project");
    f.next_session += 1;
    let sid = f.next_session.to_string();
    f.sessions.insert(sid.clone(), json!({"draft": null}));
    Json(json!({"code": 0, "data": {"task_id": format!("task_{sid}"), "session_id": sid, "user_id": "anon_fake1"}}))
        .into_response()
}

fn draft(seconds: u64, title: &str, music: bool) -> Value {
    let d = seconds * 1000;
    let mut tracks = vec![json!({"tt": 0, "sg": [
        {"d": d / 2, "src": "https://cdn.example/a.mp4"},
        {"st": d / 2, "d": d / 2, "src": "https://cdn.example/b.mp4", "speed": 1.0}]})];
    if music {
        tracks.push(json!({"tt": 1, "sg": [{"d": d, "src": "https://cdn.example/bgm.mp3"}]}));
    }
    tracks.push(json!({"tt": 7, "sg": [{"d": 3000, "text": title, "role": "title"}]}));
    json!({"t": tracks, "d": d, "m": {"title": title, "width": 1920, "height": 1080}, "canvas": {"ratio": "16:9"}})
}

fn adk(parts: Value, role: &str) -> String {
    let ev = json!({"content": {"parts": parts, "role": role}, "invocationId": "e-1",
        "author": "nemo_agent", "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
        "id": "ev", "timestamp": 1.0});
    format!("data: {ev}\n\n")
}

async fn run_sse(State(s): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let sid = body["session_id"].as_str().unwrap_or("").to_string();
    if let Err(r) = session_guard(&s, &sid) {
        return r;
    }
    assert_eq!(body["app_name"], "nemo_agent");
    assert!(body["new_message"]["parts"][0]["text"].is_string());
    let (turn, no_credits) = {
        let mut f = s.lock().unwrap();
        f.sse_calls += 1;
        (f.turns.pop_front().unwrap_or(Turn::Normal), f.no_credits)
    };
    if no_credits {
        return code(2001, "insufficient credits");
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(16);
    let state = s.clone();
    tokio::spawn(async move {
        // Like the service's agent, cut the session's uploaded pictures and clips (by their
        // CDN URLs) into the video track when it has some.
        let set_draft = |mut d: Value| {
            let mut f = state.lock().unwrap();
            let srcs: Vec<Value> = f
                .session_files
                .get(&sid)
                .into_iter()
                .flatten()
                .filter(|e| e["file_type"] != "audio")
                .map(|e| e["cdn_url"].clone())
                .collect();
            if !srcs.is_empty() {
                for (i, seg) in d["t"][0]["sg"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .enumerate()
                {
                    seg["src"] = srcs[i % srcs.len()].clone();
                }
            }
            f.sessions.insert(sid.clone(), json!({"draft": d}));
        };
        let call = adk(
            json!([{"functionCall": {"id": "f1", "name": "generate_video_with_seedance", "args": {}}}]),
            "model",
        );
        let result = adk(
            json!([{"functionResponse": {"id": "f1", "name": "edit_multitrack", "response": {"ok": true}}}]),
            "user",
        );
        match turn {
            Turn::Normal => {
                let _ = tx.send(Ok(": ping\n\n".into())).await;
                let _ = tx.send(Ok(call)).await;
                let _ = tx
                    .send(Ok("data: {\"type\":\"heartbeat\"}\n\n".into()))
                    .await;
                set_draft(draft(10, "Urban Dreams", true));
                let _ = tx.send(Ok(result)).await;
                let _ = tx.send(Ok(adk(json!([{"text": "Your 10-second video is ready! Click Export to download it, or open the text panel to tweak the title."}]), "model"))).await;
            }
            Turn::Silent => {
                let _ = tx.send(Ok(call)).await;
                set_draft(draft(15, "Neon Nights", true));
                let _ = tx.send(Ok(result)).await;
            }
            Turn::Heartbeats(d) => {
                let end = tokio::time::Instant::now() + d;
                let mut i = 0;
                while tokio::time::Instant::now() < end {
                    let beat = match i % 3 {
                        0 => ": keep-alive\n\n".to_string(),
                        1 => "data:\n\n".to_string(),
                        _ => "data: {\"type\":\"heartbeat\"}\n\n".to_string(),
                    };
                    if tx.send(Ok(beat)).await.is_err() {
                        return;
                    }
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                set_draft(draft(10, "Slow Burn", false));
                let _ = tx
                    .send(Ok(
                        "data: {\"type\":\"text\",\"content\":\"Done after a long think.\"}\n\n"
                            .into(),
                    ))
                    .await;
            }
            Turn::Disconnect => {
                let _ = tx.send(Ok(call)).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = tx
                    .send(Err(std::io::Error::other("connection reset")))
                    .await;
                drop(tx);
                tokio::time::sleep(Duration::from_millis(300)).await;
                set_draft(draft(12, "After The Drop", true));
            }
            Turn::ErrorEvent => {
                let _ = tx.send(Ok(call)).await;
                let _ = tx
                    .send(Ok("data: {\"error\": \"model overloaded\"}\n\n".into()))
                    .await;
            }
        }
    });
    let stream = tokio_stream_from(rx);
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<String, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn upload(
    State(s): State<Shared>,
    Path((_user, sid)): Path<(String, String)>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    if let Err(r) = session_guard(&s, &sid) {
        return r;
    }
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut files = Vec::new();
    let mut received = Vec::new();
    if ct.starts_with("multipart/form-data") {
        let mut mp =
            match <Multipart as axum::extract::FromRequest<()>>::from_request(req, &()).await {
                Ok(m) => m,
                Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
            };
        while let Ok(Some(mut field)) = mp.next_field().await {
            assert_eq!(
                field.name(),
                Some("files"),
                "multipart field must be `files`"
            );
            let name = field.file_name().unwrap_or("file").to_string();
            let mut bytes = 0u64;
            while let Ok(Some(chunk)) = field.chunk().await {
                bytes += chunk.len() as u64;
            }
            let ext = name.rsplit('.').next().unwrap_or("").to_lowercase();
            if ext == "exe" {
                return code(4001, "unsupported file type");
            }
            received.push((name.clone(), bytes));
            files.push(file_entry(&name, &ext));
        }
    } else {
        let body = axum::body::to_bytes(req.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(v["source_type"], "url");
        for u in v["urls"].as_array().cloned().unwrap_or_default() {
            let u = u.as_str().unwrap_or("").to_string();
            let name = u.rsplit('/').next().unwrap_or("file").to_string();
            let ext = name.rsplit('.').next().unwrap_or("").to_lowercase();
            if ext == "exe" {
                return code(4001, "unsupported file type");
            }
            if name.contains("huge") {
                return code(4002, "file too large");
            }
            files.push(file_entry(&name, &ext));
        }
    }
    let mut f = s.lock().unwrap();
    if let Some((bad, c)) = f.refuse_upload.clone()
        && files.iter().any(|e| e["filename"] == bad.as_str())
    {
        return code(c, "refused");
    }
    f.uploaded.extend(received);
    f.session_files
        .entry(sid)
        .or_default()
        .extend(files.iter().cloned());
    Json(json!({"code": 0, "data": {"files": files, "session_state_applied": true}}))
        .into_response()
}

fn file_entry(name: &str, ext: &str) -> Value {
    let kind = match ext {
        "jpg" | "jpeg" | "png" | "gif" | "webp" => "image",
        "mp3" | "wav" | "m4a" | "aac" => "audio",
        _ => "video",
    };
    json!({"filename": name, "file_type": kind, "cdn_url": format!("https://cdn.example/{name}"),
        "duration": if kind == "image" { 0.0 } else { 30.5 }, "width": 1920, "height": 1080, "fps": 30,
        "hash": format!("h_{name}")})
}

async fn credits(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    Json(json!({"code": 0, "data": {"available": 60, "frozen": 40, "total": 100}})).into_response()
}

async fn state_latest(
    State(s): State<Shared>,
    Path((_user, sid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    if let Err(r) = session_guard(&s, &sid) {
        return r;
    }
    let f = s.lock().unwrap();
    let d = f.sessions[&sid]["draft"].clone();
    Json(json!({"code": 0, "data": {"session_id": sid, "task_id": format!("task_{sid}"), "task_name": "project",
        "state": {"video_infos": [], "draft": d, "canvas_config": {"width": 1920, "height": 1080},
        "video_analyses": {}, "generated_media": []}}}))
    .into_response()
}

async fn render_submit(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let attributed = ["x-skill-source", "x-skill-version", "x-skill-platform"]
        .iter()
        .all(|h| headers.contains_key(*h));
    let mut f = s.lock().unwrap();
    if !attributed || f.plan_blocks_export {
        return (
            StatusCode::PAYMENT_REQUIRED,
            Json(json!({"code": 402, "message": "free plan export blocked"})),
        )
            .into_response();
    }
    let id = body["id"].as_str().unwrap_or("").to_string();
    assert!(body["draft"]["t"].is_array(), "render needs the draft");
    assert!(body["sessionId"].is_string());
    if id.is_empty() || f.renders.contains_key(&id) {
        return Json(json!({"success": false, "error": "duplicate id"})).into_response();
    }
    let script = f.render.clone().unwrap_or(Render::Complete(2));
    f.renders.insert(id.clone(), (script, 0));
    Json(json!({"success": true, "data": {"id": id, "status": "pending", "progress": 5}}))
        .into_response()
}

async fn render_poll(
    State(s): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let mut f = s.lock().unwrap();
    let base = f.base.clone();
    let shape_b = f.poll_shape_b;
    let Some((script, polls)) = f.renders.get_mut(&id) else {
        return Json(json!({"success": false, "error": "no such render"})).into_response();
    };
    *polls += 1;
    let (status, progress, error) = match script {
        Render::Complete(n) if *polls >= *n => ("completed", 100, None),
        Render::Complete(n) => ("processing", 100 * *polls / (*n).max(1), None),
        Render::Fail => ("failed", 10, Some("lambda crashed")),
        Render::Never => ("processing", 50, None),
    };
    let url = format!("{base}/cdn/{id}.mp4");
    if shape_b {
        Json(json!({"taskId": id, "status": status, "progress": progress,
            "output": {"url": url, "duration": 10.0}, "error": error}))
        .into_response()
    } else {
        Json(
            json!({"success": true, "data": {"id": id, "status": status, "progress": progress,
            "outputUrl": if status == "completed" { Some(url) } else { None }, "error": error}}),
        )
        .into_response()
    }
}

async fn render_cancel(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    s.lock().unwrap().renders.remove(&id);
    Json(json!({"success": true, "data": {}})).into_response()
}

async fn download(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let bytes = s.lock().unwrap().mp4.clone();
    ([("content-type", "video/mp4")], bytes).into_response()
}

async fn cdn(State(s): State<Shared>) -> Response {
    let bytes = s.lock().unwrap().mp4.clone();
    ([("content-type", "video/mp4")], bytes).into_response()
}
