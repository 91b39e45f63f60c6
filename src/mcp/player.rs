//! The player view (MCP Apps, `io.modelcontextprotocol/ui`, SEP-1865): one self-contained HTML
//! file served as `ui://reelsmith/player` and linked from create_video, get_timeline and
//! export_video through the tool's `_meta.ui.resourceUri`. A host with apps support shows it
//! beside the tool result: the contact sheet, a draft preview to play, the shots with their
//! text, and buttons that call the tools back through the host. Hosts without apps support
//! ignore the `_meta` and show the tool result's text and image as before.
//!
//! The preview video reaches the view as a resource: `reelsmith://renders/{job_id}` serves a
//! finished draft render (360p, a few MB) as a base64 blob, which the view plays as a `data:`
//! URL — the only media source the apps' default CSP (`media-src 'self' data:`) allows without
//! declaring an origin. Only draft renders are served, and only by job id, so a resource read
//! never names a path.
//!
//! `REELSMITH_UI=off` turns the app off: no `_meta` on the tools, no `ui://` resource.

use crate::backend::{Backend, JobState};
use rmcp::ErrorData as McpError;
use rmcp::model::{MetaObject, ReadResourceResult, Resource, ResourceContents, Tool};
use serde_json::json;

/// Where the view is served.
pub const URI: &str = "ui://reelsmith/player";
/// The MCP Apps HTML profile.
pub const MIME: &str = "text/html;profile=mcp-app";
/// Prefix of the draft renders the view plays.
pub const RENDERS: &str = "reelsmith://renders/";
/// The extension's id, as clients and servers declare it.
pub const EXTENSION: &str = "io.modelcontextprotocol/ui";
/// The largest render served as a preview (a 30 s draft is about 2 MB).
const MAX_PREVIEW_BYTES: u64 = 40 * 1024 * 1024;

/// The view, built into the binary.
const HTML: &str = include_str!("player.html");
/// The view's settings block, filled in when served.
const CONFIG: &str = r#"{"formats":false}"#;

/// The tools whose results the player shows.
pub const TOOLS: [&str; 3] = ["create_video", "get_timeline", "export_video"];

/// Whether the app is on (`REELSMITH_UI=off` turns it off).
pub fn enabled() -> bool {
    !std::env::var("REELSMITH_UI").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

/// Link `tool` to the player: `_meta.ui.resourceUri`, plus the flat `ui/resourceUri` key that
/// hosts written before the stable spec read (deprecated there, kept until it is removed).
pub fn link(tool: &mut Tool) {
    let mut meta = tool.meta.take().unwrap_or_default();
    meta.0.insert("ui".into(), json!({ "resourceUri": URI }));
    meta.0.insert("ui/resourceUri".into(), json!(URI));
    tool.meta = Some(meta);
}

/// The resource as resources/list shows it.
pub fn resource() -> Resource {
    Resource::new(URI, "reelsmith player")
        .with_description(
            "Preview player for create_video, get_timeline and export_video results: contact sheet, draft video, shots with their text, undo/redo/export buttons",
        )
        .with_mime_type(MIME)
        .with_meta(ui_meta())
}

fn ui_meta() -> MetaObject {
    let mut meta = MetaObject::default();
    meta.0.insert("ui".into(), json!({ "prefersBorder": true }));
    meta
}

/// The view's HTML, told whether export_video takes `formats` (its "Export all formats"
/// button stays hidden otherwise).
pub fn html(formats: bool) -> String {
    let config = json!({ "formats": formats }).to_string();
    HTML.replacen(CONFIG, &config, 1)
}

/// resources/read of the player.
pub fn read(formats: bool) -> ReadResourceResult {
    ReadResourceResult::new(vec![
        ResourceContents::text(html(formats), URI)
            .with_mime_type(MIME)
            .with_meta(ui_meta()),
    ])
}

/// resources/read of `reelsmith://renders/{job_id}`: a finished draft render as an MP4 blob.
pub async fn read_render(backend: &dyn Backend, uri: &str) -> Result<ReadResourceResult, McpError> {
    use base64::Engine as _;
    let job_id = uri.strip_prefix(RENDERS).unwrap_or_default();
    let not_found = |why: &str| McpError::resource_not_found(format!("{uri}: {why}"), None);
    if job_id.is_empty()
        || !job_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(not_found("not a render job id"));
    }
    let status = backend
        .job(job_id)
        .await
        .map_err(|e| not_found(&e.to_string()))?;
    if !status.draft {
        return Err(not_found(
            "only draft renders are served as previews; the final file is at the path export_video gave",
        ));
    }
    let result = match (status.state, &status.result) {
        (JobState::Done, Some(r)) => r,
        _ => {
            return Err(not_found(&format!(
                "the render is not done: {}",
                status.message
            )));
        }
    };
    if result.size_bytes > MAX_PREVIEW_BYTES {
        return Err(not_found("the render is too large to preview"));
    }
    let bytes = tokio::fs::read(&result.path)
        .await
        .map_err(|e| not_found(&format!("cannot read the render: {e}")))?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::blob(base64::engine::general_purpose::STANDARD.encode(bytes), uri)
            .with_mime_type("video/mp4"),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_is_one_small_offline_file_with_its_settings_filled_in() {
        assert!(HTML.len() < 40_000, "{} bytes", HTML.len());
        assert_eq!(HTML.matches(CONFIG).count(), 1);
        for net in ["http://", "https://", "//cdn", "@import", "src=\"http"] {
            assert!(!HTML.contains(net), "the view must not load {net}");
        }
        assert!(html(true).contains(r#"{"formats":true}"#));
        let r = read(false);
        match &r.contents[0] {
            ResourceContents::TextResourceContents { mime_type, uri, .. } => {
                assert_eq!(mime_type.as_deref(), Some(MIME));
                assert_eq!(uri, URI);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_linked_tool_names_the_player_both_ways() {
        let mut t = Tool::new("x", "x", std::sync::Arc::new(Default::default()));
        link(&mut t);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["_meta"]["ui"]["resourceUri"], URI);
        assert_eq!(v["_meta"]["ui/resourceUri"], URI);
    }
}
