//! Downloading media that an agent names by URL, without letting a URL reach inside.
//!
//! Only http(s). Every hop (the first request and each redirect) is resolved here and refused
//! when any address is loopback, private, link-local (cloud metadata lives there), shared,
//! multicast or otherwise not public; the connection is then pinned to the checked address, so a
//! second DNS answer cannot swap in an internal one. Bodies stream to disk under the 500 MB
//! limit (checked against Content-Length first, then while reading), with time limits.

use super::{MAX_FILE_BYTES, MediaError};
use futures_util::StreamExt;
use reqwest::Url;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;
/// Longest whole download.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether an address may be fetched from: public unicast only.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // shared address space (CGNAT)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
                || (o[0] == 198 && (18..20).contains(&o[1])) // benchmarking
                || o[0] >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x64 && s[1] == 0xff9b)) // NAT64 to anything
        }
    }
}

fn refuse(url: &str, reason: impl Into<String>) -> MediaError {
    MediaError::Download {
        url: url.to_string(),
        reason: reason.into(),
    }
}

/// Loopback may be allowed for local test servers (`REELSMITH_URL_ALLOW_LOOPBACK=1`); private,
/// link-local and the rest never are.
fn allowed(ip: IpAddr) -> bool {
    is_public(ip)
        || (ip.is_loopback()
            && std::env::var("REELSMITH_URL_ALLOW_LOOPBACK").is_ok_and(|v| v == "1"))
}

/// Resolve `url`'s host and check every address; returns the one to connect to.
async fn vet(url: &Url, shown: &str) -> Result<SocketAddr, MediaError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(
            shown,
            format!("only http and https URLs are fetched, not {}", url.scheme()),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            shown,
            "URLs with credentials in them are not fetched",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse(shown, "the URL has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| refuse(shown, format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(refuse(shown, format!("{host} has no address")));
    }
    if let Some(bad) = addrs.iter().find(|a| !allowed(a.ip())) {
        return Err(refuse(
            shown,
            format!(
                "{host} resolves to {}, a loopback, private, link-local or otherwise non-public address; only public addresses are fetched",
                bad.ip()
            ),
        ));
    }
    Ok(addrs[0])
}

/// A file name for what `url` points at (its last path segment, made safe).
pub fn file_name(url: &Url) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
        .to_string();
    let decoded = percent_decode(&last);
    let safe: String = decoded
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.').to_string();
    if safe.is_empty() {
        "download".into()
    } else {
        safe.chars().take(120).collect()
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Download `url` into `dir` and return the file's path. The name keeps the URL's extension so
/// intake can check the type.
pub async fn download(source: &Url, dir: &Path) -> Result<PathBuf, MediaError> {
    let url = source.as_str();
    let mut current = source.clone();
    let deadline = tokio::time::Instant::now() + TOTAL_TIMEOUT;
    for _ in 0..=MAX_REDIRECTS {
        let addr = vet(&current, url).await?;
        let host = current.host_str().unwrap_or("").to_string();
        let client = crate::http::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .resolve(&host, addr)
            .user_agent(concat!("reelsmith/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| refuse(url, e.to_string()))?;
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let resp = tokio::time::timeout(left, client.get(current.clone()).send())
            .await
            .map_err(|_| refuse(url, "timed out"))?
            .map_err(|e| refuse(url, crate::http::describe_error(&e)))?;
        let status = resp.status();
        if status.is_redirection() {
            let next = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| refuse(url, "a redirect without a Location"))?;
            current = current
                .join(next)
                .map_err(|e| refuse(url, format!("a redirect to an invalid URL ({e})")))?;
            continue;
        }
        if !status.is_success() {
            return Err(refuse(url, format!("the server answered HTTP {status}")));
        }
        if resp.content_length().is_some_and(|n| n > MAX_FILE_BYTES) {
            return Err(MediaError::TooLarge {
                file: url.to_string(),
                size_mb: resp.content_length().unwrap_or(0) / 1_000_000,
            });
        }
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| refuse(url, e.to_string()))?;
        let name = file_name(&current);
        let path = dir.join(format!("{}-{name}", uuid::Uuid::new_v4().simple()));
        let result = save(resp, &path, deadline, url).await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&path).await;
        }
        return result.map(|()| path);
    }
    Err(refuse(url, format!("more than {MAX_REDIRECTS} redirects")))
}

async fn save(
    resp: reqwest::Response,
    path: &Path,
    deadline: tokio::time::Instant,
    url: &str,
) -> Result<(), MediaError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| refuse(url, e.to_string()))?;
    let mut stream = resp.bytes_stream();
    let mut size = 0u64;
    loop {
        let next = tokio::time::timeout_at(deadline, stream.next())
            .await
            .map_err(|_| refuse(url, "the download took too long"))?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| {
            refuse(
                url,
                format!(
                    "the download broke off ({})",
                    crate::http::describe_error(&e)
                ),
            )
        })?;
        size += chunk.len() as u64;
        if size > MAX_FILE_BYTES {
            return Err(MediaError::TooLarge {
                file: url.to_string(),
                size_mb: size / 1_000_000,
            });
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| refuse(url, e.to_string()))?;
    }
    file.flush().await.map_err(|e| refuse(url, e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn file_names_are_safe() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            file_name(&u("https://x.com/a/My%20Photo.jpg?x=1")),
            "My_Photo.jpg"
        );
        assert_eq!(file_name(&u("https://x.com/")), "download");
        assert_eq!(
            file_name(&u("https://x.com/..%2F..%2Fetc%2Fpasswd")),
            "_.._etc_passwd"
        );
    }
}
