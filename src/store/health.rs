//! Is the workspace database ours, sound and of a schema this build knows — and the way back
//! when it is not.
//!
//! Opening refuses a damaged, foreign or newer file without altering it (the person may want it
//! back, or a newer reelsmith still reads it). `reelsmith doctor` checks it fully; only
//! `reelsmith doctor --repair` moves a bad file aside and copies over what can still be read.

use super::StoreError;
use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes (SQLite's `user_version`). Older workspaces are brought up to it
/// (1: revision history gains `sessions.head` and `timelines.parent`; 2: `jobs.draft`, so a
/// draft is never handed back as the final file; 3: `jobs.shape`, so each shape of a
/// multi-format export is its own job; 4: `tenant` on sessions, media and jobs, NULL for rows
/// written before tenants, which belong to the default tenant); a larger number comes from a
/// later reelsmith and is refused.
pub const SCHEMA_VERSION: i64 = 4;

/// Our tables, in the order a repair copies them (sessions before what refers to them).
const TABLES: [&str; 5] = ["sessions", "media", "timelines", "jobs", "kv"];

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS media (
        session_id TEXT NOT NULL, media_id TEXT NOT NULL, position INTEGER NOT NULL,
        info TEXT NOT NULL, PRIMARY KEY (session_id, media_id));
     CREATE TABLE IF NOT EXISTS timelines (
        session_id TEXT NOT NULL, rev INTEGER NOT NULL, body TEXT NOT NULL,
        prompt TEXT NOT NULL, created_at INTEGER NOT NULL, parent INTEGER,
        PRIMARY KEY (session_id, rev));
     CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL, rev INTEGER NOT NULL,
        output TEXT NOT NULL, state TEXT NOT NULL, percent REAL NOT NULL, message TEXT NOT NULL,
        result TEXT, pid INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        draft INTEGER, shape TEXT);
     CREATE INDEX IF NOT EXISTS jobs_by_session ON jobs (session_id, rev);
     CREATE TABLE IF NOT EXISTS kv (
        scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (scope, key));";

/// A SQLite error on `path`, named as damage when that is what it is.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StoreError::Sql(e),
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// Refuse what is not ours or is newer; reading the header and the schema is what fails first
/// on a damaged file.
fn check_identity(path: &Path, conn: &Connection) -> Result<i64, StoreError> {
    let version = user_version(conn).map_err(|e| classify(path, e))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let tables = table_names(conn).map_err(|e| classify(path, e))?;
    let ours = |t: &String| TABLES.contains(&t.as_str());
    let is_ours = tables.iter().any(|t| t == "sessions") && tables.iter().all(ours);
    if !tables.is_empty() && !is_ours {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
            tables: tables.join(", "),
        });
    }
    Ok(version)
}

/// Open `path` for the store: checked, in WAL mode, with the schema in place.
pub(super) fn open_checked(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| classify(path, e))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let version = check_identity(path, &conn)?;
    let setup = || -> rusqlite::Result<()> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        for (table, column, kind) in [
            ("sessions", "head", "INTEGER"),
            ("timelines", "parent", "INTEGER"),
            ("jobs", "draft", "INTEGER"),
            ("jobs", "shape", "TEXT"),
            ("sessions", "tenant", "TEXT"),
            ("media", "tenant", "TEXT"),
            ("jobs", "tenant", "TEXT"),
        ] {
            add_column(&conn, table, column, kind)?;
        }
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS media_by_tenant ON media (tenant);
             CREATE INDEX IF NOT EXISTS jobs_by_tenant ON jobs (tenant, state);",
        )?;
        if version < SCHEMA_VERSION {
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        Ok(())
    };
    setup().map_err(|e| classify(path, e))?;
    Ok(conn)
}

/// Add a column to a table made by an older reelsmith, unless it is there.
fn add_column(conn: &Connection, table: &str, column: &str, kind: &str) -> rusqlite::Result<()> {
    let has = conn
        .prepare(&format!(
            "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
        ))?
        .exists([column])?;
    if !has {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
    }
    Ok(())
}

/// What `reelsmith doctor` found in the workspace database.
#[derive(Debug)]
pub struct Health {
    /// The database file.
    pub path: PathBuf,
    /// False when there is no file yet (the first run creates it).
    pub exists: bool,
    /// Its schema version, when readable.
    pub schema: Option<i64>,
    /// Sessions it holds, when readable.
    pub sessions: Option<u64>,
    /// Why it cannot be used (damaged, foreign, newer, or `PRAGMA integrity_check` findings).
    pub problem: Option<StoreError>,
}

