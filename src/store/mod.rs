//! The local workspace's memory: sessions, their media, every timeline revision, export jobs.
//!
//! SQLite in WAL mode with a busy timeout, so the store survives restarts and two reelsmith
//! processes (say, the CLI and a running server) can share one workspace. Timeline saves are
//! compare-and-swap on the revision, so two writers cannot silently overwrite each other.

use crate::media::MediaInfo;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

mod health;
mod history;
pub mod replica;
pub use health::{Health, RepairReport, SCHEMA_VERSION, check, repair};
pub use history::{Revision, redo_target, undo_target};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("workspace database error: {0}{hint}", hint = damage_hint(.0))]
    Sql(#[from] rusqlite::Error),
    /// Stored JSON could not be read back.
    #[error("workspace data is damaged: {0}")]
    Json(#[from] serde_json::Error),
    /// The file is not a readable SQLite database, or its pages are damaged.
    #[error(
        "the workspace database {} is damaged ({detail}). Run `reelsmith doctor --repair` to move it aside (as reelsmith.db.damaged-<time>) and start a new one; media and exports are kept and what can still be read is copied over",
        path.display()
    )]
    Damaged {
        /// The database file.
        path: std::path::PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// A SQLite database that another program made.
    #[error(
        "{} is not a reelsmith workspace database (it holds tables {tables}). Point REELSMITH_HOME at another folder, or run `reelsmith doctor --repair` to move it aside and start a new one",
        path.display()
    )]
    Foreign {
        /// The database file.
        path: std::path::PathBuf,
        /// The tables found, comma-separated.
        tables: String,
    },
    /// Another process has the file open (a running server); moving it now would lose writes.
    #[error(
        "{} is open in process {pid} (a running reelsmith server or command); stop it, then run `reelsmith doctor --repair` again",
        path.display()
    )]
    InUse {
        /// The database file.
        path: std::path::PathBuf,
        /// The process holding it.
        pid: u32,
    },
    /// Written by a later reelsmith whose schema this one does not know.
    #[error(
        "the workspace database {} was written by a newer reelsmith (schema {found}; this one reads up to {supported}). Upgrade reelsmith, or point REELSMITH_HOME at another folder; it was left unchanged",
        path.display()
    )]
    Newer {
        /// The database file.
        path: std::path::PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build reads.
        supported: i64,
    },
    /// Someone else saved a newer revision first.
    #[error("the timeline changed meanwhile (now revision {current}); read it again and retry")]
    Conflict {
        /// The revision now stored.
        current: u64,
    },
}

/// State of an export job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Rendering now.
    Running,
    /// Finished; the file is at the output path.
    Done,
    /// Failed; see the message.
    Failed,
    /// Cancelled by request.
    Cancelled,
    /// The process running it stopped (crash, restart); export again to resume.
    Interrupted,
}

impl JobState {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            _ => JobState::Interrupted,
        }
    }
}

/// A stored export job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Job id.
    pub id: String,
    /// Session it renders.
    pub session_id: String,
    /// Timeline revision it renders.
    pub rev: u64,
    /// Output path.
    pub output: String,
    /// Current state.
    pub state: JobState,
    /// Percent done, 0–100.
    pub percent: f64,
    /// Last progress or error message.
    pub message: String,
    /// Result JSON when done.
    pub result: Option<serde_json::Value>,
    /// A quick low-resolution preview rather than the final file.
    pub draft: bool,
    /// The frame shape rendered ("9:16"…) when it is not the timeline's own.
    pub shape: Option<String>,
}

/// The workspace database.
pub struct Store {
    conn: Mutex<Connection>,
}

