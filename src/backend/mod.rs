//! The `Backend` trait: what the MCP tools and the CLI can ask of a video engine.
//!
//! The local engine implements it with the director, the renderer and the workspace store; the
//! cloud adapter implements it over the NemoVideo API. Callers see only these types; files
//! arrive as [`Source`]s, already told apart (path or URL) where the request entered. Uploads
//! are all-or-nothing. Exports are jobs: `export` starts one (or joins the one already rendering
//! that revision) and hands back a watch channel of its status, so a caller can show a progress
//! bar, wait a while and return, or come back later with `job`; `cancel` stops one, and says
//! "Stopping" rather than pretending when it has not stopped yet.

pub mod jobs;
pub mod local;
pub mod nemo;

use crate::director::Options;
use crate::media::{MediaKind, Source};
use crate::timeline::Timeline;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tokio::sync::watch;

pub use crate::workspace::default_export_dir;

/// A media item as results show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaItem {
    /// Id to refer to it by.
    pub media_id: String,
    /// File name.
    pub file_name: String,
    /// image, video or audio.
    pub kind: MediaKind,
    /// Width in pixels (0 for audio).
    pub width: u32,
    /// Height in pixels (0 for audio).
    pub height: u32,
    /// Duration in seconds (0 for stills).
    pub duration_s: f64,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// What an upload did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Uploaded {
    /// The session the media belongs to (new if none was given).
    pub session_id: String,
    /// Each file, in the order given.
    pub media: Vec<MediaItem>,
}

/// A progress report from long backend work (a cloud turn's heartbeats and tool calls), for
/// callers that show progress while `create` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressEvent {
    /// Percent done when the backend can tell, else None.
    pub percent: Option<f64>,
    /// What is happening, for a person ("⏳ Still working… (2 min)").
    pub message: String,
}

/// Where a backend sends [`ProgressEvent`]s.
pub type ProgressSink = tokio::sync::mpsc::UnboundedSender<ProgressEvent>;

/// A create-or-edit request.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// Session to edit; a new one is made when absent.
    pub session_id: Option<String>,
    /// What the person asked for.
    pub prompt: String,
    /// Their script, if any.
    pub script: Option<String>,
    /// Files to upload first.
    pub files: Vec<Source>,
    /// Structured overrides.
    pub options: Options,
    /// Exact edits, applied after the prompt (if any), in order, all or nothing.
    pub edits: Vec<crate::edit::EditOp>,
    /// Files the edits name by path or URL, by op index: uploaded for those ops only (never
    /// made into shots or music by the prompt).
    pub edit_files: Vec<(usize, crate::media::Source)>,
    /// Where to report progress while the request runs, if anyone listens.
    pub progress: Option<ProgressSink>,
}

/// What create-or-edit made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Created {
    /// The session.
    pub session_id: String,
    /// True when an existing timeline was edited, false for a first cut.
    pub edited: bool,
    /// The new revision.
    pub revision: u64,
    /// What was decided or changed, one line each.
    pub changes: Vec<String>,
    /// Where the result differs from what was asked (a length clamped, a picture enlarged, a
    /// title drawn smaller to fit), one line each, so no adjustment is silent.
    #[serde(default)]
    pub notes: Vec<String>,
    /// One-line summary of the timeline.
    pub summary: String,
    /// The timeline itself.
    pub timeline: Timeline,
}

/// A session's current timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimelineState {
    /// The session.
    pub session_id: String,
    /// Current revision.
    pub revision: u64,
    /// One-line summary.
    pub summary: String,
    /// The timeline.
    pub timeline: Timeline,
    /// The session's media.
    pub media: Vec<MediaItem>,
}

/// Credit balance (cloud) or resources (local).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credits {
    /// Which backend answered.
    pub backend: String,
    /// Credits available now (cloud only).
    pub available: Option<i64>,
    /// Credits reserved by running work (cloud only).
    pub frozen: Option<i64>,
    /// available + frozen (cloud only).
    pub total: Option<i64>,
    /// Free disk space in the workspace, in bytes (local only).
    pub free_disk_bytes: Option<u64>,
    /// A sentence for the person.
    pub note: String,
}

