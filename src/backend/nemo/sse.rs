//! One chat turn over `/run_sse`: the request, and a tolerant reading of the event stream.
//!
//! The stream's exact bytes are not published, so every shape the contract lists is accepted:
//! Google ADK `Event` JSON (parts with `text`, `functionCall`, `functionResponse`), the
//! `{"type": "text" | "tool_call" | "tool_result" | "heartbeat"}` shape, bare `{"text": …}`,
//! `{"error": …}`, comments, empty `data:` lines and keep-alives. The turn ends when the server
//! closes the stream; a turn is never re-sent (it would be charged twice).

use super::client::{Client, Failure, Reply};
use super::config::Limits;
use super::errors::NemoError;
use crate::backend::{ProgressEvent, ProgressSink};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What one event says.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text from the agent for the person.
    Text(String),
    /// The agent started a tool (name).
    ToolCall(String),
    /// A tool finished (name).
    ToolResult(String),
    /// Keep-alive.
    Heartbeat,
    /// The turn failed.
    Error(String),
}

/// Classify one event's data; unknown JSON yields nothing.
pub fn classify(data: &str) -> Vec<Item> {
    let data = data.trim();
    if data.is_empty() {
        return vec![Item::Heartbeat];
    }
    let Ok(v) = serde_json::from_str::<Value>(data) else {
        return Vec::new();
    };
    if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
        let msg = e
            .as_str()
            .map(str::to_string)
            .or_else(|| e["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| e.to_string());
        return vec![Item::Error(msg)];
    }
    if let Some(t) = v["type"].as_str() {
        let name = || {
            v["name"]
                .as_str()
                .or_else(|| v["tool"].as_str())
                .unwrap_or("tool")
                .to_string()
        };
        return match t {
            "heartbeat" | "ping" | "keepalive" | "keep_alive" => vec![Item::Heartbeat],
            "text" | "message" => text_of(&v).map(Item::Text).into_iter().collect(),
            "tool_call" | "toolcall" | "tool_start" => vec![Item::ToolCall(name())],
            "tool_result" | "tool_end" => vec![Item::ToolResult(name())],
            "error" => vec![Item::Error(
                text_of(&v).unwrap_or_else(|| "unknown error".into()),
            )],
            _ => Vec::new(),
        };
    }
    if v["errorCode"].is_string() || v["errorMessage"].is_string() {
        let msg = v["errorMessage"]
            .as_str()
            .or(v["errorCode"].as_str())
            .unwrap_or("error");
        return vec![Item::Error(msg.to_string())];
    }
    if let Some(parts) = v["content"]["parts"].as_array() {
        // Streaming chunks are followed by their aggregate; only the aggregate counts.
        if v["partial"] == Value::Bool(true) {
            return vec![Item::Heartbeat];
        }
        let mut out = Vec::new();
        for p in parts {
            if let Some(t) = p["text"].as_str() {
                if p["thought"] != Value::Bool(true) && !t.trim().is_empty() {
                    out.push(Item::Text(t.to_string()));
                }
            } else if let Some(fc) = p.get("functionCall").or_else(|| p.get("function_call")) {
                out.push(Item::ToolCall(
                    fc["name"].as_str().unwrap_or("tool").to_string(),
                ));
            } else if let Some(fr) = p
                .get("functionResponse")
                .or_else(|| p.get("function_response"))
            {
                out.push(Item::ToolResult(
                    fr["name"].as_str().unwrap_or("tool").to_string(),
                ));
            }
        }
        return out;
    }
    text_of(&v).map(Item::Text).into_iter().collect()
}

fn text_of(v: &Value) -> Option<String> {
    v["text"]
        .as_str()
        .or_else(|| v["content"].as_str())
        .or_else(|| v["message"].as_str())
        .map(str::to_string)
        .filter(|t| !t.trim().is_empty())
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// The server closed the stream: the turn is over.
    Closed,
    /// The connection broke mid-turn; the turn may still be running on the server.
    Disconnected(String),
    /// Only keep-alives (or nothing) for too long, or the overall cap was reached.
    TimedOut,
}

/// Everything a turn produced.
#[derive(Debug, Clone)]
pub struct Turn {
    /// Agent texts, in order.
    pub texts: Vec<String>,
    /// Tools the agent ran.
    pub tools: Vec<String>,
    /// How it ended.
    pub end: End,
}

fn report(progress: Option<&ProgressSink>, message: String) {
    if let Some(p) = progress {
        let _ = p.send(ProgressEvent {
            percent: None,
            message,
        });
    }
}

/// A friendly name for a tool the agent runs.
fn tool_label(name: &str) -> &'static str {
    let n = name.to_lowercase();
    if n.contains("generate_video") || n.contains("seedance") {
        "generating video"
    } else if n.contains("music") || n.contains("suno") {
        "making music"
    } else if n.contains("voice") {
        "recording a voice-over"
    } else if n.contains("understand") || n.contains("analy") {
        "looking at the media"
    } else if n.contains("edit") || n.contains("draft") || n.contains("multitrack") {
        "editing the timeline"
    } else {
        "working"
    }
}

