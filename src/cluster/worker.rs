//! A render worker: pulls one job at a time from the workers' consumer, renders it, stores the
//! MP4 in the object store and acknowledges it.
//!
//! While rendering it tells the server it is still working (an in-progress ack every third of
//! the ack wait), so a long render is not handed to another worker; a worker that dies stops
//! doing so and its job goes to another after the ack wait. A failed attempt is retried (nak)
//! until the consumer's delivery limit; the last one goes to the dead-letter subject with its
//! reason and the job record says why it failed.

use super::connect::{cancel_subject, progress_subject};
use super::job::{DeadLetter, JobRecord, Progress, RenderJob, export_object};
use super::registry::{Beacon, Outcome};
use super::team::{HELP_SUBJECT, WorkerTeam};
use super::{Cluster, ClusterError};
use crate::backend::local::{for_quality, own_aspect, progress_message};
use crate::backend::{ExportResult, JobState};
use crate::ffmpeg::Tools;
use crate::media::MediaInfo;
use crate::publish::readiness;
use crate::render::cache::RenderCache;
use crate::render::{self, RenderProgress, RenderRequest};
use async_nats::jetstream::{AckKind, Message, kv, object_store};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often a worker tries an object-store transfer that failed for the cluster's sake (a
/// node lost, a leader being elected), and the pause between tries: about a minute in all.
const TRANSIENT_TRIES: u32 = 30;
const TRANSIENT_PAUSE: Duration = Duration::from_secs(2);

/// A worker's settings.
pub struct Worker {
    /// The cluster.
    pub cluster: Cluster,
    /// ffmpeg and ffprobe.
    pub tools: Tools,
    /// Where media copies and scratch files go (a folder of this worker's own is made in it).
    pub scratch: PathBuf,
    /// This worker's name in job records.
    pub name: String,
    /// Its render cache (backed by the cluster's shared tier), or none when turned off.
    pub cache: Option<RenderCache>,
}

