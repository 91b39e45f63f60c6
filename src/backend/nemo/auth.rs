//! Access tokens: the person's own `NEMO_TOKEN`, or a free anonymous token fetched with a
//! persisted client id and cached (owner-only file) until shortly before it expires.

use super::errors::NemoError;
use super::headers;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Renew this long before the stated expiry.
const EXPIRY_MARGIN_S: u64 = 300;
/// Anonymous tokens live 7 days when the service does not say.
const DEFAULT_LIFETIME_S: u64 = 7 * 24 * 3600;

/// A usable token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The bearer secret. Never printed.
    pub secret: String,
    /// The account it belongs to (anonymous users: `anon_…`), for the register link.
    pub user_id: Option<String>,
    /// Unix seconds after which it must not be used.
    pub expires_at: u64,
    /// True when fetched anonymously (renewable), false for the person's own NEMO_TOKEN.
    pub anonymous: bool,
}

/// Where tokens come from.
pub struct Auth {
    fixed: Option<String>,
    dir: PathBuf,
    cached: tokio::sync::Mutex<Option<Token>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("fixed", &self.fixed.as_ref().map(|_| "<redacted>"))
            .field("dir", &self.dir)
            .finish()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Auth {
    /// Tokens for a workspace: `fixed` (NEMO_TOKEN) when given, else anonymous ones kept in `dir`.
    pub fn new(fixed: Option<String>, dir: &Path) -> Auth {
        Auth {
            fixed: fixed.filter(|t| !t.trim().is_empty()),
            dir: dir.to_path_buf(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Whether a refused token can be replaced by fetching a new one.
    pub fn renewable(&self) -> bool {
        self.fixed.is_none()
    }

    /// A valid token, fetching an anonymous one when needed.
    pub async fn token(&self, http: &reqwest::Client, base: &str) -> Result<Token, NemoError> {
        if let Some(t) = &self.fixed {
            return Ok(Token {
                secret: t.clone(),
                user_id: None,
                expires_at: u64::MAX,
                anonymous: false,
            });
        }
        let mut cached = self.cached.lock().await;
        if cached.is_none() {
            *cached = self.load();
        }
        if let Some(t) = cached.as_ref()
            && t.expires_at > now() + EXPIRY_MARGIN_S
        {
            return Ok(t.clone());
        }
        let t = self.fetch_anonymous(http, base).await?;
        self.save(&t);
        *cached = Some(t.clone());
        Ok(t)
    }

    /// Forget the current anonymous token (the service refused it).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
        let _ = std::fs::remove_file(self.dir.join("token.json"));
    }

    /// The persisted client id, created on first use.
    fn client_id(&self, fresh: bool) -> String {
        let path = self.dir.join("client_id");
        if !fresh
            && let Ok(id) = std::fs::read_to_string(&path)
            && !id.trim().is_empty()
        {
            return id.trim().to_string();
        }
        let id = uuid::Uuid::new_v4().to_string();
        let _ = std::fs::create_dir_all(&self.dir);
        let _ = std::fs::write(&path, &id);
        id
    }

    async fn fetch_anonymous(
        &self,
        http: &reqwest::Client,
        base: &str,
    ) -> Result<Token, NemoError> {
        let url = format!("{base}/api/auth/anonymous-token");
        let mut fresh_id = false;
        let mut waited = false;
        loop {
            let req = headers::attribution(http.post(&url))
                .header("X-Client-Id", self.client_id(fresh_id))
                .header("Content-Length", "0");
            let resp = req.send().await.map_err(|e| NemoError::Unreachable {
                url: base.to_string(),
                reason: crate::http::describe_error(&e),
            })?;
            let status = resp.status().as_u16();
            if status == 400 && !fresh_id {
                // The service did not accept our client id: make a new one and ask again.
                fresh_id = true;
                continue;
            }
            if status == 429 {
                if waited {
                    return Err(NemoError::RateLimited(
                        super::config::retry_wait().as_secs(),
                    ));
                }
                waited = true;
                tokio::time::sleep(super::config::retry_wait()).await;
                continue;
            }
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let data = &body["data"];
            let Some(secret) = data["token"].as_str().filter(|t| !t.is_empty()) else {
                return Err(NemoError::Api {
                    what: "anonymous token",
                    detail: format!(
                        "HTTP {status}, code {} {}",
                        body["code"],
                        body["message"].as_str().unwrap_or("")
                    ),
                });
            };
            let expires_at = data["expires_at"]
                .as_str()
                .and_then(parse_rfc3339)
                .unwrap_or(now() + DEFAULT_LIFETIME_S);
            tracing::info!("fetched an anonymous NemoVideo token");
            return Ok(Token {
                secret: secret.to_string(),
                user_id: data["user_id"].as_str().map(str::to_string),
                expires_at,
                anonymous: true,
            });
        }
    }

    fn load(&self) -> Option<Token> {
        let text = std::fs::read_to_string(self.dir.join("token.json")).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        Some(Token {
            secret: v["token"].as_str()?.to_string(),
            user_id: v["user_id"].as_str().map(str::to_string),
            expires_at: v["expires_at"].as_u64()?,
            anonymous: true,
        })
    }

    /// Keep the token for the next process, readable by the owner only.
    fn save(&self, t: &Token) {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::create_dir_all(&self.dir);
        let body = serde_json::json!({
            "token": t.secret, "user_id": t.user_id, "expires_at": t.expires_at,
        });
        let tmp = self.dir.join("token.json.tmp");
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(body.to_string().as_bytes()));
        if written.is_ok() {
            let _ = std::fs::rename(&tmp, self.dir.join("token.json"));
        }
    }
}

/// "2026-03-18T00:00:00Z" (or with an offset / fraction) → Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let s = s.trim();
    let (date, rest) = s.split_once(['T', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    let mut t = time.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (
        t.next()?.ok()?,
        t.next()?.ok()?,
        t.next().and_then(Result::ok).unwrap_or(0),
    );
    let tz = &rest[time.len()..];
    let tz = tz.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match tz {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    // Days from the civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss - offset;
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-03-18T00:00:00Z"), Some(1_773_792_000));
        assert_eq!(
            parse_rfc3339("2026-03-18T02:00:00+02:00"),
            Some(1_773_792_000)
        );
        assert_eq!(
            parse_rfc3339("2026-03-18T00:00:00.123Z"),
            Some(1_773_792_000)
        );
        assert_eq!(parse_rfc3339("soon"), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let a = Auth::new(Some("nmv_usr_secret".into()), Path::new("/tmp"));
        assert!(!format!("{a:?}").contains("secret"));
    }
}
