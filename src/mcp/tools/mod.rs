//! One file per MCP tool: its argument type (which is its input schema), its result type (its
//! output schema) and a thin handler over the [`Backend`](crate::backend::Backend) trait.

mod asks;
mod check_credits;
mod create_video;
mod export_formats;
mod export_out;
mod export_task;
mod export_video;
mod follow;
mod get_timeline;
mod upload_media;

pub use check_credits::CreditsOut;
pub use create_video::CreateOut;
pub use export_out::ExportOut;
pub use get_timeline::TimelineOut;
pub use upload_media::UploadOut;

use super::ReelsmithServer;
use crate::backend::MediaItem;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::ContentBlock;
use schemars::JsonSchema;
use serde::Serialize;

/// Every tool, in one router.
pub(crate) fn router() -> ToolRouter<ReelsmithServer> {
    ReelsmithServer::upload_router()
        + ReelsmithServer::create_router()
        + ReelsmithServer::timeline_router()
        + ReelsmithServer::export_router()
        + ReelsmithServer::credits_router()
}

/// A media item as tools report it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MediaOut {
    /// Id of the item (a content hash: the same file twice is one item).
    pub media_id: String,
    /// File name.
    pub file_name: String,
    /// "image", "video" or "audio".
    pub kind: String,
    /// Width in pixels (0 for audio).
    pub width: u32,
    /// Height in pixels (0 for audio).
    pub height: u32,
    /// Length in seconds (0 for stills).
    pub duration_s: f64,
    /// Size in bytes.
    pub size_bytes: u64,
}

impl From<&MediaItem> for MediaOut {
    fn from(m: &MediaItem) -> Self {
        MediaOut {
            media_id: m.media_id.clone(),
            file_name: m.file_name.clone(),
            kind: m.kind.as_str().to_string(),
            width: m.width,
            height: m.height,
            duration_s: m.duration_s,
            size_bytes: m.size_bytes,
        }
    }
}

/// One line describing a media item for the agent.
fn describe_media(m: &MediaItem) -> String {
    let mb = m.size_bytes as f64 / 1e6;
    match m.kind {
        crate::media::MediaKind::Image => {
            format!(
                "{} (image {}x{}, {mb:.1} MB, {})",
                m.file_name, m.width, m.height, m.media_id
            )
        }
        crate::media::MediaKind::Video => format!(
            "{} (clip {}x{}, {:.1} s, {mb:.1} MB, {})",
            m.file_name, m.width, m.height, m.duration_s, m.media_id
        ),
        crate::media::MediaKind::Audio => format!(
            "{} (audio {:.1} s, {mb:.1} MB, {})",
            m.file_name, m.duration_s, m.media_id
        ),
    }
}

/// The contact sheet as image content, or a line saying why there is none.
async fn preview_block(server: &ReelsmithServer, session_id: &str) -> Result<ContentBlock, String> {
    use base64::Engine as _;
    match server.backend.preview(session_id).await {
        Ok(p) => Ok(ContentBlock::image(
            base64::engine::general_purpose::STANDARD.encode(&p.bytes),
            p.mime,
        )),
        Err(e) => Err(format!("(No preview: {e})")),
    }
}
