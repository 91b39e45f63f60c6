//! Export jobs running in this process: their live status and cancellation. The workspace
//! store keeps the record of every job, including those that ended or whose process died, so a
//! job unknown here is looked up there.

use super::{BackendError, JobHandle, JobState, JobStatus};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

struct Live {
    status: watch::Receiver<JobStatus>,
    cancel: CancellationToken,
    /// Whose job it is (for the tenant's limit on renders at once).
    tenant: String,
}

/// A job's id unknown here or in the store (or another tenant's): the one answer for both.
pub fn job_not_found(job_id: &str) -> BackendError {
    BackendError::NotFound {
        what: "job",
        id: job_id.into(),
        hint: "call export_video to start one",
    }
}

/// What [`LiveJobs::find_or_start`] did.
pub enum Joined {
    /// A job already rendering this was joined.
    Running(JobHandle),
    /// A new job was registered; run it and report through `tx`.
    Started {
        /// Status updates for the new job.
        tx: watch::Sender<JobStatus>,
        /// The caller's handle on it.
        handle: JobHandle,
        /// Fires when the job is cancelled.
        cancel: CancellationToken,
    },
}

/// How a job ended.
pub struct JobEnd {
    /// Done, failed or cancelled.
    pub state: crate::backend::JobState,
    /// Percent reached.
    pub percent: f64,
    /// The last word, for a person.
    pub message: String,
    /// The finished file, when done.
    pub result: Option<crate::backend::ExportResult>,
}

/// The jobs this process is running. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct LiveJobs {
    map: Arc<Mutex<HashMap<String, Live>>>,
}

impl LiveJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Join a running job matching `pred`, or — under the same lock, so two simultaneous
    /// exports cannot both start — make a new one with `make` (which records it) and register
    /// it. `Started` carries what the caller needs to run the new job.
    pub fn find_or_start(
        &self,
        pred: impl Fn(&str, &JobStatus) -> bool,
        make: impl FnOnce() -> Result<JobStatus, BackendError>,
    ) -> Result<Joined, BackendError> {
        self.find_or_start_for(crate::tenant::DEFAULT, None, pred, make)
    }

    /// [`find_or_start`](Self::find_or_start) for `tenant`'s job: joining one of its running
    /// jobs (`pred` sees only those) is always allowed; starting a new one is refused while
    /// `max_running` of its jobs run here.
    pub fn find_or_start_for(
        &self,
        tenant: &str,
        max_running: Option<usize>,
        pred: impl Fn(&str, &JobStatus) -> bool,
        make: impl FnOnce() -> Result<JobStatus, BackendError>,
    ) -> Result<Joined, BackendError> {
        let mut map = self.lock();
        map.retain(|_, live| live.status.has_changed().is_ok());
        let found = map
            .iter()
            .filter(|(_, live)| live.tenant == tenant)
            .find_map(|(id, live)| {
                let s = live.status.borrow();
                (s.state == JobState::Running && pred(id, &s)).then(|| JobHandle {
                    job_id: id.clone(),
                    status: live.status.clone(),
                })
            });
        if let Some(h) = found {
            return Ok(Joined::Running(h));
        }
        if let Some(max) = max_running {
            let running = map
                .values()
                .filter(|l| l.tenant == tenant && l.status.borrow().state == JobState::Running)
                .count();
            if running >= max {
                return Err(BackendError::Unavailable(crate::tenant::renders_refusal(
                    tenant, running, max,
                )));
            }
        }
        let status = make()?;
        let (tx, rx) = watch::channel(status.clone());
        let cancel = CancellationToken::new();
        map.insert(
            status.job_id.clone(),
            Live {
                status: rx.clone(),
                cancel: cancel.clone(),
                tenant: tenant.to_string(),
            },
        );
        Ok(Joined::Started {
            tx,
            handle: JobHandle {
                job_id: status.job_id,
                status: rx,
            },
            cancel,
        })
    }

    /// Record a job's end: the store gets its final word, every handle its last status, and
    /// the job leaves the live table. Both backends end their jobs through here, so a job never
    /// reads "running" after its work stopped.
    pub fn finish(
        &self,
        store: &Store,
        tx: &tokio::sync::watch::Sender<JobStatus>,
        job_id: &str,
        end: JobEnd,
    ) {
        let JobEnd {
            state,
            percent,
            message,
            result,
        } = end;
        let json = result.as_ref().and_then(|r| serde_json::to_value(r).ok());
        if let Err(e) = store.update_job(job_id, state, percent, &message, json.as_ref()) {
            tracing::warn!(error = %e, "could not record the job's end");
        }
        tx.send_modify(|s| {
            s.state = state;
            s.percent = percent;
            s.message = message;
            s.result = result;
        });
        self.lock().remove(job_id);
    }

    /// A job's status: live when it runs here, else as stored.
    pub fn status(&self, job_id: &str, store: &Store) -> Result<JobStatus, BackendError> {
        if let Some(live) = self.lock().get(job_id) {
            let mut s = live.status.borrow().clone();
            if live.cancel.is_cancelled() {
                stopping(&mut s);
            }
            return Ok(s);
        }
        let rec = store.job(job_id)?.ok_or_else(|| job_not_found(job_id))?;
        Ok(JobStatus::from_record(&rec))
    }

    /// Cancel a running job and wait (up to `wait`) until it has stopped and cleaned up. A job
    /// still running after that is reported as stopping, never as if it had stopped.
    pub async fn cancel(
        &self,
        job_id: &str,
        store: &Store,
        wait: Duration,
    ) -> Result<JobStatus, BackendError> {
        let live = self
            .lock()
            .get(job_id)
            .map(|l| (l.status.clone(), l.cancel.clone()));
        let Some((mut rx, token)) = live else {
            return self.status(job_id, store);
        };
        token.cancel();
        let _ = tokio::time::timeout(wait, rx.wait_for(|s| s.state != JobState::Running)).await;
        let mut s = rx.borrow().clone();
        stopping(&mut s);
        Ok(s)
    }
}

/// A running job whose cancellation was asked for says so (its last progress stays in view).
fn stopping(s: &mut JobStatus) {
    if s.state == JobState::Running && !s.message.starts_with("Stopping") {
        s.message = format!(
            "Stopping: cancellation was requested and the job is winding down (it was at: {}). Ask for its status again in a moment",
            s.message
        );
    }
}
