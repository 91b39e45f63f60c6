//! The `nemo` backend: the NemoVideo cloud API behind the same [`Backend`] trait as the local
//! engine, built to the reconstructed contract (`shared/docs/nemo-api-contract.md`) and tolerant
//! where that contract is unsure.
//!
//! Our session ids stay stable; each maps (in the workspace store) to the cloud session, its
//! uploads and the last draft seen. A chat turn streams over SSE; heartbeats and tool calls
//! become progress events; the agent's GUI wording is rewritten into tool actions; a turn with no
//! text is explained by diffing the draft. Exports submit a render, poll it and download the MP4.

mod auth;
mod client;
mod errors;
mod export;
mod gui_text;
mod headers;
mod sse;
mod state;

pub use auth::parse_rfc3339;
pub use errors::{NemoError, REGISTER_URL};
pub use gui_text::rewrite as rewrite_gui_text;
pub use sse::{Item as SseItem, classify as classify_sse};

use super::{
    Backend, BackendError, CreateRequest, Created, Credits, ExportRequest, JobHandle, JobStatus,
    MediaItem, Preview, ProgressEvent, TimelineState, Uploaded,
};
use crate::media::{MediaKind, accepted_formats};
use crate::store::Store;
use crate::timeline::Timeline;
use async_trait::async_trait;
use client::{Client, Failure, failure_to_error};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Bytes read from disk per upload chunk: big enough for full speed, small enough that a
/// 500 MB upload stays within a few MB of memory.
const UPLOAD_CHUNK: usize = 256 * 1024;

/// Default service address.
pub const DEFAULT_API_URL: &str = "https://mega-api-prod.nemovideo.ai";

fn env_ms(name: &str, default_ms: u64) -> Duration {
    Duration::from_millis(
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default_ms),
    )
}

/// Wait before retrying after HTTP 429 (`NEMO_RETRY_WAIT_MS`, default 30 s).
pub(crate) fn retry_wait() -> Duration {
    env_ms("NEMO_RETRY_WAIT_MS", auth::RETRY_WAIT.as_millis() as u64)
}

/// Timings, all overridable from the environment (tests shorten them).
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Render poll interval (`NEMO_RENDER_POLL_MS`, default 30 s).
    pub render_poll: Duration,
    /// Give up on a render after this long (`NEMO_RENDER_TIMEOUT_MS`, default 20 min).
    pub render_timeout: Duration,
    /// After a dropped stream: wait, then re-read state this often (`NEMO_RECOVERY_POLL_MS`,
    /// default 30 s) …
    pub recovery_poll: Duration,
    /// … this many times before giving up (the contract's 5 unchanged reads).
    pub recovery_tries: u32,
    /// Chat turn limits (15 min total, 10 min of keep-alives only, "still working" every 20 s
    /// of silence; `NEMO_HEARTBEAT_MS` overrides the last).
    pub turn: sse::Limits,
}

impl Timings {
    /// From the environment.
    pub fn from_env() -> Timings {
        Timings {
            render_poll: env_ms("NEMO_RENDER_POLL_MS", 30_000),
            render_timeout: env_ms("NEMO_RENDER_TIMEOUT_MS", 20 * 60_000),
            recovery_poll: env_ms("NEMO_RECOVERY_POLL_MS", 30_000),
            recovery_tries: 5,
            turn: sse::Limits {
                total: env_ms("NEMO_TURN_TIMEOUT_MS", 900_000),
                idle: env_ms("NEMO_TURN_IDLE_MS", 600_000),
                heartbeat: env_ms("NEMO_HEARTBEAT_MS", 20_000),
            },
        }
    }
}

/// What we remember about one session's cloud side.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Record {
    /// The cloud session id.
    nemo_session: String,
    /// The cloud task id.
    task_id: String,
    /// Files uploaded into the current cloud session.
    uploads: Vec<MediaItem>,
    /// Completed turns (our revision number).
    turns: u64,
    /// The last draft read, for diffs.
    draft: Option<Value>,
}

const KV_SCOPE: &str = "nemo";

/// The cloud backend.
pub struct NemoBackend {
    client: Arc<Client>,
    store: Arc<Store>,
    home: PathBuf,
    timings: Timings,
    jobs: crate::backend::jobs::LiveJobs,
}

