//! `create_video`: a first cut from a prompt, or an edit of the session's current timeline.
//! Prompts that are really another request ("export", "积分", "status") are routed to it.

use super::asks::Gate;
use super::preview_block;
use crate::backend::CreateRequest;
use crate::director::Options;
use crate::mcp::confirm::Answers;
use crate::mcp::route::{Route, route};
use crate::mcp::{Progress, ReelsmithServer, bad_field, failure, parse_args, structured_result};
use rmcp::handler::server::tool::{
    InputResponses, RequestState, schema_for_output, schema_for_type,
};
use rmcp::model::{CallToolResponse, CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::time::Duration;

/// Arguments of `create_video`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// What to make, or what to change, in the person's words (English or Chinese). First cut:
    /// e.g. "turn these images and script into a 30-second promo with music and transitions",
    /// "15秒竖屏视频,加背景音乐". Edit (with session_id): "make it 15 seconds", "change the title to
    /// 'Summer Sale'", "use slide transitions", "remove the music", "make it vertical", "move the
    /// last photo first". Length, shape/platform (TikTok, Reels, Shorts, YouTube), resolution,
    /// transitions, music mood and a quoted title are all read from it. May be left out when
    /// `edits` says everything.
    #[serde(default)]
    pub prompt: String,
    /// Session to work in (from upload_media or an earlier create_video). With a timeline
    /// already made, the prompt edits it; omit to start a new session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Files to add first (absolute local paths), same rules as upload_media.
    #[serde(default)]
    pub files: Vec<String>,
    /// The script: its first line becomes the title, middle sentences captions spread over the
    /// shots, the last line (or call to action) the end card.
    #[serde(default)]
    pub script: Option<String>,
    /// Structured settings; each one given overrides what the prompt says.
    #[serde(default)]
    pub options: Option<Options>,
    /// Exact changes to the session's video, applied in order after the prompt (if any), all or
    /// nothing, as one new revision. Use them for anything that names a specific shot, text or
    /// value: {"op":"set_shot","shot":2,"duration_s":5}, {"op":"move_shot","shot":"cat.jpg",
    /// "to":1}, {"op":"set_style","role":"caption","style":{"size":"large"}},
    /// {"op":"add_overlay","file":"/abs/sale.png","position":"top_right"}, {"op":"undo"}.
    /// Shots are named by id, 1-based position or file name; text by id (see get_timeline).
    #[serde(default)]
    pub edits: Vec<crate::edit::EditOp>,
}

/// Result of `create_video`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateOut {
    /// What was done: "created", "edited", or, when the prompt was really another request,
    /// "exported", "credits" or "timeline".
    pub action: String,
    /// The session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The new revision (created / edited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// What was decided or changed, one line each.
    pub changes: Vec<String>,
    /// Where the result differs from what was asked (a length clamped or lengthened, a picture
    /// enlarged, a title drawn smaller to fit), one line each; tell the person.
    pub notes: Vec<String>,
    /// One-line summary of the timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The full timeline (compact draft names: t tracks, tt type, sg segments, d ms, m metadata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<serde_json::Value>,
    /// For routed requests: the structured result of the tool the prompt was routed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routed_result: Option<serde_json::Value>,
}

impl CreateOut {
    fn routed(action: &str, session_id: Option<&str>, r: &CallToolResult) -> CreateOut {
        CreateOut {
            action: action.into(),
            session_id: session_id.map(str::to_string),
            revision: None,
            changes: Vec::new(),
            notes: Vec::new(),
            summary: None,
            timeline: None,
            routed_result: r.structured_content.clone(),
        }
    }
}

/// Re-wrap a routed tool's result so its structured content matches create_video's schema.
fn rewrap(mut r: CallToolResult, out: CreateOut) -> CallToolResult {
    if r.is_error != Some(true) {
        r.structured_content = serde_json::to_value(out).ok();
    }
    r
}

