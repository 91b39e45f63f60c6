//! The front end's backend in cluster mode: editing, media intake, timelines and previews are
//! the local engine's, on the workspace's replica of the shared sessions (pulled before each
//! request, pushed after each change, see [`super::sessions`]); exports are render jobs on the
//! cluster, their results in the object store behind a download link.

use super::connect::{JOBS_SUBJECT, cancel_subject, progress_subject};
use super::job::{JobMedia, JobRecord, Progress, RenderJob, job_key, media_object};
use super::sessions::{Pulled, SessionBook, SyncError};
use super::{Cluster, ClusterError, limits};
use crate::backend::jobs::job_not_found;
use crate::backend::local::{LocalBackend, own_aspect};
use crate::backend::{
    Backend, BackendError, CreateRequest, Created, Credits, ExportRequest, JobHandle, JobState,
    JobStatus, Preview, TimelineState, Uploaded,
};
use crate::media::Source;
use crate::tenant::{Tenant, TenantId};
use async_nats::jetstream::kv;
use async_trait::async_trait;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::watch;

/// How long a cancel waits for the worker rendering the job to say it stopped.
const CANCEL_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// How many times an edit is made again on top of another front end's before giving up.
const SYNC_TRIES: u32 = 8;

/// The front end's engine in cluster mode.
#[derive(Clone)]
pub struct ClusterBackend {
    local: LocalBackend,
    cluster: Cluster,
    /// `http://host:port` the download links start with (known once the server listens).
    base_url: Arc<OnceLock<String>>,
    /// One change at a time per session on this front end (its replica is one workspace).
    editing: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl ClusterBackend {
    /// Sessions in `local`, renders on `cluster`; download links start with what `base_url`
    /// holds when a result is shown.
    pub fn new(local: LocalBackend, cluster: Cluster, base_url: Arc<OnceLock<String>>) -> Self {
        ClusterBackend {
            local,
            cluster,
            base_url,
            editing: Arc::default(),
        }
    }

    fn book(&self) -> SessionBook {
        SessionBook::new(self.cluster.sessions.clone(), self.cluster.files.clone())
    }

    fn sync_error(&self, session: &str, e: SyncError) -> BackendError {
        match e {
            SyncError::Foreign(_) => BackendError::NotFound {
                what: "session",
                id: session.into(),
                hint: "omit session_id to start a new session",
            },
            SyncError::Conflict(_) => BackendError::Unavailable(format!(
                "session {session} is being edited through other front ends without pause; try again"
            )),
            SyncError::Cluster(e) => e.into(),
        }
    }

    /// The lock that keeps changes of `session`'s replica on this front end one at a time.
    fn session_lock(&self, session: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.editing.lock().unwrap_or_else(|e| e.into_inner());
        // Locks nobody holds or waits for go, so the map does not grow with every session
        // ever served (a lock in use has a clone outside the map).
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(session.to_string()).or_default().clone()
    }

    /// Bring this front end's replica of `session` up to the shared one (never while a
    /// change of it is being made here: that change's base would move under it).
    async fn pull(&self, session: &str) -> Result<Pulled, BackendError> {
        let lock = self.session_lock(session);
        let _one_at_a_time = lock.lock().await;
        self.pull_locked(session).await
    }

    async fn pull_locked(&self, session: &str) -> Result<Pulled, BackendError> {
        self.book()
            .pull(
                self.local.store(),
                session,
                &self.tenant_name(),
                &self.local.media_dir(),
            )
            .await
            .map_err(|e| self.sync_error(session, e))
    }

    /// Run a change on the replica and publish it; when another front end changed the
    /// session meanwhile, withdraw it and run it again on top of theirs. `change` returns
    /// its result and the session it changed (a new one when `session` is `None`).
    async fn change<T, F, Fut>(&self, session: Option<&str>, change: F) -> Result<T, BackendError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(T, String), BackendError>>,
    {
        let lock = session.map(|s| self.session_lock(s));
        let _one_at_a_time = match &lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        let store = self.local.store();
        let tenant = self.tenant_name();
        let mut tries = 0;
        loop {
            tries += 1;
            let base = match session {
                Some(s) => self.pull_locked(s).await?,
                None => Pulled::nothing(),
            };
            let (out, sid) = change().await?;
            match self.book().push(store, &sid, &tenant, &base).await {
                Ok(()) => return Ok(out),
                Err(e) => {
                    store.withdraw_after(&sid, base.newest(), base.head())?;
                    match e {
                        SyncError::Conflict(_) if tries < SYNC_TRIES => {
                            tracing::info!(session = %sid, tries, "session changed elsewhere; editing again on top");
                        }
                        e => return Err(self.sync_error(&sid, e)),
                    }
                }
            }
        }
    }

    fn tenant_name(&self) -> String {
        self.local.tenant().as_str().to_string()
    }

    fn link(&self, job_id: &str) -> Option<String> {
        self.base_url
            .get()
            .map(|b| format!("{}/exports/{job_id}", b.trim_end_matches('/')))
    }

    /// The record of a job this tenant owns; any other id is "not found".
    async fn record(&self, job_id: &str) -> Result<(JobRecord, u64), BackendError> {
        let entry = super::patiently(30, || self.cluster.jobs.entry(job_id))
            .await
            .map_err(|e| ClusterError::js("read a job", e))?;
        match entry.and_then(|e| JobRecord::from_bytes(&e.value).map(|r| (r, e.revision))) {
            Some((rec, rev)) if rec.tenant == self.tenant_name() => Ok((rec, rev)),
            _ => Err(job_not_found(job_id)),
        }
    }

    /// Put the media the job needs in the object store (streamed from the workspace file)
    /// unless they are there already.
    async fn store_media(
        &self,
        media: Vec<crate::media::MediaInfo>,
    ) -> Result<Vec<JobMedia>, BackendError> {
        let tenant = self.tenant_name();
        let mut out = Vec::new();
        for info in media {
            let object = media_object(&tenant, &info.id);
            if self.cluster.files.info(object.as_str()).await.is_err() {
                let mut file = tokio::fs::File::open(&info.path).await.map_err(|e| {
                    BackendError::Unavailable(format!("cannot read {}: {e}", info.path.display()))
                })?;
                self.cluster
                    .files
                    .put(object.as_str(), &mut file)
                    .await
                    .map_err(|e| ClusterError::js("store a media file", e))?;
            }
            out.push(JobMedia { info, object });
        }
        Ok(out)
    }

    /// Publish `job`; the stream drops a second copy with the same message id (sent by another
    /// front end within the dedupe window).
    async fn publish(&self, job: &RenderJob, generation: u64) -> Result<(), BackendError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            "Nats-Msg-Id",
            format!("{}-{generation}", job.job_id).as_str(),
        );
        let body = serde_json::to_vec(job)
            .map_err(|e| BackendError::Unavailable(format!("cannot encode the job: {e}")))?;
        self.cluster
            .js
            .publish_with_headers(JOBS_SUBJECT, headers, body.into())
            .await
            .map_err(|e| ClusterError::js("queue the render job", e))?
            .await
            .map_err(|e| ClusterError::js("queue the render job", e))?;
        Ok(())
    }

    /// A handle following the job: progress from its subject, state from its record.
    async fn follow(&self, rec: JobRecord) -> Result<JobHandle, BackendError> {
        let job_id = rec.job_id.clone();
        let (tx, rx) = watch::channel(rec.status(self.link(&job_id)));
        if rec.ended() {
            return Ok(JobHandle::finished(rec.status(self.link(&job_id))));
        }
        let progress = self
            .cluster
            .client
            .subscribe(progress_subject(&job_id))
            .await
            .map_err(|e| ClusterError::js("follow the job's progress", e))?;
        // Opened again by the tracker when the cluster cannot answer now.
        let updates = self
            .cluster
            .jobs
            .watch_with_history(job_id.as_str())
            .await
            .ok();
        tokio::spawn(self.clone().track(job_id.clone(), tx, progress, updates));
        Ok(JobHandle { job_id, status: rx })
    }
}

