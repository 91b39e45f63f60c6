//! How long the video is: the option, then the prompt, then a natural length from the media —
//! and, whenever that differs from what was asked, a note saying so.

use crate::director::brief::{DirectorError, Options};
use crate::director::intent::Intent;
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::secs;

/// Shortest video, in ms.
pub(super) const MIN_LENGTH_MS: u64 = 1000;
/// Longest video, in ms (10 minutes).
pub(super) const MAX_LENGTH_MS: u64 = 600_000;
/// Shortest shot we will cut to, in ms.
pub(super) const MIN_SHOT_MS: u64 = 600;

/// The first cut's length in ms. Decisions go to `changes`; anything asked for that could not be
/// made as asked goes to `notes`.
pub(super) fn first_cut(
    o: &Options,
    intent: &Intent,
    visuals: &[&MediaInfo],
    changes: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<u64, DirectorError> {
    let n = visuals.len() as u64;
    Ok(
        match (o.duration_s, intent.duration_ms, intent.per_shot_ms) {
            (Some(s), _, _) => secs_option(s)?,
            (None, Some(0), _) => {
                let d = natural(visuals);
                notes.push(format!(
                "A 0-second video has nothing to show, so it is {} (about 3 s per picture); ask for 1 second to 10 minutes to set the length",
                secs(d)
            ));
                d
            }
            (None, Some(ms), _) => clamp(ms, notes),
            (None, None, Some(asked_each)) => {
                let each = asked_each.max(MIN_SHOT_MS);
                if each != asked_each {
                    notes.push(format!(
                        "{} per shot is shorter than the shortest shot, so each shot is {}",
                        secs(asked_each),
                        secs(each)
                    ));
                }
                let want = each.saturating_mul(n);
                let d = want.clamp(MIN_LENGTH_MS, MAX_LENGTH_MS);
                if d > want {
                    notes.push(format!(
                    "{} per shot × {n} shot{} is {}, shorter than the shortest video, so it is {}",
                    secs(each),
                    plural(n),
                    secs(want),
                    secs(d)
                ));
                } else if d < want {
                    notes.push(format!(
                    "{} per shot × {n} shots is {}, longer than the longest video, so it is {} (about {} per shot)",
                    secs(each),
                    secs(want),
                    secs(d),
                    secs(d / n.max(1))
                ));
                }
                changes.push(format!(
                    "Length {} ({} per shot × {n} shot{})",
                    secs(d),
                    secs(each),
                    plural(n)
                ));
                d
            }
            (None, None, None) => {
                let d = natural(visuals);
                match &intent.vague_length {
                Some(words) => notes.push(format!(
                    "\"{words}\" names no number, so the length is {} (about 3 s per picture); say e.g. \"15 seconds\" to set it",
                    secs(d)
                )),
                None => changes.push(format!(
                    "Length {} (no length was asked for; about 3 s per picture)",
                    secs(d)
                )),
            }
                d
            }
        },
    )
}

/// A length asked for in a prompt, brought into 1 s – 10 min; a note says when it had to be.
pub(super) fn clamp(asked_ms: u64, notes: &mut Vec<String>) -> u64 {
    let ms = asked_ms.clamp(MIN_LENGTH_MS, MAX_LENGTH_MS);
    if ms > asked_ms {
        notes.push(format!(
            "{} was asked for, but the shortest video is {}, so it is {}",
            secs(asked_ms),
            secs(MIN_LENGTH_MS),
            secs(ms)
        ));
    } else if ms < asked_ms {
        notes.push(format!(
            "{} was asked for, but the longest video is {} (10 minutes), so it is {}",
            secs(asked_ms),
            secs(MAX_LENGTH_MS),
            secs(ms)
        ));
    }
    ms
}

/// About 3 s per still and a clip's own length (2–8 s), 6 s to a minute in all.
fn natural(visuals: &[&MediaInfo]) -> u64 {
    let sum: u64 = visuals
        .iter()
        .map(|m| {
            if m.kind == MediaKind::Video {
                m.duration_ms.clamp(2000, 8000)
            } else {
                3000
            }
        })
        .sum();
    sum.clamp(6000, 60_000)
}

/// The `duration_s` option: an explicit setting out of range is refused, not clamped.
pub(super) fn secs_option(s: f64) -> Result<u64, DirectorError> {
    let range = MIN_LENGTH_MS as f64 / 1000.0..=MAX_LENGTH_MS as f64 / 1000.0;
    if !range.contains(&s) {
        return Err(DirectorError::BadOption {
            field: "duration_s",
            value: s.to_string(),
            accepted: "a length from 1 to 600 seconds".into(),
        });
    }
    Ok((s * 1000.0).round() as u64)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
