//! A workspace as a replica of sessions kept elsewhere (a cluster's KV bucket): sessions,
//! revisions and heads copied in exactly as they were made by another front end, and
//! revisions this one made withdrawn again when the shared copy refused them.

use super::history::Revision;
use super::{Store, StoreError, now};
use rusqlite::params;

/// One revision as it travels between replicas: its place in the history and its timeline
/// exactly as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RevisionCopy {
    /// Number, parent, prompt and time.
    pub meta: Revision,
    /// The timeline's JSON as saved.
    pub body: String,
}

impl Store {
    /// Make sure session `id` exists here, owned by `tenant` (a session made by another
    /// front end arrives with its own id).
    pub fn adopt_session(&self, id: &str, tenant: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO sessions (id, created_at, updated_at, tenant) VALUES (?1, ?2, ?2, ?3)",
            params![id, now(), tenant],
        )?;
        Ok(())
    }

    /// Copy a revision in unless it is here already.
    pub fn adopt_revision(&self, session: &str, copy: &RevisionCopy) -> Result<(), StoreError> {
        let r = &copy.meta;
        self.conn().execute(
            "INSERT OR IGNORE INTO timelines (session_id, rev, body, prompt, created_at, parent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                session,
                r.rev as i64,
                copy.body,
                r.prompt,
                r.created_at,
                r.parent as i64
            ],
        )?;
        Ok(())
    }

    /// Point the session's head at `rev` whatever it was (the shared copy decides).
    pub fn adopt_head(&self, session: &str, rev: u64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sessions SET head = ?2, updated_at = ?3 WHERE id = ?1",
            params![session, (rev > 0).then_some(rev as i64), now()],
        )?;
        Ok(())
    }

    /// A revision as it would travel to another replica.
    pub fn revision_copy(
        &self,
        session: &str,
        rev: u64,
    ) -> Result<Option<RevisionCopy>, StoreError> {
        let meta = self.revisions(session)?.into_iter().find(|r| r.rev == rev);
        let Some(meta) = meta else {
            return Ok(None);
        };
        let body: String = self.conn().query_row(
            "SELECT body FROM timelines WHERE session_id = ?1 AND rev = ?2",
            params![session, rev as i64],
            |r| r.get(0),
        )?;
        Ok(Some(RevisionCopy { meta, body }))
    }

    /// Withdraw the revisions after `newest` and set the head back to `head`: what this
    /// replica made that the shared copy refused.
    pub fn withdraw_after(&self, session: &str, newest: u64, head: u64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM timelines WHERE session_id = ?1 AND rev > ?2",
            params![session, newest as i64],
        )?;
        tx.execute(
            "UPDATE sessions SET head = ?2, updated_at = ?3 WHERE id = ?1",
            params![session, (head > 0).then_some(head as i64), now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The tenant owning a session, when it exists here.
    pub fn session_tenant(&self, id: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row(
                "SELECT COALESCE(tenant, 'default') FROM sessions WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Timeline;

    #[test]
    fn revisions_copied_in_and_withdrawn_keep_the_history_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(&dir.path().join("a.db")).unwrap();
        let b = Store::open(&dir.path().join("b.db")).unwrap();
        let s = a.create_session_for("acme").unwrap();
        let tl = Timeline::default();
        a.save_timeline(&s, &tl, 0, "first").unwrap();
        a.save_timeline(&s, &tl, 1, "second").unwrap();

        b.adopt_session(&s, "acme").unwrap();
        for rev in 1..=2 {
            b.adopt_revision(&s, &a.revision_copy(&s, rev).unwrap().unwrap())
                .unwrap();
        }
        b.adopt_head(&s, 2).unwrap();
        assert_eq!(b.revisions(&s).unwrap(), a.revisions(&s).unwrap());
        assert_eq!(b.head(&s).unwrap(), 2);
        assert_eq!(b.session_tenant(&s).unwrap().as_deref(), Some("acme"));

        // b edits; the shared copy refuses it; b withdraws it and is as before.
        assert_eq!(b.save_timeline(&s, &tl, 2, "b's edit").unwrap(), 3);
        b.withdraw_after(&s, 2, 2).unwrap();
        assert_eq!(b.revisions(&s).unwrap(), a.revisions(&s).unwrap());
        assert_eq!(b.head(&s).unwrap(), 2);
        // Copying the same revision again changes nothing.
        b.adopt_revision(&s, &a.revision_copy(&s, 1).unwrap().unwrap())
            .unwrap();
        assert_eq!(b.revisions(&s).unwrap().len(), 2);
    }
}
