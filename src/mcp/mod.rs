//! The MCP face of reelsmith: five tools an agent drives from "here are my files" to "here is
//! your MP4", over stdio or streamable HTTP.
//!
//! Requests enter through rmcp, are checked here (arguments parsed with the field path of any
//! mistake, so an agent learns exactly what to fix; files parsed once into paths or URLs and held
//! to the path policy), and leave as calls on the [`Backend`] trait; nothing in this module knows
//! the cloud API, and ffmpeg only for the test encode that times this machine (`estimate`). Where
//! the client can show a form, `confirm` asks the person before a file is replaced, a render of
//! over ten minutes starts or a cloud call spends credits. Each tool lives in its own file under [`tools`]; [`route`] sends a
//! prompt that is really another request to its tool; [`server`] owns the transports,
//! authentication and origin checks, with HTTP stream resumption corrected in `resume`. Every
//! request reports progress through one `Progress`, so its values only rise.

mod confirm;
mod estimate;
pub mod paths;
mod player;
mod resume;
pub mod route;
mod schema;
pub mod server;
mod skills;
pub mod tools;

use crate::backend::{Backend, BackendError};
use crate::media::Source;
use rmcp::handler::server::router::tool::ToolRouter;
// Logging (setLevel) is deprecated by a protocol version no client speaks yet; we still serve it.
use rmcp::model::{
    CallToolResult, CancelTaskParams, ContentBlock, GetSkillRequestParams, GetSkillResult,
    GetTaskParams, GetTaskResult, Implementation, JsonObject, ListResourcesResult,
    ListSkillsResult, PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
    UpdateTaskParams,
};
#[allow(deprecated)]
use rmcp::model::{LoggingLevel, SetLevelRequestParams};
use rmcp::service::{Peer, RequestContext};
use rmcp::task_manager::TaskManager;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool_handler};
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The reelsmith MCP server: a backend plus the tool router. Cheap to clone (one per session).
#[allow(deprecated)]
#[derive(Clone)]
pub struct ReelsmithServer {
    backend: Arc<dyn Backend>,
    tool_router: ToolRouter<ReelsmithServer>,
    log_level: Arc<Mutex<LoggingLevel>>,
    paths: paths::PathPolicy,
    /// Exports run as MCP tasks for clients that declare the tasks extension.
    tasks: TaskManager,
    /// The player app is served and linked from the tools (`REELSMITH_UI=off` turns it off).
    ui: bool,
    /// export_video takes `formats` (the player then offers "Export all formats").
    formats: bool,
    /// The person ticked "don't ask again" on the cloud-credits question (this connection).
    cloud_ok: Arc<std::sync::atomic::AtomicBool>,
    /// Long renders the person agreed to on this connection, so collecting one does not ask again.
    long_renders_ok: Arc<Mutex<std::collections::HashSet<String>>>,
}

#[allow(deprecated)]
impl ReelsmithServer {
    /// A server whose tools act on `backend`.
    pub fn new(backend: Arc<dyn Backend>) -> ReelsmithServer {
        let mut tool_router = tools::router();
        let cloud = backend.reaches_network();
        for route in tool_router.map.values_mut() {
            let tool = &mut route.attr;
            tool.input_schema = Arc::new(schema::tidy(&tool.input_schema));
            if let Some(out) = &tool.output_schema {
                tool.output_schema = Some(Arc::new(schema::tidy(out)));
            }
            // Annotations must be true of the backend in use: the cloud one talks to a service.
            if cloud && let Some(a) = tool.annotations.as_mut() {
                a.open_world_hint = Some(true);
            }
        }
        let ui = player::enabled();
        if ui {
            for route in tool_router.map.values_mut() {
                if player::TOOLS.contains(&route.attr.name.as_ref()) {
                    player::link(&mut route.attr);
                }
            }
        }
        let formats = tool_router.map.get("export_video").is_some_and(|r| {
            r.attr
                .input_schema
                .get("properties")
                .and_then(|p| p.get("formats"))
                .is_some()
        });
        ReelsmithServer {
            ui,
            formats,
            backend,
            tool_router,
            log_level: Arc::new(Mutex::new(LoggingLevel::Info)),
            paths: paths::PathPolicy::unrestricted(),
            tasks: TaskManager::new(),
            cloud_ok: Default::default(),
            long_renders_ok: Default::default(),
        }
    }

