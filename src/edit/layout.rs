//! Keeping a timeline consistent after a change: shots laid end to end in whole frames (a
//! transition overlaps the shot before), the video's length following them, music spanning the
//! video, and text following the shot it belongs to.

use crate::timeline::{TT_AUDIO, TT_OVERLAY, TT_TEXT, TT_VIDEO, TextRole, Timeline, ms_to_frames};

/// The ms at which frame `f` starts, rounded as the director rounds it: an edit that lays the
/// shots out again leaves the ones it did not touch at the very same ms (flooring here moved
/// every later edge by a millisecond, and a caption ending on a half frame by a whole frame).
pub fn frame_ms(f: u64, fps: u32) -> u64 {
    crate::timeline::frames_to_ms(f, fps.max(1))
}

/// A shot's place before a change: id, start and length in ms.
#[derive(Debug, Clone)]
pub struct ShotSpan {
    pub id: String,
    pub start_ms: u64,
    pub duration_ms: u64,
}

/// Where every shot is now.
pub fn spans(tl: &Timeline) -> Vec<ShotSpan> {
    tl.segments(TT_VIDEO)
        .iter()
        .map(|s| ShotSpan {
            id: s.id.clone(),
            start_ms: s.start_ms,
            duration_ms: s.duration_ms,
        })
        .collect()
}

/// Lay the shots end to end from their lengths and transitions, in whole frames, and set the
/// video's length. A transition never overlaps more than half of either neighbour.
pub fn relayout_shots(tl: &mut Timeline) {
    let fps = tl.meta.fps.max(1);
    let Some(track) = tl.track_mut(TT_VIDEO) else {
        tl.duration_ms = 0;
        return;
    };
    let mut end = 0u64;
    let mut prev_frames = 0u64;
    for (i, seg) in track.segments.iter_mut().enumerate() {
        let f = ms_to_frames(seg.duration_ms, fps).max(1);
        if i == 0 {
            seg.transition = None;
        }
        let overlap = match &seg.transition {
            Some(t) => ms_to_frames(t.duration_ms, fps)
                .min(f / 2)
                .min(prev_frames / 2),
            None => 0,
        };
        if overlap == 0 {
            seg.transition = None;
        }
        let st = end - overlap;
        seg.start_ms = frame_ms(st, fps);
        seg.duration_ms = frame_ms(st + f, fps) - seg.start_ms;
        if let Some(t) = &mut seg.transition {
            t.duration_ms = frame_ms(overlap, fps);
        }
        end = st + f;
        prev_frames = f;
    }
    tl.duration_ms = frame_ms(end, fps);
}

/// After the shots moved: text follows its shot (kept at the same place within it, scaled with
/// its length), a title stays at the start and an end card at the end; music spans the video;
/// everything is clipped to the video's length. Returns the ids of text removed with its shot.
pub fn follow_shots(tl: &mut Timeline, before: &[ShotSpan]) -> Vec<String> {
    let total = tl.duration_ms;
    let after = spans(tl);
    let find_after = |id: &str| after.iter().find(|s| s.id == id);
    let old_total = before
        .iter()
        .map(|s| s.start_ms + s.duration_ms)
        .max()
        .unwrap_or(total);
    let mut removed = Vec::new();
    if let Some(track) = tl.track_mut(TT_TEXT) {
        track.segments.retain_mut(|seg| {
            // Captions of the narration follow the voice, which the narration step places.
            if seg
                .id
                .starts_with(crate::timeline::narration::VOICE_CAPTION_PREFIX)
            {
                return clip(seg, total);
            }
            let (st, end) = (seg.start_ms, seg.end_ms());
            match seg.role {
                // A title that opens the video keeps opening it; one timed by hand follows its
                // shot like any text.
                Some(TextRole::Title) if st == 0 => {
                    let len = seg.duration_ms.min(total);
                    seg.start_ms = 0;
                    seg.duration_ms = len;
                    return len > 0;
                }
                Some(TextRole::EndCard) => {
                    let from_end = old_total.saturating_sub(st);
                    let len = seg.duration_ms.min(total);
                    seg.start_ms = total.saturating_sub(from_end.min(total));
                    seg.duration_ms = len.min(total - seg.start_ms);
                    return seg.duration_ms > 0;
                }
                // Text over the whole video (a badge) stays over the whole video.
                _ if st == 0 && end >= old_total && seg.anchor.is_none() => {
                    seg.duration_ms = total;
                    return total > 0;
                }
                _ => {}
            }
            let mid = st + (end - st) / 2;
            let anchor = seg.anchor.clone().or_else(|| {
                before
                    .iter()
                    .find(|s| mid >= s.start_ms && mid < s.start_ms + s.duration_ms)
                    .map(|s| s.id.clone())
            });
            let Some(anchor) = anchor else {
                return clip(seg, total);
            };
            let (Some(old), Some(new)) =
                (before.iter().find(|s| s.id == anchor), find_after(&anchor))
            else {
                removed.push(seg.id.clone());
                return false;
            };
            let scale = new.duration_ms as f64 / old.duration_ms.max(1) as f64;
            let offset = st.saturating_sub(old.start_ms) as f64 * scale;
            seg.start_ms = new.start_ms + offset.round() as u64;
            seg.duration_ms = ((end - st) as f64 * scale).round() as u64;
            clip(seg, total)
        });
    }
    for tt in [TT_AUDIO, TT_OVERLAY] {
        if let Some(track) = tl.track_mut(tt) {
            for seg in &mut track.segments {
                if tt == TT_AUDIO && seg.start_ms == 0 && seg.end_ms() == old_total {
                    // Music that spanned the video still does.
                    seg.duration_ms = total;
                } else if tt == TT_OVERLAY && seg.start_ms == 0 && seg.end_ms() >= old_total {
                    seg.duration_ms = total;
                }
            }
            track.segments.retain_mut(|s| clip(s, total));
        }
    }
    removed
}

