//! Applying edit operations to a timeline: each op checked against the timeline as the ops
//! before it left it, with errors that name the op and field and list what would be valid.
//!
//! This module runs the ops in order and re-lays the timeline after each; the ops themselves
//! live in `shots`, `text`, `overlays`, `music` and `video`. It also holds what they share:
//! the media library, ids, tracks, and the checks on seconds, spans and positions.

use super::music::{self, MusicChange};
use super::ops::EditOp;
use super::overlays::{self, NewOverlay};
use super::shots::{self, ShotChange};
use super::text::{self, NewText};
use super::{layout, video};
use crate::media::MediaInfo;
use crate::timeline::style::Position;
use crate::timeline::{Segment, Timeline, Track, secs};

/// Shortest shot the renderer draws well.
pub const MIN_SHOT_MS: u64 = 600;
/// Longest video the local engine makes.
pub const MAX_VIDEO_MS: u64 = 600_000;
/// Music volume when nothing says otherwise.
pub(super) const DEFAULT_MUSIC_VOLUME: f32 = 0.35;
/// Transition length when an op names a transition without one.
pub(super) const DEFAULT_TRANSITION_MS: u64 = 500;

/// An op that cannot be applied, named by its index and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("edits[{index}].{field}: {message}")]
pub struct EditError {
    /// Index of the op in the request.
    pub index: usize,
    /// The field at fault (or the op's tag).
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// The result of applying ops.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The new timeline.
    pub timeline: Timeline,
    /// One line per op, saying what it did.
    pub changes: Vec<String>,
}

/// Media an op may name: the session's files.
pub struct Library<'a> {
    /// The session's media.
    pub media: &'a [MediaInfo],
}

impl Library<'_> {
    pub(super) fn by_id(&self, id: &str) -> Option<&MediaInfo> {
        self.media.iter().find(|m| m.id == id)
    }

    /// Media named by id, by file name, or by a path/URL that was uploaded.
    pub(super) fn find(
        &self,
        media_id: Option<&str>,
        file: Option<&str>,
    ) -> Result<&MediaInfo, String> {
        match (media_id, file) {
            (Some(id), None) => self
                .by_id(id)
                .ok_or_else(|| format!("no media '{id}' in this session; {}", self.listing())),
            (None, Some(f)) => {
                let name = f.rsplit(['/', '\\']).next().unwrap_or(f);
                self.media
                    .iter()
                    .find(|m| m.path.to_string_lossy() == f)
                    .or_else(|| {
                        self.media
                            .iter()
                            .find(|m| m.file_name.eq_ignore_ascii_case(name))
                    })
                    .ok_or_else(|| format!("'{f}' is not in this session; {}", self.listing()))
            }
            (Some(_), Some(_)) => Err("give media_id or file, not both".into()),
            (None, None) => Err("give media_id (from upload_media) or file".into()),
        }
    }

    fn listing(&self) -> String {
        if self.media.is_empty() {
            return "upload files first".into();
        }
        let items: Vec<String> = self
            .media
            .iter()
            .map(|m| format!("{} ({})", m.id, m.file_name))
            .collect();
        format!("the session has {}", items.join(", "))
    }

    pub(super) fn name_of(&self, seg: &Segment) -> String {
        seg.media_id
            .as_deref()
            .and_then(|id| self.by_id(id))
            .map(|m| m.file_name.clone())
            .unwrap_or_else(|| seg.src.clone().unwrap_or_default())
    }
}

/// Apply `ops` (each with its index in the request) to `tl`, all or nothing.
pub fn apply(tl: &Timeline, lib: &Library, ops: &[(usize, &EditOp)]) -> Result<Applied, EditError> {
    let mut tl = tl.clone();
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
        if tl.duration_ms != length_before && !matches!(op, EditOp::SetVideo { .. }) {
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
    Ok(Applied {
        timeline: tl,
        changes,
    })
}

/// How an op reports an error in one of its fields.
pub(super) type Err<'a> = &'a dyn Fn(&str, String) -> EditError;

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
        EditOp::Undo {} | EditOp::Redo {} | EditOp::Revert { .. } => Err(err(
            "op",
            "history ops are applied by the store, not here".into(),
        )),
    }
}

/// The track of type `tt`, added (with this id) if missing.
pub(super) fn track_of<'t>(tl: &'t mut Timeline, tt: u8, id: &str) -> &'t mut Track {
    if tl.track(tt).is_none() {
        tl.tracks.push(Track {
            id: id.into(),
            tt,
            segments: Vec::new(),
            extra: Default::default(),
        });
    }
    tl.track_mut(tt).expect("just added")
}

/// An id not used by any segment: `base`, or with its trailing number raised.
pub(super) fn unique_id(tl: &Timeline, base: &str) -> String {
    let taken = |id: &str| {
        tl.tracks
            .iter()
            .any(|t| t.segments.iter().any(|s| s.id == id))
    };
    if !taken(base) {
        return base.to_string();
    }
    let (stem, n) = match base.rsplit_once('-') {
        Some((s, n)) if n.parse::<u32>().is_ok() => (s.to_string(), n.parse::<u32>().unwrap_or(1)),
        _ => (base.to_string(), 1),
    };
    (n + 1..)
        .map(|k| format!("{stem}-{k}"))
        .find(|id| !taken(id))
        .expect("an unused id")
}

/// Seconds → ms, refusing what is not a plain, finite, non-negative number of seconds.
pub fn seconds(s: f64) -> Result<u64, String> {
    if !s.is_finite() || s < 0.0 {
        return Err(format!("{s} is not a number of seconds; give 0 or more"));
    }
    if s > MAX_VIDEO_MS as f64 / 1000.0 {
        return Err(format!(
            "{s} s is longer than the {} limit",
            secs(MAX_VIDEO_MS)
        ));
    }
    Ok((s * 1000.0).round() as u64)
}

/// Check that a..b is a span inside the video.
pub(super) fn check_span(tl: &Timeline, a: u64, b: u64) -> Result<(), (&'static str, String)> {
    let total = tl.duration_ms;
    if a >= b {
        return Err((
            "end_s",
            format!("{} is not after the start ({})", secs(b), secs(a)),
        ));
    }
    if b > total {
        return Err((
            "end_s",
            format!("{} is past the end of the video ({})", secs(b), secs(total)),
        ));
    }
    Ok(())
}

/// Check that a point is on the frame.
pub(super) fn check_position(p: &Position) -> Result<(), String> {
    if let Position::Point { x, y } = p
        && !((0.0..=1.0).contains(x) && (0.0..=1.0).contains(y))
    {
        return Err(format!(
            "({x}, {y}) is off the frame; x and y go from 0 to 1"
        ));
    }
    Ok(())
}
