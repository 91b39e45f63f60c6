//! Applying edit operations to a timeline: each op checked against the timeline as the ops
//! before it left it, with errors that name the op and field and list what would be valid.

use super::layout;
use super::ops::{AspectArg, EditOp, ResolutionArg, ShotRef, TransitionSpec};
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::style::{Position, TextStyle, parse_colour};
use crate::timeline::{
    Motion, Segment, TT_AUDIO, TT_OVERLAY, TT_TEXT, TT_VIDEO, TextRole, Timeline, Track,
    Transition, is_known_transition, secs,
};
use serde_json::json;

/// Shortest shot the renderer draws well.
pub const MIN_SHOT_MS: u64 = 600;
/// Longest video the local engine makes.
pub const MAX_VIDEO_MS: u64 = 600_000;
/// Music volume when nothing says otherwise.
const DEFAULT_MUSIC_VOLUME: f32 = 0.35;
/// Transition length when an op names a transition without one.
const DEFAULT_TRANSITION_MS: u64 = 500;

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
    fn by_id(&self, id: &str) -> Option<&MediaInfo> {
        self.media.iter().find(|m| m.id == id)
    }

    /// Media named by id, by file name, or by a path/URL that was uploaded.
    fn find(&self, media_id: Option<&str>, file: Option<&str>) -> Result<&MediaInfo, String> {
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

    fn name_of(&self, seg: &Segment) -> String {
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

type Err<'a> = &'a dyn Fn(&str, String) -> EditError;

fn apply_one(tl: &mut Timeline, lib: &Library, op: &EditOp, err: Err) -> Result<String, EditError> {
    match op {
        EditOp::AddShot { media_id, file, at } => {
            let m = lib
                .find(media_id.as_deref(), file.as_deref())
                .map_err(|e| err(if file.is_some() { "file" } else { "media_id" }, e))?;
            if m.kind == MediaKind::Audio {
                return Err(err(
                    "media_id",
                    format!("{} is audio; use set_music for it", m.file_name),
                ));
            }
            let n = tl.segments(TT_VIDEO).len();
            let pos = match at {
                None => n,
                Some(p) if (1..=n as u32 + 1).contains(p) => *p as usize - 1,
                Some(p) => {
                    return Err(err(
                        "at",
                        format!("{p} is not a position; give 1 to {}", n + 1),
                    ));
                }
            };
            let len = match m.kind {
                MediaKind::Video => m.duration_ms.clamp(MIN_SHOT_MS, 5000),
                _ => tl
                    .segments(TT_VIDEO)
                    .first()
                    .map_or(3000, |s| s.duration_ms.max(MIN_SHOT_MS)),
            };
            let id = unique_id(tl, &format!("shot-{}", short(&m.id)));
            let seg = Segment {
                id: id.clone(),
                duration_ms: len,
                media_id: Some(m.id.clone()),
                motion: (m.kind == MediaKind::Image).then_some(Motion::ZoomIn),
                volume: (m.kind == MediaKind::Video && m.has_audio).then_some(1.0),
                ..Default::default()
            };
            video_track(tl).segments.insert(pos, seg);
            Ok(format!(
                "added {} as shot {} ({id}, {})",
                m.file_name,
                pos + 1,
                secs(len)
            ))
        }
        EditOp::RemoveShot { shot } => {
            let i = resolve_shot(tl, lib, shot).map_err(|e| err("shot", e))?;
            if tl.segments(TT_VIDEO).len() == 1 {
                return Err(err("shot", "it is the only shot; add another first".into()));
            }
            let seg = video_track(tl).segments.remove(i);
            Ok(format!(
                "removed shot {} ({}, {})",
                i + 1,
                seg.id,
                lib.name_of(&seg)
            ))
        }
        EditOp::MoveShot { shot, to } => {
            let i = resolve_shot(tl, lib, shot).map_err(|e| err("shot", e))?;
            let n = tl.segments(TT_VIDEO).len();
            if !(1..=n as u32).contains(to) {
                return Err(err("to", format!("{to} is not a position; give 1 to {n}")));
            }
            let track = video_track(tl);
            let seg = track.segments.remove(i);
            let name = lib.name_of(&seg);
            let id = seg.id.clone();
            track.segments.insert(*to as usize - 1, seg);
            // The first shot has nothing to blend from; a shot moved away from the front gets
            // the transition its neighbours use.
            let kind = track.segments.iter().find_map(|s| s.transition.clone());
            if let Some(t) = kind {
                for s in track.segments.iter_mut().skip(1) {
                    if s.transition.is_none() {
                        s.transition = Some(t.clone());
                    }
                }
            }
            Ok(format!(
                "moved shot {} ({id}, {name}) to position {to}",
                i + 1
            ))
        }
        EditOp::SetShot {
            shot,
            duration_s,
            trim_start_s,
            trim_end_s,
            motion,
            focus,
            transition,
            volume,
        } => set_shot(
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
        } => {
            let words = text.trim();
            if words.is_empty() {
                return Err(err("text", "is empty; give the words to show".into()));
            }
            if let Some(s) = style {
                check_style(s).map_err(|(f, m)| err(&format!("style.{f}"), m))?;
            }
            let (start, end, anchor) = match (shot, start_s, end_s) {
                (Some(r), None, None) => {
                    let i = resolve_shot(tl, lib, r).map_err(|e| err("shot", e))?;
                    let s = &tl.segments(TT_VIDEO)[i];
                    (s.start_ms, s.end_ms(), Some(s.id.clone()))
                }
                (None, Some(a), Some(b)) => {
                    let a = seconds(*a).map_err(|e| err("start_s", e))?;
                    let b = seconds(*b).map_err(|e| err("end_s", e))?;
                    check_span(tl, a, b).map_err(|(f, m)| err(f, m))?;
                    (a, b, None)
                }
                (None, None, None) => (0, tl.duration_ms, None),
                _ => {
                    return Err(err(
                        "shot",
                        "give either shot, or start_s and end_s together".into(),
                    ));
                }
            };
            let role: TextRole = role.map(Into::into).unwrap_or(TextRole::Caption);
            let id = unique_id(tl, "txt-1");
            let seg = Segment {
                id: id.clone(),
                start_ms: start,
                duration_ms: end - start,
                text: Some(words.to_string()),
                role: Some(role),
                style: style.clone().filter(|s| !s.is_empty()),
                anchor,
                ..Default::default()
            };
            let track = track_of(tl, TT_TEXT, "text");
            track.segments.push(seg);
            track.segments.sort_by_key(|s| s.start_ms);
            Ok(format!(
                "added text {id} '{words}' {}–{}",
                secs(start),
                secs(end)
            ))
        }
        EditOp::SetText {
            id,
            text,
            start_s,
            end_s,
            style,
        } => {
            let total = tl.duration_ms;
            let ids = text_ids(tl);
            let Some(seg) = text_mut(tl, id) else {
                return Err(err("id", format!("no text '{id}'; texts are {ids}")));
            };
            let mut said = Vec::new();
            if let Some(t) = text {
                let t = t.trim();
                if t.is_empty() {
                    return Err(err("text", "is empty; use remove_text to remove it".into()));
                }
                said.push(format!("'{}' → '{t}'", seg.text.as_deref().unwrap_or("")));
                seg.text = Some(t.to_string());
            }
            if start_s.is_some() || end_s.is_some() {
                let a = match start_s {
                    Some(s) => seconds(*s).map_err(|e| err("start_s", e))?,
                    None => seg.start_ms,
                };
                let b = match end_s {
                    Some(s) => seconds(*s).map_err(|e| err("end_s", e))?,
                    None => seg.end_ms(),
                };
                if b <= a || b > total {
                    return Err(err(
                        if end_s.is_some() { "end_s" } else { "start_s" },
                        format!(
                            "{}–{} is not a span inside the video (0–{}); the start must come before the end",
                            secs(a),
                            secs(b),
                            secs(total)
                        ),
                    ));
                }
                said.push(format!("shown {}–{}", secs(a), secs(b)));
                seg.start_ms = a;
                seg.duration_ms = b - a;
                // Timed by hand: it no longer follows a shot.
                seg.anchor = None;
            }
            if let Some(s) = style {
                check_style(s).map_err(|(f, m)| err(&format!("style.{f}"), m))?;
                let merged = seg.style.clone().unwrap_or_default().merged(s);
                said.push(format!("style {}", describe_style(s)));
                seg.style = Some(merged);
            }
            if said.is_empty() {
                return Err(err(
                    "id",
                    "nothing to change: give text, start_s, end_s or style".into(),
                ));
            }
            Ok(format!("text {id}: {}", said.join(", ")))
        }
        EditOp::RemoveText { id } => {
            let ids = text_ids(tl);
            let track = tl.track_mut(TT_TEXT);
            let pos = track
                .as_ref()
                .and_then(|t| t.segments.iter().position(|s| &s.id == id));
            match (track, pos) {
                (Some(t), Some(p)) => {
                    let s = t.segments.remove(p);
                    if s.role == Some(TextRole::Title) {
                        tl.meta.title = None;
                    }
                    Ok(format!(
                        "removed text {id} '{}'",
                        s.text.unwrap_or_default()
                    ))
                }
                _ => Err(err("id", format!("no text '{id}'; texts are {ids}"))),
            }
        }
        EditOp::SetStyle { role, style } => {
            check_style(style).map_err(|(f, m)| err(&format!("style.{f}"), m))?;
            let role: TextRole = (*role).into();
            let mut n = 0;
            if let Some(t) = tl.track_mut(TT_TEXT) {
                for s in t.segments.iter_mut().filter(|s| s.role == Some(role)) {
                    s.style = Some(s.style.clone().unwrap_or_default().merged(style));
                    n += 1;
                }
            }
            if n == 0 {
                return Err(err(
                    "role",
                    format!(
                        "there is no {} text to restyle; texts are {}",
                        role_name(role),
                        text_ids(tl)
                    ),
                ));
            }
            Ok(format!(
                "{n} {} text(s): style {}",
                role_name(role),
                describe_style(style)
            ))
        }
        EditOp::AddOverlay {
            media_id,
            file,
            position,
            size,
            opacity,
            start_s,
            end_s,
        } => {
            let m = lib
                .find(media_id.as_deref(), file.as_deref())
                .map_err(|e| err(if file.is_some() { "file" } else { "media_id" }, e))?;
            if m.kind != MediaKind::Image {
                return Err(err(
                    "media_id",
                    format!(
                        "{} is not a picture; overlays are pictures (PNG logos and badges keep their transparency)",
                        m.file_name
                    ),
                ));
            }
            check_position(position).map_err(|e| err("position", e))?;
            let size = size.unwrap_or(0.2);
            if !(0.02..=1.0).contains(&size) {
                return Err(err(
                    "size",
                    format!(
                        "{size} is out of range; give 0.02 to 1 (a fraction of the frame's width)"
                    ),
                ));
            }
            let opacity = opacity.unwrap_or(1.0);
            if !(0.0..=1.0).contains(&opacity) || opacity == 0.0 {
                return Err(err(
                    "opacity",
                    format!("{opacity} is out of range; give more than 0, up to 1"),
                ));
            }
            let a = start_s
                .map(seconds)
                .transpose()
                .map_err(|e| err("start_s", e))?
                .unwrap_or(0);
            let b = end_s
                .map(seconds)
                .transpose()
                .map_err(|e| err("end_s", e))?
                .unwrap_or(tl.duration_ms);
            check_span(tl, a, b).map_err(|(f, m)| err(f, m))?;
            let id = unique_id(tl, "ovl-1");
            let track = track_of(tl, TT_OVERLAY, "overlays");
            track.segments.push(Segment {
                id: id.clone(),
                start_ms: a,
                duration_ms: b - a,
                media_id: Some(m.id.clone()),
                position: Some(*position),
                size: Some(size),
                opacity: Some(opacity),
                ..Default::default()
            });
            Ok(format!(
                "added overlay {id} ({}) at {}, {:.0}% of the width, {}–{}",
                m.file_name,
                describe_position(position),
                size * 100.0,
                secs(a),
                secs(b)
            ))
        }
        EditOp::RemoveOverlay { id } => {
            let ids: Vec<String> = tl
                .segments(TT_OVERLAY)
                .iter()
                .map(|s| s.id.clone())
                .collect();
            let track = tl.track_mut(TT_OVERLAY);
            match track.and_then(|t| {
                t.segments
                    .iter()
                    .position(|s| &s.id == id)
                    .map(|p| t.segments.remove(p))
            }) {
                Some(_) => Ok(format!("removed overlay {id}")),
                None if ids.is_empty() => Err(err(
                    "id",
                    format!("no overlay '{id}'; the video has no overlays"),
                )),
                None => Err(err(
                    "id",
                    format!("no overlay '{id}'; overlays are {}", ids.join(", ")),
                )),
            }
        }
        EditOp::SetMusic {
            media_id,
            file,
            mood,
            volume,
            fade_in_s,
            fade_out_s,
        } => {
            let current = tl.segments(TT_AUDIO).first().cloned();
            let (media, generated, what) = match (media_id.is_some() || file.is_some(), mood) {
                (true, None) => {
                    let m = lib
                        .find(media_id.as_deref(), file.as_deref())
                        .map_err(|e| err(if file.is_some() { "file" } else { "media_id" }, e))?;
                    if !m.has_audio {
                        return Err(err(
                            "media_id",
                            format!("{} has no sound to use as music", m.file_name),
                        ));
                    }
                    (Some(m.id.clone()), None, m.file_name.clone())
                }
                (false, Some(mood)) => (
                    None,
                    Some(mood.as_str().to_string()),
                    format!("a generated {} bed", mood.as_str()),
                ),
                (false, None) => match &current {
                    Some(c) => (
                        c.media_id.clone(),
                        c.generated.clone(),
                        "the current music".into(),
                    ),
                    None => {
                        return Err(err(
                            "mood",
                            "there is no music yet; give media_id, file or mood".into(),
                        ));
                    }
                },
                (true, Some(_)) => {
                    return Err(err(
                        "mood",
                        "give a track (media_id or file) or a mood, not both".into(),
                    ));
                }
            };
            let volume = volume
                .or(current.as_ref().and_then(|c| c.volume))
                .unwrap_or(DEFAULT_MUSIC_VOLUME);
            if !(0.0..=1.0).contains(&volume) {
                return Err(err(
                    "volume",
                    format!("{volume} is out of range; give 0 to 1"),
                ));
            }
            let total = tl.duration_ms;
            let fade = |v: Option<f64>,
                        field: &str,
                        default: Option<u64>|
             -> Result<Option<u64>, EditError> {
                match v {
                    Some(s) => {
                        let ms = seconds(s).map_err(|e| err(field, e))?;
                        if ms > total / 2 {
                            return Err(err(
                                field,
                                format!(
                                    "{} is longer than half the video ({})",
                                    secs(ms),
                                    secs(total / 2)
                                ),
                            ));
                        }
                        Ok(Some(ms))
                    }
                    None => Ok(default),
                }
            };
            let fade_in = fade(
                *fade_in_s,
                "fade_in_s",
                current
                    .as_ref()
                    .and_then(|c| c.fade_in_ms)
                    .or(Some(500.min(total / 4))),
            )?;
            let fade_out = fade(
                *fade_out_s,
                "fade_out_s",
                current
                    .as_ref()
                    .and_then(|c| c.fade_out_ms)
                    .or(Some(1000.min(total / 4))),
            )?;
            let track = track_of(tl, TT_AUDIO, "music");
            track.segments = vec![Segment {
                id: "bgm".into(),
                start_ms: 0,
                duration_ms: total,
                media_id: media,
                generated,
                volume: Some(volume),
                fade_in_ms: fade_in,
                fade_out_ms: fade_out,
                ..Default::default()
            }];
            Ok(format!("music: {what} at {:.0}%", volume * 100.0))
        }
        EditOp::RemoveMusic {} => {
            let had = tl.segments(TT_AUDIO).len();
            if had == 0 {
                return Err(err("op", "the video has no music".into()));
            }
            tl.tracks.retain(|t| t.tt != TT_AUDIO);
            Ok("removed the music".into())
        }
        EditOp::SetVideo {
            duration_s,
            aspect,
            resolution,
        } => set_video(tl, err, *duration_s, *aspect, *resolution),
        EditOp::Undo {} | EditOp::Redo {} | EditOp::Revert { .. } => Err(err(
            "op",
            "history ops are applied by the store, not here".into(),
        )),
    }
}

/// The fields of a set_shot op.
struct ShotChange<'a> {
    duration_s: Option<f64>,
    trim_start_s: Option<f64>,
    trim_end_s: Option<f64>,
    motion: Option<Motion>,
    focus: Option<crate::timeline::Focus>,
    transition: Option<&'a TransitionSpec>,
    volume: Option<f32>,
}

fn set_shot(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    shot: &ShotRef,
    c: ShotChange,
) -> Result<String, EditError> {
    let i = resolve_shot(tl, lib, shot).map_err(|e| err("shot", e))?;
    let seg = tl.segments(TT_VIDEO)[i].clone();
    let media = seg.media_id.as_deref().and_then(|id| lib.by_id(id));
    let is_clip = media.is_some_and(|m| m.kind == MediaKind::Video);
    let name = lib.name_of(&seg);
    let mut said = Vec::new();
    let mut new = seg.clone();
    if c.trim_start_s.is_some() || c.trim_end_s.is_some() {
        let Some(m) = media.filter(|_| is_clip) else {
            return Err(err(
                "trim_start_s",
                format!("shot {} ({name}) is a picture; trims apply to clips", i + 1),
            ));
        };
        let a = c
            .trim_start_s
            .map(seconds)
            .transpose()
            .map_err(|e| err("trim_start_s", e))?
            .unwrap_or(seg.in_ms.unwrap_or(0));
        let b = c
            .trim_end_s
            .map(seconds)
            .transpose()
            .map_err(|e| err("trim_end_s", e))?
            .unwrap_or(0);
        let available = m.duration_ms.saturating_sub(a + b);
        if available < MIN_SHOT_MS {
            return Err(err(
                if c.trim_end_s.is_some() {
                    "trim_end_s"
                } else {
                    "trim_start_s"
                },
                format!(
                    "trimming {} and {} leaves {} of the {} clip; keep at least {}",
                    secs(a),
                    secs(b),
                    secs(available),
                    secs(m.duration_ms),
                    secs(MIN_SHOT_MS)
                ),
            ));
        }
        new.in_ms = (a > 0).then_some(a);
        new.duration_ms = new.duration_ms.min(available);
        said.push(format!(
            "uses {}–{} of the clip",
            secs(a),
            secs(a + new.duration_ms)
        ));
    }
    if let Some(d) = c.duration_s {
        let ms = seconds(d).map_err(|e| err("duration_s", e))?;
        if ms < MIN_SHOT_MS {
            return Err(err(
                "duration_s",
                format!(
                    "{} is too short; a shot lasts at least {}",
                    secs(ms),
                    secs(MIN_SHOT_MS)
                ),
            ));
        }
        if let Some(m) = media.filter(|_| is_clip) {
            let available = m.duration_ms.saturating_sub(new.in_ms.unwrap_or(0));
            if ms > available {
                return Err(err(
                    "duration_s",
                    format!(
                        "{name} has only {} of footage from its start point; give at most that, or trim less",
                        secs(available)
                    ),
                ));
            }
        }
        said.push(format!("{} → {}", secs(seg.duration_ms), secs(ms)));
        new.duration_ms = ms;
    }
    if let Some(mo) = c.motion {
        if is_clip {
            return Err(err(
                "motion",
                format!(
                    "shot {} ({name}) is a clip; motion applies to pictures",
                    i + 1
                ),
            ));
        }
        said.push(format!("motion {}", json!(mo).as_str().unwrap_or("?")));
        new.motion = Some(mo);
    }
    if let Some(f) = c.focus {
        if !(0.0..=1.0).contains(&f.x) || !(0.0..=1.0).contains(&f.y) {
            return Err(err(
                "focus",
                format!(
                    "({}, {}) is outside the picture; x and y go from 0 to 1",
                    f.x, f.y
                ),
            ));
        }
        said.push(format!("focus ({:.2}, {:.2})", f.x, f.y));
        new.focus = Some(f);
    }
    if let Some(t) = c.transition {
        if i == 0 {
            return Err(err(
                "transition",
                "the first shot has no shot before it to blend from".into(),
            ));
        }
        if t.name == "none" {
            new.transition = None;
            said.push("cut (no transition)".into());
        } else {
            if !is_known_transition(&t.name) {
                return Err(err(
                    "transition.name",
                    format!(
                        "'{}' is not a transition; use one of {}",
                        t.name,
                        crate::timeline::TRANSITIONS
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let ms = t
                .duration_s
                .map(seconds)
                .transpose()
                .map_err(|e| err("transition.duration_s", e))?
                .unwrap_or(DEFAULT_TRANSITION_MS);
            let prev = tl.segments(TT_VIDEO)[i - 1].duration_ms;
            let limit = new.duration_ms.min(prev) / 2;
            if ms == 0 || ms > limit {
                return Err(err(
                    "transition.duration_s",
                    format!(
                        "{} does not fit: a transition takes at most half of each shot it joins ({} here)",
                        secs(ms),
                        secs(limit)
                    ),
                ));
            }
            new.transition = Some(Transition {
                kind: t.name.clone(),
                duration_ms: ms,
            });
            said.push(format!("{} transition ({})", t.name, secs(ms)));
        }
    }
    if let Some(v) = c.volume {
        if !media.is_some_and(|m| m.has_audio) {
            return Err(err(
                "volume",
                format!("shot {} ({name}) has no sound", i + 1),
            ));
        }
        if !(0.0..=2.0).contains(&v) {
            return Err(err(
                "volume",
                format!("{v} is out of range; give 0 to 2 (1 = as recorded)"),
            ));
        }
        said.push(format!("clip volume {:.0}%", v * 100.0));
        new.volume = Some(v);
    }
    if said.is_empty() {
        return Err(err(
            "shot",
            "nothing to change: give duration_s, trims, motion, focus, transition or volume".into(),
        ));
    }
    video_track(tl).segments[i] = new;
    Ok(format!(
        "shot {} ({}, {name}): {}",
        i + 1,
        seg.id,
        said.join(", ")
    ))
}

fn set_video(
    tl: &mut Timeline,
    err: Err,
    duration_s: Option<f64>,
    aspect: Option<AspectArg>,
    resolution: Option<ResolutionArg>,
) -> Result<String, EditError> {
    let mut said = Vec::new();
    if let Some(d) = duration_s {
        let ms = seconds(d).map_err(|e| err("duration_s", e))?;
        let n = tl.segments(TT_VIDEO).len() as u64;
        let min = n * MIN_SHOT_MS;
        if ms < min || ms > MAX_VIDEO_MS {
            return Err(err(
                "duration_s",
                format!(
                    "{} is out of range: {n} shot(s) need {} to {}",
                    secs(ms),
                    secs(min),
                    secs(MAX_VIDEO_MS)
                ),
            ));
        }
        let old = tl.duration_ms.max(1);
        // Overlaps keep their length, so scale what is shown between them.
        let overlaps: u64 = tl
            .segments(TT_VIDEO)
            .iter()
            .filter_map(|s| s.transition.as_ref())
            .map(|t| t.duration_ms)
            .sum();
        let scale = (ms + overlaps) as f64 / (old + overlaps) as f64;
        for s in &mut video_track(tl).segments {
            s.duration_ms = ((s.duration_ms as f64 * scale).round() as u64).max(MIN_SHOT_MS);
        }
        said.push(format!("length {} → {}", secs(old), secs(ms)));
    }
    if aspect.is_some() || resolution.is_some() {
        use crate::director::{Aspect, Resolution, frame_size};
        let a = match aspect.unwrap_or_else(|| current_aspect(tl)) {
            AspectArg::Landscape => Aspect::Landscape,
            AspectArg::Portrait => Aspect::Portrait,
            AspectArg::Square => Aspect::Square,
            AspectArg::Feed => Aspect::Vertical4x5,
        };
        let r = match resolution {
            Some(ResolutionArg::P720) => Resolution::P720,
            Some(ResolutionArg::P1080) => Resolution::P1080,
            Some(ResolutionArg::P2160) => Resolution::P2160,
            None => match tl.meta.width.min(tl.meta.height) {
                0..=720 => Resolution::P720,
                721..=1080 => Resolution::P1080,
                _ => Resolution::P2160,
            },
        };
        let (w, h) = frame_size(a, r);
        said.push(format!("{}x{} → {w}x{h}", tl.meta.width, tl.meta.height));
        tl.meta.width = w;
        tl.meta.height = h;
        tl.meta.extra.insert("aspect".into(), json!(a.as_str()));
    }
    if said.is_empty() {
        return Err(err(
            "op",
            "nothing to change: give duration_s, aspect or resolution".into(),
        ));
    }
    Ok(said.join(", "))
}

fn current_aspect(tl: &Timeline) -> AspectArg {
    let (w, h) = (tl.meta.width, tl.meta.height);
    if w * 9 == h * 16 || w > h {
        AspectArg::Landscape
    } else if w == h {
        AspectArg::Square
    } else if w * 5 == h * 4 {
        AspectArg::Feed
    } else {
        AspectArg::Portrait
    }
}

/// Index of the shot `r` names.
pub fn resolve_shot(tl: &Timeline, lib: &Library, r: &ShotRef) -> Result<usize, String> {
    let shots = tl.segments(TT_VIDEO);
    let listing = || {
        let items: Vec<String> = shots
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{} {} ({})", i + 1, s.id, lib.name_of(s)))
            .collect();
        format!("shots are {}", items.join(", "))
    };
    match r {
        ShotRef::Position(p) => {
            if (1..=shots.len() as u32).contains(p) {
                Ok(*p as usize - 1)
            } else {
                Err(format!("there is no shot {p}; {}", listing()))
            }
        }
        ShotRef::Name(n) => {
            if let Some(i) = shots.iter().position(|s| &s.id == n) {
                return Ok(i);
            }
            let name = n.rsplit(['/', '\\']).next().unwrap_or(n);
            let stem = |f: &str| f.rsplit_once('.').map_or(f, |(s, _)| s).to_lowercase();
            let hits: Vec<usize> = shots
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    let f = lib.name_of(s);
                    f.eq_ignore_ascii_case(name) || stem(&f) == name.to_lowercase()
                })
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [i] => Ok(*i),
                [] => Err(format!("no shot '{n}'; {}", listing())),
                many => Err(format!(
                    "'{n}' is shown {} times; name one by id or position: {}",
                    many.len(),
                    listing()
                )),
            }
        }
    }
}

fn video_track(tl: &mut Timeline) -> &mut Track {
    track_of(tl, TT_VIDEO, "video")
}

fn track_of<'t>(tl: &'t mut Timeline, tt: u8, id: &str) -> &'t mut Track {
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

fn text_mut<'t>(tl: &'t mut Timeline, id: &str) -> Option<&'t mut Segment> {
    tl.track_mut(TT_TEXT)?
        .segments
        .iter_mut()
        .find(|s| s.id == id)
}

