//! Uploads to the cloud session: local files checked as local intake checks them and streamed
//! from disk as multipart, URLs passed for the service to fetch, and the service's reply read
//! back into media items. Each upload is one request, so a refusal leaves nothing behind.

use super::NemoBackend;
use super::client::{self, Failure, failure_to_error};
use super::errors::NemoError;
use super::session::Record;
use crate::backend::{BackendError, MediaItem};
use crate::media::{MediaKind, Source, accepted_formats};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Bytes read from disk per upload chunk: big enough for full speed, small enough that a
/// 500 MB upload stays within a few MB of memory.
const UPLOAD_CHUNK: usize = 256 * 1024;

impl NemoBackend {
    /// Upload `files` into the session's cloud session in one request, so the service takes
    /// all of them or none: only URLs go as a URL list for the service to fetch; any local
    /// file makes it one multipart upload, with the URLs among it fetched here first (through
    /// the same guarded fetcher as local intake). Then record what was added.
    pub(super) async fn upload_into(
        &self,
        session: &str,
        rec: &mut Record,
        files: &[Source],
    ) -> Result<Vec<MediaItem>, BackendError> {
        let sid = rec.nemo_session.clone();
        let url_list: Option<Vec<String>> = files
            .iter()
            .map(|f| match f {
                Source::Url(u) => Some(u.to_string()),
                Source::Path(_) => None,
            })
            .collect();
        let added = if let Some(list) = url_list {
            let names = list.join(", ");
            let r = self
                .client
                .send("upload", move |http, base| {
                    Ok(http
                        .post(format!("{base}/api/upload-video/nemo_agent/me/{sid}"))
                        .json(&json!({"urls": list, "source_type": "url"})))
                })
                .await;
            let data = self.upload_reply(session, rec, r, &names).await?;
            media_from_reply(&data, &[])
        } else {
            // Fetched URLs live here until the upload is over, whatever its outcome.
            let scratch = self.home.join("tmp");
            let fetched = std::fs::create_dir_all(&scratch)
                .and_then(|()| {
                    tempfile::Builder::new()
                        .prefix("nemo-upload-")
                        .tempdir_in(&scratch)
                })
                .map_err(|e| {
                    BackendError::Unavailable(format!(
                        "cannot make scratch space in {}: {e}; make the workspace (REELSMITH_HOME) writable",
                        scratch.display()
                    ))
                })?;
            // Refuse what the service would refuse before sending a byte.
            let mut checked = Vec::new();
            for f in files {
                checked.push(match f {
                    Source::Path(p) => check_local(p)?,
                    Source::Url(u) => {
                        let path = crate::media::fetch::download(u, fetched.path()).await?;
                        LocalFile {
                            name: crate::media::fetch::file_name(u),
                            ..check_local(&path)?
                        }
                    }
                });
            }
            let files = checked.clone();
            let r = self
                .client
                .send("upload", move |http, base| {
                    let mut form = reqwest::multipart::Form::new();
                    for f in &files {
                        let file = std::fs::File::open(&f.path).map_err(|e| NemoError::Api {
                            what: "upload",
                            detail: format!("{}: cannot read: {e}", f.path.display()),
                        })?;
                        // Streamed from disk in chunks: a 500 MB file is never held in memory.
                        let stream = tokio_util::io::ReaderStream::with_capacity(
                            tokio::fs::File::from_std(file),
                            UPLOAD_CHUNK,
                        );
                        let part = reqwest::multipart::Part::stream_with_length(
                            reqwest::Body::wrap_stream(stream),
                            f.size,
                        )
                        .file_name(f.name.clone())
                        .mime_str(f.mime)
                        .map_err(|e| NemoError::Api {
                            what: "upload",
                            detail: e.to_string(),
                        })?;
                        form = form.part("files", part);
                    }
                    Ok(http
                        .post(format!("{base}/api/upload-video/nemo_agent/me/{sid}"))
                        .multipart(form))
                })
                .await;
            let names = checked
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(", ");
            let data = self.upload_reply(session, rec, r, &names).await?;
            let replied = media_from_reply(&data, &checked);
            // Thumbnails for the contact sheet, while every source is still at hand.
            if let Some(tools) = &self.tools {
                for ((item, _), local) in replied.iter().zip(&checked) {
                    let out = super::sheet::thumb_path(&self.home, &item.media_id);
                    if item.kind != MediaKind::Audio
                        && !out.is_file()
                        && let Err(e) = super::sheet::make_thumb(&local.path, &out, tools).await
                    {
                        tracing::warn!(file = %local.name, error = %e, "no thumbnail for the contact sheet");
                    }
                }
            }
            replied
        };
        // Added to the record as stored now: uploads made meanwhile by other requests stay.
        let cloud = rec.nemo_session.clone();
        let recorded = self.update(session, |r| {
            if r.nemo_session != cloud {
                return false;
            }
            for (a, cdn) in &added {
                if !r.uploads.iter().any(|u| u.media_id == a.media_id) {
                    r.uploads.push(a.clone());
                }
                if let Some(c) = cdn {
                    r.cdn.insert(a.media_id.clone(), c.clone());
                }
            }
            *rec = r.clone();
            true
        })?;
        if !recorded {
            return Err(BackendError::Unavailable(format!(
                "the NemoVideo session behind {session} expired and was replaced while these files were uploading; upload them again with upload_media (same session_id)"
            )));
        }
        Ok(added.into_iter().map(|(a, _)| a).collect())
    }

