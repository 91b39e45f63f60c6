//! What an edit prompt's clause about one part of the video asks for, as data: the reader
//! (`exact`) produces it, the edit layer turns it into ops.

use super::edits::ShotRef;
use crate::timeline::style::Place;
use crate::timeline::{Motion, TextRole};

/// A shot as a prompt names it.
#[derive(Debug, Clone, PartialEq)]
pub enum ShotWord {
    /// By place: first, last, n-th.
    At(ShotRef),
    /// By its file ("chelsea.png", "the rocket shot").
    File(String),
}

/// Which text a style clause is about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextWhich {
    /// One role ("the captions", "the title").
    Role(TextRole),
    /// Every text ("the text", "文字").
    All,
}

/// One exact request read from a clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Exact {
    /// One shot's length.
    ShotLength {
        /// The shot.
        shot: ShotWord,
        /// Seconds on screen.
        seconds: f64,
    },
    /// One shot's Ken Burns move.
    ShotMotion {
        /// The shot.
        shot: ShotWord,
        /// The move.
        motion: Motion,
    },
    /// Move a shot named by file (moves by place go through the recipe).
    MoveShot {
        /// The shot moved.
        shot: ShotWord,
        /// Where it goes.
        to: ShotRef,
    },
    /// Remove a shot named by file.
    RemoveShot(ShotWord),
    /// Exchange two shots.
    SwapShots(ShotWord, ShotWord),
    /// Words shown on one shot.
    TextOnShot {
        /// The words.
        text: String,
        /// The shot.
        shot: ShotWord,
    },
    /// How long a text role (title, end card) stays on screen.
    TextLength {
        /// The role.
        role: TextRole,
        /// Seconds.
        seconds: f64,
    },
    /// A short label in a corner for the whole video.
    Badge {
        /// The words.
        text: String,
        /// Where.
        place: Place,
    },
    /// Text one size step bigger or smaller.
    TextSize {
        /// Which text.
        which: TextWhich,
        /// Bigger (true) or smaller.
        bigger: bool,
    },
    /// Text colour.
    TextColor {
        /// Which text.
        which: TextWhich,
        /// A colour name the renderer knows.
        color: String,
    },
    /// Where text sits.
    TextPlace {
        /// Which text.
        which: TextWhich,
        /// Where.
        place: Place,
    },
    /// Bold or regular text.
    TextWeight {
        /// Which text.
        which: TextWhich,
        /// Bold (true) or regular.
        bold: bool,
    },
    /// Remove the end card.
    RemoveEndCard,
    /// Voice-over, caption style or beat sync (set_voiceover, set_captions, set_beat_sync).
    Narration(super::narration::NarrationAsk),
    /// Undo the last change.
    Undo,
    /// Redo.
    Redo,
    /// Make a saved revision current again.
    Revert(u64),
}

/// What a clause asks for that reelsmith cannot do yet, with what to do instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal(pub String);
