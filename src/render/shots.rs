//! The video track laid out in whole frames: where each shot starts, how long it lasts and how
//! much it overlaps the one before. The video pass, the soundtrack and the contact sheet all
//! place things by it.

use super::RenderError;
use crate::timeline::{TT_VIDEO, Timeline, TransitionKind, ms_to_frames};

/// The frame-exact layout of the video track.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    /// Index into the video track.
    pub index: usize,
    /// First frame on the output timeline.
    pub start: u64,
    /// Number of frames.
    pub frames: u64,
    /// Frames overlapping the previous shot (transition length), 0 for a cut.
    pub overlap: u64,
    /// The xfade transition, when `overlap > 0` (always one the renderer knows).
    pub transition: Option<TransitionKind>,
}

/// Lay the video track out in whole frames and check it covers the timeline without gaps.
pub fn layout_shots(tl: &Timeline) -> Result<Vec<Shot>, RenderError> {
    let fps = tl.meta.fps;
    let segs = tl.segments(TT_VIDEO);
    if segs.is_empty() {
        return Err(RenderError::Invalid(
            "the timeline has no video shots; add images or clips first".into(),
        ));
    }
    let mut shots = Vec::with_capacity(segs.len());
    let mut prev_end = 0u64;
    for (i, s) in segs.iter().enumerate() {
        let start = ms_to_frames(s.start_ms, fps);
        let end = ms_to_frames(s.end_ms(), fps);
        if end <= start {
            return Err(RenderError::Invalid(format!(
                "shot {} has no duration",
                i + 1
            )));
        }
        if i == 0 && start != 0 {
            return Err(RenderError::Invalid(
                "the first shot must start at 0".into(),
            ));
        }
        if start > prev_end {
            return Err(RenderError::Invalid(format!(
                "gap before shot {} ({} ms)",
                i + 1,
                s.start_ms
            )));
        }
        let overlap = if i == 0 { 0 } else { prev_end - start };
        if i > 0 && overlap >= (end - start).min(shots.last().map(|p: &Shot| p.frames).unwrap_or(0))
        {
            return Err(RenderError::Invalid(format!(
                "the transition into shot {} is longer than a shot",
                i + 1
            )));
        }
        let transition = if overlap > 0 {
            let kind = s
                .transition
                .as_ref()
                .map_or(TransitionKind::Fade, |t| t.kind.clone());
            if let TransitionKind::Other(name) = &kind {
                return Err(RenderError::Invalid(format!(
                    "the transition into shot {} is '{name}', which this renderer cannot draw; use one of {}",
                    i + 1,
                    TransitionKind::names()
                )));
            }
            Some(kind)
        } else {
            None
        };
        shots.push(Shot {
            index: i,
            start,
            frames: end - start,
            overlap,
            transition,
        });
        prev_end = end;
    }
    Ok(shots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Segment, Track, Transition};

    fn two_shots(kind: &str) -> Timeline {
        let shot = |st: u64, t: Option<&str>| Segment {
            start_ms: st,
            duration_ms: 2000,
            media_id: Some("m".into()),
            transition: t.map(|k| Transition {
                kind: k.into(),
                duration_ms: 500,
            }),
            ..Default::default()
        };
        Timeline {
            tracks: vec![Track {
                id: "v".into(),
                tt: TT_VIDEO,
                segments: vec![shot(0, None), shot(1500, Some(kind))],
                extra: Default::default(),
            }],
            duration_ms: 3500,
            ..Default::default()
        }
    }

    #[test]
    fn a_known_transition_is_laid_out_by_kind() {
        let shots = layout_shots(&two_shots("wipeup")).unwrap();
        assert_eq!(shots[1].transition, Some(TransitionKind::WipeUp));
        assert_eq!(shots[1].overlap, 15);
    }

    #[test]
    fn a_transition_the_renderer_does_not_know_is_refused_with_the_known_ones() {
        let e = layout_shots(&two_shots("cloudspin"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("shot 2 is 'cloudspin', which this renderer cannot draw; use one of fade, dissolve, fadeblack"),
            "{e}"
        );
        assert!(e.contains("distance"), "{e}");
    }
}
