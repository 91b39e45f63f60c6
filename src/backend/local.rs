//! The embedded default backend: director + renderer + workspace store, all on this machine.
//! Each job has its own file: intake (`intake`), edits (`create`, `history`, `beats`,
//! `narrate`), exports (`export`) and the text checks made at edit time (`text_checks`).

use super::jobs::{LiveJobs, job_not_found};
use super::{
    Backend, BackendError, CreateRequest, Created, Credits, ExportRequest, JobHandle, JobStatus,
    MediaItem, Preview, TimelineState, Uploaded,
};
use crate::ffmpeg::Tools;
use crate::media::{MediaInfo, Source};
use crate::render;
use crate::render::cache::RenderCache;
use crate::store::Store;
use crate::tenant::{Limits, Tenant, TenantId};
use crate::timeline::Timeline;
use crate::workspace::{self, Workspace};
use async_trait::async_trait;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod beats;
mod create;
mod export;
mod history;
mod intake;
mod narrate;
mod text_checks;

pub(crate) use export::{for_quality, own_aspect, progress_message};
use text_checks::{check_glyphs, text_fit_notes};

pub use crate::workspace::default_home;

/// The local engine. Cheap to clone: the workspace, store, live jobs and cache are shared.
#[derive(Clone)]
pub struct LocalBackend {
    ws: Workspace,
    /// The workspace database (shared with running jobs).
    store: Arc<Store>,
    tools: Result<Tools, String>,
    jobs: LiveJobs,
    /// Finished windows and soundtracks of earlier renders; `None` when turned off (or the
    /// folder cannot be made: renders still work, only slower).
    cache: Option<RenderCache>,
    /// Whose calls these are. `None` acts for the default tenant in the workspace's own
    /// folders, without limits (stdio, the CLI, a single-token HTTP server); `Some` for one
    /// tenant of a multi-tenant server, in its own folders, within its limits.
    tenant: Option<Tenant>,
    /// The tenant's bytes as counted elsewhere (a cluster's shared state), used instead of
    /// this workspace's when set.
    usage_from: Option<u64>,
}

