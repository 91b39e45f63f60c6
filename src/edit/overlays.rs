//! Overlay ops: put a picture (a logo or badge) over the video, or take it off.

use super::common::{
    EditError, Err, Library, check_position, check_span, seconds, track_of, unique_id,
};
use crate::media::MediaKind;
use crate::timeline::style::Position;
use crate::timeline::{Segment, TT_OVERLAY, Timeline, secs};
use serde_json::json;

/// The fields of an add_overlay op.
pub(super) struct NewOverlay<'a> {
    pub(super) media_id: Option<&'a str>,
    pub(super) file: Option<&'a str>,
    pub(super) position: Position,
    pub(super) size: Option<f64>,
    pub(super) opacity: Option<f64>,
    pub(super) start_s: Option<f64>,
    pub(super) end_s: Option<f64>,
}

/// Put a picture over the video.
pub(super) fn add_overlay(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    o: NewOverlay,
) -> Result<String, EditError> {
    let NewOverlay {
        media_id,
        file,
        position,
        size,
        opacity,
        start_s,
        end_s,
    } = o;
    let m = lib
        .find(media_id, file)
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
    check_position(&position).map_err(|e| err("position", e))?;
    let size = size.unwrap_or(0.2);
    if !(0.02..=1.0).contains(&size) {
        return Err(err(
            "size",
            format!("{size} is out of range; give 0.02 to 1 (a fraction of the frame's width)"),
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
        position: Some(position),
        size: Some(size),
        opacity: Some(opacity),
        ..Default::default()
    });
    Ok(format!(
        "added overlay {id} ({}) at {}, {:.0}% of the width, {}–{}",
        m.file_name,
        describe_position(&position),
        size * 100.0,
        secs(a),
        secs(b)
    ))
}

/// Take an overlay off.
pub(super) fn remove_overlay(tl: &mut Timeline, err: Err, id: &str) -> Result<String, EditError> {
    let ids: Vec<String> = tl
        .segments(TT_OVERLAY)
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let track = tl.track_mut(TT_OVERLAY);
    match track.and_then(|t| {
        t.segments
            .iter()
            .position(|s| s.id == id)
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

/// A position as a message says it.
fn describe_position(p: &Position) -> String {
    match p {
        Position::Named(n) => json!(n).as_str().unwrap_or("?").replace('_', " "),
        Position::Point { x, y } => format!("({x:.2}, {y:.2})"),
    }
}