/// Check the database at `path` without changing it: identity, schema version and SQLite's
/// full `integrity_check`.
pub fn check(path: &Path) -> Health {
    let mut h = Health {
        path: path.to_path_buf(),
        exists: path.exists(),
        schema: None,
        sessions: None,
        problem: None,
    };
    if !h.exists {
        return h;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(c) => c,
        Err(e) => {
            h.problem = Some(classify(path, e));
            return h;
        }
    };
    let _ = conn.busy_timeout(Duration::from_secs(10));
    match check_identity(path, &conn) {
        Ok(v) => h.schema = Some(v),
        Err(e) => {
            h.problem = Some(e);
            return h;
        }
    }
    let findings = conn
        .prepare("PRAGMA integrity_check(20)")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    match findings {
        Ok(f) if f == ["ok"] => {}
        Ok(f) => {
            h.problem = Some(StoreError::Damaged {
                path: path.to_path_buf(),
                detail: format!("integrity check: {}", f.join("; ")),
            });
            return h;
        }
        Err(e) => {
            h.problem = Some(classify(path, e));
            return h;
        }
    }
    if h.schema.is_some_and(|v| v > 0) || table_names(&conn).is_ok_and(|t| !t.is_empty()) {
        h.sessions = conn
            .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get::<_, i64>(0))
            .ok()
            .map(|n| n as u64);
    }
    h
}

/// What `reelsmith doctor --repair` did.
#[derive(Debug)]
pub struct RepairReport {
    /// Where the bad file went; None when there was nothing to repair.
    pub moved_to: Option<PathBuf>,
    /// Rows copied from it, per table.
    pub recovered: Vec<(&'static str, u64)>,
    /// Rows that could not be read (the rest of a table after the first unreadable row).
    pub lost_tables: Vec<&'static str>,
}

/// Move a damaged or foreign database aside as `<name>.damaged-<UTC time>` (with its WAL), start
/// a new one and copy every row that can still be read. A sound database, or one from a newer
/// reelsmith, is left alone. Files outside the database (media, exports) are never touched.
pub fn repair(path: &Path) -> Result<RepairReport, StoreError> {
    let health = check(path);
    match health.problem {
        None => {
            return Ok(RepairReport {
                moved_to: None,
                recovered: Vec::new(),
                lost_tables: Vec::new(),
            });
        }
        Some(e @ StoreError::Newer { .. }) => return Err(e),
        Some(_) => {}
    }
    if let Some(pid) = holder(path) {
        return Err(StoreError::InUse {
            path: path.to_path_buf(),
            pid,
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reelsmith.db".into());
    let aside = path.with_file_name(format!("{name}.damaged-{}", utc_stamp()));
    let io = |e: std::io::Error| StoreError::Damaged {
        path: path.to_path_buf(),
        detail: format!("could not move it aside to {}: {e}", aside.display()),
    };
    std::fs::rename(path, &aside).map_err(io)?;
    // The WAL and shared-memory files follow under SQLite's own naming, so the copy still sees
    // the last committed transactions.
    for suffix in ["-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            std::fs::rename(&from, format!("{}{suffix}", aside.display())).map_err(io)?;
        }
    }
    let fresh = open_checked(path)?;
    let (recovered, lost_tables) = salvage(&aside, &fresh);
    Ok(RepairReport {
        moved_to: Some(aside),
        recovered,
        lost_tables,
    })
}

/// Another process with `path` open, found through /proc (Linux; elsewhere nothing is found).
/// Our own children do not count: a child being started holds copies of our descriptors until
/// its exec closes them, and the kernel shows the new program a moment before it does.
fn holder(path: &Path) -> Option<u32> {
    let target = std::fs::canonicalize(path).ok()?;
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me || parent_of(&entry.path()) == Some(me) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        if fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == target))
        {
            return Some(pid);
        }
    }
    None
}

/// The parent pid in a /proc/<pid> folder's `stat` (the fields after the ")" that ends the
/// command name are the state, then the parent's pid).
fn parent_of(dir: &Path) -> Option<u32> {
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Copy every readable row of our tables from `from` into `to`; a running job becomes
/// interrupted (its process is gone, the export can be resumed).
fn salvage(from: &Path, to: &Connection) -> (Vec<(&'static str, u64)>, Vec<&'static str>) {
    let mut recovered = Vec::new();
    let mut lost = Vec::new();
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(src) = Connection::open_with_flags(from, flags) else {
        return (recovered, TABLES.to_vec());
    };
    for table in TABLES {
        let (n, complete) = copy_rows(&src, to, table);
        if n > 0 {
            recovered.push((table, n));
        }
        if !complete {
            lost.push(table);
        }
    }
    let _ = to.execute(
        "UPDATE jobs SET state = 'interrupted', message = 'interrupted: the workspace database was repaired' WHERE state = 'running'",
        [],
    );
    (recovered, lost)
}

/// Rows copied, and whether the whole table could be read.
fn copy_rows(src: &Connection, to: &Connection, table: &str) -> (u64, bool) {
    let Ok(mut stmt) = src.prepare(&format!("SELECT * FROM {table}")) else {
        return (0, false);
    };
    let cols = stmt.column_count();
    // Columns by name: an older file may lack columns this schema added (they stay NULL).
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect();
    let insert = format!(
        "INSERT OR IGNORE INTO {table} ({}) VALUES ({})",
        names.join(", "),
        vec!["?"; cols].join(", ")
    );
    let Ok(mut rows) = stmt.query([]) else {
        return (0, false);
    };
    let mut n = 0;
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let values: rusqlite::Result<Vec<Value>> = (0..cols).map(|i| row.get(i)).collect();
                let Ok(values) = values else {
                    return (n, false);
                };
                match to.execute(&insert, rusqlite::params_from_iter(values)) {
                    Ok(c) => n += c as u64,
                    // A row the new schema cannot hold: say the table was not fully copied.
                    Err(_) => return (n, false),
                }
            }
            Ok(None) => return (n, true),
            Err(_) => return (n, false),
        }
    }
}

