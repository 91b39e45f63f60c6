//! What the director is given (a [`Brief`] with its [`Options`]) and how it says no
//! ([`DirectorError`]). Kept apart from the director's entry points so the recipe can use them
//! without importing upward.

use crate::media::MediaInfo;
use crate::timeline::{Aspect, Resolution, TransitionChoice, TransitionKind};
use serde::{Deserialize, Deserializer, Serialize};

/// Structured options; each one set here overrides what the prompt says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Target length in seconds.
    pub duration_s: Option<f64>,
    /// Frame shape ("landscape", "portrait", "square" are read too).
    pub aspect: Option<Aspect>,
    /// Output resolution.
    pub resolution: Option<Resolution>,
    /// Transition between shots: an xfade name or a word for one ("crossfade", "slide"), or
    /// "none" for cuts.
    #[serde(default, deserialize_with = "transition_option")]
    pub transition: Option<TransitionChoice>,
    /// Title text; an empty string means no title.
    pub title: Option<String>,
    /// true for music (generated when none is supplied), false for none.
    pub music: Option<bool>,
    /// Show the script as captions.
    pub captions: Option<bool>,
}

/// Read a transition option the way the prompt reader would: "none"/"cut", an xfade name, or a
/// word for one ("crossfade", "slide", "dip to black", "iris"). Refused with the accepted names.
pub fn parse_transition(t: &str) -> Result<TransitionChoice, String> {
    if let Some(c) = TransitionChoice::parse(t) {
        return Ok(c);
    }
    let said = t.trim().to_lowercase();
    crate::director::intent::parse_intent(&format!("{said} transition"))
        .ok()
        .and_then(|i| i.transition)
        .ok_or_else(|| {
            format!(
                "'{said}' is not a transition; use none (hard cuts) or one of {}",
                TransitionKind::names()
            )
        })
}

/// The transition a choice makes between shots (None for cuts). A name the renderer cannot
/// draw is refused here, so it never reaches a timeline the director builds.
pub(super) fn transition_of(c: &TransitionChoice) -> Result<Option<TransitionKind>, DirectorError> {
    match c.kind() {
        Some(TransitionKind::Other(name)) => Err(bad_transition(name.clone())),
        k => Ok(k.cloned()),
    }
}

fn bad_transition(value: String) -> DirectorError {
    DirectorError::BadOption {
        field: "transition",
        value,
        accepted: format!("none, or one of {}", TransitionKind::names()),
    }
}

/// `Options.transition`, read with [`parse_transition`].
fn transition_option<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<TransitionChoice>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|t| parse_transition(&t).map_err(serde::de::Error::custom))
        .transpose()
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
    /// No clause of an edit prompt could be done; each is listed with what to send instead.
    #[error("nothing was changed: {0}")]
    NotUnderstood(String),
    /// A number in the prompt is written as one but cannot be read ("1e309 seconds").
    #[error(transparent)]
    Unreadable(#[from] crate::director::intent::Unreadable),
}
