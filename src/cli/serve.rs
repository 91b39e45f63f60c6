//! `reelsmith serve`: the MCP server over stdio (default) or streamable HTTP.

use reelsmith::backend::Backend;
use reelsmith::backend::local::{LocalBackend, default_home};
use reelsmith::backend::nemo::NemoBackend;
use reelsmith::mcp::paths::PathPolicy;
use reelsmith::mcp::server::{HttpOptions, serve_http, serve_stdio};
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
    let backend = open_backend(&a.backend)?;
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
            let shutdown = CancellationToken::new();
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            let auth = if token.is_some() {
                "bearer token required"
            } else {
                "no token"
            };
            serve_http(
                backend,
                addr,
                HttpOptions {
                    token,
                    extra_origins,
                    paths: {
                        let home = default_home();
                        let exports = reelsmith::backend::default_export_dir(&home);
                        PathPolicy::from_env_or(&[home, exports])
                    },
                },
                shutdown,
                |bound| eprintln!("reelsmith MCP server on http://{bound}/mcp ({auth})"),
            )
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
