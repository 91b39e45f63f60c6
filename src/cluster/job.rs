//! The render job message, its idempotency key, and the job record kept in the jobs bucket.

use crate::backend::{ExportResult, JobState, JobStatus};
use crate::media::MediaInfo;
use crate::timeline::Timeline;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a worker needs to render one export, self-contained: the timeline (already in the
/// requested shape) and where each media file is in the object store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenderJob {
    /// The job id, which is also its idempotency key ([`job_key`]).
    pub job_id: String,
    /// The tenant the export belongs to.
    pub tenant: String,
    /// The session.
    pub session_id: String,
    /// The revision rendered.
    pub revision: u64,
    /// The frame shape when not the edit's own ("9:16"…).
    pub shape: Option<String>,
    /// A quick 360p draft rather than the final file.
    pub draft: bool,
    /// The edit to render.
    pub timeline: Timeline,
    /// The media the timeline uses.
    pub media: Vec<JobMedia>,
}

/// One media file of a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobMedia {
    /// What intake found (its `path` is the front end's; the worker puts its own copy there).
    pub info: MediaInfo,
    /// Its name in the files bucket.
    pub object: String,
}

/// A job's id from what makes two exports the same: tenant, session, revision, shape and
/// quality. Equal requests, from any front end, get the same id and so share one job.
pub fn job_key(
    tenant: &str,
    session: &str,
    revision: u64,
    shape: Option<&str>,
    draft: bool,
) -> String {
    let mut h = Sha256::new();
    for part in [
        tenant,
        session,
        &revision.to_string(),
        shape.unwrap_or("own"),
        if draft { "draft" } else { "final" },
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let hex: String = h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("job_{hex}")
}

/// The object name of a job's finished MP4 (one per job: a redelivered job replaces it with
/// the same bytes' equal, never adds a second).
pub fn export_object(job_id: &str) -> String {
    format!("exports/{job_id}.mp4")
}

/// The object name of a tenant's media file (content-addressed by its id).
pub fn media_object(tenant: &str, media_id: &str) -> String {
    format!("media/{tenant}/{media_id}")
}

/// A job as the jobs bucket keeps it (key: job id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecord {
    /// The job id.
    pub job_id: String,
    /// Who it belongs to.
    pub tenant: String,
    /// The session.
    pub session_id: String,
    /// The revision.
    pub revision: u64,
    /// The frame shape when not the edit's own.
    pub shape: Option<String>,
    /// A draft.
    pub draft: bool,
    /// Queued jobs are `running` with percent 0 and message "Queued".
    pub state: JobState,
    /// Percent done.
    pub percent: f64,
    /// What is happening, for a person.
    pub message: String,
    /// The finished export (its `path` is the object name).
    pub result: Option<ExportResult>,
    /// Deliveries so far.
    #[serde(default)]
    pub attempts: i64,
    /// The worker rendering it.
    #[serde(default)]
    pub worker: Option<String>,
    /// Video windows its render drew and encoded.
    #[serde(default)]
    pub windows_rendered: usize,
    /// Video windows its render took from the render cache (its own or the shared tier).
    #[serde(default)]
    pub windows_reused: usize,
    /// Video windows other workers drew for it meanwhile.
    #[serde(default)]
    pub windows_helped: usize,
    /// Who they were.
    #[serde(default)]
    pub helpers: Vec<String>,
}

impl JobRecord {
    /// A new queued record for `job`.
    pub fn queued(job: &RenderJob) -> JobRecord {
        JobRecord {
            job_id: job.job_id.clone(),
            tenant: job.tenant.clone(),
            session_id: job.session_id.clone(),
            revision: job.revision,
            shape: job.shape.clone(),
            draft: job.draft,
            state: JobState::Running,
            percent: 0.0,
            message: "Queued".into(),
            result: None,
            attempts: 0,
            worker: None,
            windows_rendered: 0,
            windows_reused: 0,
            windows_helped: 0,
            helpers: Vec::new(),
        }
    }

    /// Whether the job has ended (done, failed or cancelled).
    pub fn ended(&self) -> bool {
        self.state != JobState::Running
    }

    /// The status a caller sees; `link` is the download URL of a finished export.
    pub fn status(&self, link: Option<String>) -> JobStatus {
        let mut result = self.result.clone();
        if let Some(r) = result.as_mut() {
            r.url = link;
        }
        JobStatus {
            job_id: self.job_id.clone(),
            session_id: self.session_id.clone(),
            revision: self.revision,
            state: self.state,
            percent: self.percent,
            message: self.message.clone(),
            result,
            draft: self.draft,
            shape: self.shape.clone(),
        }
    }

    /// Encoded for the bucket.
    pub fn to_bytes(&self) -> bytes::Bytes {
        serde_json::to_vec(self).unwrap_or_default().into()
    }

    /// Decoded from the bucket.
    pub fn from_bytes(b: &[u8]) -> Option<JobRecord> {
        serde_json::from_slice(b).ok()
    }
}

/// A progress report on a job's progress subject.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Progress {
    /// Percent done.
    pub percent: f64,
    /// What is happening.
    pub message: String,
}

/// A dead letter: the job and why it was given up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The job id.
    pub job_id: String,
    /// The tenant.
    pub tenant: String,
    /// Deliveries made.
    pub attempts: i64,
    /// The last failure.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_every_part() {
        let k = job_key("t", "s", 1, None, false);
        assert_eq!(k, job_key("t", "s", 1, None, false));
        assert_ne!(k, job_key("u", "s", 1, None, false));
        assert_ne!(k, job_key("t", "s2", 1, None, false));
        assert_ne!(k, job_key("t", "s", 2, None, false));
        assert_ne!(k, job_key("t", "s", 1, Some("9:16"), false));
        assert_ne!(k, job_key("t", "s", 1, None, true));
        assert!(k.starts_with("job_") && k.len() == 28);
    }
}
