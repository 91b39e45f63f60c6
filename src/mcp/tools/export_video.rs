//! `export_video`: render the session's current revision to an MP4, waiting at most `wait_s`
//! and handing off to the background after that, so hosts that kill slow tool calls still work.

use super::asks::Gate;
use super::export_out::{ExportOut, readiness_text};
use super::follow::{Followed, follow};
use crate::backend::{ExportRequest, JobState, JobStatus};
use crate::mcp::confirm::Answers;
use crate::mcp::{
    Progress, ReelsmithServer, bad_field, error_result, failure, file_uri, parse_args,
    structured_result,
};
use rmcp::handler::server::tool::{
    InputResponses, RequestState, schema_for_output, schema_for_type,
};
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock, JsonObject, Resource};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// How long export_video waits by default before handing off: under the ~60 s after which some
/// hosts abandon a tool call.
pub const DEFAULT_WAIT_S: f64 = 45.0;
/// Longest wait an agent may ask for.
const MAX_WAIT_S: f64 = 3600.0;

/// Arguments of `export_video`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportArgs {
    /// The session to render (its current revision unless `revision` names another).
    pub session_id: String,
    /// An earlier revision to render (see get_timeline's revisions); default the current one.
    #[serde(default)]
    pub revision: Option<u64>,
    /// Where to write the MP4: an absolute path ending in .mp4. Omit to write it into the
    /// workspace's exports folder (the result gives the path).
    #[serde(default)]
    pub output_path: Option<String>,
    /// Seconds to wait for the render before returning (default 45, 0–3600). If the render is
    /// not done by then the result says status "rendering" with its percent, and the render
    /// goes on: call export_video again with the same session_id to wait more or collect the file.
    #[serde(default)]
    pub wait_s: Option<f64>,
    /// Replace an existing file at output_path (default false: an existing file is never
    /// overwritten).
    #[serde(default)]
    pub overwrite: Option<bool>,
    /// "final" (default) or "draft": a quick 360p preview to check motion and timing first.
    #[serde(default)]
    pub quality: Option<Quality>,
    /// One MP4 per shape from the same edit: "16:9", "9:16", "1:1", "4:5", or platforms
    /// (youtube, tiktok, reels, shorts, instagram_feed; platforms of one shape share a file).
    /// Pictures are re-framed around their subjects and text laid out inside each shape's safe
    /// zone. Files are named after output_path with the shape added. Omit for the edit's shape.
    #[serde(default)]
    pub formats: Option<Vec<String>>,
    /// Also write the captions as .srt and .vtt beside the MP4.
    #[serde(default)]
    pub captions_file: Option<bool>,
}

/// How the export is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// The deliverable: full resolution, ready to post.
    Final,
    /// 360p, fastest encoder settings: for checking, not for posting.
    Draft,
}

/// What the agent sees once the job has stopped running.
pub(super) fn finished(s: &JobStatus) -> CallToolResult {
    match (s.state, &s.result) {
        (JobState::Done, Some(r)) => {
            let out = ExportOut::from_status(s);
            let text = if s.draft {
                format!(
                    "Exported a draft preview {} ({:.1} s, {}x{}, {:.1} MB): a quick low-resolution render to check motion and timing, not for posting. Export again without quality \"draft\" for the final file.",
                    r.path.display(),
                    r.duration_s,
                    r.width,
                    r.height,
                    r.size_bytes as f64 / 1e6
                )
            } else {
                let verdict = match readiness_text(&r.readiness) {
                    t if t.is_empty() => " It is ready to post.".to_string(),
                    t => t,
                };
                format!(
                    "Exported {} ({:.1} s, {}x{}, {:.1} MB, H.264/AAC MP4).{verdict}",
                    r.path.display(),
                    r.duration_s,
                    r.width,
                    r.height,
                    r.size_bytes as f64 / 1e6
                )
            };
            let mut result = structured_result(text, &out);
            let name = r
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "video.mp4".into());
            result.content.push(ContentBlock::resource_link(
                Resource::new(file_uri(&r.path), name)
                    .with_mime_type("video/mp4")
                    .with_size(r.size_bytes),
            ));
            result
        }
        (JobState::Cancelled, _) => error_result(format!(
            "{} Call export_video again to start over.",
            s.message
        )),
        (JobState::Interrupted, _) => error_result(format!(
            "The render of revision {} was interrupted (the server stopped). Call export_video again with session_id {} to resume it.",
            s.revision, s.session_id
        )),
        _ => error_result(format!(
            "{} Check the session with get_timeline, change what the message names with create_video, then call export_video again.",
            s.message
        )),
    }
}