impl ClusterBackend {
    /// Keep `tx` up to date until the job ends or nobody listens: live progress from the
    /// job's subject, states from its record. A watch broken by a lost server is opened again
    /// (it starts with the current record, so nothing is missed).
    async fn track(
        self,
        job_id: String,
        tx: watch::Sender<JobStatus>,
        mut progress: async_nats::Subscriber,
        mut updates: Option<kv::Watch>,
    ) {
        loop {
            let Some(w) = updates.as_mut() else {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    _ = tx.closed() => return,
                }
                updates = self
                    .cluster
                    .jobs
                    .watch_with_history(job_id.as_str())
                    .await
                    .ok();
                continue;
            };
            tokio::select! {
                Some(p) = progress.next() => {
                    if let Ok(p) = serde_json::from_slice::<Progress>(&p.payload) {
                        tx.send_modify(|s| if s.state == JobState::Running {
                            s.percent = p.percent;
                            s.message = p.message;
                        });
                    }
                }
                e = w.next() => {
                    let Some(Ok(e)) = e else {
                        updates = None;
                        continue;
                    };
                    if e.operation != kv::Operation::Put { continue }
                    let Some(rec) = JobRecord::from_bytes(&e.value) else { continue };
                    let ended = rec.ended();
                    let status = rec.status(self.link(&rec.job_id));
                    tx.send_modify(|s| {
                        // A progress report may be newer than a running record.
                        if ended || status.percent >= s.percent {
                            *s = status;
                        } else {
                            s.message = status.message;
                        }
                    });
                    if ended { return }
                }
                _ = tx.closed() => return,
            }
        }
    }
}

