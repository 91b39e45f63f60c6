//! create_video on the local backend: a first cut from a prompt, or an edit of the current cut by
//! prompt clauses and exact ops — one path, so a prompt's clause about one shot is applied by the
//! same op an agent would send, and every clause is either done (said as its op) or reported.

use super::history::{self, Base};
use super::{LocalBackend, check_glyphs, text_fit_notes};
use crate::backend::{BackendError, CreateRequest, Created};
use crate::director::{self, Brief, DirectorError};
use crate::edit::prompt::PromptPlan;
use crate::edit::{self, EditError, EditOp, Library};
use crate::media::{MediaInfo, Source};
use crate::timeline::Timeline;

impl LocalBackend {
    pub(super) async fn create_in(&self, req: CreateRequest) -> Result<Created, BackendError> {
        let session = match &req.session_id {
            Some(s) => {
                self.require_session(s)?;
                s.clone()
            }
            None => self.new_session()?,
        };
        let added = if req.files.is_empty() {
            Vec::new()
        } else {
            self.intake_all(&session, &req.files).await?
        };
        let media = self.store.media(&session)?;
        let current = self.store.current_timeline(&session)?;
        let prompt = req.prompt.trim();
        let (prompted, plan) = match &current {
            None => {
                let o = director::plan(&Brief {
                    prompt,
                    script: req.script.as_deref(),
                    media: &media,
                    options: &req.options,
                })?;
                (Some(o), PromptPlan::default())
            }
            Some(tl) => {
                let lib = Library::of(&media);
                let plan = if prompt.is_empty() {
                    PromptPlan::default()
                } else {
                    edit::prompt::read(prompt, tl, &lib)?
                };
                let o = director::edit_with(tl, &plan.recipe, &req.options, &media, &added)?.map(
                    |mut o| {
                        edit::carry_over(tl, &mut o.timeline);
                        o
                    },
                );
                // The exact ops apply after the recipe, so they are resolved against what it
                // made ("the end card for 12 s" after "make it 40 s" times the new end card).
                let plan = match &o {
                    Some(o) if !prompt.is_empty() => edit::prompt::read(prompt, &o.timeline, &lib)?,
                    _ => plan,
                };
                if o.is_none() && plan.ops.is_empty() && req.edits.is_empty() {
                    return Err(nothing_done(prompt, &plan).into());
                }
                (o, plan)
            }
        };
        let (prompted, mut changes, mut notes) = match prompted {
            Some(o) => (Some(o.timeline), o.changes, o.notes),
            None => (None, Vec::new(), Vec::new()),
        };
        // Say how each clause was read before what it changed.
        changes.splice(0..0, plan.read_as.iter().cloned());
        notes.extend(plan.not_done.iter().cloned());

        let mut ops = plan.ops.clone();
        ops.extend(req.edits.iter().cloned());
        let created = if ops.is_empty() {
            let mut timeline = prompted.expect("a prompt with no ops made a timeline");
            // The narration is spoken now, so its pacing and captions are on the timeline.
            let spoken = self.speak(&session, &timeline).await;
            notes.extend(spoken.notes.iter().cloned());
            let media = self.store.media(&session)?;
            let grids = self.beat_grids(&media, &timeline).await;
            notes.extend(edit::settle(
                &mut timeline,
                &Library {
                    media: &media,
                    takes: &spoken.takes,
                    voice_missing: spoken.missing.as_deref(),
                    beats: &grids,
                    // Only a first cut is ours to re-time; an edit keeps the cuts it has.
                    fresh_cut: current.is_none(),
                },
            ));
            self.save_prompted(&session, current.as_ref(), timeline, changes, prompt)?
        } else {
            let from_prompt = plan.ops.len();
            self.bind_files(&session, &mut ops, from_prompt, &req.edit_files)
                .await?;
            let media = self.store.media(&session)?;
            // Speak the narration the ops ask for before applying them for real: a dry run tells
            // which narration the result wants (history ops restore revisions that have theirs).
            let dry = match (&prompted, &current) {
                _ if ops.iter().any(EditOp::is_history) => None,
                (Some(start), _) | (None, Some(start)) => {
                    let indexed: Vec<(usize, &EditOp)> = ops.iter().enumerate().collect();
                    edit::apply(start, &Library::of(&media), &indexed).ok()
                }
                (None, None) => None,
            };
            let (spoken, grids) = match &dry {
                Some(dry) => (
                    self.speak(&session, &dry.timeline).await,
                    self.beat_grids(&media, &dry.timeline).await,
                ),
                None => Default::default(),
            };
            notes.extend(spoken.notes.iter().cloned());
            if let Some(why) = &spoken.unusable {
                // "Use this recording as the voice-over" with one that is not the narration.
                let index = ops
                    .iter()
                    .rposition(|op| matches!(op, EditOp::SetVoiceover { .. }))
                    .unwrap_or(0);
                let err = edit::EditError {
                    index,
                    field: "media_id".into(),
                    message: why.clone(),
                };
                return Err(from_prompt_op(err.into(), &plan));
            }
            let media = self.store.media(&session)?;
            let label = match (prompt.is_empty(), req.edits.is_empty()) {
                (true, _) => edits_label(&ops),
                (false, true) => prompt.to_string(),
                (false, false) => format!("{prompt} + {}", edits_label(&req.edits)),
            };
            let mut c = history::apply_edits(
                &self.store,
                &session,
                Base {
                    head: current.as_ref().map_or(0, |t| t.rev),
                    prompted,
                    prompt_changes: changes,
                },
                &ops,
                &media,
                &label,
                &check_glyphs,
                (&spoken.takes, spoken.missing.as_deref()),
                &grids,
            )
            .map_err(|e| from_prompt_op(e, &plan))?;
            c.edited = current.is_some();
            c
        };
        let mut created = created;
        notes.append(&mut created.notes);
        notes.extend(text_fit_notes(&created.timeline));
        created.notes = notes;
        Ok(created)
    }

