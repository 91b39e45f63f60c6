//! What export_video answers: the result's structured content, one entry per file of a
//! multi-format export, and the words on whether a file is ready to post.

use crate::backend::{JobState, JobStatus};
use crate::publish::readiness::Readiness;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Result of `export_video`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportOut {
    /// The session.
    pub session_id: String,
    /// The render job (the same job is joined by later calls for the same revision).
    pub job_id: String,
    /// The revision rendered.
    pub revision: u64,
    /// "done" (the file is ready) or "rendering" (call export_video again later).
    pub status: String,
    /// Percent done, 0–100.
    pub percent: f64,
    /// What is happening, e.g. "Rendering 42% (12.6 s of 30 s)".
    pub message: String,
    /// The MP4's path, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    /// Length in seconds, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Width in pixels, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// File size in bytes, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Where to download the MP4, when the server does not write it where you can read it:
    /// a cluster front end's `/exports/<job_id>` (send your bearer token; range requests
    /// work) or the cloud's link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// Whether the file is ready to post, per platform its shape suits (finals), with what to
    /// change where it is not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readiness: Vec<Readiness>,
    /// With formats: one file per shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FormatFile>,
    /// "final", or "draft" for a quick preview that is not for posting.
    pub quality: &'static str,
}

impl ExportOut {
    pub(crate) fn from_status(s: &JobStatus) -> ExportOut {
        let r = s.result.as_ref();
        ExportOut {
            session_id: s.session_id.clone(),
            job_id: s.job_id.clone(),
            revision: s.revision,
            status: if s.state == JobState::Done {
                "done".into()
            } else {
                "rendering".into()
            },
            percent: (s.percent * 10.0).round() / 10.0,
            message: s.message.clone(),
            output_path: r.map(|r| r.path.display().to_string()),
            duration_s: r.map(|r| r.duration_s),
            width: r.map(|r| r.width),
            height: r.map(|r| r.height),
            size_bytes: r.map(|r| r.size_bytes),
            download_url: r.and_then(|r| r.url.clone()),
            quality: if s.draft { "draft" } else { "final" },
            readiness: r.map(|r| r.readiness.clone()).unwrap_or_default(),
            files: Vec::new(),
        }
    }
}

/// One line on whether a final file is ready to post, naming what to change where it is not;
/// empty when it was not checked.
pub(crate) fn readiness_text(readiness: &[Readiness]) -> String {
    if readiness.is_empty() {
        return String::new();
    }
    let ready: Vec<&str> = readiness
        .iter()
        .filter(|r| r.ready)
        .map(|r| r.platform.as_str())
        .collect();
    let mut text = String::new();
    if !ready.is_empty() {
        text.push_str(&format!(" Ready to post on {}.", ready.join(", ")));
    }
    for r in readiness.iter().filter(|r| !r.ready) {
        text.push_str(&format!(
            " Not ready for {}: {}.",
            r.platform,
            r.problems.join("; ")
        ));
    }
    text
}

/// One shape of a multi-format export.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FormatFile {
    /// The frame shape, e.g. "9:16".
    pub shape: String,
    /// The platforms this file is for.
    pub platforms: Vec<String>,
    /// "done", "rendering" or "failed".
    pub status: String,
    /// Percent done.
    pub percent: f64,
    /// The MP4's path, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    /// Width and height in pixels, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<(u32, u32)>,
    /// File size in bytes, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// What happened, e.g. the failure's reason.
    pub message: String,
    /// The platforms' verdicts on the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readiness: Vec<Readiness>,
}

/// `promo.mp4` → `promo-9x16.mp4`.
pub(super) fn with_shape(path: &Path, shape: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video".into());
    path.with_file_name(format!("{stem}-{}.mp4", shape.replace(':', "x")))
}
