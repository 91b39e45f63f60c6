//! The worker registry: each worker puts what it is doing into the `reelsmith-workers` bucket
//! every few seconds. The bucket's entries expire, so a worker killed without a word drops off
//! by itself within [`WORKER_TTL`]; one stopped gracefully removes its entry at once.
//! `reelsmith doctor --cluster` lists what is there.

use super::ClusterError;
use async_nats::jetstream::{self, consumer, kv};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

/// The KV bucket of live workers, by worker name.
pub const WORKERS_BUCKET: &str = "reelsmith-workers";
/// How often a worker reports.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long an entry outlives its last report (three missed heartbeats).
pub const WORKER_TTL: Duration = Duration::from_secs(15);

/// A worker as it last reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerInfo {
    /// Its name (`--name`).
    pub name: String,
    /// The machine.
    pub host: String,
    /// Its process id there.
    pub pid: u32,
    /// When it started (seconds since the Unix epoch).
    pub started: u64,
    /// When it last reported (seconds since the Unix epoch).
    pub seen: u64,
    /// CPU cores it renders with.
    pub cores: usize,
    /// The machine's 1, 5 and 15 minute load averages.
    pub load: [f64; 3],
    /// The job(s) it is rendering now.
    pub jobs: Vec<CurrentJob>,
    /// Jobs it finished.
    pub done: u64,
    /// Attempts that failed (retried or dead-lettered).
    pub failed: u64,
    /// Jobs it stopped or skipped because they were cancelled.
    #[serde(default)]
    pub cancelled: u64,
}

/// A job a worker is rendering.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurrentJob {
    /// The job id.
    pub job_id: String,
    /// Percent done.
    pub percent: f64,
    /// What is happening.
    pub message: String,
}

/// How a worker's turn with a job ended, for its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Rendered and stored.
    Done,
    /// The attempt failed.
    Failed,
    /// Cancelled before or while rendering.
    Cancelled,
    /// Nothing to count (already done elsewhere).
    Skipped,
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The machine's load averages (zeros where /proc is not there).
fn load_average() -> [f64; 3] {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut it = text.split_whitespace().map(|v| v.parse().unwrap_or(0.0));
    [
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
    ]
}

/// The machine's name.
pub fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    match name.trim() {
        "" => "unknown-host".into(),
        n => n.into(),
    }
}

/// A worker name as a KV key (keys allow letters, digits, `-`, `_`, `=` and `.`).
pub fn worker_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A worker's entry in the registry, kept current by a heartbeat task. Cheap to clone.
#[derive(Clone)]
pub struct Beacon {
    kv: kv::Store,
    key: String,
    info: Arc<Mutex<WorkerInfo>>,
    /// Wakes the heartbeat early: a job taken or ended is reported at once.
    nudge: Arc<tokio::sync::Notify>,
}

