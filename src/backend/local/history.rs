//! Exact edits and history on the local backend: undo, redo and revert move the session's head;
//! the other ops change the timeline the head (or the history ops) left current, and are saved
//! as one new revision.

use crate::backend::{BackendError, Created};
use crate::edit::{self, EditError, EditOp, Library};
use crate::media::MediaInfo;
use crate::store::{Store, redo_target, undo_target};
use crate::timeline::Timeline;

/// What the edits start from.
pub struct Base {
    /// The revision that was current when the request began (0 for none); the save is refused
    /// if someone else moved it meanwhile.
    pub head: u64,
    /// What the request's prompt made of the current timeline, if it had one.
    pub prompted: Option<Timeline>,
    /// The prompt's changes, one line each.
    pub prompt_changes: Vec<String>,
}

/// Apply `ops` to the session's current timeline — or to what the request's prompt made of it —
/// and store the outcome.
#[allow(clippy::too_many_arguments)]
pub fn apply_edits(
    store: &Store,
    session: &str,
    base: Base,
    ops: &[EditOp],
    media: &[MediaInfo],
    label: &str,
    check: &dyn Fn(&Timeline) -> Result<(), BackendError>,
    spoken: (&[edit::narration::Take], Option<&str>),
    beats: &[(String, crate::beats::BeatGrid)],
) -> Result<Created, BackendError> {
    let Base {
        head,
        prompted,
        prompt_changes,
    } = base;
    let revs = store.revisions(session)?;
    let mut at = head;
    let mut changes = prompt_changes;
    let mut rest: Vec<(usize, &EditOp)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let err = |message: String| EditError {
            index: i,
            field: "op".into(),
            message,
        };
        if !op.is_history() {
            rest.push((i, op));
            continue;
        }
        if !rest.is_empty() || prompted.is_some() {
            return Err(err(format!(
                "{} must come first: it moves through saved revisions, so it cannot follow a prompt or other edits in the same request",
                op.name()
            ))
            .into());
        }
        let target = match op {
            EditOp::Undo {} if at == 0 => {
                return Err(err("nothing to undo: there is no timeline yet".into()).into());
            }
            EditOp::Undo {} => undo_target(&revs, at)
                .ok_or_else(|| err(format!("nothing to undo: revision {at} is the first cut")))?,
            EditOp::Redo {} => redo_target(&revs, at).ok_or_else(|| {
                err(format!(
                    "nothing to redo: no revision was made from revision {at}"
                ))
            })?,
            EditOp::Revert { revision } => {
                if !revs.iter().any(|r| r.rev == *revision) {
                    let list = revs.iter().map(|r| r.rev.to_string()).collect::<Vec<_>>();
                    return Err(EditError {
                        index: i,
                        field: "revision".into(),
                        message: format!(
                            "no revision {revision}; revisions are {}",
                            list.join(", ")
                        ),
                    }
                    .into());
                }
                *revision
            }
            _ => unreachable!("only history ops reach here"),
        };
        changes.push(format!("{}: revision {at} → revision {target}", op.name()));
        at = target;
    }
    if rest.is_empty() && prompted.is_none() {
        // History only: move the head; no new revision.
        store.set_head(session, at, head)?;
        let timeline = store.timeline_at(session, at)?.ok_or_else(|| {
            BackendError::Unavailable(format!("revision {at} of {session} is missing"))
        })?;
        return Ok(Created {
            session_id: session.into(),
            edited: true,
            revision: at,
            changes,
            notes: Vec::new(),
            summary: timeline.summary(),
            timeline,
        });
    }
    // A first cut (no revision before it) is ours to re-time; an edit keeps its cuts.
    let fresh_cut = prompted.is_some() && head == 0;
    let start = match prompted {
        Some(p) => p,
        None => store.timeline_at(session, at)?.ok_or_else(|| {
            BackendError::Unavailable(format!(
                "session {session} has no timeline yet; make a first cut with a prompt before sending edits"
            ))
        })?,
    };
    let lib = Library {
        media,
        takes: spoken.0,
        voice_missing: spoken.1,
        beats,
        fresh_cut,
    };
    let applied = edit::apply(&start, &lib, &rest)?;
    changes.extend(applied.changes);
    check(&applied.timeline)?;
    let rev = store.save_revision(session, &applied.timeline, head, at, label)?;
    let mut timeline = applied.timeline;
    timeline.rev = rev;
    Ok(Created {
        session_id: session.into(),
        edited: true,
        revision: rev,
        changes,
        notes: applied.notes,
        summary: timeline.summary(),
        timeline,
    })
}
