//! The HTTP client set-up every outgoing request shares, and HTTP failures in words a person
//! can act on, without the URL (which may carry a query string) or any header (which may carry
//! a token).

/// A reqwest client builder with TLS ready: reqwest is built without a bundled crypto provider
/// (to keep the build lean), so ring is installed as the process default first.
pub fn client_builder() -> reqwest::ClientBuilder {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        // Err means another provider is already installed, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

/// What went wrong with a request, e.g. "timed out" or "connection refused or unreachable
/// (Connection refused)".
pub fn describe_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection refused or unreachable"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the reply"
    } else if e.is_request() {
        "the request could not be sent"
    } else {
        "network error"
    };
    let mut src = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({detail})")
    }
}