/// Clip a segment to the video's length; false when nothing of it is left.
fn clip(seg: &mut crate::timeline::Segment, total: u64) -> bool {
    if seg.start_ms >= total {
        return false;
    }
    seg.duration_ms = seg.duration_ms.min(total - seg.start_ms);
    seg.duration_ms > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Segment, Track, Transition};

    fn shot(id: &str, ms: u64, trans: Option<u64>) -> Segment {
        Segment {
            id: id.into(),
            duration_ms: ms,
            transition: trans.map(|d| Transition {
                kind: "fade".into(),
                duration_ms: d,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn shots_are_laid_end_to_end_with_overlaps() {
        let mut tl = Timeline::default();
        tl.tracks.push(Track {
            id: "video".into(),
            tt: TT_VIDEO,
            segments: vec![
                shot("a", 3000, Some(500)),
                shot("b", 3000, Some(500)),
                shot("c", 600, Some(500)),
            ],
            extra: Default::default(),
        });
        relayout_shots(&mut tl);
        let s = tl.segments(TT_VIDEO);
        assert!(
            s[0].transition.is_none(),
            "nothing to blend into the first shot"
        );
        assert_eq!((s[1].start_ms, s[1].duration_ms), (2500, 3000));
        // A 0.6 s shot takes at most 0.3 s of overlap.
        assert_eq!(s[2].transition.as_ref().unwrap().duration_ms, 300);
        assert_eq!(tl.duration_ms, s[2].end_ms());
        assert_eq!(tl.duration_ms, 5800);
    }

    #[test]
    fn laying_out_again_leaves_shots_on_the_same_ms() {
        // Shots of 101 and 103 frames at 30 fps with a 15-frame fade, as the director writes
        // them: edges on rounded ms (frame 101 starts at 3366.67 ms → 3367).
        let mut tl = Timeline::default();
        tl.meta.fps = 30;
        tl.tracks.push(Track {
            id: "video".into(),
            tt: TT_VIDEO,
            segments: vec![shot("a", 3367, None), shot("b", 3433, Some(500))],
            extra: Default::default(),
        });
        relayout_shots(&mut tl);
        let once: Vec<(u64, u64)> = tl
            .segments(TT_VIDEO)
            .iter()
            .map(|s| (s.start_ms, s.duration_ms))
            .collect();
        assert_eq!(once, [(0, 3367), (2867, 3433)]);
        relayout_shots(&mut tl);
        let twice: Vec<(u64, u64)> = tl
            .segments(TT_VIDEO)
            .iter()
            .map(|s| (s.start_ms, s.duration_ms))
            .collect();
        assert_eq!(once, twice);
    }
}
