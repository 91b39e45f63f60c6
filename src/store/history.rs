//! Revision history: every saved timeline is kept, each knows the revision it was made from,
//! and a session's head says which one is current. Undo and redo move the head along those
//! links, so they cost nothing and an undone revision is still there to redo or revert to;
//! a new edit made after an undo branches from the head.

use super::{Store, StoreError, now};
use crate::timeline::Timeline;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

/// One stored revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// Its number.
    pub rev: u64,
    /// The revision it was made from (0 for a first cut).
    pub parent: u64,
    /// What was asked for.
    pub prompt: String,
    /// When, in seconds since 1970.
    pub created_at: i64,
}

/// The current revision: the head when set, else the newest (0 when there is none).
fn head_of(tx: &Transaction, session: &str) -> rusqlite::Result<u64> {
    let head: Option<i64> = tx
        .query_row("SELECT head FROM sessions WHERE id = ?1", [session], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    match head {
        Some(h) => Ok(h as u64),
        None => tx
            .query_row(
                "SELECT COALESCE(MAX(rev), 0) FROM timelines WHERE session_id = ?1",
                [session],
                |r| r.get::<_, i64>(0),
            )
            .map(|v| v as u64),
    }
}

impl Store {
    /// The session's current revision number (0 when it has no timeline yet).
    pub fn head(&self, session: &str) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        Ok(head_of(&tx, session)?)
    }

    /// The session's current timeline, with its revision set.
    pub fn current_timeline(&self, session: &str) -> Result<Option<Timeline>, StoreError> {
        let head = self.head(session)?;
        if head == 0 {
            return Ok(None);
        }
        self.timeline_at(session, head)
    }

    /// A stored revision exactly as it was saved.
    pub fn timeline_at(&self, session: &str, rev: u64) -> Result<Option<Timeline>, StoreError> {
        let body: Option<String> = self
            .conn()
            .query_row(
                "SELECT body FROM timelines WHERE session_id = ?1 AND rev = ?2",
                params![session, rev as i64],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| {
            let mut tl: Timeline = serde_json::from_str(&b)?;
            tl.rev = rev;
            Ok(tl)
        })
        .transpose()
    }

    /// Save `tl` as a new revision made from `expected` (the current revision, 0 for none) and
    /// make it current; refused when someone moved the head meanwhile.
    pub fn save_timeline(
        &self,
        session: &str,
        tl: &Timeline,
        expected: u64,
        prompt: &str,
    ) -> Result<u64, StoreError> {
        self.save_revision(session, tl, expected, expected, prompt)
    }

    /// Save `tl` as a new revision made from `parent` and make it current, in one transaction,
    /// only if the head is still `expected` (an undo followed by an edit moves from the head to
    /// an older parent without a moment in between).
    pub fn save_revision(
        &self,
        session: &str,
        tl: &Timeline,
        expected: u64,
        parent: u64,
        prompt: &str,
    ) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current = head_of(&tx, session)?;
        if current != expected {
            return Err(StoreError::Conflict { current });
        }
        let newest: i64 = tx.query_row(
            "SELECT COALESCE(MAX(rev), 0) FROM timelines WHERE session_id = ?1",
            [session],
            |r| r.get(0),
        )?;
        let rev = newest as u64 + 1;
        let mut stored = tl.clone();
        stored.rev = rev;
        tx.execute(
            "INSERT INTO timelines (session_id, rev, body, prompt, created_at, parent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                session,
                rev as i64,
                serde_json::to_string(&stored)?,
                prompt,
                now(),
                parent as i64
            ],
        )?;
        tx.execute(
            "UPDATE sessions SET head = ?2, updated_at = ?3 WHERE id = ?1",
            params![session, rev as i64, now()],
        )?;
        tx.commit()?;
        Ok(rev)
    }

    /// Make `rev` current, only if the head is still `expected`.
    pub fn set_head(&self, session: &str, rev: u64, expected: u64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current = head_of(&tx, session)?;
        if current != expected {
            return Err(StoreError::Conflict { current });
        }
        tx.execute(
            "UPDATE sessions SET head = ?2, updated_at = ?3 WHERE id = ?1",
            params![session, rev as i64, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every revision of a session, oldest first.
    pub fn revisions(&self, session: &str) -> Result<Vec<Revision>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT rev, COALESCE(parent, rev - 1), prompt, created_at FROM timelines
             WHERE session_id = ?1 ORDER BY rev",
        )?;
        let rows = stmt
            .query_map([session], |r| {
                Ok(Revision {
                    rev: r.get::<_, i64>(0)? as u64,
                    parent: r.get::<_, i64>(1)?.max(0) as u64,
                    prompt: r.get(2)?,
                    created_at: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

/// Where undo goes from `head`: the revision it was made from.
pub fn undo_target(revs: &[Revision], head: u64) -> Option<u64> {
    revs.iter()
        .find(|r| r.rev == head)
        .map(|r| r.parent)
        .filter(|&p| p > 0)
}

/// Where redo goes from `head`: the newest revision made from it.
pub fn redo_target(revs: &[Revision], head: u64) -> Option<u64> {
    revs.iter()
        .filter(|r| r.parent == head && r.rev != head)
        .map(|r| r.rev)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_redo_and_branching() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db")).unwrap();
        let ses = s.create_session().unwrap();
        let mut tl = Timeline::default();
        for d in [1000, 2000, 3000] {
            tl.duration_ms = d;
            let head = s.head(&ses).unwrap();
            s.save_timeline(&ses, &tl, head, "edit").unwrap();
        }
        let revs = s.revisions(&ses).unwrap();
        assert_eq!(s.head(&ses).unwrap(), 3);
        assert_eq!(undo_target(&revs, 3), Some(2));
        s.set_head(&ses, 2, 3).unwrap();
        assert_eq!(s.current_timeline(&ses).unwrap().unwrap().duration_ms, 2000);
        assert_eq!(redo_target(&revs, 2), Some(3));
        // A stale head is refused.
        assert!(matches!(
            s.set_head(&ses, 1, 3),
            Err(StoreError::Conflict { current: 2 })
        ));
        // Editing after an undo branches from revision 2; revision 3 stays stored.
        tl.duration_ms = 9000;
        assert_eq!(s.save_timeline(&ses, &tl, 2, "branch").unwrap(), 4);
        let revs = s.revisions(&ses).unwrap();
        assert_eq!(revs[3].parent, 2);
        assert_eq!(undo_target(&revs, 4), Some(2));
        assert_eq!(redo_target(&revs, 2), Some(4), "the newest branch");
        assert_eq!(s.timeline_at(&ses, 3).unwrap().unwrap().duration_ms, 3000);
        assert_eq!(undo_target(&revs, 1), None, "nothing before the first cut");
    }
}
