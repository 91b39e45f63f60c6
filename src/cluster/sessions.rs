//! Sessions shared by every front end, in the cluster's KV bucket. Each front end keeps a
//! replica in its workspace (so editing, previews and history run on the local engine
//! unchanged): before a request it pulls the session's newer revisions and media, after an
//! edit it pushes what it made. A push claims the next revision number with a KV create
//! (only one front end can create `rev.N`) and moves the head with a compare-and-set on the
//! session's record; when either is refused another front end got there first, so the edit
//! is withdrawn here and made again on top of theirs. No update is ever lost.
//!
//! Keys: `<session>.meta` ([`SessionMeta`]), `<session>.rev.<n>` (a [`RevisionCopy`]),
//! `<session>.media.<media id>` (the [`MediaInfo`]; the bytes are in the files bucket).

use super::ClusterError;
use super::job::media_object;
use crate::media::MediaInfo;
use crate::store::Store;
use crate::store::replica::RevisionCopy;
use async_nats::jetstream::kv;
use async_nats::jetstream::object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A session's record: who owns it, which revision is current, how many there are and
/// which media it holds (in upload order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// The owning tenant.
    pub tenant: String,
    /// The current revision (0 before the first cut).
    pub head: u64,
    /// The newest revision number claimed.
    pub newest: u64,
    /// Media ids in upload order.
    pub media: Vec<String>,
}

/// Where a replica stood when it last pulled: the record and its KV revision (what a push
/// compares against).
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The session's record as pulled; `None` for a session the cluster does not know yet.
    pub meta: Option<SessionMeta>,
    /// The record's KV revision (0 when there is none).
    kv_rev: u64,
}

impl Pulled {
    /// Where a session the cluster does not know yet stands.
    pub fn nothing() -> Pulled {
        Pulled {
            meta: None,
            kv_rev: 0,
        }
    }

    /// The newest revision number pulled (0 for none).
    pub fn newest(&self) -> u64 {
        self.meta.as_ref().map_or(0, |m| m.newest)
    }

    /// The head pulled (0 for none).
    pub fn head(&self) -> u64 {
        self.meta.as_ref().map_or(0, |m| m.head)
    }
}

/// What a pull or push found.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The session belongs to another tenant.
    #[error("session {0} belongs to another tenant")]
    Foreign(String),
    /// Another front end changed the session since the pull.
    #[error("session {0} was changed by another front end meanwhile")]
    Conflict(String),
    /// The cluster or the workspace failed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// How old a claimed revision key without a record must be to count as a dead push's
/// leftover rather than a push in flight.
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(60);

fn meta_key(session: &str) -> String {
    format!("{session}.meta")
}

fn rev_key(session: &str, rev: u64) -> String {
    format!("{session}.rev.{rev}")
}

fn media_key(session: &str, media: &str) -> String {
    format!("{session}.media.{media}")
}

fn store_err(e: crate::store::StoreError) -> ClusterError {
    ClusterError::js("use the workspace replica", e)
}

/// The shared sessions: the KV bucket and the files bucket their media live in.
#[derive(Clone)]
pub struct SessionBook {
    kv: kv::Store,
    files: ObjectStore,
}

impl SessionBook {
    /// The book over `kv` (sessions) and `files` (media bytes).
    pub fn new(kv: kv::Store, files: ObjectStore) -> SessionBook {
        SessionBook { kv, files }
    }

    async fn read<T: for<'de> Deserialize<'de>>(
        &self,
        key: &str,
    ) -> Result<Option<(T, u64)>, ClusterError> {
        let entry = super::patiently(30, || self.kv.entry(key))
            .await
            .map_err(|e| ClusterError::js("read a session", e))?;
        Ok(entry
            .filter(|e| e.operation == kv::Operation::Put)
            .and_then(|e| {
                serde_json::from_slice(&e.value)
                    .ok()
                    .map(|v| (v, e.revision))
            }))
    }