    /// Save a timeline the prompt alone made (a first cut, or whole-video edits).
    fn save_prompted(
        &self,
        session: &str,
        current: Option<&Timeline>,
        timeline: Timeline,
        changes: Vec<String>,
        prompt: &str,
    ) -> Result<Created, BackendError> {
        check_glyphs(&timeline)?;
        let expected = current.map_or(0, |t| t.rev);
        let rev = self
            .store
            .save_timeline(session, &timeline, expected, prompt)?;
        let mut timeline = timeline;
        timeline.rev = rev;
        Ok(Created {
            session_id: session.into(),
            edited: current.is_some(),
            revision: rev,
            changes,
            notes: Vec::new(),
            summary: timeline.summary(),
            timeline,
        })
    }

    /// Upload the files the request's ops name (after the prompt had its say) and bind each op
    /// to what its upload made. `skip` ops at the front came from the prompt.
    async fn bind_files(
        &self,
        session: &str,
        ops: &mut [EditOp],
        skip: usize,
        files: &[(usize, Source)],
    ) -> Result<(), BackendError> {
        if files.is_empty() {
            return Ok(());
        }
        let sources: Vec<Source> = files.iter().map(|(_, s)| s.clone()).collect();
        let made: Vec<MediaInfo> = self.intake_all(session, &sources).await?;
        for ((i, _), m) in files.iter().zip(&made) {
            if let Some(op) = ops.get_mut(skip + *i) {
                op.bind_file(&m.id);
            }
        }
        Ok(())
    }
}

/// The label a revision made by ops alone gets in the history.
pub(super) fn edits_label(ops: &[EditOp]) -> String {
    let names: Vec<&str> = ops.iter().map(|o| o.name()).collect();
    format!("edits: {}", names.join(", "))
}

/// Why a prompt changed nothing: every clause it had, with what to send instead.
fn nothing_done(prompt: &str, plan: &PromptPlan) -> DirectorError {
    if plan.not_done.is_empty() {
        DirectorError::NoEdit(prompt.chars().take(200).collect())
    } else {
        DirectorError::NotUnderstood(plan.not_done.join(" "))
    }
}

/// An op the prompt made failed: name the clause, not an `edits[i]` the agent never sent; the
/// agent's own ops keep their indices.
fn from_prompt_op(e: BackendError, plan: &PromptPlan) -> BackendError {
    let BackendError::Edit(e) = e else {
        return e;
    };
    let k = plan.ops.len();
    if e.index < k {
        DirectorError::NotUnderstood(format!(
            "\"{}\" could not be done: {}: {}",
            plan.op_clauses[e.index], e.field, e.message
        ))
        .into()
    } else {
        EditError {
            index: e.index - k,
            ..e
        }
        .into()
    }
}
