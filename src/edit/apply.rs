//! Applying edit operations to a timeline: each op checked against the timeline as the ops
//! before it left it, with errors that name the op and field and list what would be valid.
//!
//! This module runs the ops in order and re-lays the timeline after each; the ops themselves
//! live in `shots`, `text`, `overlays`, `music` and `video`, and what they share in `common`.

use super::common::{EditError, Err, Library, MAX_VIDEO_MS};
use super::music::{self, MusicChange};
use super::ops::EditOp;
use super::overlays::{self, NewOverlay};
use super::shots::{self, ShotChange};
use super::text::{self, NewText};
use super::{layout, narration, video};
use crate::timeline::{Timeline, secs};

/// The result of applying ops.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The new timeline.
    pub timeline: Timeline,
    /// One line per op, saying what it did.
    pub changes: Vec<String>,
    /// What the narration step did or could not do (pacing, a missing voice).
    pub notes: Vec<String>,
}

/// Apply `ops` (each with its index in the request) to `tl`, all or nothing.
pub fn apply(
    start: &Timeline,
    lib: &Library,
    ops: &[(usize, &EditOp)],
) -> Result<Applied, EditError> {
    let mut tl = start.clone();
    let mut changes = Vec::new();
    for &(index, op) in ops {
        let err = |field: &str, message: String| EditError {
            index,
            field: field.to_string(),
            message,
        };
        let before = layout::spans(&tl);
        let length_before = tl.duration_ms;
        let line = apply_one(&mut tl, lib, op, &err)?;
        layout::relayout_shots(&mut tl);
        let removed = layout::follow_shots(&mut tl, &before);
        if tl.duration_ms > MAX_VIDEO_MS {
            return Err(err(
                op.name(),
                format!(
                    "the video would be {}, longer than the {} limit",
                    secs(tl.duration_ms),
                    secs(MAX_VIDEO_MS)
                ),
            ));
        }
        let mut line = line;
        if tl.duration_ms != length_before {
            line.push_str(&format!(
                "; video {} → {}",
                secs(length_before),
                secs(tl.duration_ms)
            ));
        }
        if !removed.is_empty() {
            line.push_str(&format!("; removed text on it: {}", removed.join(", ")));
        }
        changes.push(format!("{}: {line}", op.name()));
    }
    // Cuts move to the beat when asked, or on a fresh cut that no op timed by hand.
    let asked = ops
        .iter()
        .any(|(_, op)| matches!(op, EditOp::SetBeatSync { on: true }));
    let hand_timed = ops.iter().any(|(_, op)| {
        matches!(
            op,
            EditOp::SetShot {
                duration_s: Some(_),
                ..
            }
        )
    });
    let notes = settle_with(&mut tl, lib, asked || (lib.fresh_cut && !hand_timed));
    changes.extend(super::diff::voiceover(start, &tl));
    Ok(Applied {
        timeline: tl,
        changes,
        notes,
    })
}

/// Bring `tl` in line with its narration (see [`narration::settle`]); text follows the shots
/// the narration moved; on a fresh cut, cuts move to the beat (see [`super::beat_sync`]).
/// Returns notes for the person.
pub fn settle(tl: &mut Timeline, lib: &Library) -> Vec<String> {
    settle_with(tl, lib, lib.fresh_cut)
}

fn settle_with(tl: &mut Timeline, lib: &Library, snap: bool) -> Vec<String> {
    let before = layout::spans(tl);
    let length_before = tl.duration_ms;
    let mut notes = narration::settle(tl, lib);
    if snap {
        notes.extend(super::beat_sync::snap(tl, lib));
    }
    layout::follow_shots(tl, &before);
    if tl.duration_ms != length_before {
        notes.push(format!(
            "The video's length follows the narration: {} → {}",
            secs(length_before),
            secs(tl.duration_ms)
        ));
    }
    notes
}

/// Apply one op to `tl`, saying what it did.
fn apply_one(tl: &mut Timeline, lib: &Library, op: &EditOp, err: Err) -> Result<String, EditError> {
    match op {
        EditOp::AddShot { media_id, file, at } => {
            shots::add_shot(tl, lib, err, media_id.as_deref(), file.as_deref(), *at)
        }
        EditOp::RemoveShot { shot } => shots::remove_shot(tl, lib, err, shot),
        EditOp::MoveShot { shot, to } => shots::move_shot(tl, lib, err, shot, *to),
        EditOp::SetShot {
            shot,
            duration_s,
            trim_start_s,
            trim_end_s,
            motion,
            focus,
            transition,
            volume,
        } => shots::set_shot(
            tl,
            lib,
            err,
            shot,
            ShotChange {
                duration_s: *duration_s,
                trim_start_s: *trim_start_s,
                trim_end_s: *trim_end_s,
                motion: *motion,
                focus: *focus,
                transition: transition.as_ref(),
                volume: *volume,
            },
        ),
        EditOp::AddText {
            text,
            shot,
            start_s,
            end_s,
            role,
            style,
        } => text::add_text(
            tl,
            lib,
            err,
            NewText {
                text,
                shot: shot.as_ref(),
                start_s: *start_s,
                end_s: *end_s,
                role: *role,
                style: style.as_ref(),
            },
        ),
        EditOp::SetText {
            id,
            text,
            start_s,
            end_s,
            style,
        } => text::set_text(
            tl,
            err,
            id,
            text.as_deref(),
            *start_s,
            *end_s,
            style.as_ref(),
        ),
        EditOp::RemoveText { id } => text::remove_text(tl, err, id),
        EditOp::SetStyle { role, style } => text::set_style(tl, err, *role, style),
        EditOp::AddOverlay {
            media_id,
            file,
            position,
            size,
            opacity,
            start_s,
            end_s,
        } => overlays::add_overlay(
            tl,
            lib,
            err,
            NewOverlay {
                media_id: media_id.as_deref(),
                file: file.as_deref(),
                position: *position,
                size: *size,
                opacity: *opacity,
                start_s: *start_s,
                end_s: *end_s,
            },
        ),
        EditOp::RemoveOverlay { id } => overlays::remove_overlay(tl, err, id),
        EditOp::SetMusic {
            media_id,
            file,
            mood,
            volume,
            fade_in_s,
            fade_out_s,
        } => music::set_music(
            tl,
            lib,
            err,
            MusicChange {
                media_id: media_id.as_deref(),
                file: file.as_deref(),
                mood: *mood,
                volume: *volume,
                fade_in_s: *fade_in_s,
                fade_out_s: *fade_out_s,
            },
        ),
        EditOp::RemoveMusic {} => music::remove_music(tl, err),
        EditOp::SetVideo {
            duration_s,
            aspect,
            resolution,
        } => video::set_video(tl, err, *duration_s, *aspect, *resolution),
        EditOp::SetVoiceover {
            text,
            voice,
            speed,
            words_per_minute,
            media_id,
            file,
            off,
        } => narration::set_voiceover(
            tl,
            lib,
            err,
            narration::VoiceChange {
                text: text.as_deref(),
                voice: voice.as_deref(),
                speed: *speed,
                words_per_minute: *words_per_minute,
                media_id: media_id.as_deref(),
                file: file.as_deref(),
                off: off.unwrap_or(false),
            },
        ),
        EditOp::SetCaptions { style } => narration::set_captions(tl, *style),
        EditOp::SetBeatSync { on } => narration::set_beat_sync(tl, *on),
        EditOp::Undo {} | EditOp::Redo {} | EditOp::Revert { .. } => Err(err(
            "op",
            "history ops are applied by the store, not here".into(),
        )),
    }
}