    /// Bring the replica in `store` up to the shared session: its owner, every revision and
    /// media item it lacks (media bytes fetched into `media_dir`), and the head. A session the
    /// cluster does not know is left as it is here.
    pub async fn pull(
        &self,
        store: &Store,
        session: &str,
        tenant: &str,
        media_dir: &Path,
    ) -> Result<Pulled, SyncError> {
        let Some((meta, kv_rev)) = self.read::<SessionMeta>(&meta_key(session)).await? else {
            return Ok(Pulled::nothing());
        };
        if meta.tenant != tenant {
            return Err(SyncError::Foreign(session.into()));
        }
        store.adopt_session(session, tenant).map_err(store_err)?;
        let have: Vec<u64> = store
            .revisions(session)
            .map_err(store_err)?
            .iter()
            .map(|r| r.rev)
            .collect();
        for rev in (1..=meta.newest).filter(|r| !have.contains(r)) {
            // A claimed number whose push was withdrawn has no entry: skip it.
            if let Some((copy, _)) = self.read::<RevisionCopy>(&rev_key(session, rev)).await? {
                store.adopt_revision(session, &copy).map_err(store_err)?;
            }
        }
        let known: Vec<String> = store
            .media(session)
            .map_err(store_err)?
            .into_iter()
            .map(|m| m.id)
            .collect();
        for id in meta.media.iter().filter(|id| !known.contains(id)) {
            let Some((mut info, _)) = self.read::<MediaInfo>(&media_key(session, id)).await? else {
                continue;
            };
            info.path = self.fetch_media(tenant, &info, media_dir).await?;
            store.add_media(session, &info).map_err(store_err)?;
        }
        if store.head(session).map_err(store_err)? != meta.head {
            store.adopt_head(session, meta.head).map_err(store_err)?;
        }
        Ok(Pulled {
            meta: Some(meta),
            kv_rev,
        })
    }

