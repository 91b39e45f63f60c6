//! The whole-video op: length (shots retimed in proportion), frame shape and resolution.

use super::common::{EditError, Err, MAX_VIDEO_MS, MIN_SHOT_MS, seconds};
use super::shots::video_track;
use crate::director::frame_size;
use crate::timeline::{Aspect, Resolution, TT_VIDEO, Timeline, secs};

/// Change the video's length, aspect or resolution.
pub(super) fn set_video(
    tl: &mut Timeline,
    err: Err,
    duration_s: Option<f64>,
    aspect: Option<Aspect>,
    resolution: Option<Resolution>,
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
        said.push(format!("length {} asked", secs(ms)));
    }
    if aspect.is_some() || resolution.is_some() {
        let a = aspect.unwrap_or_else(|| current_aspect(tl));
        let r = resolution.unwrap_or(match tl.meta.width.min(tl.meta.height) {
            0..=720 => Resolution::P720,
            721..=1080 => Resolution::P1080,
            _ => Resolution::P2160,
        });
        let (w, h) = frame_size(a, r);
        said.push(format!("{}x{} → {w}x{h}", tl.meta.width, tl.meta.height));
        tl.meta.width = w;
        tl.meta.height = h;
        tl.meta.aspect = Some(a);
    }
    if said.is_empty() {
        return Err(err(
            "op",
            "nothing to change: give duration_s, aspect or resolution".into(),
        ));
    }
    Ok(said.join(", "))
}

/// The aspect of the timeline's frame: any wide frame is landscape, any tall one not 4:5 portrait.
fn current_aspect(tl: &Timeline) -> Aspect {
    let (w, h) = (tl.meta.width, tl.meta.height);
    if w * 9 == h * 16 || w > h {
        Aspect::Landscape
    } else if w == h {
        Aspect::Square
    } else if w * 5 == h * 4 {
        Aspect::Vertical4x5
    } else {
        Aspect::Portrait
    }
}