impl LocalBackend {
    /// Open the workspace at `home` (created if missing).
    pub fn open(home: &Path) -> Result<LocalBackend, BackendError> {
        let ws = Workspace::open(home)?;
        let cache = RenderCache::open(&ws.cache_dir(), RenderCache::cap_mb_from_env())
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "render cache unavailable; every export renders in full");
                None
            });
        Ok(LocalBackend {
            cache,
            store: ws.store().clone(),
            ws,
            tools: Tools::locate().map_err(|e| e.to_string()),
            jobs: LiveJobs::default(),
            tenant: None,
            usage_from: None,
        })
    }

    /// This backend acting for `tenant` alone (what [`Backend::for_tenant`] hands out).
    pub fn scoped(&self, tenant: Tenant) -> Result<LocalBackend, BackendError> {
        let id = tenant.id().clone();
        let scoped = LocalBackend {
            cache: self.cache.as_ref().map(|c| c.scoped(id.as_str())),
            tenant: Some(tenant),
            ..self.clone()
        };
        for dir in [scoped.media_dir(), scoped.export_dir()] {
            std::fs::create_dir_all(&dir).map_err(|e| {
                BackendError::Unavailable(format!(
                    "cannot create tenant {id}'s folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
        Ok(scoped)
    }

    /// The folder renders and previews keep their scratch files in.
    pub fn scratch_dir(&self) -> PathBuf {
        self.ws.scratch()
    }

    /// The media of a session this backend's tenant owns, with where each file is.
    pub fn session_media(&self, session_id: &str) -> Result<Vec<MediaInfo>, BackendError> {
        self.require_session(session_id)?;
        Ok(self.store.media(session_id)?)
    }

    /// The workspace directory.
    pub fn home(&self) -> &Path {
        self.ws.home()
    }

    /// The workspace store (for tests and tools that inspect it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn tools(&self) -> Result<&Tools, BackendError> {
        self.tools
            .as_ref()
            .map_err(|e| BackendError::Unavailable(e.clone()))
    }

    /// The tenant the store records as owner.
    fn tenant_name(&self) -> &str {
        self.tenant
            .as_ref()
            .map_or(crate::tenant::DEFAULT, |t| t.id().as_str())
    }

    pub(crate) fn limits(&self) -> Limits {
        self.tenant.as_ref().map(Tenant::limits).unwrap_or_default()
    }

    /// Where media fetched from URLs is kept (per tenant, so no download is shared, and no
    /// tenant can tell from a fetch whether another already had the same bytes).
    pub(crate) fn media_dir(&self) -> PathBuf {
        match &self.tenant {
            Some(t) => workspace::tenant_dir(self.ws.home(), t.id()).join("media"),
            None => self.ws.media_dir(),
        }
    }

    /// Where exports go when no output path is given.
    fn export_dir(&self) -> PathBuf {
        match &self.tenant {
            Some(t) => workspace::tenant_export_dir(self.ws.home(), t.id()),
            None => workspace::default_export_dir(self.ws.home()),
        }
    }

    /// A job this tenant owns; any other id is "not found", whoever owns it.
    fn require_job(&self, id: &str) -> Result<(), BackendError> {
        if self.store.job_owned(id, self.tenant_name())? {
            Ok(())
        } else {
            Err(job_not_found(id))
        }
    }

    /// This backend counting `used` bytes as the tenant's (a cluster front end's replica
    /// holds only some of what the tenant stores).
    pub(crate) fn counting_usage(&self, used: u64) -> LocalBackend {
        LocalBackend {
            usage_from: Some(used),
            ..self.clone()
        }
    }

    /// Bytes the tenant's media and finished exports take.
    fn usage(&self) -> Result<u64, BackendError> {
        if let Some(used) = self.usage_from {
            return Ok(used);
        }
        let tenant = self.tenant_name();
        let media: u64 = self.store.tenant_media(tenant)?.values().sum();
        let exports: u64 = self
            .store
            .tenant_exports(tenant)?
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        Ok(media + exports)
    }

    /// Refuse work that would take the tenant past its storage limit: `adding` more bytes
    /// (an upload), or anything at all once it is full (an export).
    fn check_storage(&self, adding: u64) -> Result<(), BackendError> {
        let Some(max) = self.limits().max_bytes else {
            return Ok(());
        };
        let used = self.usage()?;
        if used.saturating_add(adding) <= max && (adding > 0 || used < max) {
            return Ok(());
        }
        Err(BackendError::Unavailable(crate::tenant::storage_refusal(
            self.tenant_name(),
            used,
            max,
            adding,
        )))
    }

    pub(super) fn new_session(&self) -> Result<String, BackendError> {
        Ok(self.store.create_session_for(self.tenant_name())?)
    }

    fn require_session(&self, id: &str) -> Result<(), BackendError> {
        if self.store.session_owned(id, self.tenant_name())? {
            Ok(())
        } else {
            Err(BackendError::NotFound {
                what: "session",
                id: id.into(),
                hint: "omit session_id to start a new session",
            })
        }
    }

    /// A timeline as results show it, with the session's media.
    fn state(&self, session_id: &str, tl: Timeline) -> Result<TimelineState, BackendError> {
        let media = self.store.media(session_id)?;
        Ok(TimelineState {
            session_id: session_id.into(),
            revision: tl.rev,
            summary: tl.summary(),
            timeline: tl,
            media: media.iter().map(MediaItem::from).collect(),
        })
    }

    /// A stored revision, or an error listing the ones there are.
    fn revision(&self, session: &str, rev: u64) -> Result<Timeline, BackendError> {
        match self.store.timeline_at(session, rev)? {
            Some(tl) => Ok(tl),
            None => {
                let revs: Vec<String> = self
                    .store
                    .revisions(session)?
                    .iter()
                    .map(|r| r.rev.to_string())
                    .collect();
                Err(BackendError::Unavailable(format!(
                    "session {session} has no revision {rev}; its revisions are {}",
                    if revs.is_empty() {
                        "none yet".to_string()
                    } else {
                        revs.join(", ")
                    }
                )))
            }
        }
    }

    fn default_output(
        &self,
        session: &str,
        rev: u64,
        draft: bool,
        shape: Option<crate::timeline::Aspect>,
    ) -> PathBuf {
        let mut path = self.export_dir().join(format!("{session}-r{rev}.mp4"));
        if let Some(a) = shape {
            path = path.with_extension(format!("{}.mp4", a.as_str().replace(':', "x")));
        }
        if draft {
            path.with_extension("draft.mp4")
        } else {
            path
        }
    }
}

#[async_trait]
impl Backend for LocalBackend {
    fn name(&self) -> &'static str {
        "local"
    }

    fn supports_edits(&self) -> bool {
        true
    }

    fn tenant(&self) -> TenantId {
        self.tenant
            .as_ref()
            .map_or_else(TenantId::default_tenant, |t| t.id().clone())
    }

    fn for_tenant(&self, tenant: Tenant) -> Result<Arc<dyn Backend>, BackendError> {
        Ok(Arc::new(self.scoped(tenant)?))
    }

    async fn upload(
        &self,
        session_id: Option<&str>,
        files: &[Source],
    ) -> Result<Uploaded, BackendError> {
        if files.is_empty() {
            return Err(BackendError::Unavailable(
                "no files given; pass one or more local paths or http(s) URLs".into(),
            ));
        }
        let session = match session_id {
            Some(s) => {
                self.require_session(s)?;
                s.to_string()
            }
            None => self.new_session()?,
        };
        let media = self.intake_all(&session, files).await?;
        Ok(Uploaded {
            session_id: session,
            media: media.iter().map(MediaItem::from).collect(),
        })
    }

    async fn create(&self, req: CreateRequest) -> Result<Created, BackendError> {
        self.create_in(req).await
    }

    async fn credits(&self) -> Result<Credits, BackendError> {
        Ok(Credits {
            backend: "local".into(),
            available: None,
            frozen: None,
            total: None,
            free_disk_bytes: free_disk(self.ws.home()),
            note: match self.limits() {
                Limits {
                    max_bytes: Some(max),
                    ..
                } => format!(
                    "Local rendering runs on this machine and needs no credits. Your media and exports take {:.1} MB of the {:.1} MB you may keep.",
                    self.usage()? as f64 / 1e6,
                    max as f64 / 1e6
                ),
                _ => "Local rendering runs on this machine and needs no credits.".into(),
            },
        })
    }

    async fn timeline(&self, session_id: &str) -> Result<TimelineState, BackendError> {
        self.require_session(session_id)?;
        let tl = self.store.current_timeline(session_id)?.ok_or_else(|| {
            BackendError::Unavailable(format!(
                "session {session_id} has no timeline yet; call create_video with a prompt first"
            ))
        })?;
        self.state(session_id, tl)
    }

    async fn timeline_at(
        &self,
        session_id: &str,
        revision: u64,
    ) -> Result<TimelineState, BackendError> {
        self.require_session(session_id)?;
        let tl = self.revision(session_id, revision)?;
        self.state(session_id, tl)
    }

    async fn history(&self, session_id: &str) -> Result<Vec<crate::store::Revision>, BackendError> {
        self.require_session(session_id)?;
        Ok(self.store.revisions(session_id)?)
    }

    async fn preview(&self, session_id: &str) -> Result<Preview, BackendError> {
        let state = self.timeline(session_id).await?;
        let media: HashMap<String, MediaInfo> = self
            .store
            .media(session_id)?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let bytes = render::preview::contact_sheet(
            &state.timeline,
            &media,
            &self.ws.scratch(),
            self.tools()?,
        )
        .await?;
        Ok(Preview {
            mime: "image/jpeg".into(),
            bytes,
            revision: state.revision,
        })
    }

    async fn export(&self, req: ExportRequest) -> Result<JobHandle, BackendError> {
        self.start_export(req).await
    }

    async fn job(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        self.require_job(job_id)?;
        self.jobs.status(job_id, &self.store)
    }

    async fn cancel(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        self.require_job(job_id)?;
        self.jobs
            .cancel(job_id, &self.store, Duration::from_secs(15))
            .await
    }
}

fn free_disk(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}
