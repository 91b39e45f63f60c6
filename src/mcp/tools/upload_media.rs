//! `upload_media`: add local files or http(s) URLs to a session (creating it when needed);
//! all are accepted or none is.

use super::{MediaOut, describe_media};
use crate::mcp::{Progress, ReelsmithServer, bad_field, failure, parse_args, structured_result};
use rmcp::handler::server::tool::{schema_for_output, schema_for_type};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `upload_media`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadArgs {
    /// Files to add, in the order they should appear: absolute local paths, or public http(s)
    /// URLs (downloaded by the server). Accepted: images jpg png gif webp; clips mp4 mov avi webm
    /// mkv; audio mp3 wav m4a aac (used as music). Up to 500 MB each.
    pub files: Vec<String>,
    /// Session to add them to. Omit to start a new session; pass the returned session_id to
    /// create_video.
    #[serde(default)]
    pub session_id: Option<String>,
}

/// Result of `upload_media`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UploadOut {
    /// The session the media now belongs to.
    pub session_id: String,
    /// Each file, in the order given.
    pub media: Vec<MediaOut>,
}

#[tool_router(router = upload_router, vis = "pub(crate)")]
impl ReelsmithServer {
    /// Add images, clips or music to a session before (or while) making a video. Returns the
    /// session_id to pass to create_video, and each file's id, kind, size and length. Bad files
    /// are refused with the file's name and the reason; nothing is added unless all are accepted.
    #[tool(
        name = "upload_media",
        input_schema = schema_for_type::<UploadArgs>(),
        output_schema = schema_for_output::<UploadOut>(),
        annotations(
            title = "Upload media",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn upload_media(
        &self,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let args: UploadArgs = parse_args(args)?;
        if args.files.is_empty() {
            return Err(bad_field("files", "give at least one file path"));
        }
        if let Some(i) = args.files.iter().position(|f| f.trim().is_empty()) {
            return Err(bad_field(&format!("files[{i}]"), "the path is empty"));
        }
        let files = match self.sources(&args.files) {
            Ok(f) => f,
            Err(refused) => return Ok(refused),
        };
        let progress = Progress::new(&ctx);
        progress
            .report(0.0, &format!("Checking {} file(s)", args.files.len()))
            .await;
        let up = tokio::select! {
            r = self.backend.upload(args.session_id.as_deref(), &files) => r,
            _ = ctx.ct.cancelled() => return Ok(crate::mcp::error_result("cancelled")),
        };
        let up = match up {
            Ok(u) => u,
            Err(e) => return failure(e),
        };
        progress.report(100.0, "Done").await;
        let lines: Vec<String> = up.media.iter().map(describe_media).collect();
        let text = format!(
            "Added {} file(s) to session {}:\n- {}\nNext: call create_video with this session_id and a prompt describing the video.",
            up.media.len(),
            up.session_id,
            lines.join("\n- ")
        );
        let out = UploadOut {
            session_id: up.session_id,
            media: up.media.iter().map(MediaOut::from).collect(),
        };
        Ok(structured_result(text, &out))
    }
}