#[async_trait]
impl Backend for ClusterBackend {
    fn name(&self) -> &'static str {
        "local"
    }

    fn supports_edits(&self) -> bool {
        true
    }

    fn tenant(&self) -> TenantId {
        self.local.tenant()
    }

    fn for_tenant(&self, tenant: Tenant) -> Result<Arc<dyn Backend>, BackendError> {
        Ok(Arc::new(ClusterBackend {
            local: self.local.scoped(tenant)?,
            ..self.clone()
        }))
    }

    async fn upload(
        &self,
        session_id: Option<&str>,
        files: &[Source],
    ) -> Result<Uploaded, BackendError> {
        // The push puts the media in the object store now, so a worker never waits on a
        // front end's disk and every front end can read them.
        let local = &self.counted().await?;
        self.change(session_id, || async move {
            let up = local.upload(session_id, files).await?;
            let sid = up.session_id.clone();
            Ok((up, sid))
        })
        .await
    }

    async fn create(&self, req: CreateRequest) -> Result<Created, BackendError> {
        let session = req.session_id.clone();
        let req = &req;
        self.change(session.as_deref(), || async move {
            let made = self.local.create(req.clone()).await?;
            let sid = made.session_id.clone();
            Ok((made, sid))
        })
        .await
    }

    async fn credits(&self) -> Result<Credits, BackendError> {
        let mut c = self.counted().await?.credits().await?;
        c.note = format!(
            "{} Renders run on the cluster's workers.",
            c.note.trim_end()
        );
        Ok(c)
    }

    async fn timeline(&self, session_id: &str) -> Result<TimelineState, BackendError> {
        self.pull(session_id).await?;
        self.local.timeline(session_id).await
    }

    async fn timeline_at(
        &self,
        session_id: &str,
        revision: u64,
    ) -> Result<TimelineState, BackendError> {
        self.pull(session_id).await?;
        self.local.timeline_at(session_id, revision).await
    }

    async fn history(&self, session_id: &str) -> Result<Vec<crate::store::Revision>, BackendError> {
        self.pull(session_id).await?;
        self.local.history(session_id).await
    }

    async fn preview(&self, session_id: &str) -> Result<Preview, BackendError> {
        self.pull(session_id).await?;
        self.local.preview(session_id).await
    }

    async fn export(&self, req: ExportRequest) -> Result<JobHandle, BackendError> {
        if req.output.is_some() {
            return Err(BackendError::Unavailable(
                "output_path is not available in cluster mode: the export is rendered by a worker and kept in the cluster's object store, not on this server's disk. Leave out output_path; the result gives a download link (GET /exports/<job id> with your bearer token)".into(),
            ));
        }
        if req.captions_file {
            return Err(BackendError::Unavailable(
                "captions_file is not available in cluster mode yet: there is no server folder to put the .srt and .vtt in. Leave out captions_file; the captions' words and times are in get_timeline".into(),
            ));
        }
        let session = req.session_id.clone();
        self.pull(&session).await?;
        let state = match req.revision {
            Some(rev) => self.local.timeline_at(&session, rev).await?,
            None => self.local.timeline(&session).await.map_err(|e| match e {
                BackendError::Unavailable(_) => BackendError::Unavailable(format!(
                    "session {session} has no timeline to export; call create_video first"
                )),
                e => e,
            })?,
        };
        let tl = state.timeline;
        let own = own_aspect(&tl);
        let shape = req.shape.filter(|a| Some(*a) != own);
        let tl = match shape {
            Some(a) => crate::director::format::reshape(&tl, a),
            None => tl,
        };
        let shape_s = shape.map(|a| a.as_str().to_string());
        let tenant = self.tenant_name();
        let job_id = job_key(&tenant, &session, tl.rev, shape_s.as_deref(), req.draft);
        // Joined when another request (here or on another front end) made it first.
        if let Ok((rec, rev)) = self.record(&job_id).await {
            let retry = matches!(rec.state, JobState::Failed | JobState::Cancelled);
            if !retry {
                return self.follow(rec).await;
            }
            self.within_limits().await?;
            let media = self
                .store_media(self.local.session_media(&session)?)
                .await?;
            let job = self.make_job(job_id, tenant, session, tl, shape_s, req.draft, media);
            let fresh = JobRecord::queued(&job);
            // Only one front end restarts a failed job: the others see the new revision.
            return match self
                .cluster
                .jobs
                .update(job.job_id.as_str(), fresh.to_bytes(), rev)
                .await
            {
                Ok(generation) => {
                    self.publish(&job, generation).await?;
                    self.follow(fresh).await
                }
                Err(_) => self.follow(self.record(&job.job_id).await?.0).await,
            };
        }
        self.within_limits().await?;
        let media = self
            .store_media(self.local.session_media(&session)?)
            .await?;
        let job = self.make_job(job_id, tenant, session, tl, shape_s, req.draft, media);
        let rec = JobRecord::queued(&job);
        match self
            .cluster
            .jobs
            .create(job.job_id.as_str(), rec.to_bytes())
            .await
        {
            Ok(generation) => {
                if let Err(e) = self.publish(&job, generation).await {
                    let _ = self.cluster.jobs.delete(job.job_id.as_str()).await;
                    return Err(e);
                }
                self.follow(rec).await
            }
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                self.follow(self.record(&job.job_id).await?.0).await
            }
            Err(e) => Err(ClusterError::js("record the job", e).into()),
        }
    }

    async fn job(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        let (rec, _) = self.record(job_id).await?;
        Ok(rec.status(self.link(job_id)))
    }

    async fn cancel(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        // Mark the record first (compare-and-set, so a worker's write in between is seen):
        // a worker that takes the job later skips it, the one rendering it will not record
        // it done. Then tell that worker to stop now.
        for _ in 0..SYNC_TRIES {
            let (rec, rev) = self.record(job_id).await?;
            if rec.ended() {
                return Ok(rec.status(self.link(job_id)));
            }
            let mut cancelled = rec.clone();
            cancelled.state = JobState::Cancelled;
            cancelled.message = match &rec.worker {
                Some(w) => format!(
                    "Cancelled while worker {w} was rendering it ({:.0}%); nothing was kept",
                    rec.percent
                ),
                None => "Cancelled before a worker took it; nothing was rendered".into(),
            };
            if self
                .cluster
                .jobs
                .update(job_id, cancelled.to_bytes(), rev)
                .await
                .is_err()
            {
                continue;
            }
            if rec.worker.is_some() {
                let asked = self
                    .cluster
                    .client
                    .request(cancel_subject(job_id), bytes::Bytes::new());
                match tokio::time::timeout(CANCEL_WAIT, asked).await {
                    Ok(Ok(_)) => tracing::info!(job = %job_id, "the worker stopped the render"),
                    Ok(Err(e)) => {
                        tracing::info!(job = %job_id, error = %e, "no worker answered the cancel (it skips the job when it sees the record)")
                    }
                    Err(_) => {
                        tracing::warn!(job = %job_id, "the worker did not confirm the cancel in time; it will not keep the output")
                    }
                }
            }
            return Ok(cancelled.status(None));
        }
        Err(BackendError::Unavailable(format!(
            "job {job_id} changed too often to cancel just now; try again"
        )))
    }
}