fn text_ids(tl: &Timeline) -> String {
    let items: Vec<String> = tl
        .segments(TT_TEXT)
        .iter()
        .map(|s| format!("{} '{}'", s.id, s.text.as_deref().unwrap_or("")))
        .collect();
    if items.is_empty() {
        "none (add one with add_text)".into()
    } else {
        items.join(", ")
    }
}

fn role_name(r: TextRole) -> &'static str {
    match r {
        TextRole::Title => "title",
        TextRole::Caption => "caption",
        TextRole::EndCard => "end card",
        TextRole::Overlay => "overlay",
    }
}

/// An id not used by any segment: `base`, or with its trailing number raised.
fn unique_id(tl: &Timeline, base: &str) -> String {
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

fn short(id: &str) -> &str {
    let s = id.strip_prefix("m_").unwrap_or(id);
    &s[..s.len().min(6)]
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

fn check_span(tl: &Timeline, a: u64, b: u64) -> Result<(), (&'static str, String)> {
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

fn check_position(p: &Position) -> Result<(), String> {
    if let Position::Point { x, y } = p
        && !((0.0..=1.0).contains(x) && (0.0..=1.0).contains(y))
    {
        return Err(format!(
            "({x}, {y}) is off the frame; x and y go from 0 to 1"
        ));
    }
    Ok(())
}

fn check_style(s: &TextStyle) -> Result<(), (&'static str, String)> {
    for (field, c) in [("color", &s.color), ("box_color", &s.box_color)] {
        if let Some(c) = c
            && parse_colour(c).is_none()
        {
            return Err((
                field,
                format!(
                    "'{c}' is not a colour; give #RRGGBB or one of {}",
                    crate::timeline::style::colour_names()
                ),
            ));
        }
    }
    if let Some(crate::timeline::style::TextSize::Px(px)) = s.size
        && !(8.0..=600.0).contains(&px)
    {
        return Err((
            "size",
            format!("{px} px is out of range; give 8 to 600, or small, medium, large, extra_large"),
        ));
    }
    if let Some(p) = &s.position {
        check_position(p).map_err(|e| ("position", e))?;
    }
    Ok(())
}

fn describe_position(p: &Position) -> String {
    match p {
        Position::Named(n) => json!(n).as_str().unwrap_or("?").replace('_', " "),
        Position::Point { x, y } => format!("({x:.2}, {y:.2})"),
    }
}

fn describe_style(s: &TextStyle) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