impl Worker {
    /// Take jobs until `shutdown` fires; a job being rendered then is finished first.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<(), ClusterError> {
        let consumer = self.cluster.workers_consumer().await?;
        let leaving = CancellationToken::new();
        let (beacon, beating) =
            Beacon::start(self.cluster.workers.clone(), &self.name, leaving.clone()).await;
        tokio::spawn(super::advisory::watch(
            self.cluster.clone(),
            leaving.clone(),
        ));
        eprintln!(
            "reelsmith worker {} taking render jobs (ack wait {} s, {} deliveries at most)",
            self.name,
            self.cluster.opts.ack_wait.as_secs(),
            self.cluster.opts.max_deliver
        );
        while !shutdown.is_cancelled() {
            // Ask for one job only when idle, so none waits in this worker's buffer.
            let batch = consumer
                .fetch()
                .max_messages(1)
                .expires(Duration::from_secs(5))
                .messages()
                .await;
            let mut batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot fetch jobs; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = shutdown.cancelled() => {}
                    }
                    continue;
                }
            };
            loop {
                let next = tokio::select! {
                    m = batch.next() => m,
                    _ = shutdown.cancelled() => None,
                };
                match next {
                    Some(Ok(msg)) => self.handle(msg, &beacon).await,
                    Some(Err(e)) => {
                        // A broken batch can keep yielding the same error: fetch anew, after a
                        // pause, rather than spin on it.
                        tracing::warn!(error = %e, "fetching a job failed; fetching again");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = shutdown.cancelled() => {}
                        }
                        break;
                    }
                    None => break,
                }
            }
        }
        // Off the registry at once, rather than when the entry expires.
        leaving.cancel();
        let _ = beating.await;
        Ok(())
    }

    /// Render one delivered job and settle it (ack, nak or dead-letter).
    async fn handle(&self, msg: Message, beacon: &Beacon) {
        if msg.subject.as_str() == HELP_SUBJECT {
            return self.help(msg, beacon).await;
        }
        let attempt = msg.info().map(|i| i.delivered).unwrap_or(1);
        // Time in the queue (since the job was published), for operators and bench/cluster.sh.
        let waited_ms = msg.info().map_or(0, |i| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as i128);
            ((now - i.published.unix_timestamp_nanos()) / 1_000_000).max(0) as u64
        });
        let started = std::time::Instant::now();
        let job: RenderJob = match serde_json::from_slice(&msg.payload) {
            Ok(j) => j,
            Err(e) => {
                let reason = format!("the job message cannot be read: {e}");
                self.dead_letter("unknown", "unknown", attempt, &reason)
                    .await;
                let _ = msg.ack_with(AckKind::Term).await;
                return;
            }
        };
        let key = job.job_id.clone();
        // Listen for a cancel before reading the record: one sent earlier shows in the record,
        // one sent later reaches the listener.
        let cancel = CancellationToken::new();
        let listener = self.listen_for_cancel(&key, cancel.clone()).await;
        let (current, mut rev) = self.current(&key).await;
        match current.as_ref().map(|r| r.state) {
            // Idempotent: a job already rendered is not rendered again.
            Some(JobState::Done) if self.cluster.files.info(export_object(&key)).await.is_ok() => {
                let _ = msg.double_ack().await;
                return;
            }
            Some(JobState::Cancelled) => {
                tracing::info!(job = %key, worker = %self.name, "job cancelled before it was rendered; skipped");
                beacon.end(&key, Outcome::Cancelled);
                let _ = msg.ack_with(AckKind::Term).await;
                return;
            }
            _ => {}
        }
        let mut rec = JobRecord::queued(&job);
        rec.attempts = attempt;
        rec.worker = Some(self.name.clone());
        rec.message = format!("Preparing (attempt {attempt})");
        if self.save(&rec, &mut rev).await.is_err() {
            tracing::info!(job = %key, worker = %self.name, "job cancelled before it was rendered; skipped");
            beacon.end(&key, Outcome::Cancelled);
            let _ = msg.ack_with(AckKind::Term).await;
            return;
        }

        tracing::info!(job = %key, attempt, waited_ms, worker = %self.name, "job started");
        beacon.begin(&key);
        let msg = Arc::new(msg);
        let heartbeat = {
            let msg = msg.clone();
            let every = (self.cluster.opts.ack_wait / 3).max(Duration::from_millis(300));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = msg.ack_with(AckKind::Progress).await {
                        tracing::warn!(error = %e, "in-progress ack failed");
                    }
                }
            })
        };
        let outcome = self.render(&job, &mut rec, beacon, &cancel).await;
        heartbeat.abort();
        // Settle the record; one cancelled meanwhile keeps the front end's word and no output.
        let settled = if cancel.is_cancelled() {
            Err(Cancelled)
        } else {
            match &outcome {
                Ok(()) => self.save(&rec, &mut rev).await,
                Err(reason) if attempt >= self.cluster.opts.max_deliver => {
                    // The letter first: whoever sees the record failed can find it.
                    self.dead_letter(&key, &job.tenant, attempt, reason).await;
                    rec.state = JobState::Failed;
                    rec.message = format!("Render failed after {attempt} attempt(s): {reason}");
                    self.save(&rec, &mut rev).await
                }
                Err(reason) => {
                    tracing::warn!(job = %key, attempt, reason, "attempt failed; the job is retried");
                    rec.message = format!("Attempt {attempt} failed ({reason}); retrying");
                    self.save(&rec, &mut rev).await
                }
            }
        };
        let stopped_for = listener.stop();
        if settled.is_err() {
            if outcome.is_ok() {
                // Stored just before the cancel was seen: take it back.
                let _ = self.cluster.files.delete(export_object(&key)).await;
            }
            tracing::info!(job = %key, worker = %self.name, "job cancelled; its render was stopped and nothing was kept");
            beacon.end(&key, Outcome::Cancelled);
            let _ = msg.ack_with(AckKind::Term).await;
            for reply in stopped_for {
                let _ = self
                    .cluster
                    .client
                    .publish(reply, format!("stopped by worker {}", self.name).into())
                    .await;
            }
            return;
        }
        match outcome {
            Ok(()) => {
                beacon.end(&key, Outcome::Done);
                let render_ms = started.elapsed().as_millis() as u64;
                tracing::info!(job = %key, waited_ms, render_ms, worker = %self.name, "job done");
                if let Err(e) = msg.double_ack().await {
                    tracing::warn!(job = %key, error = %e, "ack of a finished job failed; it may be delivered again (and found done)");
                }
            }
            Err(_) if attempt >= self.cluster.opts.max_deliver => {
                beacon.end(&key, Outcome::Failed);
                let _ = msg.ack_with(AckKind::Term).await;
            }
            Err(_) => {
                beacon.end(&key, Outcome::Failed);
                let _ = msg
                    .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                    .await;
            }
        }
    }

    /// Subscribe to the job's cancel subject: a message fires `cancel`, and its reply subject
    /// is kept to answer once the render has stopped.
    pub(super) async fn listen_for_cancel(
        &self,
        job_id: &str,
        cancel: CancellationToken,
    ) -> CancelListener {
        let asked: Arc<Mutex<Vec<async_nats::Subject>>> = Arc::default();
        let task = match self.cluster.client.subscribe(cancel_subject(job_id)).await {
            Ok(mut sub) => {
                // The server has the subscription before the record is read.
                let _ = self.cluster.client.flush().await;
                let asked = asked.clone();
                Some(tokio::spawn(async move {
                    while let Some(m) = sub.next().await {
                        if let Some(r) = m.reply {
                            asked.lock().unwrap_or_else(|e| e.into_inner()).push(r);
                        }
                        cancel.cancel();
                    }
                }))
            }
            Err(e) => {
                tracing::warn!(job = %job_id, error = %e, "cannot listen for a cancel; the record is checked instead");
                None
            }
        };
        CancelListener { task, asked }
    }

    /// The job's record and its KV revision (0 when there is none), retried while the
    /// cluster elects a leader.
    pub(super) async fn current(&self, key: &str) -> (Option<JobRecord>, u64) {
        match super::patiently(30, || self.cluster.jobs.entry(key)).await {
            Ok(Some(e)) if e.operation == kv::Operation::Put => {
                (JobRecord::from_bytes(&e.value), e.revision)
            }
            Ok(Some(e)) => (None, e.revision),
            Ok(None) => (None, 0),
            Err(e) => {
                tracing::warn!(job = %key, error = %e, "cannot read the job's record");
                (None, 0)
            }
        }
    }

    /// Record the job's state over the revision last seen (`rev`, moved on). Another writer
    /// in between is looked at: when it cancelled the job, Err and the record keeps its word.
    /// Retried for a while (a node may be going away meanwhile).
    async fn save(&self, rec: &JobRecord, rev: &mut u64) -> Result<(), Cancelled> {
        for attempt in 1..=30 {
            let key = rec.job_id.as_str();
            match self.cluster.jobs.update(key, rec.to_bytes(), *rev).await {
                Ok(n) => {
                    *rev = n;
                    return Ok(());
                }
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    let (now, at) = self.current(key).await;
                    if now.is_some_and(|r| r.state == JobState::Cancelled) {
                        return Err(Cancelled);
                    }
                    *rev = at;
                }
                Err(e) if attempt == 30 => {
                    tracing::warn!(job = %rec.job_id, error = %e, "cannot record the job's state")
                }
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
        Ok(())
    }

    /// Fetch the media, render, and store the MP4; `rec` ends up done.
    async fn render(
        &self,
        job: &RenderJob,
        rec: &mut JobRecord,
        beacon: &Beacon,
        cancel: &CancellationToken,
    ) -> Result<(), String> {
        let (dir, media) = self.scratch_with_media(job, "worker", cancel).await?;
        let (tl, encode) = for_quality(job.timeline.clone(), job.draft);
        let output = dir.path().join("out.mp4");
        let cache = self.cache.as_ref().map(|c| c.scoped(&job.tenant));
        let team = self.team(job, rec.attempts);
        let cluster = self.cluster.clone();
        let subject = progress_subject(&job.job_id);
        let last = Mutex::new(Instant::now() - Duration::from_secs(10));
        let on_progress = |p: RenderProgress| {
            let mut l = last.lock().unwrap_or_else(|e| e.into_inner());
            if l.elapsed() < Duration::from_millis(500) {
                return;
            }
            *l = Instant::now();
            let message = progress_message(&p);
            beacon.progress(&job.job_id, p.percent, &message);
            let body = serde_json::to_vec(&Progress {
                percent: p.percent,
                message,
            })
            .unwrap_or_default();
            let (client, subject) = (cluster.client.clone(), subject.clone());
            tokio::spawn(async move {
                let _ = client.publish(subject, body.into()).await;
            });
        };
        let rendered = render::render(
            &RenderRequest {
                timeline: &tl,
                media: &media,
                output: &output,
                overwrite: true,
                scratch: dir.path(),
                encode,
                cache: cache.as_ref(),
                one_window: false,
                team: Some(&team),
            },
            &self.tools,
            &on_progress,
            cancel,
        )
        .await
        .map_err(|e| e.to_string())?;
        (rec.windows_rendered, rec.windows_reused, rec.windows_helped) = (
            rendered.windows_rendered,
            rendered.windows_reused,
            rendered.windows_helped,
        );
        rec.helpers = rendered.helpers.clone();
        tracing::info!(
            job = %job.job_id,
            rendered = rendered.windows_rendered,
            reused = rendered.windows_reused,
            helped = rendered.windows_helped,
            helpers = ?rendered.helpers,
            "video windows"
        );
        let readiness = match own_aspect(&tl) {
            Some(aspect) if !job.draft => {
                readiness::report(&rendered, aspect, &tl, &media, &self.tools, cache.as_ref()).await
            }
            _ => Vec::new(),
        };
        let object = export_object(&job.job_id);
        let mut tries = 0;
        loop {
            tries += 1;
            let mut file = tokio::fs::File::open(&output)
                .await
                .map_err(|e| format!("cannot read the render: {e}"))?;
            match self.cluster.files.put(object.as_str(), &mut file).await {
                Ok(_) => break,
                Err(e) if tries >= TRANSIENT_TRIES => {
                    return Err(format!("cannot store the export: {e}"));
                }
                Err(e) => {
                    tracing::info!(error = %e, "storing the export failed; trying again");
                    tokio::time::sleep(TRANSIENT_PAUSE).await;
                }
            }
        }
        let res = ExportResult {
            path: PathBuf::from(&object),
            duration_s: rendered.duration_s,
            width: rendered.width,
            height: rendered.height,
            size_bytes: rendered.size_bytes,
            url: None,
            readiness,
            captions_files: Vec::new(),
        };
        rec.state = JobState::Done;
        rec.percent = 100.0;
        rec.message = format!(
            "{}: {object} ({:.1} s, {}x{}, {:.1} MB)",
            if job.draft { "Draft done" } else { "Done" },
            res.duration_s,
            res.width,
            res.height,
            res.size_bytes as f64 / 1e6
        );
        rec.result = Some(res);
        Ok(())
    }

    /// This worker's view of `job`'s team (delivery `attempt`).
    pub(super) fn team<'a>(&'a self, job: &'a RenderJob, attempt: i64) -> WorkerTeam<'a> {
        WorkerTeam {
            js: self.cluster.js.clone(),
            claims: self.cluster.claims.clone(),
            me: &self.name,
            job,
            attempt,
        }
    }

    /// A scratch folder of this worker's (named `what-<pid>-…`) with the job's media in it.
    pub(super) async fn scratch_with_media(
        &self,
        job: &RenderJob,
        what: &str,
        cancel: &CancellationToken,
    ) -> Result<(tempfile::TempDir, HashMap<String, MediaInfo>), String> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{what}-{}-", std::process::id()))
            .tempdir_in(&self.scratch)
            .map_err(|e| format!("cannot make a scratch folder: {e}"))?;
        let media = tokio::select! {
            m = self.fetch_media(job, dir.path()) => m?,
            _ = cancel.cancelled() => return Err("cancelled".into()),
        };
        Ok((dir, media))
    }

    /// Copy the job's media from the object store into `dir`, streamed.
    async fn fetch_media(
        &self,
        job: &RenderJob,
        dir: &Path,
    ) -> Result<HashMap<String, MediaInfo>, String> {
        let mut out = HashMap::new();
        for m in &job.media {
            let ext = m
                .info
                .path
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            let path = dir.join(format!("{}{ext}", m.info.id));
            // A node going away times requests out until the cluster has a new leader: try
            // again for a while rather than spend one of the job's deliveries on it.
            let mut tries = 0;
            loop {
                tries += 1;
                // In a task of its own: the client's object reader panics when the cluster
                // times out mid-read (async-nats 0.50 unwraps there); that is one more try.
                let (files, object, id, path) = (
                    self.cluster.files.clone(),
                    m.object.clone(),
                    m.info.id.clone(),
                    path.clone(),
                );
                let fetched = tokio::spawn(async move {
                    let mut obj = files.get(object.as_str()).await.map_err(|e| {
                        let missing = e.kind() == object_store::GetErrorKind::NotFound;
                        (
                            missing,
                            format!("media {id} is not in the object store: {e}"),
                        )
                    })?;
                    let mut file = tokio::fs::File::create(&path)
                        .await
                        .map_err(|e| (true, format!("cannot write media {id}: {e}")))?;
                    tokio::io::copy(&mut obj, &mut file)
                        .await
                        .map_err(|e| (false, format!("cannot fetch media {id}: {e}")))
                })
                .await
                .unwrap_or_else(|e| Err((false, format!("fetching media failed: {e}"))));
                match fetched {
                    Ok(_) => break,
                    Err((final_, e)) if final_ || tries >= TRANSIENT_TRIES => return Err(e),
                    Err((_, e)) => {
                        tracing::info!(error = %e, "fetching media failed; trying again");
                        tokio::time::sleep(TRANSIENT_PAUSE).await;
                    }
                }
            }
            let mut info = m.info.clone();
            info.path = path;
            out.insert(info.id.clone(), info);
        }
        Ok(out)
    }

    async fn dead_letter(&self, job_id: &str, tenant: &str, attempts: i64, reason: &str) {
        let letter = DeadLetter {
            job_id: job_id.into(),
            tenant: tenant.into(),
            attempts,
            reason: reason.into(),
        };
        super::advisory::dead_letter(&self.cluster, &letter).await;
    }
}

/// The job was cancelled through a front end.
struct Cancelled;

/// A job's cancel subscription while it is handled.
pub(super) struct CancelListener {
    task: Option<tokio::task::JoinHandle<()>>,
    asked: Arc<Mutex<Vec<async_nats::Subject>>>,
}

impl CancelListener {
    /// Unsubscribe; the reply subjects of those who asked to cancel.
    pub(super) fn stop(self) -> Vec<async_nats::Subject> {
        if let Some(t) = self.task {
            t.abort();
        }
        std::mem::take(&mut *self.asked.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