impl ClusterBackend {
    /// The local engine counting the tenant's storage across the cluster (when it has a
    /// storage limit; otherwise as it is).
    async fn counted(&self) -> Result<LocalBackend, BackendError> {
        if self.local.limits().max_bytes.is_none() {
            return Ok(self.local.clone());
        }
        let used = limits::usage(&self.cluster, &self.tenant_name()).await?;
        Ok(self.local.counting_usage(used))
    }

    /// Refuse a new render past the tenant's limits, counted over every front end.
    async fn within_limits(&self) -> Result<(), BackendError> {
        let lim = self.local.limits();
        let tenant = self.tenant_name();
        if let Some(max) = lim.max_renders {
            let running = limits::renders_in_flight(&self.cluster, &tenant).await?;
            if running >= max {
                return Err(BackendError::Unavailable(crate::tenant::renders_refusal(
                    &tenant, running, max,
                )));
            }
        }
        if let Some(max) = lim.max_bytes {
            let used = limits::usage(&self.cluster, &tenant).await?;
            if used >= max {
                return Err(BackendError::Unavailable(crate::tenant::storage_refusal(
                    &tenant, used, max, 0,
                )));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn make_job(
        &self,
        job_id: String,
        tenant: String,
        session_id: String,
        timeline: crate::timeline::Timeline,
        shape: Option<String>,
        draft: bool,
        media: Vec<JobMedia>,
    ) -> RenderJob {
        RenderJob {
            job_id,
            tenant,
            session_id,
            revision: timeline.rev,
            shape,
            draft,
            timeline,
            media,
        }
    }
}
