//! Exact edits: typed operations on the stable ids of a timeline's shots, texts, overlays and
//! music, applied in order, all or nothing.
//!
//! This is what an agent uses when it knows exactly what it wants ("make shot 2 five seconds",
//! "put the SALE badge top right"); prompts are for first cuts and moods. Undo, redo and revert
//! are ops too, but they move through the stored history, so the backend applies them.

mod apply;
pub mod beat_sync;
mod captions;
mod carry;
mod common;
mod diff;
mod layout;
mod music;
pub mod narration;
mod ops;
mod overlays;
pub mod prompt;
mod shots;
mod text;
mod video;

pub use apply::{Applied, apply, settle};
pub use carry::carry_over;
pub use common::{EditError, Library, MAX_VIDEO_MS, MIN_SHOT_MS, seconds};
pub use diff::diff;
pub use ops::{EditOp, RoleArg, ShotRef, TransitionSpec};
pub use shots::resolve_shot;

#[cfg(test)]
mod tests;
