//! The `nemo` backend: the NemoVideo cloud API behind the same [`Backend`] trait as the local
//! engine, built to the reconstructed contract (`shared/docs/nemo-api-contract.md`) and tolerant
//! where that contract is unsure.
//!
//! Our session ids stay stable; each maps (in the workspace store) to the cloud session, its
//! uploads and the last draft seen (`session`). Uploads go in one request each (`upload`).
//! A chat turn (put into words by `compose`) streams over SSE; heartbeats and tool calls become
//! progress events; the agent's GUI wording is rewritten into tool actions; a turn with no text
//! is explained by diffing the draft. Previews are drawn here from thumbnails of the uploads
//! (`sheet`). Exports submit a render, poll it and download the MP4 (`export`).

mod auth;
mod client;
mod compose;
mod config;
mod errors;
mod export;
mod gui_text;
mod headers;
mod session;
mod sheet;
mod sse;
mod state;
mod upload;

pub use config::Timings;
pub use errors::NemoError;

use super::{
    Backend, BackendError, CreateRequest, Created, Credits, ExportRequest, JobHandle, JobStatus,
    Preview, TimelineState, Uploaded,
};
use crate::ffmpeg::Tools;
use crate::media::Source;
use crate::store::Store;
use crate::timeline::Timeline;
use async_trait::async_trait;
use client::{Client, Failure, failure_to_error};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The cloud backend.
pub struct NemoBackend {
    client: Arc<Client>,
    store: Arc<Store>,
    home: PathBuf,
    timings: Timings,
    jobs: crate::backend::jobs::LiveJobs,
    /// ffmpeg and ffprobe, when installed: they describe downloads and draw the contact
    /// sheet; the cloud does everything else.
    tools: Option<Tools>,
}

impl NemoBackend {
    /// Open the cloud backend with the workspace at `home`, configured from the environment
    /// (`NEMO_API_URL`, `NEMO_TOKEN`, timings).
    pub fn open(home: &Path) -> Result<NemoBackend, BackendError> {
        let base = std::env::var("NEMO_API_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| config::DEFAULT_API_URL.to_string());
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
        let ws = crate::workspace::Workspace::open(home)?;
        let store = ws.store().clone();
        let auth = auth::Auth::new(token, &home.join("nemo"));
        Ok(NemoBackend {
            client: Arc::new(Client::new(base, auth)?),
            store,
            home: home.to_path_buf(),
            timings,
            jobs: Default::default(),
            tools: Tools::locate().ok(),
        })
    }

    /// Use these ffmpeg and ffprobe instead of the ones found on PATH.
    pub fn with_tools(mut self, tools: Tools) -> NemoBackend {
        self.tools = Some(tools);
        self
    }
}

#[async_trait]
impl Backend for NemoBackend {
    fn name(&self) -> &'static str {
        "nemo"
    }

    fn reaches_network(&self) -> bool {
        true
    }

    async fn upload(
        &self,
        session_id: Option<&str>,
        files: &[Source],
    ) -> Result<Uploaded, BackendError> {
        if files.is_empty() {
            return Err(BackendError::Unavailable(
                "no files given; pass one or more local paths or http(s) URLs".into(),
            ));
        }
        // Check local files before creating a session for them.
        for p in files.iter().filter_map(Source::path) {
            upload::check_local(p)?;
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
        let message = compose::compose(&req, &added);
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
        // Counted on the record as stored now: other requests may have changed it meanwhile. A
        // timeline read during the turn may already have counted this very draft.
        let (cloud, counted) = (rec.nemo_session.clone(), rec.turns);
        let revision = self.update(&id, |r| {
            let same_cloud = r.nemo_session == cloud;
            if !(same_cloud && r.turns > counted && r.draft == after) {
                r.turns += 1;
            }
            if same_cloud {
                r.draft = after;
            }
            r.turns
        })?;
        let mut timeline = timeline;
        timeline.rev = revision;
        Ok(Created {
            session_id: id,
            edited: old_tl.is_some(),
            revision,
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

    async fn preview(&self, session_id: &str) -> Result<Preview, BackendError> {
        let tools = self.tools.as_ref().ok_or_else(|| {
            BackendError::Unavailable(
                "the contact sheet is drawn with ffmpeg, which is not installed here (set REELSMITH_FFMPEG / REELSMITH_FFPROBE or install it); the shot list shows what is on the timeline".into(),
            )
        })?;
        let state = self.timeline(session_id).await?;
        let rec = self.record(session_id)?;
        let bytes =
            sheet::contact_sheet(&self.home, state.timeline, &rec.uploads, &rec.cdn, tools).await?;
        Ok(Preview {
            mime: "image/jpeg".into(),
            bytes,
            revision: state.revision,
        })
    }

    async fn export(&self, req: ExportRequest) -> Result<JobHandle, BackendError> {
        export::start(self, req).await
    }

    async fn job(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        self.jobs.status(job_id, &self.store)
    }

    async fn cancel(&self, job_id: &str) -> Result<JobStatus, BackendError> {
        self.jobs
            .cancel(job_id, &self.store, self.timings.cancel_wait)
            .await
    }
}