/// Send `message` as one turn in `session` and read the stream to its end.
pub async fn run_turn(
    client: &Client,
    session: &str,
    message: &str,
    progress: Option<&ProgressSink>,
    limits: Limits,
) -> Result<Turn, Failure> {
    let body = json!({
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": session,
        "new_message": {"parts": [{"text": message}]},
    });
    let reply = client
        .send("chat", |http, base| {
            Ok(http
                .post(format!("{base}/run_sse"))
                .header("Accept", "text/event-stream")
                .timeout(limits.total)
                .json(&body))
        })
        .await?;
    let resp = match reply {
        Reply::Raw(r) => r,
        Reply::Json(v) => {
            // A JSON answer instead of a stream: an immediate error or a one-shot reply.
            let texts: Vec<String> = classify(&v.to_string())
                .into_iter()
                .filter_map(|i| match i {
                    Item::Text(t) => Some(t),
                    _ => None,
                })
                .collect();
            return Ok(Turn {
                texts,
                tools: Vec::new(),
                end: End::Closed,
            });
        }
    };
    let started = Instant::now();
    let mut last_event = Instant::now();
    let mut last_real = Instant::now();
    let mut stream = resp.bytes_stream().eventsource();
    let mut texts = Vec::new();
    let mut tools = Vec::new();
    report(progress, "Sent to NemoVideo; waiting for the agent".into());
    let end = loop {
        if started.elapsed() >= limits.total || last_real.elapsed() >= limits.idle {
            break End::TimedOut;
        }
        let wait = limits
            .heartbeat
            .min(limits.total.saturating_sub(started.elapsed()))
            .max(Duration::from_millis(10));
        let next = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) => {
                report(
                    progress,
                    format!(
                        "⏳ Still working… ({} s, no news for {} s)",
                        started.elapsed().as_secs(),
                        last_event.elapsed().as_secs()
                    ),
                );
                continue;
            }
            Ok(n) => n,
        };
        let event = match next {
            None => break End::Closed,
            Some(Err(e)) => {
                let reason = match e {
                    eventsource_stream::EventStreamError::Transport(t) => {
                        crate::http::describe_error(&t)
                    }
                    other => other.to_string(),
                };
                break End::Disconnected(reason);
            }
            Some(Ok(ev)) => ev,
        };
        last_event = Instant::now();
        for item in classify(&event.data) {
            match item {
                Item::Heartbeat => report(
                    progress,
                    format!("⏳ Still working… ({} s)", started.elapsed().as_secs()),
                ),
                Item::ToolCall(name) => {
                    last_real = Instant::now();
                    report(progress, format!("NemoVideo is {}", tool_label(&name)));
                    tools.push(name);
                }
                Item::ToolResult(name) => {
                    last_real = Instant::now();
                    report(
                        progress,
                        format!("NemoVideo finished {}", tool_label(&name)),
                    );
                }
                Item::Text(t) => {
                    last_real = Instant::now();
                    texts.push(t);
                }
                Item::Error(e) => return Err(Failure::Error(NemoError::Turn(e))),
            }
        }
    };
    Ok(Turn { texts, tools, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adk_events() {
        let call = r#"{"content":{"parts":[{"functionCall":{"id":"a","name":"generate_video_with_seedance","args":{}}}],"role":"model"},"author":"nemo_agent"}"#;
        assert_eq!(
            classify(call),
            vec![Item::ToolCall("generate_video_with_seedance".into())]
        );
        let resp = r#"{"content":{"parts":[{"functionResponse":{"id":"a","name":"edit_multitrack","response":{}}}],"role":"user"}}"#;
        assert_eq!(
            classify(resp),
            vec![Item::ToolResult("edit_multitrack".into())]
        );
        let text = r#"{"content":{"parts":[{"text":"thinking","thought":true},{"text":"Done!"}],"role":"model"}}"#;
        assert_eq!(classify(text), vec![Item::Text("Done!".into())]);
        let partial = r#"{"content":{"parts":[{"text":"Do"}]},"partial":true}"#;
        assert_eq!(classify(partial), vec![Item::Heartbeat]);
    }

    #[test]
    fn typed_and_bare_events() {
        assert_eq!(classify(r#"{"type":"heartbeat"}"#), vec![Item::Heartbeat]);
        assert_eq!(
            classify(r#"{"type":"text","content":"Hi"}"#),
            vec![Item::Text("Hi".into())]
        );
        assert_eq!(
            classify(r#"{"type":"tool_call","name":"x"}"#),
            vec![Item::ToolCall("x".into())]
        );
        assert_eq!(
            classify(r#"{"text":"bare"}"#),
            vec![Item::Text("bare".into())]
        );
        assert_eq!(
            classify(r#"{"error":"quota"}"#),
            vec![Item::Error("quota".into())]
        );
        assert_eq!(classify(""), vec![Item::Heartbeat]);
        assert!(classify("not json").is_empty());
        assert!(classify(r#"{"unknown":1}"#).is_empty());
    }
}