impl Beacon {
    /// Register worker `name` and report every [`HEARTBEAT`] until `stop` fires, then remove
    /// the entry.
    pub async fn start(
        kv: kv::Store,
        name: &str,
        stop: CancellationToken,
    ) -> (Beacon, tokio::task::JoinHandle<()>) {
        let info = WorkerInfo {
            name: name.into(),
            host: host_name(),
            pid: std::process::id(),
            started: now_s(),
            seen: now_s(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            load: load_average(),
            jobs: Vec::new(),
            done: 0,
            failed: 0,
            cancelled: 0,
        };
        let beacon = Beacon {
            kv,
            key: worker_key(name),
            info: Arc::new(Mutex::new(info)),
            nudge: Arc::default(),
        };
        beacon.report().await;
        let b = beacon.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(HEARTBEAT) => b.report().await,
                    _ = b.nudge.notified() => b.report().await,
                    _ = stop.cancelled() => break,
                }
            }
            if let Err(e) = b.kv.delete(b.key.as_str()).await {
                tracing::warn!(error = %e, "cannot remove this worker from the registry");
            }
        });
        (beacon, task)
    }

    fn with<T>(&self, f: impl FnOnce(&mut WorkerInfo) -> T) -> T {
        f(&mut self.info.lock().unwrap_or_else(|e| e.into_inner()))
    }

    async fn report(&self) {
        let body = self.with(|i| {
            i.seen = now_s();
            i.load = load_average();
            serde_json::to_vec(i).unwrap_or_default()
        });
        if let Err(e) = self.kv.put(self.key.as_str(), body.into()).await {
            tracing::info!(error = %e, "cannot report to the worker registry; trying at the next beat");
        }
    }

    /// A job was taken.
    pub fn begin(&self, job_id: &str) {
        self.with(|i| {
            i.jobs.retain(|j| j.job_id != job_id);
            i.jobs.push(CurrentJob {
                job_id: job_id.into(),
                percent: 0.0,
                message: "Preparing".into(),
            });
        });
        self.nudge.notify_one();
    }

    /// A job's progress.
    pub fn progress(&self, job_id: &str, percent: f64, message: &str) {
        self.with(|i| {
            if let Some(j) = i.jobs.iter_mut().find(|j| j.job_id == job_id) {
                j.percent = percent;
                j.message = message.into();
            }
        });
    }

    /// A job left this worker.
    pub fn end(&self, job_id: &str, outcome: Outcome) {
        self.with(|i| {
            i.jobs.retain(|j| j.job_id != job_id);
            match outcome {
                Outcome::Done => i.done += 1,
                Outcome::Failed => i.failed += 1,
                Outcome::Cancelled => i.cancelled += 1,
                Outcome::Skipped => {}
            }
        });
        self.nudge.notify_one();
    }
}

/// The newest value of every key of KV bucket `bucket` (deleted keys left out), read in one
/// pass over its stream rather than one request per key.
pub async fn latest_values(
    js: &jetstream::Context,
    bucket: &str,
) -> Result<Vec<(String, bytes::Bytes)>, ClusterError> {
    let stream = js
        .get_stream(format!("KV_{bucket}"))
        .await
        .map_err(|e| ClusterError::js("open a bucket", e))?;
    let prefix = format!("$KV.{bucket}.");
    let consumer = stream
        .create_consumer(consumer::push::OrderedConfig {
            deliver_subject: js.client().new_inbox(),
            filter_subject: format!("{prefix}>"),
            deliver_policy: consumer::DeliverPolicy::LastPerSubject,
            replay_policy: consumer::ReplayPolicy::Instant,
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::js("read a bucket", e))?;
    let mut out = Vec::new();
    if consumer.cached_info().num_pending == 0 {
        return Ok(out);
    }
    let mut messages = consumer
        .messages()
        .await
        .map_err(|e| ClusterError::js("read a bucket", e))?;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .map_err(|_| ClusterError::js("read a bucket", "timed out"))?;
        let Some(m) = next else { break };
        let m = m.map_err(|e| ClusterError::js("read a bucket", e))?;
        let pending = m.info().map_or(0, |i| i.pending);
        let removed = m
            .headers
            .as_ref()
            .and_then(|h| h.get("KV-Operation"))
            .is_some_and(|op| matches!(op.as_str(), "DEL" | "PURGE"));
        if !removed && let Some(key) = m.subject.strip_prefix(&prefix) {
            out.push((key.to_string(), m.payload.clone()));
        }
        if pending == 0 {
            break;
        }
    }
    Ok(out)
}

/// The workers in the registry now, by name.
pub async fn workers(js: &jetstream::Context) -> Result<Vec<WorkerInfo>, ClusterError> {
    let mut out: Vec<WorkerInfo> = latest_values(js, WORKERS_BUCKET)
        .await?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_valid_keys() {
        assert_eq!(worker_key("w1"), "w1");
        assert_eq!(worker_key("host.example-42"), "host_example-42");
        assert_eq!(worker_key("a b/c*"), "a_b_c_");
    }
}
