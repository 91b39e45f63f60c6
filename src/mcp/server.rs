//! Transports: stdio (the default; stdout carries protocol only) and streamable HTTP at `/mcp`
//! with an optional bearer token and Host/Origin checks against DNS rebinding.

use super::ReelsmithServer;
use crate::backend::Backend;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Serve MCP over stdin/stdout until the client closes the stream.
pub async fn serve_stdio(backend: Arc<dyn Backend>) -> anyhow::Result<()> {
    let server = ReelsmithServer::new(backend);
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}

/// Settings of the HTTP transport.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Bearer token every request must carry (`REELSMITH_HTTP_TOKEN`); none when unset.
    pub token: Option<String>,
    /// Extra allowed browser origins besides loopback ones (`REELSMITH_ALLOWED_ORIGINS`).
    pub extra_origins: Vec<String>,
    /// The local paths clients may read and write.
    pub paths: super::paths::PathPolicy,
}

/// Browser origins allowed by default: pages served from this machine only.
const LOOPBACK_ORIGINS: &[&str] = &[
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

/// Bind `addr` and serve streamable HTTP at `/mcp` until `shutdown` fires. Returns the bound
/// address (useful with port 0) through `on_bound` before serving.
pub async fn serve_http(
    backend: Arc<dyn Backend>,
    addr: SocketAddr,
    opts: HttpOptions,
    shutdown: CancellationToken,
    on_bound: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() && opts.token.is_none() {
        anyhow::bail!(
            "{bound} is reachable from other machines, and anyone reaching it could read and render your files: set REELSMITH_HTTP_TOKEN to a long random secret (clients then send `Authorization: Bearer <it>`), or listen on 127.0.0.1"
        );
    }
    let mut origins: Vec<String> = LOOPBACK_ORIGINS.iter().map(|s| s.to_string()).collect();
    origins.extend(opts.extra_origins.iter().cloned());
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(origins)
        .with_cancellation_token(shutdown.child_token());
    if !bound.ip().is_loopback() {
        // Reached by name or address from other machines: the Host check would refuse them;
        // the token and the Origin check guard this mode.
        config = config.disable_allowed_hosts();
    }
    let factory_backend = backend.clone();
    let paths = opts.paths.clone();
    let service = StreamableHttpService::new(
        move || Ok(ReelsmithServer::new(factory_backend.clone()).with_paths(paths.clone())),
        super::resume::ResumeAfter::default().into(),
        config,
    );
    let token = opts.token.map(Arc::new);
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn(session_end_ok))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let token = token.clone();
                async move { require_token(token.as_deref().map(String::as_str), req, next).await }
            },
        ));
    on_bound(bound);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled_owned().await })
        .await?;
    Ok(())
}

/// Answer a client's DELETE of its session with 200 instead of rmcp's 202.
///
/// The session is closed by the time rmcp answers, so "accepted, may happen later" is not what
/// happened; the Python SDK treats anything but 200/204 as a failed termination and logs a
/// warning, and the TypeScript SDK accepts any 2xx.
async fn session_end_ok(req: Request, next: Next) -> Response {
    let delete = req.method() == axum::http::Method::DELETE;
    let mut resp = next.run(req).await;
    if delete && resp.status() == StatusCode::ACCEPTED {
        *resp.status_mut() = StatusCode::OK;
    }
    resp
}

/// Refuse requests without the bearer token (when one is configured) with 401.
async fn require_token(token: Option<&str>, req: Request, next: Next) -> Response {
    let Some(expected) = token else {
        return next.run(req).await;
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
        return next.run(req).await;
    }
    let mut resp = (
        StatusCode::UNAUTHORIZED,
        "missing or wrong bearer token: send `Authorization: Bearer <REELSMITH_HTTP_TOKEN>`\n",
    )
        .into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"reelsmith\""),
    );
    resp
}

/// Compare secrets without leaking where they differ through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
