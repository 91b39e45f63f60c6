//! Our sessions and the cloud's: the record kept per session (which cloud session it maps
//! to, its uploads, the revision count and the last draft seen), creating and replacing cloud
//! sessions, and reading the draft back.
//!
//! Requests on one session run at the same time (an upload while a turn streams, a timeline
//! read during an export), each holding a snapshot of the record across slow cloud calls.
//! Writing such a snapshot back would undo what the others recorded meanwhile, so every change
//! is instead a small edit applied by [`NemoBackend::update`] to the record as stored, inside
//! one store transaction.

use super::client::{self, Failure, failure_to_error};
use super::errors::NemoError;
use super::{NemoBackend, state};
use crate::backend::{BackendError, MediaItem, ProgressEvent, ProgressSink};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What we remember about one session's cloud side.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Record {
    /// The cloud session id.
    pub(super) nemo_session: String,
    /// The cloud task id.
    pub(super) task_id: String,
    /// Files uploaded into the current cloud session.
    pub(super) uploads: Vec<MediaItem>,
    /// Completed turns (our revision number).
    pub(super) turns: u64,
    /// The last draft read, for diffs.
    pub(super) draft: Option<Value>,
    /// The service's CDN URL of each upload (by media id), to find it in the draft.
    #[serde(default)]
    pub(super) cdn: std::collections::HashMap<String, String>,
}

const KV_SCOPE: &str = "nemo";

fn not_found(session: &str) -> BackendError {
    BackendError::NotFound {
        what: "session",
        id: session.into(),
        hint: "omit session_id to start a new session",
    }
}

impl NemoBackend {
    /// A snapshot of the session's record, for reading.
    pub(super) fn record(&self, session: &str) -> Result<Record, BackendError> {
        if !self.store.session_exists(session)? {
            return Err(not_found(session));
        }
        let v = self
            .store
            .get_kv(KV_SCOPE, session)?
            .ok_or_else(|| not_found(session))?;
        serde_json::from_value(v).map_err(|e| BackendError::Store(e.into()))
    }

    /// Apply `edit` to the record as stored now and store the result, as one step (see the
    /// module docs); returns what `edit` returns. `edit` must not block: the store waits on it.
    pub(super) fn update<T>(
        &self,
        session: &str,
        edit: impl FnOnce(&mut Record) -> T,
    ) -> Result<T, BackendError> {
        self.store.update_kv(KV_SCOPE, session, |stored| {
            let Some(v) = stored else {
                return (None, Err(not_found(session)));
            };
            let mut rec: Record = match serde_json::from_value(v) {
                Ok(r) => r,
                Err(e) => return (None, Err(BackendError::Store(e.into()))),
            };
            let out = edit(&mut rec);
            match serde_json::to_value(&rec) {
                Ok(v) => (Some(v), Ok(out)),
                Err(e) => (None, Err(BackendError::Store(e.into()))),
            }
        })?
    }

    /// Store the record of a session made just now (nothing else can know of it yet).
    fn insert(&self, session: &str, rec: &Record) -> Result<(), BackendError> {
        let v = serde_json::to_value(rec).map_err(|e| BackendError::Store(e.into()))?;
        self.store.put_kv(KV_SCOPE, session, &v)?;
        Ok(())
    }

    pub(super) async fn remote_session(&self) -> Result<(String, String), NemoError> {
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
    pub(super) async fn session(
        &self,
        session: Option<&str>,
    ) -> Result<(String, Record), BackendError> {
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
                self.insert(&id, &rec)?;
                Ok((id, rec))
            }
        }
    }

    /// The cloud lost the session (1002): start a new one under the same id and say what it lacks.
    pub(super) async fn session_lost(&self, session: &str, rec: &mut Record) -> BackendError {
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
        let lost = NemoError::SessionLost {
            lacks,
            next: "Upload the files again with upload_media (same session_id), then repeat the request with create_video.".into(),
        };
        let gone = rec.nemo_session.clone();
        // A concurrent request may have met the loss first and replaced the session already.
        match self.record(session) {
            Ok(now) if now.nemo_session != gone => {
                *rec = now;
                return lost.into();
            }
            Ok(_) => {}
            Err(e) => return e,
        }
        let (nemo_session, task_id) = match self.remote_session().await {
            Ok(s) => s,
            Err(e) => return e.into(),
        };
        let replaced = self.update(session, |r| {
            if r.nemo_session == gone {
                // Revisions keep counting up: an old export must never pass for a new one.
                *r = Record {
                    nemo_session,
                    task_id,
                    turns: r.turns,
                    ..Default::default()
                };
            }
            r.clone()
        });
        match replaced {
            Ok(now) => {
                *rec = now;
                lost.into()
            }
            Err(e) => e,
        }
    }

    /// The session's draft as the cloud has it now (None when it has none yet).
    pub(super) async fn draft(
        &self,
        session: &str,
        rec: &mut Record,
    ) -> Result<Option<Value>, BackendError> {
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
    /// made elsewhere) is a new revision, so exports of the old one are not reused. `rec`
    /// becomes the record as stored.
    pub(super) fn observe(
        &self,
        session: &str,
        rec: &mut Record,
        draft: &Value,
    ) -> Result<(), BackendError> {
        *rec = self.update(session, |r| {
            if r.nemo_session == rec.nemo_session && r.draft.as_ref() != Some(draft) {
                r.turns += 1;
                r.draft = Some(draft.clone());
            }
            r.clone()
        })?;
        Ok(())
    }

    /// After a dropped stream, re-read state until the draft changes (or give up).
    pub(super) async fn recover(
        &self,
        session: &str,
        rec: &mut Record,
        before: Option<&Value>,
        progress: Option<&ProgressSink>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