    /// Limit the local paths clients may name (HTTP mode).
    pub fn with_paths(mut self, paths: paths::PathPolicy) -> ReelsmithServer {
        self.paths = paths;
        self
    }

    /// The files a request names, parsed once as they enter: URLs (checked when fetched) and
    /// local paths, which must lie within the allowed roots. Every refusal is reported.
    pub(crate) fn sources(&self, files: &[String]) -> Result<Vec<Source>, CallToolResult> {
        let sources = Source::parse_all(files).map_err(error_result)?;
        let refused: Vec<String> = files
            .iter()
            .zip(&sources)
            .filter(|(_, s)| s.path().is_some())
            .filter_map(|(f, _)| self.paths.check(f, false).err())
            .collect();
        if refused.is_empty() {
            Ok(sources)
        } else {
            Err(error_result(refused.join("\n")))
        }
    }

    /// Refuse an output path outside the allowed roots.
    pub(crate) fn check_write(&self, path: &str) -> Result<(), CallToolResult> {
        self.paths.check(path, true).map_err(error_result)
    }

    /// The backend the tools act on.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }
}

/// The protocol revisions reelsmith serves, oldest first: 2026-07-28 (stateless: no
/// `initialize`, capabilities in each request's `_meta`, confirmations as `InputRequiredResult`)
/// and every earlier revision rmcp speaks, among them 2025-11-25 and 2025-06-18. A client is
/// answered in its own revision when it is one of these.
pub const PROTOCOL_VERSIONS: &[rmcp::model::ProtocolVersion] = &[
    rmcp::model::ProtocolVersion::V_2024_11_05,
    rmcp::model::ProtocolVersion::V_2025_03_26,
    rmcp::model::ProtocolVersion::V_2025_06_18,
    rmcp::model::ProtocolVersion::V_2025_11_25,
    rmcp::model::ProtocolVersion::V_2026_07_28,
];

