//! Transports: stdio (the default; stdout carries protocol only) and streamable HTTP at `/mcp`
//! with an optional bearer token and Host/Origin checks against DNS rebinding.
//!
//! With a tokens file (multi-tenant mode) the token names a tenant: each MCP session is made
//! for the tenant of the request that opened it, with a backend scoped to that tenant
//! ([`Backend::for_tenant`]) and the tenant's own folders as its path policy, and it answers
//! only requests carrying a token of that same tenant (any other gets the 404 an unknown
//! session gets).

use super::ReelsmithServer;
use crate::backend::Backend;
use crate::tenant::{TenantId, Tenants};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
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
    /// Tokens naming tenants (`REELSMITH_HTTP_TOKENS`); when set, `token` and `paths` are not
    /// used: every request needs a token from the table, and each tenant gets its own folders.
    pub tenants: Option<TenantMode>,
    /// More routes served beside `/mcp`, behind the same token (cluster mode's downloads).
    pub routes: Option<axum::Router>,
}

/// Multi-tenant HTTP: the token table and the workspace the tenants' folders are in.
#[derive(Debug, Clone)]
pub struct TenantMode {
    /// The token table (reloadable).
    pub tenants: Arc<Tenants>,
    /// The workspace folder.
    pub home: PathBuf,
}

/// The tenant of the HTTP request being handled, in multi-tenant mode (`None` otherwise).
pub fn request_tenant() -> Option<TenantId> {
    REQUEST_TENANT.try_with(Clone::clone).ok()
}

tokio::task_local! {
    /// The tenant of the HTTP request being handled: rmcp makes a session's server while
    /// handling the request that opens it, so the factory reads its tenant from here.
    static REQUEST_TENANT: TenantId;
}

/// Which tenant each MCP session belongs to.
struct SessionTenants {
    bound: Mutex<HashMap<String, TenantId>>,
    sessions: Arc<super::resume::ResumeAfter>,
    /// Bindings after the last prune; the next prune comes when there are twice as many.
    pruned_at: std::sync::atomic::AtomicUsize,
}

impl SessionTenants {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TenantId>> {
        self.bound.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record a new session's tenant, and now and then forget sessions rmcp has dropped.
    async fn bind(&self, session: String, tenant: TenantId) {
        use rmcp::transport::streamable_http_server::session::SessionManager;
        use std::sync::atomic::Ordering;
        let n = {
            let mut b = self.lock();
            b.insert(session, tenant);
            b.len()
        };
        if n < 64 || n < 2 * self.pruned_at.load(Ordering::Relaxed) {
            return;
        }
        let ids: Vec<String> = self.lock().keys().cloned().collect();
        let mut gone = Vec::new();
        for id in ids {
            if !self
                .sessions
                .has_session(&id.clone().into())
                .await
                .unwrap_or(true)
            {
                gone.push(id);
            }
        }
        let mut b = self.lock();
        for id in gone {
            b.remove(&id);
        }
        self.pruned_at.store(b.len(), Ordering::Relaxed);
    }
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
    if !bound.ip().is_loopback() && opts.token.is_none() && opts.tenants.is_none() {
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
    let mode = opts.tenants.clone();
    let factory = move || match &mode {
        None => Ok(ReelsmithServer::new(factory_backend.clone()).with_paths(paths.clone())),
        Some(mode) => {
            // Fail closed: a session made outside a tenant's request would be no one's.
            let id = REQUEST_TENANT
                .try_with(Clone::clone)
                .map_err(|_| std::io::Error::other("no tenant for this request"))?;
            let scoped = factory_backend
                .for_tenant(mode.tenants.tenant(id.clone()))
                .map_err(std::io::Error::other)?;
            Ok(ReelsmithServer::new(scoped)
                .with_paths(super::paths::PathPolicy::for_tenant(&mode.home, &id)))
        }
    };
    let sessions = Arc::new(super::resume::ResumeAfter::default());
    let service = StreamableHttpService::new(factory, sessions.clone(), config);
    let mut router = axum::Router::new().nest_service("/mcp", service);
    if let Some(routes) = opts.routes {
        router = router.merge(routes);
    }
    let router = router.layer(axum::middleware::from_fn(session_end_ok));
    let app = match opts.tenants {
        None => {
            let token = opts.token.map(Arc::new);
            router.layer(axum::middleware::from_fn(
                move |req: Request, next: Next| {
                    let token = token.clone();
                    async move {
                        require_token(token.as_deref().map(String::as_str), req, next).await
                    }
                },
            ))
        }
        Some(mode) => {
            let tenants = mode.tenants.clone();
            let bound = Arc::new(SessionTenants {
                bound: Mutex::default(),
                sessions,
                pruned_at: Default::default(),
            });
            router.layer(axum::middleware::from_fn(
                move |req: Request, next: Next| {
                    let (tenants, bound) = (tenants.clone(), bound.clone());
                    async move { require_tenant(&tenants, &bound, req, next).await }
                },
            ))
        }
    };
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

/// The bearer token a request carries.
fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
}

/// 401 with a challenge; `what` names the token to send.
fn unauthorized(what: &'static str) -> Response {
    let mut resp = (StatusCode::UNAUTHORIZED, what).into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"reelsmith\""),
    );
    resp
}

/// Refuse requests without the bearer token (when one is configured) with 401.
async fn require_token(token: Option<&str>, req: Request, next: Next) -> Response {
    let Some(expected) = token else {
        return next.run(req).await;
    };
    if bearer(&req).is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
        return next.run(req).await;
    }
    unauthorized(
        "missing or wrong bearer token: send `Authorization: Bearer <REELSMITH_HTTP_TOKEN>`\n",
    )
}

/// Multi-tenant mode: the token names the tenant (401 when it names none); a request for an
/// MCP session of another tenant is answered as rmcp answers an unknown session (404); the
/// request runs with its tenant in [`REQUEST_TENANT`], and a session it opens is bound to it.
async fn require_tenant(
    tenants: &Tenants,
    bound: &SessionTenants,
    req: Request,
    next: Next,
) -> Response {
    let Some(tenant) = bearer(&req).and_then(|t| tenants.current().lookup(t)) else {
        return unauthorized(
            "missing or unknown bearer token: send `Authorization: Bearer <your token>`\n",
        );
    };
    let session = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(id) = &session
        && bound.lock().get(id) != Some(&tenant)
    {
        return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
    }
    let delete = req.method() == axum::http::Method::DELETE;
    let resp = REQUEST_TENANT.scope(tenant.clone(), next.run(req)).await;
    match session {
        Some(id) if delete && resp.status().is_success() => {
            bound.lock().remove(&id);
        }
        None => {
            if let Some(id) = resp
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                bound.bind(id.to_string(), tenant).await;
            }
        }
        _ => {}
    }
    resp
}

/// The header carrying the MCP session id.
const SESSION_HEADER: &str = "mcp-session-id";

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
