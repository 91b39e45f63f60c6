//! Cuts on the beat: without narration, each shot change (a hard cut, or a transition's middle)
//! moves to the nearest beat of the music, keeping every shot at least [`MIN_BEAT_SHOT_MS`] on
//! screen and the video's length unchanged (the last shot takes up the difference).
//!
//! On when asked (set_beat_sync, "music video", "on the beat"), and by default for generated
//! music, whose grid is known exactly; a supplied track's grid comes from [`crate::beats`],
//! detected by the backend and handed in through the [`Library`].

use super::common::Library;
use crate::beats::BeatGrid;
use crate::timeline::{SnappedShot, TT_VIDEO, Timeline, ms_to_frames, secs};

/// Shortest shot beat snapping may make: shorter reads as a flash, not a shot.
pub const MIN_BEAT_SHOT_MS: u64 = 1000;
/// A detected grid less sure than this is not followed (its beats are a guess).
const MIN_CONFIDENCE: f64 = 0.3;

/// Whether cuts should follow the beat on `tl`: as asked, else on for generated music.
pub fn wanted(tl: &Timeline) -> bool {
    if tl.voiceover().is_some() {
        return false;
    }
    let generated = tl.music().first().is_some_and(|m| m.generated.is_some());
    tl.meta.beat_sync.unwrap_or(generated)
}

/// The beats (ms on the video's clock) of `tl`'s music: the generated bed's known grid, or the
/// detected grid of the supplied track in `lib`. None without music or a usable grid.
fn beats(tl: &Timeline, lib: &Library) -> Option<Vec<u64>> {
    let m = tl.music().first()?;
    let offset = m.in_ms.unwrap_or(0);
    let grid = match (m.generated, m.media_id.as_deref()) {
        (Some(mood), _) => BeatGrid::regular(mood.bpm() as f64, 0, offset + m.duration_ms),
        (None, Some(id)) => lib
            .beats
            .iter()
            .find(|(mid, _)| mid == id)
            .map(|(_, g)| g.clone())
            .filter(|g| g.confidence >= MIN_CONFIDENCE)?,
        _ => return None,
    };
    Some(
        grid.beats_ms
            .iter()
            .filter(|&&b| b >= offset)
            .map(|b| b - offset + m.start_ms)
            .collect(),
    )
}

/// Put back the shot lengths the cuts had before they were snapped, when the shots are still
/// those lengths (an edit since — a shot moved, removed or retimed — keeps what it made).
/// Returns whether they were put back.
pub fn unsnap(tl: &mut Timeline) -> bool {
    let lengths = std::mem::take(&mut tl.meta.unsnapped);
    let Some(track) = tl.track_mut(TT_VIDEO) else {
        return false;
    };
    let same = track.segments.len() == lengths.len()
        && track
            .segments
            .iter()
            .zip(&lengths)
            .all(|(s, l)| s.id == l.id && s.duration_ms == l.after_ms);
    if same {
        for (s, l) in track.segments.iter_mut().zip(&lengths) {
            s.duration_ms = l.before_ms;
        }
    }
    same && !lengths.is_empty()
}

