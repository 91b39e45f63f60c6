//! The video cut into windows of whole frames that render independently and join without
//! re-encoding: each window is encoded on its own (so it starts on a keyframe), cached by what
//! it shows, and the windows are concatenated by stream copy.
//!
//! A window boundary never falls inside a transition (both shots of a crossfade must be in one
//! encode): boundaries are where a transition ends (or a hard cut is), plus splits inside long
//! stretches where a single shot is on screen, so long shots also render in parallel.
//!
//! Boundaries also avoid cutting through a title or caption: each text is kept inside one window
//! (its edges become boundaries, moved out of a transition they fall in), so editing one caption
//! re-renders one window, not the two or three it would otherwise straddle.

use super::shots::Shot;

/// A stretch of the output: frames `[start, start + frames)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First frame on the output timeline.
    pub start: u64,
    /// Number of frames.
    pub frames: u64,
}

impl Window {
    /// One past the last frame.
    pub fn end(&self) -> u64 {
        self.start + self.frames
    }
}

/// Windows shorter than this many seconds join their neighbour (each encode has a fixed cost
/// and a keyframe).
const MIN_S: u64 = 1;
/// A single shot on screen longer than twice this is split into pieces about this long.
const SPLIT_S: u64 = 4;

/// Cut `total` frames laid out as `shots` into windows, keeping each of `texts` (frame spans
/// `[start, end)` of titles and captions) inside one window where the transitions allow.
pub fn plan(shots: &[Shot], texts: &[(u64, u64)], total: u64, fps: u32) -> Vec<Window> {
    let fps = u64::from(fps.max(1));
    if total == 0 {
        return Vec::new();
    }
    let in_transition = |f: u64| {
        shots
            .iter()
            .any(|s| s.overlap > 0 && f > s.start && f < s.start + s.overlap)
    };
    // A text longer than a long shot (a line held over much of the video) is not kept whole:
    // that would cost the render its parallelism for little gain.
    let kept: Vec<(u64, u64)> = texts
        .iter()
        .copied()
        .filter(|&(a, b)| b > a && b - a <= 2 * SPLIT_S * fps)
        .collect();
    let splits_text = |f: u64| kept.iter().any(|&(a, b)| f > a && f < b);
    let mut cuts = vec![0u64];
    for (i, s) in shots.iter().enumerate() {
        // Where this shot is alone on screen: after its incoming transition, up to the next
        // shot's start.
        let solo_start = if i == 0 { 0 } else { s.start + s.overlap };
        let solo_end = shots.get(i + 1).map_or(total, |n| n.start).min(total);
        cuts.push(solo_start);
        let len = solo_end.saturating_sub(solo_start);
        if len > 2 * SPLIT_S * fps {
            let pieces = len / (SPLIT_S * fps);
            for k in 1..pieces {
                cuts.push(solo_start + len * k / pieces);
            }
        }
    }
    let (mut cuts, through_text): (Vec<u64>, Vec<u64>) =
        cuts.into_iter().partition(|&c| !splits_text(c));
    // A text's edges, each moved out of a transition it falls in (to the transition's start
    // before a text, its end after one), so the text and that transition share a window.
    for &(a, b) in &kept {
        let before = shots
            .iter()
            .find(|s| s.overlap > 0 && a > s.start && a < s.start + s.overlap)
            .map_or(a, |s| s.start);
        let after = shots
            .iter()
            .find(|s| s.overlap > 0 && b > s.start && b < s.start + s.overlap)
            .map_or(b, |s| s.start + s.overlap);
        for c in [before, after] {
            if !splits_text(c) && !in_transition(c) {
                cuts.push(c);
            }
        }
    }
    cuts.retain(|&c| c < total);
    cuts.sort_unstable();
    cuts.dedup();
    // Texts that overlap or follow each other through crossfades can chain into one long
    // window; one longer than a long shot's pieces is cut where the shots alone would cut it,
    // so it does not hold up the windows rendering beside it.
    let mut again: Vec<u64> = Vec::new();
    for (i, &c) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).copied().unwrap_or(total);
        if end - c > 2 * SPLIT_S * fps {
            again.extend(through_text.iter().copied().filter(|&t| t > c && t < end));
        }
    }
    if !again.is_empty() {
        cuts.extend(again);
        cuts.sort_unstable();
        cuts.dedup();
    }
    let mut windows: Vec<Window> = Vec::new();
    for (i, &c) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).copied().unwrap_or(total);
        windows.push(Window {
            start: c,
            frames: end - c,
        });
    }
    // Short windows join the one before (or, the first, the one after).
    let min = MIN_S * fps;
    let mut joined: Vec<Window> = Vec::new();
    for w in windows {
        match joined.last_mut() {
            Some(last) if w.frames < min || last.frames < min => last.frames += w.frames,
            _ => joined.push(w),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shot(index: usize, start: u64, frames: u64, overlap: u64) -> Shot {
        Shot {
            index,
            start,
            frames,
            overlap,
            transition: (overlap > 0).then_some(crate::timeline::TransitionKind::Fade),
        }
    }

    fn inside_a_transition(shots: &[Shot], f: u64) -> bool {
        shots
            .iter()
            .any(|s| s.overlap > 0 && f > s.start && f < s.start + s.overlap)
    }

    #[test]
    fn cuts_where_transitions_end_and_covers_every_frame_once() {
        // 3 s shots with 0.5 s crossfades at 30 fps.
        let shots = [shot(0, 0, 90, 0), shot(1, 75, 90, 15), shot(2, 150, 90, 15)];
        let w = plan(&shots, &[], 240, 30);
        assert_eq!(
            w,
            vec![
                Window {
                    start: 0,
                    frames: 90
                },
                Window {
                    start: 90,
                    frames: 75
                },
                Window {
                    start: 165,
                    frames: 75
                }
            ]
        );
        for win in &w {
            assert!(!inside_a_transition(&shots, win.start), "{win:?}");
        }
    }

    #[test]
    fn hard_cuts_cut_at_the_shot_and_long_shots_split() {
        let shots = [shot(0, 0, 60, 0), shot(1, 60, 600, 0)];
        let w = plan(&shots, &[], 660, 30);
        assert_eq!(
            w[0],
            Window {
                start: 0,
                frames: 60
            }
        );
        assert_eq!(w[1].start, 60);
        assert!(w.len() >= 4, "{w:?}");
        assert!(w.iter().all(|x| x.frames <= 8 * 30), "{w:?}");
        assert_eq!(w.iter().map(|x| x.frames).sum::<u64>(), 660);
    }

    #[test]
    fn short_windows_join_a_neighbour() {
        let shots = [shot(0, 0, 10, 0), shot(1, 10, 100, 0), shot(2, 110, 5, 0)];
        let w = plan(&shots, &[], 115, 30);
        assert_eq!(
            w,
            vec![Window {
                start: 0,
                frames: 115
            }]
        );
        let w = plan(&shots[..2], &[], 110, 30);
        assert_eq!(
            w,
            vec![Window {
                start: 0,
                frames: 110
            }]
        );
    }

    /// Every frame in exactly one window, none starting inside a transition.
    fn check_cover(shots: &[Shot], w: &[Window], total: u64) {
        assert_eq!(w.first().map(|x| x.start), Some(0), "{w:?}");
        for pair in w.windows(2) {
            assert_eq!(pair[0].end(), pair[1].start, "{w:?}");
        }
        assert_eq!(w.last().map(Window::end), Some(total), "{w:?}");
        for win in w {
            assert!(!inside_a_transition(shots, win.start), "{win:?}");
        }
    }

    fn windows_holding(w: &[Window], (a, b): (u64, u64)) -> usize {
        w.iter().filter(|x| x.start < b && x.end() > a).count()
    }

    /// promo-30s: ten ~3 s shots with 0.5 s crossfades (starting at `starts`), 900 frames.
    fn promo_shots() -> Vec<Shot> {
        let starts = [0, 89, 178, 267, 356, 445, 533, 621, 709, 797];
        starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let end = starts.get(i + 1).map_or(900, |n| n + 15);
                shot(i, s, end - s, if i == 0 { 0 } else { 15 })
            })
            .collect()
    }

    #[test]
    fn each_caption_lies_in_one_window() {
        let shots = promo_shots();
        // A title, captions that do not follow the shots (edges inside crossfades, in gaps
        // and on cuts) and an end card.
        let texts = [
            (0, 90),
            (90, 188),
            (197, 291),
            (300, 394),
            (403, 497),
            (533, 620),
            (627, 700),
            (712, 805),
            (810, 900),
        ];
        let w = plan(&shots, &texts, 900, 30);
        check_cover(&shots, &w, 900);
        for t in texts {
            assert_eq!(windows_holding(&w, t), 1, "{t:?} in {w:?}");
        }
        assert!(w.len() >= 5, "{w:?}");
        assert!(w.iter().all(|x| x.frames >= 30), "{w:?}");
    }

    #[test]
    fn chained_texts_do_not_make_one_long_window() {
        let shots = promo_shots();
        // The last captions overlap, chaining 533..900 (12 s) together.
        let texts = [(197, 291), (533, 627), (621, 715), (712, 805), (810, 900)];
        let w = plan(&shots, &texts, 900, 30);
        check_cover(&shots, &w, 900);
        assert_eq!(windows_holding(&w, (197, 291)), 1, "{w:?}");
        assert!(w.iter().all(|x| x.frames <= 8 * 30), "{w:?}");
    }

    #[test]
    fn a_text_edge_inside_a_transition_moves_out_of_it() {
        let shots = [shot(0, 0, 90, 0), shot(1, 75, 90, 15), shot(2, 150, 90, 15)];
        // Starts inside the first crossfade, ends inside the second.
        let w = plan(&shots, &[(80, 160)], 240, 30);
        check_cover(&shots, &w, 240);
        assert_eq!(windows_holding(&w, (80, 160)), 1, "{w:?}");
        assert!(w.iter().any(|x| x.start == 75), "{w:?}");
        assert!(w.iter().any(|x| x.start == 165), "{w:?}");
    }

    #[test]
    fn a_long_text_does_not_stop_long_shots_splitting() {
        let shots = [shot(0, 0, 900, 0)];
        let w = plan(&shots, &[(0, 900)], 900, 30);
        check_cover(&shots, &w, 900);
        assert!(w.len() >= 4, "{w:?}");
    }
}
