//! The embedded default backend: director + renderer + workspace store, all on this machine.

use super::jobs::{JobEnd, Joined, LiveJobs, job_not_found};
use super::{
    Backend, BackendError, CreateRequest, Created, Credits, ExportRequest, ExportResult, JobHandle,
    JobState, JobStatus, MediaItem, Preview, TimelineState, Uploaded,
};
use crate::ffmpeg::Tools;
use crate::media::{self, MediaInfo, Source};
use crate::publish::platform::Platform;
use crate::publish::readiness;
use crate::render::cache::RenderCache;
use crate::render::fonts::FontSet;
use crate::render::text::TextError;
use crate::render::{self, RenderProgress, RenderRequest, Stage, encode};
use crate::store::Store;
use crate::tenant::{Limits, Tenant, TenantId};
use crate::timeline::{TT_TEXT, Timeline};
use crate::workspace::{self, Workspace};
use async_trait::async_trait;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod beats;
mod create;
mod history;
mod narrate;

pub use crate::workspace::default_home;

/// Files probed at once during intake.
const INTAKE_CONCURRENCY: usize = 4;

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

    fn limits(&self) -> Limits {
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

    /// Bytes the tenant's media and finished exports take.
    fn usage(&self) -> Result<u64, BackendError> {
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
        let mb = |b: u64| b as f64 / 1e6;
        Err(BackendError::Unavailable(if adding > 0 {
            format!(
                "storage limit reached: tenant {} has {:.1} MB of media and exports and may keep {:.1} MB; these files add {:.1} MB. Nothing was added. Ask the server's operator to raise max_mb",
                self.tenant_name(),
                mb(used),
                mb(max),
                mb(adding)
            )
        } else {
            format!(
                "storage limit reached: tenant {} has {:.1} MB of media and exports and may keep {:.1} MB, so nothing new can be rendered. Ask the server's operator to raise max_mb",
                self.tenant_name(),
                mb(used),
                mb(max)
            )
        }))
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

    /// Check and add files to a session; all files are checked and every refusal is reported.
    async fn intake_all(
        &self,
        session: &str,
        files: &[Source],
    ) -> Result<Vec<MediaInfo>, BackendError> {
        let tools = self.tools()?;
        self.check_storage(0)?;
        // Probing is mostly waiting on ffprobe/ffmpeg start-up: a few at a time, results in order.
        let limit = Arc::new(tokio::sync::Semaphore::new(INTAKE_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, f) in files.iter().enumerate() {
            let (f, tools, limit) = (f.clone(), tools.clone(), limit.clone());
            let cache = self.cache.clone();
            let downloads = self.media_dir();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let url = match &f {
                    Source::Path(p) => {
                        let r = media::intake_cached(p, &tools, cache.as_ref()).await;
                        return (i, r.map_err(|e| e.to_string()));
                    }
                    Source::Url(u) => u,
                };
                // Fetched into the workspace, then checked like any local file.
                let path = match media::fetch::download(url, &downloads).await {
                    Ok(p) => p,
                    Err(e) => return (i, Err(e.to_string())),
                };
                let r = match media::intake_cached(&path, &tools, cache.as_ref()).await {
                    Ok(mut m) => {
                        media::keep_fetched(&path, &downloads, media::fetch::file_name(url), &mut m)
                            .map(|()| m)
                            .map_err(|e| format!("{f}: cannot keep the download: {e}"))
                    }
                    Err(e) => Err(format!("{f}: {e}")),
                };
                if r.is_err() {
                    let _ = std::fs::remove_file(&path);
                }
                (i, r)
            });
        }
        let mut results: Vec<Option<Result<MediaInfo, String>>> = vec![None; files.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, r) =
                joined.map_err(|e| BackendError::Unavailable(format!("intake failed: {e}")))?;
            results[i] = Some(r);
        }
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        for r in results.into_iter().flatten() {
            match r {
                Ok(m) => ok.push(m),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(BackendError::Unavailable(if errors.len() == 1 {
                errors.remove(0)
            } else {
                format!(
                    "{} files were refused:\n{}",
                    errors.len(),
                    errors.join("\n")
                )
            }));
        }
        if self.limits().max_bytes.is_some() {
            let held = self.store.tenant_media(self.tenant_name())?;
            let mut new: HashMap<&str, &MediaInfo> = HashMap::new();
            for m in ok.iter().filter(|m| !held.contains_key(&m.id)) {
                new.insert(&m.id, m);
            }
            if let Err(e) = self.check_storage(new.values().map(|m| m.size_bytes).sum()) {
                // Downloads made for this request only go again.
                let dir = self.media_dir();
                for m in new.values().filter(|m| m.path.starts_with(&dir)) {
                    let _ = std::fs::remove_file(&m.path);
                }
                return Err(e);
            }
        }
        for m in &ok {
            self.store.add_media(session, m)?;
        }
        Ok(ok)
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

/// The timeline and encoder settings a final (`draft` false) or a draft renders with. A draft is
/// the same edit on a 360p frame (text and motion scale with the frame), encoded with the fastest
/// preset.
pub(crate) fn for_quality(tl: Timeline, draft: bool) -> (Timeline, encode::EncodeSettings) {
    if !draft {
        return (tl, encode::EncodeSettings::default());
    }
    let mut d = tl;
    let short = d.meta.width.min(d.meta.height).max(1);
    (d.meta.width, d.meta.height) = encode::draft_size(d.meta.width, d.meta.height);
    // Sizes given in pixels are pixels of the final frame: scale them with it.
    let scale = f64::from(d.meta.width.min(d.meta.height)) / f64::from(short);
    if let Some(track) = d.track_mut(crate::timeline::TT_TEXT) {
        for seg in &mut track.segments {
            if let Some(style) = seg.style.as_mut()
                && let Some(crate::timeline::style::TextSize::Px(px)) = style.size
            {
                style.size = Some(crate::timeline::style::TextSize::Px(px * scale));
            }
        }
    }
    (d, encode::EncodeSettings::draft())
}

/// The shape of the edit's frame.
pub(crate) fn own_aspect(tl: &crate::timeline::Timeline) -> Option<crate::timeline::Aspect> {
    tl.meta.aspect.or_else(|| {
        let r = f64::from(tl.meta.width) / f64::from(tl.meta.height.max(1));
        crate::timeline::Aspect::ALL.into_iter().find(|a| {
            let (p, q) = a.ratio();
            (r - f64::from(p) / f64::from(q)).abs() < 0.01
        })
    })
}

pub(crate) fn progress_message(p: &RenderProgress) -> String {
    match p.stage {
        Stage::Video => format!(
            "Rendering {:.0}% ({:.1} s of {:.1} s)",
            p.percent, p.done_s, p.total_s
        ),
        s => format!("{} ({:.0}%)", capitalise(s.as_str()), p.percent),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// How a request's edits are remembered in the history: their op names.
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
        self.require_session(&req.session_id)?;
        let tools = self.tools()?.clone();
        let session = req.session_id.clone();
        let tl = match req.revision {
            Some(rev) => self.revision(&session, rev)?,
            None => self.store.current_timeline(&session)?.ok_or_else(|| {
                BackendError::Unavailable(format!(
                    "session {session} has no timeline to export; call create_video first"
                ))
            })?,
        };
        // Another shape is the same edit on that frame; the edit's own shape is a plain export.
        let own = own_aspect(&tl);
        let shape = req.shape.filter(|a| Some(*a) != own);
        let tl = match shape {
            Some(a) => crate::director::format::reshape(&tl, a),
            None => tl,
        };
        let shape_s = shape.map(|a| a.as_str());
        let output = match &req.output {
            Some(p) => std::path::absolute(p).unwrap_or_else(|_| p.clone()),
            None => self.default_output(&session, tl.rev, req.draft, shape),
        };
        let output_s = output.to_string_lossy().into_owned();

        // Never render a revision twice: hand back its finished file, or join the job already
        // rendering it (to this path, or to any path when none was asked for).
        let done = match &req.output {
            Some(_) => self
                .store
                .job_for(&session, tl.rev, &output_s, req.draft, shape_s)?,
            None => self
                .store
                .latest_done_job(&session, tl.rev, req.draft, shape_s)?,
        };
        if let Some(rec) = done
            && rec.state == JobState::Done
            && Path::new(&rec.output).is_file()
        {
            return Ok(JobHandle::finished(JobStatus::from_record(&rec)));
        }
        let same_output = |rec_output: &str| req.output.is_none() || rec_output == output_s;
        let joined = self.jobs.find_or_start_for(
            self.tenant_name(),
            self.limits().max_renders,
            |id, s| {
                s.session_id == session
                    && s.revision == tl.rev
                    && s.draft == req.draft
                    && s.shape.as_deref() == shape_s
                    && self
                        .store
                        .job(id)
                        .ok()
                        .flatten()
                        .is_some_and(|rec| same_output(&rec.output))
            },
            || {
                if !req.overwrite && output.exists() {
                    return Err(render::RenderError::OutputExists(output.clone()).into());
                }
                self.check_storage(0)?;
                let rec = self
                    .store
                    .create_job(&session, tl.rev, &output_s, req.draft, shape_s)?;
                let mut status = JobStatus::from_record(&rec);
                status.message = "Queued".into();
                Ok(status)
            },
        )?;
        let (tx, handle, cancel) = match joined {
            Joined::Running(h) => return Ok(h),
            Joined::Started { tx, handle, cancel } => (tx, handle, cancel),
        };
        let media: HashMap<String, MediaInfo> = self
            .store
            .media(&session)?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        // A draft is the same edit on a 360p frame (text and motion scale with the frame),
        // encoded with the fastest preset.
        let (tl, encode) = for_quality(tl, req.draft);
        let draft = req.draft;
        let captions_file = req.captions_file;
        let store = self.store.clone();
        let scratch = self.ws.scratch();
        let job_id = handle.job_id.clone();
        let overwrite = req.overwrite;
        let live_jobs = self.jobs.clone();
        let cache = self.cache.clone();
        tokio::spawn(async move {
            let last_write = Mutex::new(Instant::now() - Duration::from_secs(10));
            let on_progress = |p: RenderProgress| {
                let msg = progress_message(&p);
                tx.send_modify(|s| {
                    s.percent = p.percent;
                    s.message = msg.clone();
                });
                let mut lw = last_write.lock().unwrap_or_else(|e| e.into_inner());
                if lw.elapsed() >= Duration::from_secs(1) {
                    *lw = Instant::now();
                    let _ = store.update_job(&job_id, JobState::Running, p.percent, &msg, None);
                }
            };
            let result = render::render(
                &RenderRequest {
                    timeline: &tl,
                    media: &media,
                    output: &output,
                    overwrite,
                    scratch: &scratch,
                    encode,
                    cache: cache.as_ref(),
                    one_window: false,
                },
                &tools,
                &on_progress,
                &cancel,
            )
            .await;
            // A final is checked against the platforms its shape suits.
            let readiness = match (&result, own_aspect(&tl)) {
                (Ok(r), Some(aspect)) if !draft => {
                    let platforms = Platform::for_aspect(aspect);
                    let measured = readiness::measure(
                        &r.path,
                        &tl,
                        &media,
                        &r.text_boxes,
                        &tools,
                        cache.as_ref(),
                    );
                    match measured.await {
                        Ok(m) => readiness::judge(&m, &platforms),
                        Err(e) => {
                            tracing::warn!(error = %e, "could not check the export for posting");
                            Vec::new()
                        }
                    }
                }
                _ => Vec::new(),
            };
            let (state, percent, message, result) = match result {
                Ok(r) => {
                    let captions_files = if captions_file {
                        render::subtitles::write_beside(&tl, &r.path).unwrap_or_else(|e| {
                            tracing::warn!(error = %e, "could not write the caption files");
                            Vec::new()
                        })
                    } else {
                        Vec::new()
                    };
                    let res = ExportResult {
                        captions_files,
                        path: r.path,
                        duration_s: r.duration_s,
                        width: r.width,
                        height: r.height,
                        size_bytes: r.size_bytes,
                        url: None,
                        readiness,
                    };
                    (
                        JobState::Done,
                        100.0,
                        format!(
                            "{}: {} ({:.1} s, {}x{}, {:.1} MB)",
                            if draft {
                                "Draft done (a quick 360p preview; export without quality \"draft\" for the final file)"
                            } else {
                                "Done"
                            },
                            res.path.display(),
                            res.duration_s,
                            res.width,
                            res.height,
                            res.size_bytes as f64 / 1e6
                        ),
                        Some(res),
                    )
                }
                Err(render::RenderError::Cancelled) => (
                    JobState::Cancelled,
                    tx.borrow().percent,
                    "The render was cancelled; nothing was written".to_string(),
                    None,
                ),
                Err(e) => (
                    JobState::Failed,
                    tx.borrow().percent,
                    format!("Render failed: {e}"),
                    None,
                ),
            };
            live_jobs.finish(
                &store,
                &tx,
                &job_id,
                JobEnd {
                    state,
                    percent,
                    message,
                    result,
                },
            );
        });
        Ok(handle)
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

/// Refuse text no installed font can draw when it is set, naming the text, instead of failing
/// the export later. Without fonts there is nothing to check; the export says what to install.
fn check_glyphs(tl: &Timeline) -> Result<(), BackendError> {
    let Ok(fonts) = FontSet::shared() else {
        return Ok(());
    };
    for seg in tl.segments(TT_TEXT) {
        let (Some(text), Some(role)) = (seg.text.as_deref(), seg.role) else {
            continue;
        };
        if let Err(e) = fonts.check_coverage(text) {
            return Err(BackendError::Unavailable(format!(
                "the {} \"{}\" ({}) cannot be drawn: {e}. Nothing was changed; change that text and try again",
                render::text::role_name(role),
                ellipsis(text, 40),
                seg.id
            )));
        }
    }
    Ok(())
}

/// Text the renderer will draw smaller than its usual size, or cannot fit at all, said at create
/// time rather than discovered in the export. Without fonts there is nothing to measure; the
/// preview and the export report that themselves.
fn text_fit_notes(tl: &Timeline) -> Vec<String> {
    let Ok(fonts) = FontSet::shared() else {
        return Vec::new();
    };
    let (w, h) = (tl.meta.width, tl.meta.height);
    tl.segments(TT_TEXT)
        .iter()
        .filter_map(|s| {
            let (text, role) = (s.text.as_deref()?, s.role?);
            match render::text::fitted_scale(text, role, s.style.as_ref(), w, h, &fonts) {
                Ok(scale) if scale < 0.995 => Some(format!(
                    "The {} \"{}\" is drawn at {:.0}% of its usual size to fit the {w}x{h} frame",
                    render::text::role_name(role),
                    ellipsis(text, 40),
                    scale * 100.0
                )),
                Err(e @ TextError::TooLong { .. }) => Some(format!("{e}; the export will fail")),
                _ => None,
            }
        })
        .collect()
}

/// `s` on one line, cut after a word to at most `max` characters, with "…" when cut.
fn ellipsis(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let head: String = one_line.chars().take(max).collect();
    // Chinese has no spaces: cut anywhere.
    let cut = head.rfind(' ').map_or(head.as_str(), |i| &head[..i]);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}