/// What an agent reads first: the workflow in four lines.
const INSTRUCTIONS: &str = "reelsmith turns images, clips, music and a script into a ready-to-post MP4. \
Workflow: upload_media (local paths or URLs) → create_video with a prompt (returns a contact-sheet preview) → \
refine with create_video on the same session_id: `edits` for exact changes to a named shot, text or value \
({\"op\":\"set_shot\",\"shot\":2,\"duration_s\":5}, undo, redo), a prompt for moods and broad changes → \
export_video. Long renders hand off after wait_s: call export_video again with the same session_id to collect the file.";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for ReelsmithServer {
    fn get_info(&self) -> ServerConfig {
        #[allow(deprecated)] // logging is still part of the protocol versions clients speak today
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_logging()
            .enable_resources()
            .enable_skills()
            .enable_tasks()
            .build();
        let mut caps = caps;
        if self.ui {
            // MCP Apps: the player's mime type, as hosts declare the extension.
            caps.extensions.get_or_insert_default().insert(
                player::EXTENSION.into(),
                serde_json::json!({ "mimeTypes": [player::MIME] })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        ServerConfig::new(caps)
            .with_server_info(Implementation::new("reelsmith", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(
        &self,
    ) -> std::borrow::Cow<'static, [rmcp::model::ProtocolVersion]> {
        std::borrow::Cow::Borrowed(PROTOCOL_VERSIONS)
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks
            .update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks.cancel_task(&request.task_id)
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, McpError> {
        Ok(skills::list())
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, McpError> {
        skills::get(&request.uri)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let mut list = skills::resources();
        if self.ui {
            list.resources.push(player::resource());
        }
        Ok(list)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        if self.ui && request.uri == player::URI {
            return Ok(player::read(self.formats).into());
        }
        if request.uri.starts_with(player::RENDERS) {
            return player::read_render(&*self.backend, &request.uri)
                .await
                .map(Into::into);
        }
        skills::read(&request.uri).map(Into::into).ok_or_else(|| {
            McpError::resource_not_found(format!("no resource {}", request.uri), None)
        })
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        *self.log_level.lock().unwrap_or_else(|e| e.into_inner()) = request.level;
        tracing::debug!(level = ?request.level, "client set the log level");
        Ok(())
    }
}

/// Parse tool arguments into `T`; a mistake becomes JSON-RPC invalid params naming the field.
pub(crate) fn parse_args<T: DeserializeOwned>(args: JsonObject) -> Result<T, McpError> {
    let value = serde_json::Value::Object(args);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = if path == "." || path.is_empty() {
            format!("invalid arguments: {inner}")
        } else {
            format!("invalid argument `{path}`: {inner}")
        };
        McpError::invalid_params(msg, None)
    })
}

/// Invalid params naming `field`, with what is accepted.
pub(crate) fn bad_field(field: &str, problem: impl std::fmt::Display) -> McpError {
    McpError::invalid_params(format!("invalid argument `{field}`: {problem}"), None)
}

/// Map a backend failure to what the agent sees: bad option values are invalid params naming the
/// option; everything else is a tool result with isError and the backend's actionable message.
pub(crate) fn failure(e: BackendError) -> Result<CallToolResult, McpError> {
    if let BackendError::Director(crate::director::DirectorError::BadOption { field, .. }) = &e {
        return Err(bad_field(&format!("options.{field}"), &e));
    }
    tracing::debug!(error = %e, "tool failed");
    Ok(error_result(e.to_string()))
}

/// A tool result with isError and one text block.
pub(crate) fn error_result(msg: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(msg.into())])
}

/// A result with a text block for the agent and `structured` as structuredContent.
pub(crate) fn structured_result(
    text: impl Into<String>,
    structured: &impl serde::Serialize,
) -> CallToolResult {
    let value = serde_json::to_value(structured).unwrap_or(serde_json::Value::Null);
    let mut r = CallToolResult::structured(value);
    // The agent reads the sentence; programs read structuredContent.
    r.content = vec![ContentBlock::text(text.into())];
    r
}

/// The one progress reporter of a request: every producer (the first "starting" line, backend
/// events, render status, heartbeats) reports through it, so the values a client sees only rise.
///
/// Clones share one state, and a notification is sent while that state is held and only counts
/// once rmcp has written it, so two producers can never send out of order.
#[derive(Clone)]
pub(crate) struct Progress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
    state: std::sync::Arc<tokio::sync::Mutex<Sent>>,
}

/// What the last notification of a request said, and when.
#[derive(Default)]
struct Sent {
    value: f64,
    message: String,
    at: Option<Instant>,
}

impl Sent {
    /// The value to send for `wanted` (0–100) and `message`, or None when nothing is due.
    ///
    /// Each notification must carry a larger value than the one before (the protocol says so):
    /// a heartbeat or a new message at the same percent creeps up a hair, and 100 is kept for
    /// the very end. A new message always goes out; a bare percent change at most four times a
    /// second; silence never lasts longer than [`HEARTBEAT`].
    fn next(&self, wanted: f64, message: &str, now: Instant) -> Option<f64> {
        let wanted = if wanted.is_finite() {
            wanted.clamp(0.0, 100.0)
        } else {
            0.0
        };
        let Some(at) = self.at else {
            return Some(wanted.min(99.99));
        };
        let value = if wanted > self.value {
            wanted
        } else {
            (self.value + 0.01).min(100.0)
        };
        if value <= self.value {
            return None;
        }
        let since = now.saturating_duration_since(at);
        let due = since >= HEARTBEAT
            || message != self.message
            || (value >= self.value + 1.0 && since >= Duration::from_millis(250));
        due.then_some(value)
    }
}

impl Progress {
    /// The reporter for the request in `ctx`; make one per request and pass it down.
    pub(crate) fn new(ctx: &RequestContext<RoleServer>) -> Progress {
        Progress {
            peer: ctx.peer.clone(),
            token: ctx.meta.get_progress_token(),
            state: Default::default(),
        }
    }

    /// Report `percent` (0–100) with a message.
    pub(crate) async fn report(&self, percent: f64, message: &str) {
        let Some(token) = self.token.clone() else {
            return;
        };
        let mut sent = self.state.lock().await;
        let now = Instant::now();
        let Some(value) = sent.next(percent, message, now) else {
            return;
        };
        *sent = Sent {
            value,
            message: message.to_string(),
            at: Some(now),
        };
        let p = ProgressNotificationParam::new(token, value)
            .with_total(100.0)
            .with_message(message.to_string());
        // Awaited under the lock: rmcp answers once the message is written, so the next
        // notification of this request cannot overtake this one.
        if let Err(e) = self.peer.notify_progress(p).await {
            tracing::debug!(error = %e, "progress notification not delivered");
        }
    }
}

/// Longest silence between progress notifications during long work.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(4);

/// A `file://` URI for a local path, percent-encoding what a URI cannot carry.
pub(crate) fn file_uri(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::from("file://");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct A {
            files: Vec<String>,
            options: Option<crate::director::Options>,
        }
        let obj = |v: serde_json::Value| v.as_object().unwrap().clone();
        let e = parse_args::<A>(obj(serde_json::json!({"files": "a.jpg"}))).unwrap_err();
        assert!(e.message.contains("`files`"), "{}", e.message);
        let e = parse_args::<A>(obj(
            serde_json::json!({"files": [], "options": {"colour": 1}}),
        ))
        .unwrap_err();
        assert!(
            e.message.contains("options") && e.message.contains("colour"),
            "{}",
            e.message
        );
        let e = parse_args::<A>(obj(serde_json::json!({}))).unwrap_err();
        assert!(e.message.contains("files"), "{}", e.message);
    }

    #[test]
    fn progress_values_only_rise() {
        let t0 = Instant::now();
        let mut sent = Sent::default();
        let mut values = Vec::new();
        // Producers out of step: a heartbeat at 0 after 40 %, a backend event going back,
        // a repeated message, NaN, then the end.
        let steps: [(f64, &str, u64); 9] = [
            (0.0, "Starting", 0),
            (40.0, "Rendering", 10),
            (0.0, "Starting", 20),
            (35.0, "Rendering", 5000),
            (35.0, "Rendering", 5100),
            (f64::NAN, "Odd", 5200),
            (120.0, "Done", 5300),
            (100.0, "Done", 9400),
            (100.0, "Done", 14000),
        ];
        for (pct, msg, ms) in steps {
            let now = t0 + Duration::from_millis(ms);
            if let Some(v) = sent.next(pct, msg, now) {
                values.push(v);
                sent = Sent {
                    value: v,
                    message: msg.into(),
                    at: Some(now),
                };
            }
        }
        assert!(values.windows(2).all(|w| w[1] > w[0]), "{values:?}");
        assert_eq!(values.first(), Some(&0.0));
        assert_eq!(values.last(), Some(&100.0));
        assert!(
            values.iter().all(|v| (0.0..=100.0).contains(v)),
            "{values:?}"
        );
    }

    #[test]
    fn file_uris_are_percent_encoded() {
        assert_eq!(
            file_uri(std::path::Path::new("/tmp/my video#1.mp4")),
            "file:///tmp/my%20video%231.mp4"
        );
    }
}