impl ReelsmithServer {
    /// Start or join the export and wait up to `wait`, reporting progress; shared with
    /// create_video's keyword routing.
    pub(crate) async fn export_result(
        &self,
        req: ExportRequest,
        wait: Duration,
        ctx: &RequestContext<RoleServer>,
        progress: &Progress,
    ) -> Result<CallToolResult, McpError> {
        let handle = match self.backend.export(req).await {
            Ok(h) => h,
            Err(e) => return failure(e),
        };
        let job_id = handle.job_id.clone();
        let stop = async {
            tokio::select! {
                _ = tokio::time::sleep(wait) => Stop::Deadline,
                _ = ctx.ct.cancelled() => Stop::Cancelled,
            }
        };
        match follow(
            &*self.backend,
            &job_id,
            handle.status,
            progress,
            |_| {},
            stop,
        )
        .await
        {
            Followed::Settled(Err(e)) => failure(e),
            Followed::Settled(Ok(s)) | Followed::Stopped(Stop::Deadline, s) => {
                // A job whose sender went while running, or still running at the deadline,
                // goes on in the background.
                Ok(if s.state == JobState::Running {
                    still_rendering(&s)
                } else {
                    finished(&s)
                })
            }
            Followed::Stopped(Stop::Cancelled, _) => {
                let s = self.backend.cancel(&job_id).await;
                tracing::info!(job = %job_id, "export cancelled by the client");
                Ok(error_result(match s {
                    Ok(s) => s.message,
                    Err(e) => e.to_string(),
                }))
            }
        }
    }
}

/// Why a waiting export_video stopped waiting.
enum Stop {
    /// wait_s ran out.
    Deadline,
    /// The client cancelled the request.
    Cancelled,
}

fn still_rendering(s: &JobStatus) -> CallToolResult {
    let out = ExportOut::from_status(s);
    let text = format!(
        "Still rendering: {} (job {}). The render continues in the background; call export_video again with session_id {} to wait for it or collect the file.",
        s.message, s.job_id, s.session_id
    );
    structured_result(text, &out)
}

#[tool_router(router = export_router, vis = "pub(crate)")]
impl ReelsmithServer {
    /// Render the session's current video to an MP4 (1080p-class H.264 High + AAC, loudness
    /// normalised, ready to post). Waits up to wait_s (default 45 s) with progress notifications;
    /// if the render takes longer it returns status "rendering" and keeps going, and calling
    /// export_video again for the same session returns progress or the finished file without
    /// rendering twice. Never overwrites an existing file unless overwrite is true (or, where the
    /// client can ask the person, they agree to replace it); a render estimated at over ten
    /// minutes on this machine is confirmed with the person first where the client can ask.
    #[tool(
        name = "export_video",
        input_schema = schema_for_type::<ExportArgs>(),
        output_schema = schema_for_output::<ExportOut>(),
        annotations(
            title = "Export the MP4",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn export_video(
        &self,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        InputResponses(responses): InputResponses,
        RequestState(state): RequestState,
    ) -> Result<CallToolResponse, McpError> {
        let args: ExportArgs = parse_args(args)?;
        let answers = Answers::new(responses, state.as_deref());
        if args.revision.is_some() && !self.backend.supports_edits() {
            return Ok(crate::mcp::error_result(format!(
                "The {} backend renders only the current revision; leave out revision.",
                self.backend.name()
            ))
            .into());
        }
        let wait = args.wait_s.unwrap_or(DEFAULT_WAIT_S);
        if !(0.0..=MAX_WAIT_S).contains(&wait) {
            return Err(bad_field(
                "wait_s",
                format!("{wait} is out of range; give 0 to {MAX_WAIT_S} seconds"),
            ));
        }
        let output = match args.output_path.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => {
                let path = PathBuf::from(p);
                let mp4 = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("mp4"));
                if !mp4 {
                    return Err(bad_field(
                        "output_path",
                        format!("'{p}' must be a file path ending in .mp4"),
                    ));
                }
                if !path.is_absolute() {
                    return Err(bad_field(
                        "output_path",
                        format!("'{p}' is relative; give an absolute path ending in .mp4"),
                    ));
                }
                if let Err(refused) = self.check_write(p) {
                    return Ok(refused.into());
                }
                Some(path)
            }
        };
        let targets = match args.formats.as_deref() {
            None | Some([]) => None,
            Some(f) => match crate::publish::platform::targets(f) {
                Ok(t) => Some(t),
                Err(e) => return Err(bad_field("formats", e)),
            },
        };
        let mut req = ExportRequest {
            session_id: args.session_id,
            output,
            overwrite: args.overwrite.unwrap_or(false),
            revision: args.revision,
            draft: args.quality == Some(Quality::Draft),
            shape: None,
            captions_file: args.captions_file.unwrap_or(false),
        };
        // Where the client can ask the person: before replacing a file, before a long render.
        let overwrite_given = args.overwrite.is_some();
        if let Gate::Stop(r) = self
            .gate_export(
                &ctx,
                &answers,
                &mut req,
                targets.as_deref(),
                overwrite_given,
            )
            .await
        {
            return Ok(r);
        }
        if let Some(targets) = targets {
            return self
                .export_formats(
                    req,
                    targets,
                    Duration::from_secs_f64(wait),
                    &ctx,
                    &Progress::new(&ctx),
                )
                .await
                .map(Into::into);
        }
        // A client that runs tasks gets one: the render goes on to the end in the background.
        if ctx
            .client_capabilities()
            .is_some_and(|c| c.supports_tasks())
        {
            return Ok(super::export_task::export_as_task(
                &self.tasks,
                self.backend.clone(),
                req,
                Progress::new(&ctx),
                finished,
            ));
        }
        self.export_result(
            req,
            Duration::from_secs_f64(wait),
            &ctx,
            &Progress::new(&ctx),
        )
        .await
        .map(Into::into)
    }
}
