//! `reelsmith worker --cluster nats://…`: render jobs of a cluster until SIGTERM or Ctrl-C
//! (a job being rendered then is finished and acknowledged first).

use reelsmith::backend::local::default_home;
use reelsmith::cluster::shared_renders::SharedRenders;
use reelsmith::cluster::worker::Worker;
use reelsmith::cluster::{Cluster, ClusterOptions};
use reelsmith::ffmpeg::Tools;
use reelsmith::render::cache::RenderCache;
use std::process::ExitCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Arguments of `worker`.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// The NATS JetStream cluster to take render jobs from (several URLs separated by commas).
    #[arg(long, env = "REELSMITH_CLUSTER", value_name = "NATS_URL")]
    cluster: String,
    /// Replication factor of the cluster's stream, buckets and consumer when they are created.
    #[arg(long, env = "REELSMITH_CLUSTER_REPLICAS", default_value_t = 1)]
    replicas: usize,
    /// This worker's name in job records (default: host name and process id).
    #[arg(long)]
    name: Option<String>,
}

pub async fn run(a: WorkerArgs) -> anyhow::Result<ExitCode> {
    let tools = Tools::locate()?;
    let ws = reelsmith::workspace::Workspace::open(&default_home())?;
    let scratch = ws.scratch();
    std::fs::create_dir_all(&scratch)?;
    let cluster = Cluster::connect(ClusterOptions::new(&a.cluster, a.replicas)).await?;
    let name = a.name.unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}-{}", host.trim(), std::process::id())
    });
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
        stop.cancel();
    });
    // The worker's own cache folder, backed by the pieces every worker shares.
    let cache = RenderCache::open(&ws.cache_dir(), RenderCache::cap_mb_from_env())
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "render cache unavailable; every job renders in full");
            None
        })
        .map(|c| c.with_shared(Arc::new(SharedRenders::new(cluster.renders.clone()))));
    Worker {
        cluster,
        tools,
        scratch,
        name,
        cache,
    }
    .run(shutdown)
    .await?;
    Ok(ExitCode::SUCCESS)
}