#[tool_router(router = create_router, vis = "pub(crate)")]
impl ReelsmithServer {
    /// Make a video from the session's media and a prompt, or edit the session's current video
    /// with a prompt. Returns what was made or changed, a one-line summary, the timeline, and a
    /// contact-sheet preview image (a frame per shot with titles and captions) to check before
    /// calling export_video. Prompts that only ask to export, check credits or show the status
    /// are routed to those tools. On a cloud backend each call spends credits: where the client
    /// can ask, the person is asked first.
    #[tool(
        name = "create_video",
        input_schema = schema_for_type::<CreateArgs>(),
        output_schema = schema_for_output::<CreateOut>(),
        annotations(
            title = "Create or edit a video",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_video(
        &self,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        InputResponses(responses): InputResponses,
        RequestState(state): RequestState,
    ) -> Result<CallToolResponse, McpError> {
        let answers = Answers::new(responses, state.as_deref());
        self.create(parse_args(args)?, ctx, answers).await
    }
}

/// A routed export's finished result in create_video's words (its task result).
fn routed_finished(s: &crate::backend::JobStatus) -> CallToolResult {
    let r = super::export_video::finished(s);
    let out = CreateOut::routed("exported", Some(&s.session_id), &r);
    rewrap(r, out)
}

impl ReelsmithServer {
    async fn create(
        &self,
        args: CreateArgs,
        ctx: RequestContext<RoleServer>,
        answers: Answers,
    ) -> Result<CallToolResponse, McpError> {
        let plain = args.files.is_empty()
            && args.options.is_none()
            && args.script.is_none()
            && args.edits.is_empty();
        if args.prompt.trim().is_empty() && plain {
            return Err(bad_field(
                "prompt",
                "describe the video to make or the change to apply, or give edits",
            ));
        }
        if !args.edits.is_empty() && !self.backend.supports_edits() {
            return Ok(crate::mcp::error_result(format!(
                "The {} backend cannot apply exact edits yet; nothing was changed. Describe the change in the prompt instead.",
                self.backend.name()
            ))
            .into());
        }
        if let Some(i) = args.files.iter().position(|f| f.trim().is_empty()) {
            return Err(bad_field(&format!("files[{i}]"), "the path is empty"));
        }
        let files = match self.sources(&args.files) {
            Ok(f) => f,
            Err(refused) => return Ok(refused.into()),
        };
        // Files named by edit ops by path or URL are uploaded for those ops (content-hashed, so
        // one already in the session is not added twice); bare file names refer to the
        // session's media.
        let located: Vec<(usize, String)> = args
            .edits
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.file().map(|f| (i, f.to_string())))
            .filter(|(_, f)| f.contains('/') || f.contains("://"))
            .collect();
        let names: Vec<String> = located.iter().map(|(_, f)| f.clone()).collect();
        let edit_files = match self.sources(&names) {
            Ok(s) => located.iter().map(|(i, _)| *i).zip(s).collect(),
            Err(refused) => return Ok(refused.into()),
        };
        if plain {
            match (route(&args.prompt), args.session_id.as_deref()) {
                (Route::Credits, sid) => {
                    let r = self.credits_result().await?;
                    let out = CreateOut::routed("credits", sid, &r);
                    return Ok(rewrap(r, out).into());
                }
                (Route::Export, Some(sid)) => {
                    let mut req = crate::backend::ExportRequest {
                        session_id: sid.to_string(),
                        ..Default::default()
                    };
                    if let Gate::Stop(r) = self
                        .gate_export(&ctx, &answers, &mut req, None, false)
                        .await
                    {
                        return Ok(r);
                    }
                    let progress = Progress::new(&ctx);
                    // The one render create_video starts: a task where the client runs them.
                    if ctx
                        .client_capabilities()
                        .is_some_and(|c| c.supports_tasks())
                    {
                        return Ok(super::export_task::export_as_task(
                            &self.tasks,
                            self.backend.clone(),
                            req,
                            progress,
                            routed_finished,
                        ));
                    }
                    let wait = Duration::from_secs_f64(super::export_video::DEFAULT_WAIT_S);
                    let r = self.export_result(req, wait, &ctx, &progress).await?;
                    let out = CreateOut::routed("exported", Some(sid), &r);
                    return Ok(rewrap(r, out).into());
                }
                (Route::Status, Some(sid)) => {
                    let r = self.timeline_result(sid).await?;
                    let out = CreateOut::routed("timeline", Some(sid), &r);
                    return Ok(rewrap(r, out).into());
                }
                (Route::Export | Route::Status, None) => {
                    return Err(bad_field(
                        "session_id",
                        "this prompt asks about an existing video; pass the session_id it was made in",
                    ));
                }
                (Route::Create, _) => {}
            }
        }

