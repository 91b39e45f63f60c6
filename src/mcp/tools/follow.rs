//! Following a render job to its end, shared by export_video's waiting call and its MCP task:
//! each status goes to the progress reporter (and `on_status`), a 1 s tick keeps progress
//! flowing while the job is quiet, and the caller's `stop` future (a deadline, a cancelled
//! request, a cancelled task) ends the wait early.

use crate::backend::{Backend, BackendError, JobState, JobStatus};
use crate::mcp::Progress;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// How following a job ended.
pub(super) enum Followed<S> {
    /// The job stopped running, or its sender went away (then its last word, from the store).
    Settled(Result<JobStatus, BackendError>),
    /// `stop` came first, with what it said and the job's latest status.
    Stopped(S, JobStatus),
}

/// Follow `job_id` through `rx` until it stops running or `stop` resolves.
pub(super) async fn follow<S>(
    backend: &dyn Backend,
    job_id: &str,
    mut rx: watch::Receiver<JobStatus>,
    progress: &Progress,
    on_status: impl Fn(&JobStatus),
    stop: impl Future<Output = S>,
) -> Followed<S> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tokio::pin!(stop);
    loop {
        let s = rx.borrow_and_update().clone();
        on_status(&s);
        progress.report(s.percent, &s.message).await;
        if s.state != JobState::Running {
            return Followed::Settled(Ok(s));
        }
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    return Followed::Settled(backend.job(job_id).await);
                }
            }
            _ = tick.tick() => {}
            why = &mut stop => return Followed::Stopped(why, rx.borrow().clone()),
        }
    }
}
