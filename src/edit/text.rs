//! Text ops (add, set, remove text; restyle a role) and checking a text style.

use super::common::{
    EditError, Err, Library, check_position, check_span, seconds, track_of, unique_id,
};
use super::ops::{RoleArg, ShotRef};
use super::shots::resolve_shot;
use crate::timeline::style::{TextStyle, parse_colour};
use crate::timeline::{Segment, TT_TEXT, TT_VIDEO, TextRole, Timeline, secs};

/// The fields of an add_text op.
pub(super) struct NewText<'a> {
    pub(super) text: &'a str,
    pub(super) shot: Option<&'a ShotRef>,
    pub(super) start_s: Option<f64>,
    pub(super) end_s: Option<f64>,
    pub(super) role: Option<RoleArg>,
    pub(super) style: Option<&'a TextStyle>,
}

/// Add text on a shot, between two times, or over the whole video.
pub(super) fn add_text(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    t: NewText,
) -> Result<String, EditError> {
    let NewText {
        text,
        shot,
        start_s,
        end_s,
        role,
        style,
    } = t;
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
            let a = seconds(a).map_err(|e| err("start_s", e))?;
            let b = seconds(b).map_err(|e| err("end_s", e))?;
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
        style: style.cloned().filter(|s| !s.is_empty()),
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

/// Change a text's words, timing or style.
pub(super) fn set_text(
    tl: &mut Timeline,
    err: Err,
    id: &str,
    text: Option<&str>,
    start_s: Option<f64>,
    end_s: Option<f64>,
    style: Option<&TextStyle>,
) -> Result<String, EditError> {
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
            Some(s) => seconds(s).map_err(|e| err("start_s", e))?,
            None => seg.start_ms,
        };
        let b = match end_s {
            Some(s) => seconds(s).map_err(|e| err("end_s", e))?,
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

/// Remove a text item.
pub(super) fn remove_text(tl: &mut Timeline, err: Err, id: &str) -> Result<String, EditError> {
    let ids = text_ids(tl);
    let track = tl.track_mut(TT_TEXT);
    let pos = track
        .as_ref()
        .and_then(|t| t.segments.iter().position(|s| s.id == id));
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

/// Restyle every text of a role.
pub(super) fn set_style(
    tl: &mut Timeline,
    err: Err,
    role: RoleArg,
    style: &TextStyle,
) -> Result<String, EditError> {
    check_style(style).map_err(|(f, m)| err(&format!("style.{f}"), m))?;
    let role: TextRole = role.into();
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

/// The text item with this id.
fn text_mut<'t>(tl: &'t mut Timeline, id: &str) -> Option<&'t mut Segment> {
    tl.track_mut(TT_TEXT)?
        .segments
        .iter_mut()
        .find(|s| s.id == id)
}

/// The text items, for error messages.
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

/// A role's name in messages.
fn role_name(r: TextRole) -> &'static str {
    match r {
        TextRole::Title => "title",
        TextRole::Caption => "caption",
        TextRole::EndCard => "end card",
        TextRole::Overlay => "overlay",
    }
}

/// Check a style, naming the faulty field.
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

/// A style as its fields, for messages.
fn describe_style(s: &TextStyle) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
