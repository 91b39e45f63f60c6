//! What a prompt edit must not lose. A prompt rebuilds the cut from its recipe (shots, length,
//! shape, transitions, music, title, captions, end card); what exact edits added on top —
//! overlays, text styles, texts of their own, a shot's focus and motion — is carried over onto
//! the rebuilt timeline, so a prompt changes only what it says.

use super::common::track_of;
use super::layout;
use crate::timeline::{TT_OVERLAY, TT_TEXT, TT_VIDEO, Timeline};

/// Carry the edit-made parts of `old` onto `new` (the prompt's rebuild of it).
pub fn carry_over(old: &Timeline, new: &mut Timeline) {
    // The spoken narration comes along (the edit layer re-places it on the new cut).
    if new.voiceover().is_none()
        && let Some(t) = old
            .tracks
            .iter()
            .find(|t| t.id == crate::timeline::narration::VOICE_TRACK)
    {
        new.tracks.push(t.clone());
    }
    keep_pacing(old, new);
    // Shots keep their ids across a rebuild; their focus and motion come along.
    if let Some(track) = new.track_mut(TT_VIDEO) {
        for seg in &mut track.segments {
            if let Some(o) = old.segments(TT_VIDEO).iter().find(|o| o.id == seg.id) {
                seg.focus = seg.focus.or(o.focus);
                if o.motion.is_some() {
                    seg.motion = o.motion;
                }
            }
        }
    }
    // Styles of texts the rebuild kept, and texts the edits added (they follow their shots).
    let mut added = Vec::new();
    for o in old.segments(TT_TEXT) {
        match new
            .track_mut(TT_TEXT)
            .and_then(|t| t.segments.iter_mut().find(|s| s.id == o.id))
        {
            Some(seg) if seg.style.is_none() => seg.style = o.style.clone(),
            Some(_) => {}
            None if o.id.starts_with("txt-") => added.push(o.clone()),
            None => {}
        }
    }
    let overlays: Vec<_> = old.segments(TT_OVERLAY).to_vec();
    if added.is_empty() && overlays.is_empty() {
        return;
    }
    // Only the carried items follow the shots from the old clock to the new one; what the
    // rebuild made is already where it belongs.
    let before = layout::spans(old);
    let mut staged = Timeline {
        tracks: new
            .tracks
            .iter()
            .filter(|t| t.tt == TT_VIDEO)
            .cloned()
            .collect(),
        duration_ms: new.duration_ms,
        meta: new.meta.clone(),
        ..Default::default()
    };
    if !added.is_empty() {
        track_of(&mut staged, TT_TEXT, "text").segments = added;
    }
    if !overlays.is_empty() {
        track_of(&mut staged, TT_OVERLAY, "overlays").segments = overlays;
    }
    layout::follow_shots(&mut staged, &before);
    if let Some(t) = staged.track(TT_TEXT) {
        let text = track_of(new, TT_TEXT, "text");
        text.segments.extend(t.segments.iter().cloned());
        text.segments.sort_by_key(|s| s.start_ms);
    }
    new.tracks.retain(|t| t.tt != TT_OVERLAY);
    if let Some(t) = staged.track(TT_OVERLAY) {
        new.tracks.push(t.clone());
    }
}

/// A prompt that leaves the shots, their transitions and the length alone ("use calmer music",
/// "change the title to …") keeps each shot's length and trims as they were — set by an exact
/// edit perhaps — instead of the rebuild's even pacing; the rebuilt text follows its shots.
fn keep_pacing(old: &Timeline, new: &mut Timeline) {
    let (o, n) = (old.segments(TT_VIDEO), new.segments(TT_VIDEO));
    let same = o.len() == n.len()
        && o.iter().zip(n).all(|(a, b)| a.id == b.id && a.transition == b.transition)
        // The rebuild reads the length back to whole frames: within one frame is the same.
        && old.duration_ms.abs_diff(new.duration_ms) <= 1000 / u64::from(new.meta.fps.max(1)) + 1;
    let paced = o
        .iter()
        .zip(n)
        .any(|(a, b)| a.duration_ms != b.duration_ms || a.in_ms != b.in_ms);
    if !same || !paced {
        return;
    }
    let before = layout::spans(new);
    let lengths: Vec<_> = o.iter().map(|s| (s.duration_ms, s.in_ms)).collect();
    if let Some(track) = new.track_mut(TT_VIDEO) {
        for (seg, (d, in_ms)) in track.segments.iter_mut().zip(lengths) {
            seg.duration_ms = d;
            seg.in_ms = in_ms;
        }
    }
    layout::relayout_shots(new);
    layout::follow_shots(new, &before);
}
