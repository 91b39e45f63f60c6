//! The director: what a person asked for → a complete timeline with good defaults.
//!
//! It works through a [`Recipe`]: the handful of decisions that define an edit (which shots in
//! which order, length, frame shape, transition, music, title, captions, end card). A first prompt
//! becomes a recipe; an edit prompt turns the current timeline back into its recipe, changes it and
//! builds again. Building is deterministic and gives segments stable ids, so edits keep ids.

mod brief;
pub mod format;
pub mod intent;
mod pace;
mod recipe;
mod script;

pub use brief::{Brief, DirectorError, Options, parse_transition};
pub use format::{Aspect, Resolution, frame_size};
pub(crate) use intent::normalise;
pub use intent::{
    Edit, Exact, Intent, Reading, ShotRef, ShotWord, TextWhich, parse_edits, parse_intent,
    read_prompt,
};
pub use recipe::{Music, Recipe};
pub use script::split_sentences;

use crate::media::{MediaInfo, MediaKind};
use crate::timeline::Timeline;

/// The result of planning or editing: the timeline, what was decided or changed, and where the
/// director made something other than what was asked.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The new timeline (revision not yet bumped; the store does that).
    pub timeline: Timeline,
    /// One line per decision or change, for the person.
    pub changes: Vec<String>,
    /// One line per adjustment: a value changed from what was asked (a length clamped, a shot
    /// lengthened, a picture enlarged), so nothing is adjusted silently.
    pub notes: Vec<String>,
}

/// Make a first cut from a brief.
pub fn plan(brief: &Brief) -> Result<Outcome, DirectorError> {
    let visuals: Vec<&MediaInfo> = brief
        .media
        .iter()
        .filter(|m| m.kind != MediaKind::Audio)
        .collect();
    if visuals.is_empty() {
        return Err(DirectorError::NoVisuals);
    }
    let intent = parse_intent(brief.prompt)?;
    let mut notes = Vec::new();
    let (recipe, changes) = Recipe::from_brief(brief, &intent, &mut notes)?;
    let timeline = recipe.build(brief.media, &mut notes)?;
    Ok(Outcome {
        timeline,
        changes,
        notes,
    })
}

/// Apply an edit prompt of whole-video changes (the recipe's vocabulary), options and newly
/// added media. Clauses about one part of the video are for the edit layer's exact ops
/// (`edit::prompt`); here they are refused, never guessed at.
pub fn edit(
    current: &Timeline,
    prompt: &str,
    options: &Options,
    media: &[MediaInfo],
    added: &[MediaInfo],
) -> Result<Outcome, DirectorError> {
    let mut edits = Vec::new();
    for (clause, reading) in intent::read_prompt(prompt)? {
        match reading {
            intent::Reading::Recipe(e) => edits.extend(e),
            intent::Reading::Filler => {}
            _ => {
                return Err(DirectorError::NotUnderstood(format!(
                    "\"{clause}\" is about one part of the video; send it as an exact edit"
                )));
            }
        }
    }
    edit_with(current, &edits, options, media, added)?
        .ok_or_else(|| DirectorError::NoEdit(prompt.trim().chars().take(200).collect()))
}

/// Apply whole-video edits (read from a prompt's clauses), options and newly added media to an
/// existing timeline; None when together they change nothing.
pub fn edit_with(
    current: &Timeline,
    edits: &[Edit],
    options: &Options,
    media: &[MediaInfo],
    added: &[MediaInfo],
) -> Result<Option<Outcome>, DirectorError> {
    let mut recipe = Recipe::from_timeline(current, media);
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for m in added.iter() {
        match m.kind {
            MediaKind::Audio => {
                recipe.music = Some(Music::Track {
                    media_id: m.id.clone(),
                });
                changes.push(format!("Music is now {}", m.file_name));
            }
            _ if !recipe.shots.contains(&m.id) => {
                recipe.shots.push(m.id.clone());
                changes.push(format!(
                    "Added {} as shot {}",
                    m.file_name,
                    recipe.shots.len()
                ));
            }
            _ => {}
        }
    }
    for e in edits {
        changes.push(recipe.apply(e, media, &mut notes)?);
    }
    changes.extend(recipe.apply_options(options, &mut notes)?);
    if changes.is_empty() {
        return Ok(None);
    }
    let timeline = recipe.build(media, &mut notes)?;
    Ok(Some(Outcome {
        timeline,
        changes,
        notes,
    }))
}

#[cfg(test)]
mod tests;