        // A cloud turn spends credits: where the client can ask, the person agrees first.
        if let Gate::Stop(r) = self
            .gate_cloud_credits(&ctx, &answers, args.session_id.is_some())
            .await
        {
            return Ok(r);
        }
        let progress = Progress::new(&ctx);
        let step = if args.files.is_empty() {
            "Planning the edit".to_string()
        } else {
            format!("Checking {} file(s)", args.files.len())
        };
        progress.report(5.0, &step).await;
        let (sink, mut events) = tokio::sync::mpsc::unbounded_channel();
        let req = CreateRequest {
            session_id: args.session_id.clone(),
            prompt: args.prompt.clone(),
            script: args.script.clone(),
            files,
            options: args.options.clone().unwrap_or_default(),
            edits: args.edits.clone(),
            edit_files,
            progress: Some(sink),
        };
        // The backend's own progress (a cloud turn's heartbeats and tool calls) is forwarded as
        // it comes; the percent creeps up so clients see the call is alive.
        let create = self.backend.create(req);
        tokio::pin!(create);
        let mut creeping = 10.0;
        let created = loop {
            tokio::select! {
                r = &mut create => break r,
                Some(ev) = events.recv() => {
                    creeping = ev.percent.unwrap_or(creeping + (65.0 - creeping) * 0.05);
                    progress.report(creeping, &ev.message).await;
                }
                _ = ctx.ct.cancelled() => return Ok(crate::mcp::error_result("cancelled").into()),
            }
        };
        let c = match created {
            Ok(c) => c,
            Err(e) => return failure(e).map(Into::into),
        };
        progress.report(70.0, "Drawing the preview").await;
        let preview = preview_block(self, &c.session_id).await;
        progress.report(100.0, "Done").await;

        let mut text = if c.edited {
            format!(
                "Edited the video in session {} (now revision {}):",
                c.session_id, c.revision
            )
        } else {
            format!(
                "Made a first cut in session {} (revision {}):",
                c.session_id, c.revision
            )
        };
        for line in &c.changes {
            let _ = write!(text, "\n- {line}");
        }
        for note in &c.notes {
            let _ = write!(text, "\nNote: {note}");
        }
        let _ = write!(text, "\n{}", c.summary);
        match &preview {
            Ok(_) => text.push_str(
                "\nThe contact sheet below shows one frame per shot with its text. Refine with create_video on this session_id, or call export_video to render the MP4.",
            ),
            Err(why) => {
                let _ = write!(
                    text,
                    "\n{why}\nRefine with create_video on this session_id, or call export_video to render the MP4."
                );
            }
        }
        let out = CreateOut {
            action: if c.edited { "edited" } else { "created" }.into(),
            session_id: Some(c.session_id.clone()),
            revision: Some(c.revision),
            changes: c.changes.clone(),
            notes: c.notes.clone(),
            summary: Some(c.summary.clone()),
            timeline: Some(c.timeline.to_draft()),
            routed_result: None,
        };
        let mut r = structured_result(text, &out);
        if let Ok(img) = preview {
            r.content.push(img);
        }
        Ok(r.into())
    }
}
