//! A client that loses its POST stream mid-export reconnects with `Last-Event-ID` and gets the
//! rest: the progress it missed and the result, each event once (SEP-1699 resumption, which the
//! conformance suite's `server-sse-polling` scenario can only probe with a fixture tool reelsmith
//! does not have).

use crate::support::*;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// One SSE event.
#[derive(Debug, Default, Clone)]
struct Event {
    id: Option<String>,
    data: String,
}

/// Splits a byte stream into SSE events.
#[derive(Default)]
struct SseParser {
    buf: String,
}

impl SseParser {
    fn push(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.buf
            .push_str(&String::from_utf8_lossy(bytes).replace("\r\n", "\n"));
        let mut out = Vec::new();
        while let Some(end) = self.buf.find("\n\n") {
            let block: String = self.buf.drain(..end + 2).collect();
            let mut e = Event::default();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    e.id = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    e.data.push_str(v.trim_start());
                }
            }
            out.push(e);
        }
        out
    }
}

struct Http {
    client: reqwest::Client,
    url: String,
    session: String,
}

impl Http {
    fn post(&self, body: Value) -> reqwest::RequestBuilder {
        self.client
            .post(&self.url)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json")
            .header("Mcp-Session-Id", &self.session)
            .header("MCP-Protocol-Version", "2025-06-18")
            .json(&body)
    }

    /// Call a tool and read its whole POST stream; returns the result.
    async fn call(&self, id: u64, tool: &str, args: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": args}});
        let text = self.post(body).send().await.unwrap().text().await.unwrap();
        let events = SseParser::default().push(format!("{text}\n\n").as_bytes());
        events
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(&e.data).ok())
            .find(|m| m["id"] == id)
            .map(|m| m["result"].clone())
            .unwrap_or_else(|| panic!("no result for {tool}: {text}"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_stream_resumes_after_a_dropped_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = reelsmith(&dir.path().join("home"));
    cmd.args(["serve", "--http", "127.0.0.1:0"])
        .env("REELSMITH_ALLOWED_DIRS", dir.path());
    let HttpServer {
        mut child, addr, ..
    } = spawn_http(cmd);
    let client = reelsmith::http::client_builder().build().unwrap();
    let url = format!("http://{addr}/mcp");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "resume-test", "version": "1"}}});
    let r = client
        .post(&url)
        .header("Accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_string();
    let _ = r.text().await;
    let http = Http {
        client,
        url,
        session,
    };
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(http.post(initialized).send().await.unwrap().status(), 202);

    let img = still(dir.path(), "a.jpg", 1280, 720, 2);
    let up = http.call(2, "upload_media", json!({"files": [img]})).await;
    let sid = up["structuredContent"]["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{up}"))
        .to_string();
    let c = http
        .call(
            3,
            "create_video",
            json!({"prompt": "a 12 second clip", "session_id": sid,
                   "options": {"resolution": "720p"}}),
        )
        .await;
    assert_ne!(c["isError"], true, "{c}");

    // Export with progress; read until a couple of progress events have arrived, then drop the
    // connection as a flaky network would.
    let out = dir.path().join("resumed.mp4");
    let body = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
        "name": "export_video", "_meta": {"progressToken": "p4"},
        "arguments": {"session_id": sid, "output_path": out, "wait_s": 300}}});
    let resp = http.post(body).send().await.unwrap();
    let mut stream = resp.bytes_stream();
    let mut parser = SseParser::default();
    let mut seen: Vec<Event> = Vec::new();
    while seen
        .iter()
        .filter(|e| e.data.contains("notifications/progress"))
        .count()
        < 2
    {
        let chunk = stream.next().await.expect("stream ended early").unwrap();
        seen.extend(parser.push(&chunk));
    }
    assert!(
        !seen.iter().any(|e| e.data.contains("\"result\"")),
        "finished before the drop; make the video longer"
    );
    drop(stream);
    let last = seen
        .iter()
        .rev()
        .find_map(|e| e.id.clone())
        .expect("events carry ids");

    let resp = http
        .client
        .get(&http.url)
        .header("Accept", "text/event-stream")
        .header("Mcp-Session-Id", &http.session)
        .header("MCP-Protocol-Version", "2025-06-18")
        .header("Last-Event-ID", &last)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    let mut parser = SseParser::default();
    let mut resumed: Vec<Event> = Vec::new();
    let result = 'read: loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(300), stream.next())
            .await
            .expect("the resumed stream went quiet")
            .expect("the resumed stream ended without the result")
            .unwrap();
        for e in parser.push(&chunk) {
            resumed.push(e.clone());
            if let Ok(m) = serde_json::from_str::<Value>(&e.data)
                && m["id"] == 4
            {
                break 'read m["result"].clone();
            }
        }
    };
    assert_eq!(result["structuredContent"]["status"], "done", "{result}");
    assert!(out.exists());
    let before: Vec<_> = seen.iter().filter_map(|e| e.id.clone()).collect();
    for e in &resumed {
        if let Some(id) = &e.id {
            assert!(!before.contains(id), "event {id} delivered twice");
        }
    }
    let values: Vec<f64> = seen
        .iter()
        .chain(&resumed)
        .filter_map(|e| serde_json::from_str::<Value>(&e.data).ok())
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[1] > w[0]), "{values:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}
