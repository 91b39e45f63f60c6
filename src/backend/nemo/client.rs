//! One place that talks HTTP to NemoVideo: bearer token and attribution on every request,
//! envelope decoding (`{code, data}` and `{success, data}`), and the recoveries the contract
//! prescribes — a refused token is renewed once, HTTP 429 waits and retries once. Requests are
//! rebuilt for a retry, so a streamed upload is re-read from disk rather than held in memory.

use super::auth::{Auth, Token};
use super::errors::NemoError;
use super::headers;
use reqwest::{RequestBuilder, Response};
use serde_json::Value;

/// A decoded reply.
pub enum Reply {
    /// A JSON envelope's `data` (or the whole body when there is no envelope).
    Json(Value),
    /// A non-JSON body (an event stream, a video) left unread.
    Raw(Response),
}

/// A refusal the caller may want to handle itself (e.g. session lost → new session).
#[derive(Debug)]
pub enum Failure {
    /// The service's business code and message.
    Code(i64, String),
    /// Anything already mapped to a [`NemoError`].
    Error(NemoError),
}

impl From<NemoError> for Failure {
    fn from(e: NemoError) -> Self {
        Failure::Error(e)
    }
}

/// The HTTP side of the adapter.
pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Auth,
}

impl Client {
    /// A client for `base` (no trailing slash) using `auth` for tokens.
    pub fn new(base: &str, auth: Auth) -> Result<Client, NemoError> {
        let http = crate::http::client_builder()
            .connect_timeout(std::time::Duration::from_secs(20))
            // A stalled connection (poll, state, download, or a stream with no keep-alive) is
            // an error after this long rather than a job that never ends.
            .read_timeout(std::time::Duration::from_secs(180))
            .user_agent(concat!("reelsmith/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NemoError::Unreachable {
                url: base.to_string(),
                reason: crate::http::describe_error(&e),
            })?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            auth,
        })
    }

    /// The current token (fetching one if needed), for the register link's user id.
    pub async fn token(&self) -> Result<Token, NemoError> {
        self.auth.token(&self.http, &self.base).await
    }

    /// Send the request `build` makes (called again for each retry) and decode the reply.
    /// `what` names the call in errors.
    pub async fn send(
        &self,
        what: &'static str,
        build: impl Fn(&reqwest::Client, &str) -> Result<RequestBuilder, NemoError>,
    ) -> Result<Reply, Failure> {
        let mut renewed = false;
        let mut waited = false;
        loop {
            let token = self.token().await?;
            let url_base = self.base.clone();
            let rb = build(&self.http, &url_base)?;
            let rb = headers::attribution(rb).bearer_auth(&token.secret);
            let resp = rb.send().await.map_err(|e| NemoError::Unreachable {
                url: self.base.clone(),
                reason: crate::http::describe_error(&e),
            })?;
            let status = resp.status().as_u16();
            if status == 429 {
                if waited {
                    return Err(
                        NemoError::RateLimited(super::config::retry_wait().as_secs()).into(),
                    );
                }
                waited = true;
                tracing::info!(
                    call = what,
                    "NemoVideo asked us to slow down (429); waiting"
                );
                tokio::time::sleep(super::config::retry_wait()).await;
                continue;
            }
            if status == 402 {
                return Err(NemoError::PlanRestricted.into());
            }
            let is_json = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.contains("json"));
            if !is_json && (200..300).contains(&status) {
                return Ok(Reply::Raw(resp));
            }
            let body: Value = if is_json {
                resp.json().await.unwrap_or(Value::Null)
            } else {
                Value::String(resp.text().await.unwrap_or_default())
            };
            let (code, message) = envelope_error(status, &body);
            if code == 0 {
                return Ok(Reply::Json(unwrap_data(body)));
            }
            if (code == 1001 || status == 401) && !renewed && self.auth.renewable() {
                renewed = true;
                tracing::info!(call = what, "NemoVideo token refused; fetching a new one");
                self.auth.invalidate().await;
                continue;
            }
            if code == 1001 || status == 401 {
                return Err(NemoError::TokenInvalid(if self.auth.renewable() {
                    " even after renewing it; try again later".into()
                } else {
                    ": NEMO_TOKEN is invalid or expired — set a valid one, or unset it to use a free anonymous token".into()
                })
                .into());
            }
            if code == 2001 {
                let link = match token.user_id.as_deref().filter(|_| token.anonymous) {
                    Some(uid) => format!(
                        "Register (free) to keep this work and get more credits: {}?bind={uid}",
                        super::errors::REGISTER_URL
                    ),
                    None => "Top up credits in your NemoVideo account, then try again.".into(),
                };
                return Err(NemoError::NoCredits(link).into());
            }
            return Err(Failure::Code(code, message));
        }
    }

    /// Like [`send`](Self::send), but a business-code refusal becomes a generic error.
    pub async fn json(
        &self,
        what: &'static str,
        build: impl Fn(&reqwest::Client, &str) -> Result<RequestBuilder, NemoError>,
    ) -> Result<Value, NemoError> {
        let timed = |http: &reqwest::Client, base: &str| {
            build(http, base).map(|rb| rb.timeout(std::time::Duration::from_secs(120)))
        };
        match self.send(what, timed).await {
            Ok(Reply::Json(v)) => Ok(v),
            Ok(Reply::Raw(_)) => Err(NemoError::Api {
                what,
                detail: "the reply was not JSON".into(),
            }),
            Err(f) => Err(failure_to_error(what, f)),
        }
    }
}

/// A failure as an error, naming the call.
pub fn failure_to_error(what: &'static str, f: Failure) -> NemoError {
    match f {
        Failure::Error(e) => e,
        Failure::Code(code, message) => NemoError::Api {
            what,
            detail: format!("code {code}: {message}"),
        },
    }
}

/// The business code and message of a reply (0 = success).
fn envelope_error(status: u16, body: &Value) -> (i64, String) {
    let message = body["message"]
        .as_str()
        .or_else(|| body["msg"].as_str())
        .or_else(|| body["detail"].as_str())
        .or_else(|| body["error"].as_str())
        .or_else(|| body["data"]["error"].as_str())
        .or_else(|| body.as_str())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect::<String>();
    if let Some(code) = body["code"].as_i64() {
        return (code, message);
    }
    if body["success"] == Value::Bool(false) {
        return (-1, message);
    }
    if !(200..300).contains(&status) {
        return (status as i64, format!("HTTP {status} {message}"));
    }
    (0, message)
}

/// `data` of `{code, data}` / `{success, data}` envelopes; the body itself otherwise.
fn unwrap_data(body: Value) -> Value {
    match body {
        Value::Object(mut o)
            if o.contains_key("data") && (o.contains_key("code") || o.contains_key("success")) =>
        {
            o.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes() {
        assert_eq!(envelope_error(200, &json!({"code":0,"data":{}})).0, 0);
        assert_eq!(
            envelope_error(200, &json!({"code":2001,"message":"no"})),
            (2001, "no".into())
        );
        assert_eq!(
            envelope_error(200, &json!({"success":false,"error":"x"})),
            (-1, "x".into())
        );
        assert_eq!(
            envelope_error(404, &json!({"detail":"Session not found"})).0,
            404
        );
        assert_eq!(
            unwrap_data(json!({"success":true,"data":{"id":"r"}})),
            json!({"id":"r"})
        );
        assert_eq!(
            unwrap_data(json!({"status":"completed"})),
            json!({"status":"completed"})
        );
    }
}
