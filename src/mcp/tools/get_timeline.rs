//! `get_timeline`: the session's current edit, as text, as data and as a picture.

use super::{MediaOut, preview_block};
use crate::backend::TimelineState;
use crate::mcp::{ReelsmithServer, failure, parse_args, structured_result};
use crate::timeline::{TT_OVERLAY, TT_TEXT, TT_VIDEO, TextRole, secs};
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
    /// Show this earlier revision instead of the current one.
    #[serde(default)]
    pub revision: Option<u64>,
    /// Also list what changed from this revision to the one shown.
    #[serde(default)]
    pub diff_from: Option<u64>,
}

/// One stored revision.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RevisionOut {
    /// Its number.
    pub revision: u64,
    /// The revision it was made from (0 for a first cut).
    pub parent: u64,
    /// What was asked for.
    pub request: String,
    /// True for the current one.
    pub current: bool,
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
    /// Every revision, oldest first (undo, redo and revert move between them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<RevisionOut>,
    /// With diff_from: what changed from that revision to this one, item by item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<String>>,
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
            "\nShot {} {} ({name}) {}–{}",
            i + 1,
            seg.id,
            secs(seg.start_ms),
            secs(seg.end_ms())
        );
        if let Some(t) = &seg.transition {
            let _ = write!(s, ", {} in", t.kind);
        }
        if let Some(m) = seg.motion {
            let _ = write!(s, ", {}", serde_json::json!(m).as_str().unwrap_or(""));
        }
    }
    for seg in tl.segments(TT_TEXT) {
        let role = match seg.role {
            Some(TextRole::Title) => "Title",
            Some(TextRole::EndCard) => "End card",
            Some(TextRole::Overlay) => "Text",
            _ => "Caption",
        };
        let _ = write!(
            s,
            "\n{role} {} {}–{}: {}",
            seg.id,
            secs(seg.start_ms),
            secs(seg.end_ms()),
            seg.text.as_deref().unwrap_or("")
        );
        if let Some(st) = seg.style.as_ref().filter(|st| !st.is_empty()) {
            let _ = write!(s, " (style {})", serde_json::json!(st));
        }
    }
    for seg in tl.segments(TT_OVERLAY) {
        let name = seg
            .media_id
            .as_deref()
            .and_then(|id| names.get(id).copied())
            .unwrap_or("?");
        let _ = write!(
            s,
            "\nOverlay {} ({name}) {}–{} at {}",
            seg.id,
            secs(seg.start_ms),
            secs(seg.end_ms()),
            serde_json::json!(seg.position)
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
        self.timeline_view(session_id, None, None).await
    }

    /// A revision (default the current one), optionally with what changed since another.
    async fn timeline_view(
        &self,
        session_id: &str,
        revision: Option<u64>,
        diff_from: Option<u64>,
    ) -> Result<CallToolResult, McpError> {
        let current = match self.backend.timeline(session_id).await {
            Ok(s) => s,
            Err(e) => return failure(e),
        };
        let state = match revision.filter(|r| *r != current.revision) {
            None => current.clone(),
            Some(r) => match self.backend.timeline_at(session_id, r).await {
                Ok(s) => s,
                Err(e) => return failure(e),
            },
        };
        let history = match self.backend.history(session_id).await {
            Ok(h) => h,
            Err(e) => return failure(e),
        };
        let mut text = describe_timeline(&state);
        let changes = match diff_from {
            None => None,
            Some(from) => {
                let old = match self.backend.timeline_at(session_id, from).await {
                    Ok(s) => s,
                    Err(e) => return failure(e),
                };
                let names: std::collections::HashMap<String, String> = state
                    .media
                    .iter()
                    .map(|m| (m.media_id.clone(), m.file_name.clone()))
                    .collect();
                let name = |seg: &crate::timeline::Segment| {
                    seg.media_id
                        .as_ref()
                        .and_then(|id| names.get(id).cloned())
                        .unwrap_or_default()
                };
                let lines = crate::edit::diff(&old.timeline, &state.timeline, &name);
                let _ = write!(
                    text,
                    "\n\nChanges from revision {from} to {}:",
                    state.revision
                );
                if lines.is_empty() {
                    text.push_str(" none");
                }
                for l in &lines {
                    let _ = write!(text, "\n- {l}");
                }
                Some(lines)
            }
        };
        if !history.is_empty() {
            let list: Vec<String> = history.iter().map(|r| r.rev.to_string()).collect();
            let _ = write!(
                text,
                "\nRevisions: {} (current {}; undo, redo and revert move between them)",
                list.join(", "),
                current.revision
            );
        }
        let preview = if state.revision == current.revision {
            preview_block(self, session_id).await
        } else {
            Err(format!(
                "No contact sheet for revision {} (only the current revision {} has one).",
                state.revision, current.revision
            ))
        };
        if let Err(why) = &preview {
            let _ = write!(text, "\n{why}");
        }
        let out = TimelineOut {
            session_id: state.session_id.clone(),
            revision: state.revision,
            summary: state.summary.clone(),
            timeline: state.timeline.to_draft(),
            media: state.media.iter().map(MediaOut::from).collect(),
            revisions: history
                .iter()
                .map(|r| RevisionOut {
                    revision: r.rev,
                    parent: r.parent,
                    request: r.prompt.clone(),
                    current: r.rev == current.revision,
                })
                .collect(),
            changes,
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
        self.timeline_view(&args.session_id, args.revision, args.diff_from)
            .await
    }
}