/// Snap `tl`'s cuts to the beat when that is wanted; returns notes saying what moved.
pub fn snap(tl: &mut Timeline, lib: &Library) -> Vec<String> {
    if !wanted(tl) || tl.segments(TT_VIDEO).len() < 2 {
        return Vec::new();
    }
    let Some(beats) = beats(tl, lib) else {
        let why = if tl.music().is_empty() {
            "there is no music"
        } else {
            "no steady beat was found in the music"
        };
        return vec![format!("cuts were not snapped to the beat: {why}")];
    };
    let fps = tl.meta.fps.max(1);
    let to_f = |ms: u64| ms_to_frames(ms, fps);
    let segs = tl.segments(TT_VIDEO);
    let n = segs.len();
    let overlaps: Vec<u64> = segs
        .iter()
        .map(|s| s.transition.as_ref().map_or(0, |t| to_f(t.duration_ms)))
        .collect();
    // Cuts in frames (twice, so a transition's middle on a half frame is exact).
    let cuts2: Vec<u64> = segs[1..]
        .iter()
        .zip(&overlaps[1..])
        .map(|(s, o)| 2 * to_f(s.start_ms) + o)
        .collect();
    let total = to_f(tl.duration_ms);
    let max_overlap = overlaps.iter().copied().max().unwrap_or(0);
    let min = to_f(MIN_BEAT_SHOT_MS).max(2 * max_overlap + 1);
    let beat_frames: Vec<u64> = beats.iter().map(|&b| to_f(b)).collect();
    // Cuts placed so far, in half frames like `cuts2`.
    let mut placed: Vec<u64> = Vec::with_capacity(n - 1);
    let (mut moved, mut kept, mut moved_ms) = (0usize, 0usize, 0u64);
    for (i, &c2) in cuts2.iter().enumerate() {
        let lo = placed.last().map_or(0, |p| p.div_ceil(2)) + min;
        // Room for the cuts after this one.
        let hi = total.saturating_sub(min * (cuts2.len() - i) as u64);
        let best = beat_frames
            .iter()
            .copied()
            .filter(|&b| b >= lo && b <= hi)
            .min_by_key(|&b| (2 * b).abs_diff(c2));
        let at2 = match best {
            // Already within a frame of the beat: left alone.
            Some(b) if (2 * b).abs_diff(c2) < 2 => c2,
            Some(b) => {
                moved += 1;
                2 * b
            }
            None => {
                kept += 1;
                c2.clamp(2 * lo, 2 * hi.max(lo))
            }
        };
        moved_ms = moved_ms.max(at2.abs_diff(c2) * 500 / u64::from(fps));
        placed.push(at2);
    }
    if moved == 0 && kept == 0 {
        return Vec::new();
    }
    // Shot i starts half its transition before its cut and ends half the next one after.
    let starts: Vec<u64> = std::iter::once(0)
        .chain(
            placed
                .iter()
                .zip(&overlaps[1..])
                .map(|(c2, o)| c2.saturating_sub(*o) / 2),
        )
        .collect();
    let frame_ms = |f: u64| super::layout::frame_ms(f, fps);
    let track = tl.track_mut(TT_VIDEO).expect("shots");
    let mut lengths = Vec::with_capacity(n);
    for (i, seg) in track.segments.iter_mut().enumerate() {
        let end = match starts.get(i + 1) {
            Some(next) => next + overlaps[i + 1],
            None => total,
        };
        let f = end.saturating_sub(starts[i]).max(1);
        let before_ms = seg.duration_ms;
        seg.duration_ms = frame_ms(starts[i] + f) - frame_ms(starts[i]);
        lengths.push(SnappedShot {
            id: seg.id.clone(),
            before_ms,
            after_ms: seg.duration_ms,
        });
    }
    tl.meta.unsnapped = lengths;
    super::layout::relayout_shots(tl);
    let mut notes = Vec::new();
    if moved > 0 {
        notes.push(format!(
            "{moved} of {} cuts moved to the nearest beat (by up to {}), every shot at least {}",
            n - 1,
            secs(moved_ms),
            secs(MIN_BEAT_SHOT_MS)
        ));
    }
    if kept > 0 {
        notes.push(format!(
            "{kept} cut(s) stayed off the beat: no beat left room for a shot of {}",
            secs(MIN_BEAT_SHOT_MS)
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Segment, TT_AUDIO, Track, Transition, TransitionKind};

    fn timeline(shots: &[u64], fade_ms: u64) -> Timeline {
        let mut tl = Timeline::default();
        tl.meta.fps = 30;
        tl.tracks.push(Track {
            id: "video".into(),
            tt: TT_VIDEO,
            segments: shots
                .iter()
                .enumerate()
                .map(|(i, d)| Segment {
                    id: format!("v{i}"),
                    duration_ms: *d,
                    transition: (i > 0 && fade_ms > 0).then_some(Transition {
                        kind: TransitionKind::Fade,
                        duration_ms: fade_ms,
                    }),
                    ..Default::default()
                })
                .collect(),
            extra: Default::default(),
        });
        super::super::layout::relayout_shots(&mut tl);
        let total = tl.duration_ms;
        tl.tracks.push(Track {
            id: "music".into(),
            tt: TT_AUDIO,
            segments: vec![Segment {
                id: "bgm".into(),
                duration_ms: total,
                media_id: Some("m1".into()),
                ..Default::default()
            }],
            extra: Default::default(),
        });
        tl
    }

    fn cuts(tl: &Timeline) -> Vec<f64> {
        tl.segments(TT_VIDEO)[1..]
            .iter()
            .map(|s| {
                s.start_ms as f64 + s.transition.as_ref().map_or(0, |t| t.duration_ms) as f64 / 2.0
            })
            .collect()
    }

    #[test]
    fn cuts_land_on_beats_and_shots_stay_long_enough() {
        // 4 shots over 10 s with 0.5 s fades; beats every 0.5 s from 0.25 s.
        let mut tl = timeline(&[2900, 2867, 2867, 2867], 500);
        assert_eq!(tl.duration_ms, 10_000);
        tl.meta.beat_sync = Some(true);
        let grid = BeatGrid::regular(120.0, 250, 10_000);
        let lib = Library {
            media: &[],
            takes: &[],
            voice_missing: None,
            beats: &[("m1".into(), grid.clone())],
            fresh_cut: true,
        };
        let before = cuts(&tl);
        let notes = snap(&mut tl, &lib);
        let after = cuts(&tl);
        assert_eq!(tl.duration_ms, 10_000, "{notes:?}");
        for c in &after {
            let near = grid
                .beats_ms
                .iter()
                .map(|&b| (b as f64 - c).abs())
                .fold(f64::INFINITY, f64::min);
            assert!(near <= 34.0, "cut {c} is {near} ms from a beat: {after:?}");
        }
        assert!(
            before
                .iter()
                .zip(&after)
                .all(|(a, b)| (a - b).abs() <= 300.0)
        );
        assert!(notes[0].starts_with("3 of 3 cuts"), "{notes:?}");
        for s in tl.segments(TT_VIDEO) {
            assert!(s.duration_ms >= MIN_BEAT_SHOT_MS, "{s:?}");
        }
        // Turned off by an op: the director's cuts come back, and the text follows its shot.
        let snapped = tl.clone();
        let off_op = crate::edit::EditOp::SetBeatSync { on: false };
        let undone = crate::edit::apply(&tl, &Library::of(&[]), &[(0, &off_op)]).unwrap();
        assert_eq!(cuts(&undone.timeline), before, "{:?}", undone.changes);
        assert!(undone.timeline.meta.unsnapped.is_empty());
        assert!(
            undone.changes[0].contains("lengths from before"),
            "{:?}",
            undone.changes
        );
        // A shot retimed since keeps what that edit made.
        let mut retime = crate::edit::EditOp::set_shot(crate::edit::ShotRef::Position(2));
        if let crate::edit::EditOp::SetShot { duration_s, .. } = &mut retime {
            *duration_s = Some(2.0);
        }
        let retimed = crate::edit::apply(&snapped, &Library::of(&[]), &[(0, &retime)]).unwrap();
        let kept =
            crate::edit::apply(&retimed.timeline, &Library::of(&[]), &[(0, &off_op)]).unwrap();
        assert_eq!(cuts(&kept.timeline), cuts(&retimed.timeline));
        assert!(
            kept.changes[0].contains("stay where they are"),
            "{:?}",
            kept.changes
        );

        // Off: nothing moves.
        let mut off = timeline(&[2900, 2867, 2867, 2867], 500);
        off.meta.beat_sync = Some(false);
        assert!(snap(&mut off, &lib).is_empty());
        assert_eq!(cuts(&off), before);
    }

    #[test]
    fn sparse_beats_keep_the_minimum_and_say_so() {
        // Beats only every 4 s: 5 hard-cut shots cannot all land on one.
        let mut tl = timeline(&[1000; 5], 0);
        tl.meta.beat_sync = Some(true);
        let grid = BeatGrid::regular(15.0, 0, 5000);
        let lib = Library {
            media: &[],
            takes: &[],
            voice_missing: None,
            beats: &[("m1".into(), grid)],
            fresh_cut: true,
        };
        let notes = snap(&mut tl, &lib);
        assert!(
            notes.iter().any(|n| n.contains("stayed off the beat")),
            "{notes:?}"
        );
        for s in tl.segments(TT_VIDEO) {
            assert!(s.duration_ms >= MIN_BEAT_SHOT_MS, "{s:?}");
        }
        assert_eq!(tl.duration_ms, 5000);
    }
}
