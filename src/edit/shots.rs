//! Shot ops (add, remove, move, set) and naming a shot by id, position or file name.

use super::common::{
    DEFAULT_TRANSITION_MS, EditError, Err, Library, MIN_SHOT_MS, seconds, track_of, unique_id,
};
use super::ops::{ShotRef, TransitionSpec};
use crate::media::MediaKind;
use crate::timeline::{
    Motion, Segment, TT_VIDEO, Timeline, Track, Transition, TransitionChoice, TransitionKind, secs,
};
use serde_json::json;

/// Add an uploaded picture or clip as a shot (default last).
pub(super) fn add_shot(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    media_id: Option<&str>,
    file: Option<&str>,
    at: Option<u32>,
) -> Result<String, EditError> {
    let m = lib
        .find(media_id, file)
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
        Some(p) if (1..=n as u32 + 1).contains(&p) => p as usize - 1,
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

/// Remove a shot; there must be another left.
pub(super) fn remove_shot(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    shot: &ShotRef,
) -> Result<String, EditError> {
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

/// Move a shot to a 1-based position.
pub(super) fn move_shot(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    shot: &ShotRef,
    to: u32,
) -> Result<String, EditError> {
    let i = resolve_shot(tl, lib, shot).map_err(|e| err("shot", e))?;
    let n = tl.segments(TT_VIDEO).len();
    if !(1..=n as u32).contains(&to) {
        return Err(err("to", format!("{to} is not a position; give 1 to {n}")));
    }
    let track = video_track(tl);
    let first = track.segments.first().map(|s| s.id.clone());
    let seg = track.segments.remove(i);
    let name = lib.name_of(&seg);
    let id = seg.id.clone();
    track.segments.insert(to as usize - 1, seg);
    // The first shot has nothing to blend from; the shot that was first and no longer is gets
    // the transition its neighbours use (cuts chosen elsewhere stay cuts).
    let kind = track.segments.iter().find_map(|s| s.transition.clone());
    if let (Some(t), Some(first)) = (kind, first)
        && let Some(s) = track.segments.iter_mut().skip(1).find(|s| s.id == first)
        && s.transition.is_none()
    {
        s.transition = Some(t);
    }
    Ok(format!(
        "moved shot {} ({id}, {name}) to position {to}",
        i + 1
    ))
}

/// The fields of a set_shot op.
pub(super) struct ShotChange<'a> {
    pub(super) duration_s: Option<f64>,
    pub(super) trim_start_s: Option<f64>,
    pub(super) trim_end_s: Option<f64>,
    pub(super) motion: Option<Motion>,
    pub(super) focus: Option<crate::timeline::Focus>,
    pub(super) transition: Option<&'a TransitionSpec>,
    pub(super) volume: Option<f32>,
}

/// Change one shot's length, trims, motion, focus, transition in or clip volume.
pub(super) fn set_shot(
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
                if c.trim_start_s.is_some() {
                    "trim_start_s"
                } else {
                    "trim_end_s"
                },
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
            let trim_end = c
                .trim_end_s
                .map(seconds)
                .transpose()
                .map_err(|e| err("trim_end_s", e))?
                .unwrap_or(0);
            let available = m
                .duration_ms
                .saturating_sub(new.in_ms.unwrap_or(0) + trim_end);
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
        if let TransitionChoice::Kind(TransitionKind::Other(name)) = &t.name {
            return Err(err(
                "transition.name",
                format!(
                    "'{name}' is not a transition; use \"none\" for a cut or one of {}",
                    TransitionKind::names()
                ),
            ));
        }
        if let TransitionChoice::Kind(kind) = &t.name {
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
                kind: kind.clone(),
                duration_ms: ms,
            });
            said.push(format!("{kind} transition ({})", secs(ms)));
        } else {
            new.transition = None;
            said.push("cut (no transition)".into());
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

/// The video track, added if the timeline has none.
pub(super) fn video_track(tl: &mut Timeline) -> &mut Track {
    track_of(tl, TT_VIDEO, "video")
}

/// The start of a media id, for a readable shot id.
fn short(id: &str) -> String {
    let s = id.strip_prefix("m_").unwrap_or(id);
    s.chars().take(6).collect()
}