/// A picture of the timeline an agent can look at.
#[derive(Debug, Clone)]
pub struct Preview {
    /// MIME type ("image/jpeg").
    pub mime: String,
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// The revision it shows.
    pub revision: u64,
}

/// An export request.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// The session to render.
    pub session_id: String,
    /// Where the MP4 goes; a workspace path is chosen when absent.
    pub output: Option<PathBuf>,
    /// Replace an existing file at `output`.
    pub overwrite: bool,
    /// An earlier revision to render instead of the current one.
    pub revision: Option<u64>,
    /// A quick 360p preview for checking motion and timing, not the final file.
    pub draft: bool,
    /// Render the edit in this frame shape instead of its own (pictures re-framed around their
    /// subjects, text laid out for the shape); `None` is the edit's own shape.
    pub shape: Option<crate::timeline::Aspect>,
    /// Also write the captions as .srt and .vtt beside the MP4.
    pub captions_file: bool,
}

/// State of an export job.
pub use crate::store::JobState;

/// A finished export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportResult {
    /// Where the MP4 is.
    pub path: PathBuf,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Where the cloud keeps the render, when it came from the cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whether the file is ready to post on each platform its shape suits (finals only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readiness: Vec<crate::publish::readiness::Readiness>,
    /// Caption files written beside the MP4 (.srt, .vtt), when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captions_files: Vec<PathBuf>,
}

/// Where an export job is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// Job id.
    pub job_id: String,
    /// The session.
    pub session_id: String,
    /// The revision being rendered.
    pub revision: u64,
    /// Running, done, failed, cancelled or interrupted.
    pub state: JobState,
    /// Percent done, 0–100.
    pub percent: f64,
    /// What is happening, for a person ("Rendering 42% (12.6 s of 30 s)").
    pub message: String,
    /// The finished file, when done.
    pub result: Option<ExportResult>,
    /// A draft preview rather than the final render.
    pub draft: bool,
    /// The frame shape rendered when it is not the edit's own ("9:16"…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
}

impl JobStatus {
    /// The status a stored job record describes.
    pub fn from_record(rec: &crate::store::JobRecord) -> JobStatus {
        JobStatus {
            job_id: rec.id.clone(),
            session_id: rec.session_id.clone(),
            revision: rec.rev,
            state: rec.state,
            percent: rec.percent,
            message: rec.message.clone(),
            result: rec
                .result
                .as_ref()
                .and_then(|r| serde_json::from_value(r.clone()).ok()),
            draft: rec.draft,
            shape: rec.shape.clone(),
        }
    }
}

/// A started (or joined) export: its status now and as it changes.
pub struct JobHandle {
    /// Job id.
    pub job_id: String,
    /// Status updates; the last value is the current status.
    pub status: watch::Receiver<JobStatus>,
}

impl JobHandle {
    /// A handle for a job that has already ended (its status will not change).
    pub fn finished(status: JobStatus) -> JobHandle {
        let (_tx, rx) = watch::channel(status.clone());
        JobHandle {
            job_id: status.job_id,
            status: rx,
        }
    }
}