    /// Copy a media item's bytes from the files bucket into `dir` (kept there: the replica's
    /// previews and subject detection read it), unless a copy is there already.
    async fn fetch_media(
        &self,
        tenant: &str,
        info: &MediaInfo,
        dir: &Path,
    ) -> Result<std::path::PathBuf, ClusterError> {
        let ext = info
            .path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let path = dir.join(format!("{}{ext}", info.id));
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == info.size_bytes) {
            return Ok(path);
        }
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".{}.part", info.id));
        let object = media_object(tenant, &info.id);
        let files = self.files.clone();
        let target = tmp.clone();
        // In a task of its own: async-nats 0.50's object reader can panic on a timeout.
        tokio::spawn(async move {
            let mut reader = files
                .get(object.as_str())
                .await
                .map_err(|e| ClusterError::js("read a media file", e))?;
            let mut file = tokio::fs::File::create(&target).await?;
            tokio::io::copy(&mut reader, &mut file).await?;
            Ok::<_, ClusterError>(())
        })
        .await
        .map_err(|e| ClusterError::js("read a media file", e))??;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(path)
    }

    /// Publish what the replica made since `base`: its new revisions (each number claimed
    /// with a create), new media (bytes and info) and the head, moved by compare-and-set on
    /// the record. Refused with [`SyncError::Conflict`] when another front end moved the
    /// session meanwhile; what this push had claimed is released again.
    pub async fn push(
        &self,
        store: &Store,
        session: &str,
        tenant: &str,
        base: &Pulled,
    ) -> Result<(), SyncError> {
        let newest_here = store
            .revisions(session)
            .map_err(store_err)?
            .iter()
            .map(|r| r.rev)
            .max()
            .unwrap_or(0);
        let head = store.head(session).map_err(store_err)?;
        let media = store.media(session).map_err(store_err)?;
        let old = base.meta.clone();
        let from = old.as_ref().map_or(0, |m| m.newest);
        let mut claimed = Vec::new();
        for rev in from + 1..=newest_here {
            let Some(copy) = store.revision_copy(session, rev).map_err(store_err)? else {
                continue;
            };
            let body = serde_json::to_vec(&copy).map_err(|e| ClusterError::js("encode", e))?;
            match self
                .claim(&rev_key(session, rev), body, session, base)
                .await
            {
                Ok(()) => claimed.push(rev),
                Err(e) => {
                    self.release(session, &claimed).await;
                    return Err(e);
                }
            }
        }
        let old_media = old.as_ref().map(|m| m.media.clone()).unwrap_or_default();
        for m in media.iter().filter(|m| !old_media.contains(&m.id)) {
            if let Err(e) = self.put_media(session, tenant, m).await {
                self.release(session, &claimed).await;
                return Err(e.into());
            }
        }
        let meta = SessionMeta {
            tenant: tenant.into(),
            head,
            newest: newest_here.max(from),
            media: media.iter().map(|m| m.id.clone()).collect(),
        };
        if old.as_ref() == Some(&meta) {
            return Ok(());
        }
        let body = serde_json::to_vec(&meta).map_err(|e| ClusterError::js("encode", e))?;
        let done = match old {
            None => self
                .kv
                .create(meta_key(session), body.into())
                .await
                .map_err(|e| match e.kind() {
                    kv::CreateErrorKind::AlreadyExists => SyncError::Conflict(session.into()),
                    _ => ClusterError::js("store a session", e).into(),
                }),
            Some(_) => self
                .kv
                .update(meta_key(session), body.into(), base.kv_rev)
                .await
                .map_err(|e| match e.kind() {
                    kv::UpdateErrorKind::WrongLastRevision => SyncError::Conflict(session.into()),
                    _ => ClusterError::js("store a session", e).into(),
                }),
        };
        if done.is_err() {
            self.release(session, &claimed).await;
        }
        done.map(|_| ())
    }

    /// Claim revision key `key` with `body`: only one front end can create it. A key that
    /// exists while the session's record is still as pulled is either another front end's
    /// push in flight (a few milliseconds between claim and record) or, once it is older
    /// than [`LEFTOVER_AGE`], the leftover of a push that died in between; only a leftover
    /// is taken over, by compare-and-set.
    async fn claim(
        &self,
        key: &str,
        body: Vec<u8>,
        session: &str,
        base: &Pulled,
    ) -> Result<(), SyncError> {
        let e = match self.kv.create(key, body.clone().into()).await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if e.kind() != kv::CreateErrorKind::AlreadyExists {
            // Over a released (deleted) key the client's create is an update of the delete
            // marker; another front end winning that race shows as "wrong last sequence".
            if e.to_string().contains("wrong last sequence") {
                return Err(SyncError::Conflict(session.into()));
            }
            return Err(ClusterError::js("store a revision", e).into());
        }
        let meta_now = self
            .kv
            .entry(meta_key(session))
            .await
            .map_err(|e| ClusterError::js("read a session", e))?
            .map_or(0, |e| e.revision);
        let left = self
            .kv
            .entry(key)
            .await
            .map_err(|e| ClusterError::js("read a revision", e))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        match left {
            Some(left)
                if meta_now == base.kv_rev
                    && now - left.created.unix_timestamp() > LEFTOVER_AGE.as_secs() as i64 =>
            {
                self.kv
                    .update(key, body.into(), left.revision)
                    .await
                    .map(|_| ())
                    .map_err(|_| SyncError::Conflict(session.into()))
            }
            _ => Err(SyncError::Conflict(session.into())),
        }
    }

    /// Store a media item's bytes (once per tenant) and its info under the session.
    async fn put_media(
        &self,
        session: &str,
        tenant: &str,
        m: &MediaInfo,
    ) -> Result<(), ClusterError> {
        let object = media_object(tenant, &m.id);
        if self.files.info(object.as_str()).await.is_err() {
            let mut file = tokio::fs::File::open(&m.path).await?;
            self.files
                .put(object.as_str(), &mut file)
                .await
                .map_err(|e| ClusterError::js("store a media file", e))?;
        }
        let body = serde_json::to_vec(m).map_err(|e| ClusterError::js("encode", e))?;
        self.kv
            .put(media_key(session, &m.id), body.into())
            .await
            .map_err(|e| ClusterError::js("store a media item", e))?;
        Ok(())
    }

    /// Give back revision numbers a refused push had claimed (best effort: a leftover is
    /// never read, since the record's `newest` does not count it, and is taken over by the
    /// next claim of its number).
    async fn release(&self, session: &str, claimed: &[u64]) {
        for rev in claimed {
            if let Err(e) = self.kv.delete(rev_key(session, *rev)).await {
                tracing::warn!(error = %e, session, rev, "could not release a claimed revision");
            }
        }
    }
}
