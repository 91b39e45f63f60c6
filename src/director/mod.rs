//! The director: what a person asked for → a complete timeline with good defaults.
//!
//! It works through a [`Recipe`]: the handful of decisions that define an edit (which shots in
//! which order, length, frame shape, transition, music, title, captions, end card). A first prompt
//! becomes a recipe; an edit prompt turns the current timeline back into its recipe, changes it and
//! builds again. Building is deterministic and gives segments stable ids, so edits keep ids.

pub mod intent;
mod pace;
mod recipe;
mod script;

pub use intent::{
    Aspect, Edit, Intent, Resolution, Route, ShotRef, parse_edits, parse_intent, route,
};
pub use recipe::{Music, Recipe};
pub use script::split_sentences;

use crate::media::{MediaInfo, MediaKind};
use crate::timeline::Timeline;
use serde::{Deserialize, Serialize};

/// Structured options; each one set here overrides what the prompt says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Target length in seconds.
    pub duration_s: Option<f64>,
    /// Frame shape: "16:9", "9:16", "1:1", "4:5", or "landscape" / "portrait" / "square".
    pub aspect: Option<String>,
    /// "720p", "1080p" or "4k".
    pub resolution: Option<String>,
    /// Transition name (an ffmpeg xfade name such as "fade", "slideleft", "wipeup"), or "none" for cuts.
    pub transition: Option<String>,
    /// Title text; an empty string means no title.
    pub title: Option<String>,
    /// true for music (generated when none is supplied), false for none.
    pub music: Option<bool>,
    /// Show the script as captions.
    pub captions: Option<bool>,
}

/// Everything the director reads for a first cut.
pub struct Brief<'a> {
    /// What the person said.
    pub prompt: &'a str,
    /// Their script (voice-over text / on-screen lines), if any.
    pub script: Option<&'a str>,
    /// Media in the order given.
    pub media: &'a [MediaInfo],
    /// Structured overrides.
    pub options: &'a Options,
}

/// Why the director could not make or change a timeline.
#[derive(Debug, thiserror::Error)]
pub enum DirectorError {
    /// Nothing to show.
    #[error(
        "there are no images or clips to make a video from; upload 1–20 images or clips (jpg png gif webp / mp4 mov avi webm mkv) first"
    )]
    NoVisuals,
    /// An option had a value we do not accept.
    #[error("{field}: '{value}' is not accepted; use {accepted}")]
    BadOption {
        /// The option's name.
        field: &'static str,
        /// What was given.
        value: String,
        /// What would be accepted.
        accepted: String,
    },
    /// The request cannot fit (e.g. too many shots for the length).
    #[error("{0}")]
    Impossible(String),
    /// An edit prompt said nothing the director understands.
    #[error(
        "no change recognised in \"{0}\"; try e.g. \"make it 15 seconds\", \"change the title to …\", \"use slide transitions\", \"remove the music\", \"make it vertical\", \"move the last photo first\""
    )]
    NoEdit(String),
}

/// The result of planning or editing: the timeline and what was decided or changed, in words.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The new timeline (revision not yet bumped; the store does that).
    pub timeline: Timeline,
    /// One line per decision or change, for the person.
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
    let intent = parse_intent(brief.prompt);
    let (recipe, notes) = Recipe::from_brief(brief, &intent)?;
    let timeline = recipe.build(brief.media)?;
    Ok(Outcome { timeline, notes })
}

/// Apply an edit prompt (and options, and any newly added media) to an existing timeline.
pub fn edit(
    current: &Timeline,
    prompt: &str,
    options: &Options,
    media: &[MediaInfo],
    added: &[MediaInfo],
) -> Result<Outcome, DirectorError> {
    let mut recipe = Recipe::from_timeline(current, media);
    let mut notes = Vec::new();
    for m in added.iter() {
        match m.kind {
            MediaKind::Audio => {
                recipe.music = Some(Music::Track {
                    media_id: m.id.clone(),
                });
                notes.push(format!("Music is now {}", m.file_name));
            }
            _ if !recipe.shots.contains(&m.id) => {
                recipe.shots.push(m.id.clone());
                notes.push(format!(
                    "Added {} as shot {}",
                    m.file_name,
                    recipe.shots.len()
                ));
            }
            _ => {}
        }
    }
    let edits = parse_edits(prompt);
    for e in &edits {
        notes.push(recipe.apply(e, media)?);
    }
    notes.extend(recipe.apply_options(options)?);
    if notes.is_empty() {
        return Err(DirectorError::NoEdit(
            prompt.trim().chars().take(200).collect(),
        ));
    }
    let timeline = recipe.build(media)?;
    Ok(Outcome { timeline, notes })
}
