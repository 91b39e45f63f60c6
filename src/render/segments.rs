//! The video cut into windows of whole frames that render independently and join without
//! re-encoding: each window is encoded on its own (so it starts on a keyframe), cached by what
//! it shows, and the windows are concatenated by stream copy.
//!
//! A window boundary never falls inside a transition (both shots of a crossfade must be in one
//! encode): boundaries are where a transition ends (or a hard cut is), plus splits inside long
//! stretches where a single shot is on screen, so long shots also render in parallel.

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

/// Cut `total` frames laid out as `shots` into windows.
pub fn plan(shots: &[Shot], total: u64, fps: u32) -> Vec<Window> {
    let fps = u64::from(fps.max(1));
    if total == 0 {
        return Vec::new();
    }
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
    cuts.retain(|&c| c < total);
    cuts.sort_unstable();
    cuts.dedup();
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
        let w = plan(&shots, 240, 30);
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
        let w = plan(&shots, 660, 30);
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
        let w = plan(&shots, 115, 30);
        assert_eq!(
            w,
            vec![Window {
                start: 0,
                frames: 115
            }]
        );
        let w = plan(&shots[..2], 110, 30);
        assert_eq!(
            w,
            vec![Window {
                start: 0,
                frames: 110
            }]
        );
    }
}
