//! Offline voice-over: which voices are installed, speaking a script with one of them, and the
//! start/end time of every script word in the speech (for captions that follow the voice).
//!
//! The engines (Piper, a FastSpeech2 Mandarin voice, espeak-ng) and the PocketSphinx aligner run
//! as separate processes from a Python venv that `scripts/setup` installs ([`VoiceDir`]): Piper is
//! GPL and must never be linked, and no engine may download anything at run time. One small
//! Python helper (embedded in the binary) drives them and answers in JSON.

mod align;
mod discover;
mod error;
mod helper;
mod paths;
mod synth;
mod words;

pub use align::align;
pub use discover::{Aligner, Engine, Inventory, Voice};
pub use error::VoiceError;
pub use paths::VoiceDir;
pub use synth::{Narration, Pace, synthesize};
pub use words::{Timing, WordTiming, script_words};

/// True for CJK ideographs and kana, which are words of their own.
pub fn is_cjk_char(c: char) -> bool {
    words::is_cjk(c)
}
