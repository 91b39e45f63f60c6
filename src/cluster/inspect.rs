//! What `reelsmith doctor --cluster URL` checks: the connection (server, version, cluster and
//! its peers, JetStream), that every stream and bucket reelsmith uses is there (replicas,
//! messages, bytes, the workers' consumer and its backlog), and the workers that reported in
//! the last seconds with their load and current job. It only reads: nothing is created.

use super::ClusterError;
use super::connect::{
    DEAD_STREAM, FILES_BUCKET, JOBS_BUCKET, JOBS_STREAM, SESSIONS_BUCKET, WORKERS_CONSUMER,
    connect_client,
};
use super::registry::{self, WORKERS_BUCKET};
use super::shared_renders::RENDERS_BUCKET;
use super::team::CLAIMS_BUCKET;
use async_nats::jetstream::{self, stream};
use std::time::Duration;

/// How long doctor waits for the servers before saying they cannot be reached.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What doctor found: lines to show, and problems with what to do about each.
#[derive(Debug, Default)]
pub struct Checkup {
    /// The report, one line each.
    pub lines: Vec<String>,
    /// What is wrong, each with its fix; empty when all is well.
    pub problems: Vec<String>,
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

fn peers(cluster: Option<&stream::ClusterInfo>) -> String {
    let Some(c) = cluster else {
        return String::new();
    };
    let mut parts = vec![format!("leader {}", c.leader.as_deref().unwrap_or("NONE"))];
    for p in &c.replicas {
        let state = if p.offline {
            "offline"
        } else if p.current {
            "current"
        } else {
            "catching up"
        };
        parts.push(format!("{} {state}", p.name));
    }
    format!("; {}", parts.join(", "))
}

/// Check the cluster at `url` (comma-separated servers). Err only when it cannot be reached.
pub async fn check(url: &str) -> Result<Checkup, ClusterError> {
    let client = connect_client(url, CONNECT_TIMEOUT).await?;
    let mut out = Checkup::default();
    let info = client.server_info();
    out.lines.push(format!(
        "nats:      {} (nats-server {}) at {}:{}; cluster {}, {} server(s) announced",
        info.server_name,
        info.version,
        info.host,
        info.port,
        info.cluster.as_deref().unwrap_or("none (a single server)"),
        info.connect_urls.len().max(1)
    ));
    if !info.jetstream {
        out.problems.push(format!(
            "JetStream is off on {}: start nats-server with -js (and a --cluster_name on every node)",
            info.server_name
        ));
        return Ok(out);
    }
    let js = jetstream::new(client);
    match tokio::time::timeout(CONNECT_TIMEOUT, js.query_account()).await {
        Ok(Ok(a)) => out.lines.push(format!(
            "jetstream: {} stream(s), {} consumer(s), {} stored",
            a.streams,
            a.consumers,
            bytes(a.storage)
        )),
        Ok(Err(e)) => out.problems.push(format!(
            "JetStream does not answer ({e}): a cluster needs a majority of its nodes up to elect a leader"
        )),
        Err(_) => out.problems.push(
            "JetStream does not answer: a cluster needs a majority of its nodes up to elect a leader".into(),
        ),
    }
    let resources = [
        ("stream", JOBS_STREAM.to_string(), "render jobs"),
        ("stream", DEAD_STREAM.to_string(), "dead letters"),
        ("kv", format!("KV_{JOBS_BUCKET}"), "job records"),
        ("kv", format!("KV_{SESSIONS_BUCKET}"), "sessions"),
        ("kv", format!("KV_{WORKERS_BUCKET}"), "worker registry"),
        ("kv", format!("KV_{CLAIMS_BUCKET}"), "window claims"),
        (
            "objects",
            format!("OBJ_{FILES_BUCKET}"),
            "media and exports",
        ),
        (
            "objects",
            format!("OBJ_{RENDERS_BUCKET}"),
            "render pieces shared by the workers",
        ),
    ];
    for (kind, name, what) in resources {
        let shown = name
            .strip_prefix("KV_")
            .or_else(|| name.strip_prefix("OBJ_"))
            .unwrap_or(&name)
            .to_string();
        let found = tokio::time::timeout(CONNECT_TIMEOUT, js.get_stream(&name)).await;
        let stream = match found {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                out.lines.push(format!("{kind:<9}  {shown}: MISSING"));
                out.problems.push(format!(
                    "{kind} {shown} ({what}) is missing or unreadable ({e}): start a front end or worker with --cluster once, which creates it"
                ));
                continue;
            }
            Err(_) => {
                out.problems.push(format!(
                    "{kind} {shown} ({what}) did not answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ));
                continue;
            }
        };
        let i = stream.cached_info();
        out.lines.push(format!(
            "{kind:<9}  {shown} ({what}): R{}, {} message(s), {}{}",
            i.config.num_replicas,
            i.state.messages,
            bytes(i.state.bytes),
            peers(i.cluster.as_ref())
        ));
        if name == JOBS_STREAM {
            match stream.consumer_info(WORKERS_CONSUMER).await {
                Ok(c) => out.lines.push(format!(
                    "consumer   {WORKERS_CONSUMER}: {} queued, {} being rendered, {} redelivered, {} fetch(es) waiting",
                    c.num_pending, c.num_ack_pending, c.num_redelivered, c.num_waiting
                )),
                Err(e) => out.problems.push(format!(
                    "the workers' consumer {WORKERS_CONSUMER} is missing ({e}): start a worker (reelsmith worker --cluster URL), which creates it"
                )),
            }
        }
    }
    match registry::workers(&js).await {
        Ok(ws) if ws.is_empty() => {
            out.lines.push("workers:   none".into());
            out.problems.push(
                "no worker has reported in the last 15 s: exports wait in the queue until one runs (reelsmith worker --cluster URL)".into(),
            );
        }
        Ok(ws) => {
            out.lines.push(format!("workers:   {}", ws.len()));
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            for w in ws {
                let doing = if w.jobs.is_empty() {
                    "idle".to_string()
                } else {
                    w.jobs
                        .iter()
                        .map(|j| {
                            format!("rendering {} ({:.0}%: {})", j.job_id, j.percent, j.message)
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                out.lines.push(format!(
                    "  worker {} on {} (pid {}): {} cores, load {:.2} {:.2} {:.2}, up {} s, seen {} s ago; {doing}; {} done, {} failed, {} cancelled",
                    w.name,
                    w.host,
                    w.pid,
                    w.cores,
                    w.load[0],
                    w.load[1],
                    w.load[2],
                    now.saturating_sub(w.started),
                    now.saturating_sub(w.seen),
                    w.done,
                    w.failed,
                    w.cancelled
                ));
            }
        }
        Err(e) => out.problems.push(format!("cannot list the workers: {e}")),
    }
    Ok(out)
}
