//! `reelsmith serve`: the MCP server over stdio (default) or streamable HTTP.

use reelsmith::backend::Backend;
use reelsmith::backend::local::{LocalBackend, default_home};
use reelsmith::backend::nemo::NemoBackend;
use reelsmith::cluster::backend::ClusterBackend;
use reelsmith::cluster::{Cluster, ClusterOptions};
use reelsmith::mcp::paths::PathPolicy;
use reelsmith::mcp::server::{HttpOptions, TenantMode, serve_http, serve_stdio};
use reelsmith::tenant::Tenants;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8787).
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// Which engine renders: local (ffmpeg on this machine) or nemo (the NemoVideo cloud).
    #[arg(long, env = "REELSMITH_BACKEND", default_value = "local")]
    backend: String,
    /// Run as a cluster front end: renders go to the workers of the NATS JetStream cluster at
    /// this URL (several separated by commas), exports are kept there. Needs --http.
    #[arg(long, env = "REELSMITH_CLUSTER", value_name = "NATS_URL")]
    cluster: Option<String>,
    /// Replication factor of the cluster's stream and buckets when they are created (3 on a
    /// 3-node cluster).
    #[arg(long, env = "REELSMITH_CLUSTER_REPLICAS", default_value_t = 1)]
    replicas: usize,
}

/// Open the backend named `name`.
pub fn open_backend(name: &str) -> anyhow::Result<Arc<dyn Backend>> {
    match name.trim() {
        // Empty or an unfilled host placeholder means the default.
        n if n.is_empty() || n == "local" || n.contains("${") => {
            Ok(Arc::new(LocalBackend::open(&default_home())?))
        }
        "nemo" => Ok(Arc::new(NemoBackend::open(&default_home())?)),
        other => anyhow::bail!("unknown backend '{other}'; use local or nemo"),
    }
}

pub async fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let base_url = Arc::new(std::sync::OnceLock::new());
    let mut routes = None;
    let backend = match &a.cluster {
        None => open_backend(&a.backend)?,
        Some(url) => {
            if a.http.is_none() {
                anyhow::bail!(
                    "a cluster front end serves HTTP: add --http ADDR (e.g. --http 127.0.0.1:8787)"
                );
            }
            if !matches!(a.backend.trim(), "" | "local") {
                anyhow::bail!("cluster mode renders on its workers; leave out --backend");
            }
            let cluster = Cluster::connect(ClusterOptions::new(url, a.replicas)).await?;
            routes = Some(reelsmith::cluster::download::router(cluster.clone()));
            // Jobs whose workers all died are settled by a front end too when no worker runs.
            tokio::spawn(reelsmith::cluster::advisory::watch(
                cluster.clone(),
                tokio_util::sync::CancellationToken::new(),
            ));
            if let Some(u) = std::env::var("REELSMITH_PUBLIC_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
            {
                let _ = base_url.set(u.trim().to_string());
            }
            let local = LocalBackend::open(&default_home())?;
            Arc::new(ClusterBackend::new(local, cluster, base_url.clone())) as Arc<dyn Backend>
        }
    };
    match a.http {
        None => {
            tracing::info!(backend = backend.name(), "serving MCP on stdio");
            serve_stdio(backend).await?;
        }
        Some(addr) => {
            let token = std::env::var("REELSMITH_HTTP_TOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty());
            let extra_origins = std::env::var("REELSMITH_ALLOWED_ORIGINS")
                .map(|s| {
                    s.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let tenants = match std::env::var_os("REELSMITH_HTTP_TOKENS").filter(|p| !p.is_empty())
            {
                None => None,
                Some(path) => Some(open_tenants(&backend, path.as_ref(), token.clone())?),
            };
            let shutdown = CancellationToken::new();
            let stop = shutdown.clone();
            // Ctrl-C or SIGTERM (what service managers and container runtimes send): stop
            // taking connections and let requests in flight finish.
            tokio::spawn(async move {
                use tokio::signal::unix::{SignalKind, signal};
                match signal(SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = tokio::signal::ctrl_c() => {}
                            _ = term.recv() => {}
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
                stop.cancel();
            });
            let auth = match (&tenants, &token) {
                (Some(t), _) => format!(
                    "tenants from {}: {} token(s) for {} tenant(s); SIGHUP reloads it",
                    t.path().display(),
                    t.current().len(),
                    t.current().tenants().len()
                ),
                (None, Some(_)) => "bearer token required".to_string(),
                (None, None) => "no token".to_string(),
            };
            let home = default_home();
            let tenants = tenants.map(|tenants| {
                reload_on_sighup(tenants.clone());
                TenantMode {
                    tenants,
                    home: home.clone(),
                }
            });
            serve_http(
                backend,
                addr,
                HttpOptions {
                    // With tenants the table holds every token (REELSMITH_HTTP_TOKEN included).
                    token,
                    tenants,
                    extra_origins,
                    routes,
                    paths: {
                        let exports = reelsmith::backend::default_export_dir(&home);
                        PathPolicy::from_env_or(&[home, exports])
                    },
                },
                shutdown,
                |bound| {
                    let _ = base_url.set(format!("http://{bound}"));
                    eprintln!("reelsmith MCP server on http://{bound}/mcp ({auth})")
                },
            )
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Load `REELSMITH_HTTP_TOKENS` for a multi-tenant server: refused when the backend cannot keep
/// tenants apart or `REELSMITH_ALLOWED_DIRS` has a folder every tenant would share.
fn open_tenants(
    backend: &Arc<dyn Backend>,
    path: &std::path::Path,
    single: Option<String>,
) -> anyhow::Result<Arc<Tenants>> {
    let tenants = Tenants::open(path, single).map_err(|e| anyhow::anyhow!("{e}"))?;
    // A backend that cannot keep tenants apart says so now rather than at the first request.
    let first = tenants.current().tenants().remove(0);
    backend
        .for_tenant(tenants_tenant(&tenants, first))
        .map_err(|e| anyhow::anyhow!("REELSMITH_HTTP_TOKENS: {e}"))?;
    let shared = reelsmith::mcp::paths::shared_allowed_dirs();
    if !shared.is_empty() {
        anyhow::bail!(
            "REELSMITH_ALLOWED_DIRS names folders every tenant would share ({}); with REELSMITH_HTTP_TOKENS put {{tenant}} in each entry (e.g. /srv/reelsmith/{{tenant}}), or leave it unset so each tenant gets its own folder in the workspace",
            shared.join(", ")
        );
    }
    Ok(Arc::new(tenants))
}

fn tenants_tenant(tenants: &Tenants, id: reelsmith::tenant::TenantId) -> reelsmith::tenant::Tenant {
    let limits = tenants.current().limits(&id);
    reelsmith::tenant::Tenant::new(id, limits)
}

/// Read the tokens file again on every SIGHUP; a bad file keeps the table in force and logs why.
fn reload_on_sighup(tenants: Arc<Tenants>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; the tokens file will not be reloaded");
            return;
        }
    };
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match tenants.reload() {
                Ok(t) => eprintln!(
                    "reloaded the tokens file {}: {} token(s) for {} tenant(s)",
                    tenants.path().display(),
                    t.len(),
                    t.tenants().len()
                ),
                Err(e) => tracing::warn!("kept the tokens in force: {e}"),
            }
        }
    });
}