    pub(super) async fn upload_reply(
        &self,
        session: &str,
        rec: &mut Record,
        r: Result<client::Reply, Failure>,
        names: &str,
    ) -> Result<Value, BackendError> {
        match r {
            Ok(client::Reply::Json(v)) => Ok(v),
            Ok(client::Reply::Raw(_)) => Err(NemoError::Api {
                what: "upload",
                detail: "the reply was not JSON".into(),
            }
            .into()),
            Err(Failure::Code(1002, _)) => Err(self.session_lost(session, rec).await),
            Err(Failure::Code(4001, _)) => Err(NemoError::Unsupported {
                file: names.to_string(),
                accepted: accepted_formats(),
            }
            .into()),
            Err(Failure::Code(4002, _)) => Err(NemoError::TooLarge {
                file: names.to_string(),
            }
            .into()),
            Err(f) => Err(failure_to_error("upload", f).into()),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct LocalFile {
    path: PathBuf,
    name: String,
    kind: MediaKind,
    mime: &'static str,
    size: u64,
}

pub(super) fn check_local(path: &Path) -> Result<LocalFile, BackendError> {
    // The same checks as local intake; the cloud does its own decoding.
    let checked = crate::media::check_file(path)?;
    Ok(LocalFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        path: path.to_path_buf(),
        kind: checked.kind,
        mime: checked.mime,
        size: checked.size,
    })
}

/// The media items of an upload reply, each with the service's CDN URL for it when given.
fn media_from_reply(data: &Value, sent: &[LocalFile]) -> Vec<(MediaItem, Option<String>)> {
    let files = data["files"].as_array().cloned().unwrap_or_default();
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let local = sent.get(i);
            let name = f["filename"]
                .as_str()
                .map(str::to_string)
                .or_else(|| local.map(|l| l.name.clone()))
                .unwrap_or_else(|| format!("file{}", i + 1));
            let kind = match f["file_type"].as_str() {
                Some("video") => MediaKind::Video,
                Some("audio") => MediaKind::Audio,
                Some("image") => MediaKind::Image,
                _ => local.map(|l| l.kind).unwrap_or(MediaKind::Video),
            };
            let key = f["hash"]
                .as_str()
                .or(f["cdn_url"].as_str())
                .unwrap_or(&name)
                .to_string();
            let item = MediaItem {
                media_id: format!("nemo_{}", short_hash(&key)),
                file_name: name,
                kind,
                width: f["width"].as_u64().unwrap_or(0) as u32,
                height: f["height"].as_u64().unwrap_or(0) as u32,
                duration_s: f["duration"].as_f64().unwrap_or(0.0),
                size_bytes: local.map(|l| l.size).unwrap_or(0),
            };
            (item, f["cdn_url"].as_str().map(str::to_string))
        })
        .collect()
}

fn short_hash(s: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(s.as_bytes());
    d[..6].iter().map(|b| format!("{b:02x}")).collect()
}
