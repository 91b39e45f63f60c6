//! Jobs whose every delivery died with its worker. A worker that fails a job's last attempt
//! dead-letters it itself; one killed on the last attempt cannot, and the server then only
//! stops delivering the message and says so in a MAX_DELIVERIES advisory. Every worker and
//! front end listens for it in one queue group, so exactly one of them marks the record
//! failed, dead-letters the job with the reason and removes the message from the queue.

use super::connect::{JOBS_STREAM, WORKERS_CONSUMER, dead_subject};
use super::job::{DeadLetter, JobRecord, RenderJob};
use super::{Cluster, ClusterError};
use crate::backend::JobState;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

/// The advisory the server sends when a message of the workers' consumer reaches its limit.
fn max_deliveries_subject() -> String {
    format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{JOBS_STREAM}.{WORKERS_CONSUMER}")
}

/// The parts of the advisory used here.
#[derive(Debug, Deserialize)]
struct MaxDeliveries {
    stream_seq: u64,
    deliveries: i64,
}

/// Publish a dead letter on the job's subject of the dead-letter stream, patiently.
pub(crate) async fn dead_letter(cluster: &Cluster, letter: &DeadLetter) {
    tracing::warn!(job = %letter.job_id, attempts = letter.attempts, reason = %letter.reason, "job dead-lettered");
    let body = serde_json::to_vec(letter).unwrap_or_default();
    let subject = dead_subject(if letter.job_id == "unknown" {
        "unreadable"
    } else {
        &letter.job_id
    });
    let sent = super::patiently(30, || async {
        cluster
            .js
            .publish(subject.clone(), body.clone().into())
            .await?
            .await
            .map_err(async_nats::Error::from)
    })
    .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "cannot publish the dead letter");
    }
}

/// Listen for MAX_DELIVERIES advisories until `stop` fires.
pub async fn watch(cluster: Cluster, stop: CancellationToken) {
    let sub = cluster
        .client
        .queue_subscribe(max_deliveries_subject(), "reelsmith-advisories".into())
        .await;
    let mut sub = match sub {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for jobs whose workers all died");
            return;
        }
    };
    loop {
        let m = tokio::select! {
            m = sub.next() => m,
            _ = stop.cancelled() => None,
        };
        let Some(m) = m else { return };
        match serde_json::from_slice::<MaxDeliveries>(&m.payload) {
            Ok(a) => {
                if let Err(e) = give_up(&cluster, &a).await {
                    tracing::warn!(error = %e, seq = a.stream_seq, "cannot settle a job that ran out of deliveries");
                }
            }
            Err(e) => tracing::warn!(error = %e, "unreadable MAX_DELIVERIES advisory"),
        }
    }
}

/// Fail and dead-letter the job at `a.stream_seq`, then drop its message.
async fn give_up(cluster: &Cluster, a: &MaxDeliveries) -> Result<(), ClusterError> {
    let stream = super::patiently(30, || cluster.js.get_stream(JOBS_STREAM))
        .await
        .map_err(|e| ClusterError::js("open the jobs stream", e))?;
    let raw = super::patiently(30, || stream.get_raw_message(a.stream_seq))
        .await
        .map_err(|e| ClusterError::js("read a job", e))?;
    let job: RenderJob =
        serde_json::from_slice(&raw.payload).map_err(|e| ClusterError::js("read a job", e))?;
    let reason = format!(
        "the job was delivered {} times and no worker finished it: each one taking it stopped answering (killed, out of memory, or its machine lost)",
        a.deliveries
    );
    for _ in 0..10 {
        let entry = super::patiently(30, || cluster.jobs.entry(job.job_id.as_str()))
            .await
            .map_err(|e| ClusterError::js("read a job", e))?;
        let Some((mut rec, rev)) =
            entry.and_then(|e| JobRecord::from_bytes(&e.value).map(|r| (r, e.revision)))
        else {
            break;
        };
        if rec.ended() {
            break;
        }
        // The letter first: whoever sees the record failed can find it.
        dead_letter(
            cluster,
            &DeadLetter {
                job_id: job.job_id.clone(),
                tenant: job.tenant.clone(),
                attempts: a.deliveries,
                reason: reason.clone(),
            },
        )
        .await;
        rec.state = JobState::Failed;
        rec.attempts = a.deliveries;
        rec.message = format!("Render failed after {} attempt(s): {reason}", a.deliveries);
        if cluster
            .jobs
            .update(job.job_id.as_str(), rec.to_bytes(), rev)
            .await
            .is_ok()
        {
            break;
        }
    }
    stream
        .delete_message(a.stream_seq)
        .await
        .map_err(|e| ClusterError::js("drop a job's message", e))?;
    Ok(())
}
