//! `GET /exports/<job id>`: a finished export, streamed from the object store, with range
//! requests (players seek; downloads resume). Behind the same bearer token as `/mcp`; with
//! tenants only the owner's token finds it, any other gets the 404 an unknown id gets.

use super::Cluster;
use super::job::JobRecord;
use crate::backend::JobState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

/// The routes a front end adds beside `/mcp`.
pub fn router(cluster: Cluster) -> axum::Router {
    axum::Router::new()
        .route("/exports/{id}", axum::routing::get(download))
        .with_state(cluster)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such export\n").into_response()
}

/// The job's record as the jobs bucket's stream leader has it (`None` when it has none or it
/// was deleted).
async fn leader_record(cluster: &Cluster, id: &str) -> Option<JobRecord> {
    let subject = format!("{}{id}", cluster.jobs.prefix);
    let msg = cluster
        .jobs
        .stream
        .get_last_raw_message_by_subject(&subject)
        .await
        .ok()?;
    // A deleted or purged key keeps a marker with no record in it.
    let deleted = msg.headers.get("KV-Operation").is_some();
    if deleted {
        return None;
    }
    JobRecord::from_bytes(&msg.payload)
}

async fn download(
    State(cluster): State<Cluster>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let id = id.trim_end_matches(".mp4");
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return not_found();
    }
    let tenant = crate::mcp::server::request_tenant().map_or_else(
        || crate::tenant::DEFAULT.to_string(),
        |t| t.as_str().to_string(),
    );
    let rec = match cluster.jobs.entry(id).await {
        Ok(Some(e)) => JobRecord::from_bytes(&e.value),
        _ => None,
    };
    // Not done yet, as far as this answer goes; it may come from a replica a moment behind
    // (KV reads are direct gets, answered by any replica), and a download asked the instant
    // the export was reported done, through another front end, must find it done.
    let rec = match rec {
        Some(r) if r.state == JobState::Done => Some(r),
        stale => leader_record(&cluster, id).await.or(stale),
    };
    let Some(rec) = rec.filter(|r| r.tenant == tenant) else {
        return not_found();
    };
    let Some(result) = rec.result.filter(|_| rec.state == JobState::Done) else {
        return (
            StatusCode::CONFLICT,
            format!("export {id} is not finished: {}\n", rec.message),
        )
            .into_response();
    };
    let object = result.path.to_string_lossy().into_owned();
    let mut obj = match cluster.files.get(object.as_str()).await {
        Ok(o) => o,
        Err(_) => return not_found(),
    };
    let size = obj.info().size as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|r| parse_range(r, size));
    let (status, start, len) = match range {
        None => (StatusCode::OK, 0, size),
        Some(Some((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1),
        Some(None) => {
            return Response::builder()
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .unwrap_or_else(|_| not_found());
        }
    };
    // The object store reads from the start: skip to the range, streamed, never held whole.
    if start > 0
        && let Err(e) = tokio::io::copy(&mut (&mut obj).take(start), &mut tokio::io::sink()).await
    {
        return (
            StatusCode::BAD_GATEWAY,
            format!("cannot read the export: {e}\n"),
        )
            .into_response();
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(obj.take(len)));
    let mut resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_LENGTH, len)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{id}.mp4\""),
        );
    if status == StatusCode::PARTIAL_CONTENT {
        resp = resp.header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{size}", start + len - 1),
        );
    }
    resp.body(body).unwrap_or_else(|_| not_found())
}

/// The first range of a `Range: bytes=…` header as inclusive offsets, `None` when it cannot
/// be satisfied (or is not a byte range).
fn parse_range(h: &str, size: u64) -> Option<(u64, u64)> {
    let spec = h.trim().strip_prefix("bytes=")?.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if size == 0 {
        return None;
    }
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size - 1
        } else {
            b.parse::<u64>().ok()?.min(size - 1)
        };
        (start, end)
    };
    (start <= end && start < size).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(parse_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Some((990, 999)));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=5-2", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
    }
}
