//! What can go wrong making or timing a voice-over, said so the caller can tell the user the fix.

use std::path::PathBuf;

/// Why a voice could not speak or a narration could not be timed.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// No voice (or no aligner) is installed for what was asked.
    #[error("{what} is not installed; run scripts/setup (it installs the offline voices under {})", dir.display())]
    NotInstalled {
        /// What is missing, e.g. "an English voice".
        what: String,
        /// Where setup puts the voices.
        dir: PathBuf,
    },
    /// The script has no word to speak.
    #[error("the script has no words to speak")]
    EmptyScript,
    /// The input cannot be used as asked (e.g. the script is not heard in the recording).
    #[error("{0}")]
    Refused(String),
    /// The helper or engine failed.
    #[error("the voice engine failed: {0}")]
    Engine(String),
    /// ffmpeg (resampling for the aligner) failed.
    #[error(transparent)]
    Ffmpeg(#[from] crate::ffmpeg::FfmpegError),
    /// A file could not be written or read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