/// Damage found after opening (a bad page deep in the file) points to the check that names it.
fn damage_hint(e: &rusqlite::Error) -> &'static str {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            "; run `reelsmith doctor` to check the workspace database and `reelsmith doctor --repair` to fix it"
        }
        _ => "",
    }
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Open (or create) the database at `path`, and mark jobs whose process is gone as interrupted.
    ///
    /// A damaged, foreign or newer database is refused with an error that names the file and
    /// the way out, and is never altered.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = health::open_checked(path)?;
        let store = Store {
            conn: Mutex::new(conn),
        };
        store.mark_orphans_interrupted()?;
        Ok(store)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Jobs left "running" by a process that no longer exists become "interrupted".
    fn mark_orphans_interrupted(&self) -> Result<usize, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, pid FROM jobs WHERE state = 'running'")?;
        let rows: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut n = 0;
        for (id, pid) in rows {
            if !process_alive(pid) {
                n += conn.execute(
                    "UPDATE jobs SET state = 'interrupted', message = 'interrupted: the process rendering it stopped; call export again to resume', updated_at = ?2 WHERE id = ?1",
                    params![id, now()],
                )?;
            }
        }
        Ok(n)
    }

    /// Start a new session of the default tenant; returns its id.
    pub fn create_session(&self) -> Result<String, StoreError> {
        self.create_session_for(crate::tenant::DEFAULT)
    }

    /// Start a new session owned by `tenant`; returns its id.
    pub fn create_session_for(&self, tenant: &str) -> Result<String, StoreError> {
        let id = format!("ses_{}", uuid::Uuid::new_v4().simple());
        self.conn().execute(
            "INSERT INTO sessions (id, created_at, updated_at, tenant) VALUES (?1, ?2, ?2, ?3)",
            params![id, now(), tenant],
        )?;
        Ok(id)
    }

    /// Whether a session exists (whoever owns it).
    pub fn session_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM sessions WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether a session exists and `tenant` owns it (rows from before tenants belong to the
    /// default tenant).
    pub fn session_owned(&self, id: &str, tenant: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM sessions WHERE id = ?1 AND COALESCE(tenant, 'default') = ?2",
                params![id, tenant],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Whether a job exists and `tenant` owns it.
    pub fn job_owned(&self, id: &str, tenant: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM jobs WHERE id = ?1 AND COALESCE(tenant, 'default') = ?2",
                params![id, tenant],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The media `tenant` holds, by id (an item in several sessions counted once), with each
    /// one's size in bytes.
    pub fn tenant_media(
        &self,
        tenant: &str,
    ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT media_id, info FROM media WHERE COALESCE(tenant, 'default') = ?1")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([tenant], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = std::collections::HashMap::new();
        for (id, info) in rows {
            let m: MediaInfo = serde_json::from_str(&info)?;
            out.insert(id, m.size_bytes);
        }
        Ok(out)
    }

    /// The files `tenant`'s finished exports were written to, each once.
    pub fn tenant_exports(&self, tenant: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT DISTINCT output FROM jobs WHERE COALESCE(tenant, 'default') = ?1 AND state = 'done'",
        )?;
        let rows = stmt
            .query_map([tenant], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Add media to a session, owned by the session's tenant (a second add of the same content
    /// is a no-op); returns whether it was new.
    pub fn add_media(&self, session: &str, m: &MediaInfo) -> Result<bool, StoreError> {
        let info = serde_json::to_string(m)?;
        let conn = self.conn();
        let n = conn.execute(
            "INSERT OR IGNORE INTO media (session_id, media_id, position, info, tenant)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM media WHERE session_id = ?1), ?3,
                     (SELECT COALESCE(tenant, 'default') FROM sessions WHERE id = ?1))",
            params![session, m.id, info],
        )?;
        conn.execute(
            "UPDATE sessions SET updated_at = ?2 WHERE id = ?1",
            params![session, now()],
        )?;
        Ok(n == 1)
    }

    /// A session's media in upload order.
    pub fn media(&self, session: &str) -> Result<Vec<MediaInfo>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT info FROM media WHERE session_id = ?1 ORDER BY position")?;
        let rows: Vec<String> = stmt
            .query_map([session], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .map(|s| serde_json::from_str(s).map_err(StoreError::from))
            .collect()
    }

    /// Record a new running job owned by this process (and by the session's tenant).
    pub fn create_job(
        &self,
        session: &str,
        rev: u64,
        output: &str,
        draft: bool,
        shape: Option<&str>,
    ) -> Result<JobRecord, StoreError> {
        let id = format!("job_{}", uuid::Uuid::new_v4().simple());
        self.conn().execute(
            "INSERT INTO jobs (id, session_id, rev, output, state, percent, message, result, pid, created_at, updated_at, draft, shape, tenant)
             VALUES (?1, ?2, ?3, ?4, 'running', 0, 'queued', NULL, ?5, ?6, ?6, ?7, ?8,
                     (SELECT COALESCE(tenant, 'default') FROM sessions WHERE id = ?2))",
            params![id, session, rev as i64, output, std::process::id() as i64, now(), draft as i64, shape],
        )?;
        Ok(JobRecord {
            id,
            session_id: session.into(),
            rev,
            output: output.into(),
            state: JobState::Running,
            percent: 0.0,
            message: "queued".into(),
            result: None,
            draft,
            shape: shape.map(str::to_string),
        })
    }

    /// Update a job's state, progress and message (and result when done).
    pub fn update_job(
        &self,
        id: &str,
        state: JobState,
        percent: f64,
        message: &str,
        result: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE jobs SET state = ?2, percent = ?3, message = ?4, result = COALESCE(?5, result), updated_at = ?6 WHERE id = ?1",
            params![
                id,
                state.as_str(),
                percent,
                message,
                result.map(|r| r.to_string()),
                now()
            ],
        )?;
        Ok(())
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        self.query_job("WHERE id = ?1", params![id])
    }

    /// The newest job for a session revision (and output path, when given).
    pub fn job_for(
        &self,
        session: &str,
        rev: u64,
        output: &str,
        draft: bool,
        shape: Option<&str>,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.query_job(
            "WHERE session_id = ?1 AND rev = ?2 AND output = ?3 AND COALESCE(draft, 0) = ?4 AND COALESCE(shape, '') = ?5 ORDER BY created_at DESC, rowid DESC LIMIT 1",
            params![session, rev as i64, output, draft as i64, shape.unwrap_or("")],
        )
    }

    /// The newest finished job of a session revision, whatever its output path.
    pub fn latest_done_job(
        &self,
        session: &str,
        rev: u64,
        draft: bool,
        shape: Option<&str>,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.query_job(
            "WHERE session_id = ?1 AND rev = ?2 AND state = 'done' AND COALESCE(draft, 0) = ?3 AND COALESCE(shape, '') = ?4 ORDER BY created_at DESC, rowid DESC LIMIT 1",
            params![session, rev as i64, draft as i64, shape.unwrap_or("")],
        )
    }

    /// The newest job of a session, any revision.
    pub fn latest_job(&self, session: &str) -> Result<Option<JobRecord>, StoreError> {
        self.query_job(
            "WHERE session_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
            params![session],
        )
    }

    fn query_job(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!(
            "SELECT id, session_id, rev, output, state, percent, message, result, COALESCE(draft, 0), shape FROM jobs {filter}"
        );
        let row = self
            .conn()
            .query_row(&sql, args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, f64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .optional()?;
        row.map(
            |(id, session_id, rev, output, state, percent, message, result, draft, shape)| {
                Ok(JobRecord {
                    id,
                    session_id,
                    rev: rev as u64,
                    output,
                    draft: draft != 0,
                    shape,
                    state: JobState::parse(&state),
                    percent,
                    message,
                    result: result.map(|r| serde_json::from_str(&r)).transpose()?,
                })
            },
        )
        .transpose()
    }

    /// Store a backend's JSON record under (`scope`, `key`), replacing what was there.
    pub fn put_kv(
        &self,
        scope: &str,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO kv (scope, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
            params![scope, key, value.to_string()],
        )?;
        Ok(())
    }

    /// A backend's JSON record, if stored.
    pub fn get_kv(&self, scope: &str, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM kv WHERE scope = ?1 AND key = ?2",
                params![scope, key],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(StoreError::from))
            .transpose()
    }

    /// Read-modify-write a backend's JSON record as one step: `f` gets what is stored (None
    /// when nothing is) and returns the value to store (None leaves the row alone) and its own
    /// answer. The read and the write share one immediate transaction, so no other writer — a
    /// concurrent request here or another process on the same workspace — can slip in between
    /// and have its update lost.
    pub fn update_kv<T>(
        &self,
        scope: &str,
        key: &str,
        f: impl FnOnce(Option<serde_json::Value>) -> (Option<serde_json::Value>, T),
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let text: Option<String> = tx
            .query_row(
                "SELECT value FROM kv WHERE scope = ?1 AND key = ?2",
                params![scope, key],
                |r| r.get(0),
            )
            .optional()?;
        let old = text.map(|t| serde_json::from_str(&t)).transpose()?;
        let (new, out) = f(old);
        if let Some(v) = new {
            tx.execute(
                "INSERT INTO kv (scope, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                params![scope, key, v.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Run SQLite's integrity check; "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn process_alive(pid: i64) -> bool {
    if pid <= 0 {
        return false;
    }
    if pid == std::process::id() as i64 {
        return true;
    }
    // SAFETY: kill with signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_compare_and_swap() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db")).unwrap();
        let ses = s.create_session().unwrap();
        let tl = crate::timeline::Timeline::default();
        assert_eq!(s.save_timeline(&ses, &tl, 0, "a").unwrap(), 1);
        assert_eq!(s.save_timeline(&ses, &tl, 1, "b").unwrap(), 2);
        assert!(matches!(
            s.save_timeline(&ses, &tl, 1, "c"),
            Err(StoreError::Conflict { current: 2 })
        ));
        assert_eq!(s.current_timeline(&ses).unwrap().unwrap().rev, 2);
    }

    #[test]
    fn rows_belong_to_their_sessions_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db")).unwrap();
        let a = s.create_session_for("acme").unwrap();
        let legacy = s.create_session().unwrap();
        s.conn()
            .execute("UPDATE sessions SET tenant = NULL WHERE id = ?1", [&legacy])
            .unwrap();
        assert!(s.session_owned(&a, "acme").unwrap());
        assert!(!s.session_owned(&a, "beta").unwrap());
        assert!(!s.session_owned(&a, "default").unwrap());
        assert!(
            s.session_owned(&legacy, "default").unwrap(),
            "rows before tenants"
        );
        let job = s.create_job(&a, 1, "/tmp/a.mp4", false, None).unwrap();
        assert!(s.job_owned(&job.id, "acme").unwrap());
        assert!(!s.job_owned(&job.id, "beta").unwrap());
        assert!(s.tenant_exports("acme").unwrap().is_empty());
        s.update_job(&job.id, JobState::Done, 100.0, "done", None)
            .unwrap();
        assert_eq!(s.tenant_exports("acme").unwrap(), ["/tmp/a.mp4"]);
        assert!(s.tenant_exports("beta").unwrap().is_empty());
    }

    #[test]
    fn orphaned_running_jobs_become_interrupted_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let s = Store::open(&path).unwrap();
        let ses = s.create_session().unwrap();
        let job = s.create_job(&ses, 1, "/tmp/x.mp4", false, None).unwrap();
        // Pretend a process that no longer exists owned it.
        s.conn()
            .execute("UPDATE jobs SET pid = 999999999 WHERE id = ?1", [&job.id])
            .unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        let j = s.job(&job.id).unwrap().unwrap();
        assert_eq!(j.state, JobState::Interrupted);
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }
}