/// The current UTC time as `20261201T101500Z`.
fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::timeline::Timeline;

    fn workspace_with_history(dir: &Path) -> PathBuf {
        let path = dir.join("reelsmith.db");
        let s = Store::open(&path).unwrap();
        for _ in 0..3 {
            let ses = s.create_session().unwrap();
            s.save_timeline(&ses, &Timeline::default(), 0, "a").unwrap();
        }
        drop(s);
        path
    }

    #[test]
    fn repair_refuses_a_file_another_process_has_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace_with_history(dir.path());
        // The holder runs under a shell, so it is not our own child (those are ignored).
        let mut shell = std::process::Command::new("sh")
            .args([
                "-c",
                "python3 -c \"import os,sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute('select count(*) from sessions').fetchall(); print(os.getpid(), flush=True); time.sleep(30)\" \"$0\"; true",
            ])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sh and python3 run");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(shell.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let python: u32 = line.trim().parse().expect("python's pid");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[..100].fill(b'x');
        std::fs::write(&path, &bytes).unwrap();
        let r = repair(&path);
        // SAFETY: signalling a process we started.
        unsafe { libc::kill(python as libc::pid_t, libc::SIGKILL) };
        let _ = shell.wait();
        match r {
            Err(StoreError::InUse { pid, .. }) => assert_eq!(pid, python),
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "left in place");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn an_overwritten_header_is_named_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace_with_history(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[..100].fill(b'x');
        std::fs::write(&path, &bytes).unwrap();
        let e = Store::open(&path).err().expect("refused");
        let msg = e.to_string();
        assert!(matches!(e, StoreError::Damaged { .. }), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("reelsmith doctor --repair"), "{msg}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "not altered");
        assert!(check(&path).problem.is_some());
    }

    #[test]
    fn a_newer_schema_is_refused_unchanged_and_not_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace_with_history(dir.path());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(
            matches!(e, StoreError::Newer { found, .. } if found == SCHEMA_VERSION + 1),
            "{e}"
        );
        assert!(e.to_string().contains("newer reelsmith"), "{e}");
        assert!(matches!(repair(&path), Err(StoreError::Newer { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_foreign_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reelsmith.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE photos (id INTEGER); CREATE TABLE albums (id INTEGER);")
            .unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::Foreign { .. }), "{e}");
        assert!(e.to_string().contains("albums, photos"), "{e}");
    }

    #[test]
    fn a_round_one_workspace_is_brought_up_to_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace_with_history(dir.path());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 0)
            .unwrap();
        let s = Store::open(&path).unwrap();
        drop(s);
        let h = check(&path);
        assert!(h.problem.is_none(), "{:?}", h.problem);
        assert_eq!((h.schema, h.sessions), (Some(SCHEMA_VERSION), Some(3)));
    }

    #[test]
    fn repair_moves_the_file_aside_and_copies_what_it_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace_with_history(dir.path());
        // A sound file needs no repair.
        assert!(repair(&path).unwrap().moved_to.is_none());
        // Damage the timelines table's page: the schema and the sessions stay readable.
        let (page, root): (usize, usize) = {
            let c = Connection::open(&path).unwrap();
            (
                c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap(),
                c.query_row(
                    "SELECT rootpage FROM sqlite_master WHERE name = 'timelines'",
                    [],
                    |r| r.get(0),
                )
                .unwrap(),
            )
        };
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[(root - 1) * page..root * page].fill(0xA5);
        std::fs::write(&path, &bytes).unwrap();
        let h = check(&path);
        assert!(
            matches!(h.problem, Some(StoreError::Damaged { .. })),
            "{:?}",
            h.problem
        );
        let r = repair(&path).unwrap();
        let aside = r.moved_to.expect("moved aside");
        assert!(aside.exists());
        assert!(
            aside
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("reelsmith.db.damaged-2"),
            "{}",
            aside.display()
        );
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            bytes,
            "the bad file is kept as it was"
        );
        let h = check(&path);
        assert!(h.problem.is_none(), "{:?}", h.problem);
        assert!(r.recovered.contains(&("sessions", 3)), "{:?}", r.recovered);
        assert!(r.lost_tables.contains(&"timelines"), "{:?}", r.lost_tables);
        // The new store works.
        let s = Store::open(&path).unwrap();
        s.create_session().unwrap();
    }
}