impl NemoBackend {
    /// Open the cloud backend with the workspace at `home`, configured from the environment
    /// (`NEMO_API_URL`, `NEMO_TOKEN`, timings).
    pub fn open(home: &Path) -> Result<NemoBackend, BackendError> {
        let base = std::env::var("NEMO_API_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(BackendError::Unavailable(format!(
                "NEMO_API_URL must start with https:// (or http:// for a local test server); got '{base}'"
            )));
        }
        // An unfilled host placeholder (`${user_config.nemo_token}`) is no token at all.
        let token = std::env::var("NEMO_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty() && !t.contains("${"));
        NemoBackend::with(home, &base, token, Timings::from_env())
    }

    /// Open with explicit settings.
    pub fn with(
        home: &Path,
        base: &str,
        token: Option<String>,
        timings: Timings,
    ) -> Result<NemoBackend, BackendError> {
        std::fs::create_dir_all(home.join("exports")).map_err(|e| {
            BackendError::Unavailable(format!(
                "cannot create the workspace at {}: {e}; set REELSMITH_HOME to a writable directory",
                home.display()
            ))
        })?;
        let store = Store::open(&home.join("reelsmith.db"))?;
        let auth = auth::Auth::new(token, &home.join("nemo"));
        Ok(NemoBackend {
            client: Arc::new(Client::new(base, auth)?),
            store: Arc::new(store),
            home: home.to_path_buf(),
            timings,
            jobs: Default::default(),
        })
    }

    fn record(&self, session: &str) -> Result<Record, BackendError> {
        let not_found = || BackendError::NotFound {
            what: "session",
            id: session.into(),
            hint: "omit session_id to start a new session",
        };
        if !self.store.session_exists(session)? {
            return Err(not_found());
        }
        let v = self
            .store
            .get_kv(KV_SCOPE, session)?
            .ok_or_else(not_found)?;
        serde_json::from_value(v).map_err(|e| BackendError::Store(e.into()))
    }

    fn save(&self, session: &str, rec: &Record) -> Result<(), BackendError> {
        let v = serde_json::to_value(rec).map_err(|e| BackendError::Store(e.into()))?;
        self.store.put_kv(KV_SCOPE, session, &v)?;
        Ok(())
    }

    async fn remote_session(&self) -> Result<(String, String), NemoError> {
        let data = self
            .client
            .json("session create", |http, base| {
                Ok(http
                    .post(format!("{base}/api/tasks/me/with-session/nemo_agent"))
                    .json(&json!({"task_name": "project", "language": "en"})))
            })
            .await?;
        let sid = id_string(&data["session_id"]).ok_or_else(|| NemoError::Api {
            what: "session create",
            detail: "the reply has no session_id".into(),
        })?;
        Ok((sid, id_string(&data["task_id"]).unwrap_or_default()))
    }

    /// Our session (new when `session` is None) and its record.
    async fn session(&self, session: Option<&str>) -> Result<(String, Record), BackendError> {
        match session {
            Some(s) => Ok((s.to_string(), self.record(s)?)),
            None => {
                let (nemo_session, task_id) = self.remote_session().await?;
                let id = self.store.create_session()?;
                let rec = Record {
                    nemo_session,
                    task_id,
                    ..Default::default()
                };
                self.save(&id, &rec)?;
                Ok((id, rec))
            }
        }
    }

    /// The cloud lost the session (1002): start a new one under the same id and say what it lacks.
    async fn session_lost(&self, session: &str, rec: &mut Record) -> BackendError {
        let lacks = if rec.uploads.is_empty() {
            "the edits made so far".to_string()
        } else {
            format!(
                "the {} uploaded file(s) ({}) and the edits made so far",
                rec.uploads.len(),
                rec.uploads
                    .iter()
                    .map(|m| m.file_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        match self.remote_session().await {
            Ok((nemo_session, task_id)) => {
                // Revisions keep counting up: an old export must never pass for a new one.
                *rec = Record {
                    nemo_session,
                    task_id,
                    turns: rec.turns,
                    ..Default::default()
                };
                if let Err(e) = self.save(session, rec) {
                    return e;
                }
                NemoError::SessionLost {
                    lacks,
                    next: "Upload the files again with upload_media (same session_id), then repeat the request with create_video.".into(),
                }
                .into()
            }
            Err(e) => e.into(),
        }
    }

    async fn upload_into(
        &self,
        session: &str,
        rec: &mut Record,
        files: &[String],
    ) -> Result<Vec<MediaItem>, BackendError> {
        let (urls, paths): (Vec<&String>, Vec<&String>) = files
            .iter()
            .partition(|f| f.starts_with("http://") || f.starts_with("https://"));
        // Refuse what the service would refuse before sending a byte.
        let mut checked = Vec::new();
        for p in &paths {
            checked.push(check_local(Path::new(p.as_str()))?);
        }
        let mut added = Vec::new();
        if !checked.is_empty() {
            let sid = rec.nemo_session.clone();
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
            added.extend(media_from_reply(&data, &checked));
        }
        if !urls.is_empty() {
            let sid = rec.nemo_session.clone();
            let list: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
            let r = self
                .client
                .send("upload", move |http, base| {
                    Ok(http
                        .post(format!("{base}/api/upload-video/nemo_agent/me/{sid}"))
                        .json(&json!({"urls": list, "source_type": "url"})))
                })
                .await;
            let names = urls
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let data = self.upload_reply(session, rec, r, &names).await?;
            added.extend(media_from_reply(&data, &[]));
        }
        rec.uploads.extend(added.iter().cloned());
        self.save(session, rec)?;
        Ok(added)
    }

    async fn upload_reply(
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

    /// The session's draft as the cloud has it now (None when it has none yet).
    async fn draft(&self, session: &str, rec: &mut Record) -> Result<Option<Value>, BackendError> {
        let sid = rec.nemo_session.clone();
        let r = self
            .client
            .send("state", move |http, base| {
                Ok(http.get(format!("{base}/api/state/nemo_agent/me/{sid}/latest")))
            })
            .await;
        match r {
            Ok(client::Reply::Json(v)) => Ok(state::draft_of(&v)),
            Ok(client::Reply::Raw(_)) => Ok(None),
            Err(Failure::Code(1002, _)) => Err(self.session_lost(session, rec).await),
            Err(f) => Err(failure_to_error("state", f).into()),
        }
    }

    /// Record a draft read outside a counted turn; a change (a turn that landed late, an edit
    /// made elsewhere) is a new revision, so exports of the old one are not reused.
    fn observe(&self, session: &str, rec: &mut Record, draft: &Value) -> Result<(), BackendError> {
        if rec.draft.as_ref() != Some(draft) {
            rec.turns += 1;
            rec.draft = Some(draft.clone());
            self.save(session, rec)?;
        }
        Ok(())
    }

    /// After a dropped stream, re-read state until the draft changes (or give up).
    async fn recover(
        &self,
        session: &str,
        rec: &mut Record,
        before: Option<&Value>,
        progress: Option<&super::ProgressSink>,
    ) -> Result<Option<Value>, BackendError> {
        for i in 0..self.timings.recovery_tries {
            if let Some(p) = progress {
                let _ = p.send(ProgressEvent {
                    percent: None,
                    message: format!(
                        "⏳ The connection dropped; checking whether NemoVideo finished (check {} of {})",
                        i + 1,
                        self.timings.recovery_tries
                    ),
                });
            }
            tokio::time::sleep(self.timings.recovery_poll).await;
            let now = self.draft(session, rec).await?;
            if now.is_some() && now.as_ref() != before {
                return Ok(now);
            }
        }
        Ok(None)
    }
}

/// Ids arrive as strings or (19-digit) numbers; keep them as strings.
fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct LocalFile {
    path: PathBuf,
    name: String,
    kind: MediaKind,
    mime: &'static str,
    size: u64,
}

fn check_local(path: &Path) -> Result<LocalFile, BackendError> {
    // The same checks as local intake; the cloud does its own decoding.
    let checked = crate::media::check_file(path)?;
    let ext = checked.ext;
    let mime = match ext.as_str() {
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        _ => "audio/aac",
    };
    Ok(LocalFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        path: path.to_path_buf(),
        kind: checked.kind,
        mime,
        size: checked.size,
    })
}

fn media_from_reply(data: &Value, sent: &[LocalFile]) -> Vec<MediaItem> {
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
            MediaItem {
                media_id: format!("nemo_{}", short_hash(&key)),
                file_name: name,
                kind,
                width: f["width"].as_u64().unwrap_or(0) as u32,
                height: f["height"].as_u64().unwrap_or(0) as u32,
                duration_s: f["duration"].as_f64().unwrap_or(0.0),
                size_bytes: local.map(|l| l.size).unwrap_or(0),
            }
        })
        .collect()
}

fn short_hash(s: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(s.as_bytes());
    d[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The chat message for a request: the prompt, then the script and options in words.
fn compose(req: &CreateRequest, added: &[MediaItem]) -> String {
    let mut m = req.prompt.trim().to_string();
    if !added.is_empty() {
        m.push_str(&format!(
            "\n\n(I just uploaded: {}.)",
            added
                .iter()
                .map(|a| a.file_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(s) = req.script.as_deref().filter(|s| !s.trim().is_empty()) {
        m.push_str(&format!("\n\nScript:\n{}", s.trim()));
    }
    let o = &req.options;
    let mut wants = Vec::new();
    if let Some(d) = o.duration_s {
        wants.push(format!("length {d} seconds"));
    }
    if let Some(a) = &o.aspect {
        wants.push(format!("aspect ratio {a}"));
    }
    if let Some(r) = &o.resolution {
        wants.push(format!("resolution {r}"));
    }
    if let Some(t) = &o.transition {
        wants.push(format!("transitions: {t}"));
    }
    if let Some(t) = &o.title {
        wants.push(if t.is_empty() {
            "no title".into()
        } else {
            format!("title \"{t}\"")
        });
    }
    if let Some(mu) = o.music {
        wants.push(
            if mu {
                "with background music"
            } else {
                "no music"
            }
            .into(),
        );
    }
    if let Some(c) = o.captions {
        wants.push(if c { "with captions" } else { "no captions" }.into());
    }
    if !wants.is_empty() {
        m.push_str(&format!("\n\nSettings: {}.", wants.join(", ")));
    }
    m
}

#[async_trait]
impl Backend for NemoBackend {
    fn name(&self) -> &'static str {
        "nemo"
    }

    async fn upload(
        &self,
        session_id: Option<&str>,
        files: &[String],
    ) -> Result<Uploaded, BackendError> {
        if files.is_empty() {
            return Err(BackendError::Unavailable(
                "no files given; pass one or more local paths or http(s) URLs".into(),
            ));
        }
        // Check local files before creating a session for them.
        for f in files.iter().filter(|f| !f.starts_with("http")) {
            check_local(Path::new(f))?;
        }
        let (id, mut rec) = self.session(session_id).await?;
        let media = self.upload_into(&id, &mut rec, files).await?;
        Ok(Uploaded {
            session_id: id,
            media,
        })
    }

    async fn create(&self, req: CreateRequest) -> Result<Created, BackendError> {
        let (id, mut rec) = self.session(req.session_id.as_deref()).await?;
        let added = if req.files.is_empty() {
            Vec::new()
        } else {
            self.upload_into(&id, &mut rec, &req.files).await?
        };
        let before = if rec.turns > 0 || rec.draft.is_some() {
            self.draft(&id, &mut rec).await?
        } else {
            None
        };
        let message = compose(&req, &added);
        let progress = req.progress.as_ref();
        let turn = match sse::run_turn(
            &self.client,
            &rec.nemo_session,
            &message,
            progress,
            self.timings.turn,
        )
        .await
        {
            Ok(t) => t,
            Err(Failure::Code(1002, _)) => return Err(self.session_lost(&id, &mut rec).await),
            Err(f) => return Err(failure_to_error("chat", f).into()),
        };
        let after = match &turn.end {
            sse::End::Closed => self.draft(&id, &mut rec).await?,
            sse::End::Disconnected(_) | sse::End::TimedOut => {
                // Never re-send the turn (it would be charged twice): watch the state instead.
                match self
                    .recover(&id, &mut rec, before.as_ref(), progress)
                    .await?
                {
                    Some(d) => Some(d),
                    None => {
                        let why = match &turn.end {
                            sse::End::Disconnected(r) => format!("the connection dropped ({r})"),
                            _ => "NemoVideo sent only keep-alives for too long".into(),
                        };
                        return Err(NemoError::Unsettled(format!(
                            "{why}, and the video has not changed since; the request may still be running in the cloud. Do not repeat it (it would be charged twice): call get_timeline in a minute to see whether it landed"
                        ))
                        .into());
                    }
                }
            }
        };
        let old_tl = before
            .as_ref()
            .and_then(|d| Timeline::from_draft(d.clone()).ok());
        let timeline = after
            .as_ref()
            .and_then(|d| Timeline::from_draft(d.clone()).ok())
            .unwrap_or_default();
        let mut changes: Vec<String> = turn
            .texts
            .iter()
            .map(|t| gui_text::rewrite(t.trim()))
            .filter(|t| !state::is_noise(t))
            .collect();
        if !matches!(turn.end, sse::End::Closed) {
            changes.insert(
                0,
                "The connection dropped during the turn, but NemoVideo finished it:".into(),
            );
        }
        if turn.texts.is_empty() || !matches!(turn.end, sse::End::Closed) {
            if turn.texts.is_empty() && !turn.tools.is_empty() {
                changes.push(format!(
                    "NemoVideo worked without a reply ({}); from the timeline:",
                    turn.tools.join(", ")
                ));
            }
            changes.extend(state::describe_changes(old_tl.as_ref(), &timeline));
        }
        rec.turns += 1;
        rec.draft = after;
        self.save(&id, &rec)?;
        let mut timeline = timeline;
        timeline.rev = rec.turns;
        Ok(Created {
            session_id: id,
            edited: old_tl.is_some(),
            revision: rec.turns,
            changes,
            notes: Vec::new(),
            summary: timeline.summary(),
            timeline,
        })
    }

    async fn credits(&self) -> Result<Credits, BackendError> {
        let data = self
            .client
            .json("credits", |http, base| {
                Ok(http.get(format!("{base}/api/credits/balance/simple")))
            })
            .await?;
        let num = |k: &str| {
            data[k]
                .as_i64()
                .or_else(|| data[k].as_f64().map(|f| f as i64))
        };
        let anonymous = self
            .client
            .token()
            .await
            .map(|t| t.anonymous)
            .unwrap_or(false);
        let mut note = "Making and editing videos uses credits (about 100 per generated clip, about 50 per editing session); exporting is free.".to_string();
        if anonymous {
            note.push_str(" This is a free anonymous account (100 credits for 7 days); register to keep your work and get more.");
        }
        Ok(Credits {
            backend: "nemo".into(),
            available: num("available"),
            frozen: num("frozen"),
            total: num("total"),
            free_disk_bytes: None,
            note,
        })
    }

    async fn timeline(&self, session_id: &str) -> Result<TimelineState, BackendError> {
        let mut rec = self.record(session_id)?;
        let draft = self.draft(session_id, &mut rec).await?.ok_or_else(|| {
            BackendError::Unavailable(format!(
                "session {session_id} has no timeline yet; call create_video with a prompt first"
            ))
        })?;
        let mut tl = Timeline::from_draft(draft.clone()).map_err(|e| {
            BackendError::Cloud(NemoError::Api {
                what: "state",
                detail: format!("the draft could not be read: {e}"),
            })
        })?;
        self.observe(session_id, &mut rec, &draft)?;
        tl.rev = rec.turns;
        Ok(TimelineState {
            session_id: session_id.into(),
            revision: rec.turns,
            summary: tl.summary(),
            timeline: tl,
            media: rec.uploads.clone(),
        })
    }

    async fn preview(&self, _session_id: &str) -> Result<Preview, BackendError> {
        Err(BackendError::Unavailable(
            "NemoVideo edits in the cloud, so there is no local contact sheet; the shot list above shows what is on the timeline, and export_video renders the video to watch".into(),
        ))
    }

    async fn export(&self, req: ExportRequest) -> Result<JobHandle, BackendError> {
        export::start(self, req).await
    }

    async fn job(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        self.jobs.status(job_id, &self.store)
    }

    async fn cancel(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        self.jobs.cancel(job_id, &self.store).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_says_options_in_words() {
        let req = CreateRequest {
            prompt: "make a promo".into(),
            script: Some("Line one.".into()),
            options: crate::director::Options {
                duration_s: Some(15.0),
                aspect: Some("9:16".into()),
                music: Some(false),
                ..Default::default()
            },
            ..Default::default()
        };
        let m = compose(&req, &[]);
        assert!(m.starts_with("make a promo"));
        assert!(m.contains("Script:\nLine one."));
        assert!(
            m.contains("length 15 seconds")
                && m.contains("aspect ratio 9:16")
                && m.contains("no music")
        );
    }

    #[test]
    fn ids_may_be_numbers() {
        assert_eq!(
            id_string(&json!(5529798706024415232u64)).as_deref(),
            Some("5529798706024415232")
        );
        assert_eq!(id_string(&json!("abc")).as_deref(), Some("abc"));
        assert_eq!(id_string(&json!(null)), None);
    }
}