/// Why a backend call failed. `is_invalid_input` tells the MCP layer how to report it.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A file was refused.
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    /// The request could not be turned into a timeline.
    #[error(transparent)]
    Director(#[from] crate::director::DirectorError),
    /// The render failed.
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    /// The workspace store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The workspace folder could not be opened.
    #[error(transparent)]
    Workspace(#[from] crate::workspace::WorkspaceError),
    /// An edit operation could not be applied; nothing was changed.
    #[error(transparent)]
    Edit(#[from] crate::edit::EditError),
    /// ffmpeg is missing or failed outside a render.
    #[error(transparent)]
    Tool(#[from] crate::ffmpeg::FfmpegError),
    /// A session or job id is unknown.
    #[error("{what} '{id}' was not found; {hint}")]
    NotFound {
        /// "session" or "job".
        what: &'static str,
        /// The id given.
        id: String,
        /// What to do instead.
        hint: &'static str,
    },
    /// The request is well-formed but cannot be done now.
    #[error("{0}")]
    Unavailable(String),
    /// The cloud service refused or failed; the message says what to do.
    #[error(transparent)]
    Cloud(#[from] nemo::NemoError),
}

/// A video engine: local ffmpeg or the cloud.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Short name ("local", "nemo").
    fn name(&self) -> &'static str;

    /// Whether the backend talks to a service over the network (tool annotations say so).
    fn reaches_network(&self) -> bool {
        false
    }

    /// Whether `create` applies typed edit operations (`CreateRequest::edits`). A backend that
    /// cannot express them exactly refuses them rather than approximating.
    fn supports_edits(&self) -> bool {
        false
    }

    /// The tenant this backend acts for: [`crate::tenant::DEFAULT`] unless it was made by
    /// [`for_tenant`](Self::for_tenant).
    fn tenant(&self) -> crate::tenant::TenantId {
        crate::tenant::TenantId::default_tenant()
    }

    /// This backend acting for `tenant` alone. Every call on the result is the tenant's: what
    /// it creates (sessions, media, jobs, exports) is owned by it, and every id it is given
    /// (session, job, revision, media in edits) that another tenant owns is answered exactly
    /// as an id that does not exist ([`BackendError::NotFound`], same words), so ids leak
    /// neither content nor existence. Files go to the tenant's own folders, and the tenant's
    /// [`Limits`](crate::tenant::Limits) (renders at once, bytes stored) are enforced with an
    /// error that says which limit was hit. Backends that cannot keep tenants apart refuse,
    /// so a multi-tenant server never starts on them.
    fn for_tenant(
        &self,
        tenant: crate::tenant::Tenant,
    ) -> Result<std::sync::Arc<dyn Backend>, BackendError> {
        let _ = tenant;
        Err(BackendError::Unavailable(format!(
            "the {} backend cannot keep tenants apart; serve several tenants (REELSMITH_HTTP_TOKENS) with the local backend",
            self.name()
        )))
    }

    /// Add files (local paths or URLs) to a session, creating the session when none is given.
    /// Either every file is added or, on any refusal, none is.
    async fn upload(
        &self,
        session_id: Option<&str>,
        files: &[Source],
    ) -> Result<Uploaded, BackendError>;

    /// Make a first cut, or edit the session's timeline when it has one.
    async fn create(&self, req: CreateRequest) -> Result<Created, BackendError>;

    /// Credit balance or local resources.
    async fn credits(&self) -> Result<Credits, BackendError>;

    /// The session's current timeline.
    async fn timeline(&self, session_id: &str) -> Result<TimelineState, BackendError>;

    /// A stored revision of the session's timeline (backends with history only).
    async fn timeline_at(
        &self,
        session_id: &str,
        revision: u64,
    ) -> Result<TimelineState, BackendError> {
        let _ = (session_id, revision);
        Err(BackendError::Unavailable(format!(
            "the {} backend keeps no revision history; only the current timeline can be shown",
            self.name()
        )))
    }

    /// Every revision of the session, oldest first (empty when the backend keeps none).
    async fn history(&self, session_id: &str) -> Result<Vec<crate::store::Revision>, BackendError> {
        let _ = session_id;
        Ok(Vec::new())
    }

    /// A contact sheet of the current timeline: one frame per shot with its text as it will
    /// render, shot numbers and times; a small JPEG (≤ 200 KB) an agent can look at.
    async fn preview(&self, session_id: &str) -> Result<Preview, BackendError>;

    /// Start rendering the session's current revision, or join the job already doing so.
    async fn export(&self, req: ExportRequest) -> Result<JobHandle, BackendError>;

    /// A job's status, including jobs of earlier processes (then possibly interrupted).
    async fn job(&self, job_id: &str) -> Result<JobStatus, BackendError>;

    /// Stop a running job and remove its partial output. Waits a while for it to stop; a job
    /// still winding down after that comes back running, its message starting "Stopping".
    async fn cancel(&self, job_id: &str) -> Result<JobStatus, BackendError>;
}

impl From<&crate::media::MediaInfo> for MediaItem {
    fn from(m: &crate::media::MediaInfo) -> Self {
        MediaItem {
            media_id: m.id.clone(),
            file_name: m.file_name.clone(),
            kind: m.kind,
            width: m.width,
            height: m.height,
            duration_s: m.duration_ms as f64 / 1000.0,
            size_bytes: m.size_bytes,
        }
    }
}
