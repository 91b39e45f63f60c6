//! `get_timeline`: the session's current edit, as text, as data and as a picture.

use super::{MediaOut, preview_block};
use crate::backend::TimelineState;
use crate::mcp::{ReelsmithServer, failure, parse_args, structured_result};
use crate::timeline::{TT_TEXT, TT_VIDEO, TextRole, secs};
use rmcp::handler::server::tool::{schema_for_output, schema_for_type};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::{ErrorData as McpError, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Arguments of `get_timeline`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineArgs {
    /// The session whose timeline to show (from upload_media or create_video).
    pub session_id: String,
}

/// Result of `get_timeline`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimelineOut {
    /// The session.
    pub session_id: String,
    /// Current revision; every edit makes a new one.
    pub revision: u64,
    /// One-line summary of what is on each track.
    pub summary: String,
    /// The full timeline: tracks `t` (type `tt` 0 video, 1 audio, 7 text) of segments `sg` with
    /// start `st` and duration `d` in ms, metadata `m`.
    pub timeline: serde_json::Value,
    /// The session's media.
    pub media: Vec<MediaOut>,
}

/// The shot list and texts, one line each, for the agent to read back to the person.
pub(crate) fn describe_timeline(state: &TimelineState) -> String {
    let tl = &state.timeline;
    let mut s = format!(
        "Session {} · revision {}\n{}\n",
        state.session_id, state.revision, state.summary
    );
    let names: std::collections::HashMap<&str, &str> = state
        .media
        .iter()
        .map(|m| (m.media_id.as_str(), m.file_name.as_str()))
        .collect();
    for (i, seg) in tl.segments(TT_VIDEO).iter().enumerate() {
        let name = seg
            .media_id
            .as_deref()
            .and_then(|id| names.get(id).copied())
            .or(seg.src.as_deref())
            .unwrap_or("?");
        let _ = write!(
            s,
            "\nShot {}: {name} {}–{}",
            i + 1,
            secs(seg.start_ms),
            secs(seg.end_ms())
        );
        if let Some(t) = &seg.transition {
            let _ = write!(s, " ({} in)", t.kind);
        }
    }
    for seg in tl.segments(TT_TEXT) {
        let role = match seg.role {
            Some(TextRole::Title) => "Title",
            Some(TextRole::EndCard) => "End card",
            _ => "Caption",
        };
        let _ = write!(
            s,
            "\n{role} {}–{}: {}",
            secs(seg.start_ms),
            secs(seg.end_ms()),
            seg.text.as_deref().unwrap_or("")
        );
    }
    s
}

impl ReelsmithServer {
    /// The timeline answer, shared with create_video's keyword routing.
    pub(crate) async fn timeline_result(
        &self,
        session_id: &str,
    ) -> Result<CallToolResult, McpError> {
        let state = match self.backend.timeline(session_id).await {
            Ok(s) => s,
            Err(e) => return failure(e),
        };
        let mut text = describe_timeline(&state);
        let preview = preview_block(self, session_id).await;
        if let Err(why) = &preview {
            let _ = write!(text, "\n{why}");
        }
        let out = TimelineOut {
            session_id: state.session_id.clone(),
            revision: state.revision,
            summary: state.summary.clone(),
            timeline: state.timeline.to_draft(),
            media: state.media.iter().map(MediaOut::from).collect(),
        };
        let mut r = structured_result(text, &out);
        if let Ok(img) = preview {
            r.content.push(img);
        }
        Ok(r)
    }
}

#[tool_router(router = timeline_router, vis = "pub(crate)")]
impl ReelsmithServer {
    /// Show a session's current timeline: a summary, every shot and text with its times, the
    /// full timeline as data, and a contact-sheet image (one frame per shot with its titles and
    /// captions) to check before exporting.
    #[tool(
        name = "get_timeline",
        input_schema = schema_for_type::<TimelineArgs>(),
        output_schema = schema_for_output::<TimelineOut>(),
        annotations(
            title = "Show the timeline",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_timeline(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let args: TimelineArgs = parse_args(args)?;
        self.timeline_result(&args.session_id).await
    }
}
