//! What can go wrong talking to NemoVideo, each with the message an agent can act on.

/// Register page for anonymous users who ran out of credits (`?bind=<user_id>` keeps their work).
pub const REGISTER_URL: &str = "https://nemovideo.com/register";

/// Why a NemoVideo call failed.
#[derive(Debug, thiserror::Error)]
pub enum NemoError {
    /// The token was refused and could not be renewed.
    #[error("NemoVideo refused the access token{0}")]
    TokenInvalid(String),
    /// The cloud session is gone (code 1002); a new one was started.
    #[error(
        "the NemoVideo session expired, so a new one was started (same session_id). It lacks {lacks}. {next}"
    )]
    SessionLost {
        /// What the new session is missing, in words.
        lacks: String,
        /// What to do next.
        next: String,
    },
    /// Out of credits (code 2001).
    #[error("out of NemoVideo credits. {0}")]
    NoCredits(String),
    /// The file type was refused (code 4001).
    #[error("{file}: NemoVideo does not accept this file type; accepted formats are {accepted}")]
    Unsupported {
        /// The file.
        file: String,
        /// The accepted list.
        accepted: String,
    },
    /// The file is too large (code 4002).
    #[error(
        "{file}: too large for NemoVideo; compress it or trim it first (e.g. `ffmpeg -i IN -t 60 -vf scale=-2:1080 -crf 26 OUT.mp4`) and upload again"
    )]
    TooLarge {
        /// The file.
        file: String,
    },
    /// HTTP 402: the plan does not allow this (not a credit shortage).
    #[error(
        "NemoVideo refused the export because of the account's plan (HTTP 402) — this is a plan restriction, not a lack of credits. Register or upgrade at {REGISTER_URL}, then export again"
    )]
    PlanRestricted,
    /// HTTP 429 twice in a row.
    #[error(
        "NemoVideo is limiting requests (HTTP 429) and still was after a {0} s wait; try again in a minute"
    )]
    RateLimited(u64),
    /// The service could not be reached.
    #[error("cannot reach NemoVideo at {url}: {reason}; check the network or NEMO_API_URL")]
    Unreachable {
        /// Base URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// Any other refusal, with the service's own words.
    #[error("NemoVideo {what} failed: {detail}")]
    Api {
        /// Which call.
        what: &'static str,
        /// Code and message from the service.
        detail: String,
    },
    /// The agent's turn ended in an error event.
    #[error(
        "the NemoVideo agent stopped with an error: {0}. Nothing was charged twice; try the request again, or rephrase it"
    )]
    Turn(String),
    /// The turn's outcome is unknown (the stream dropped and the state did not change): it may
    /// still land, so the request must not be repeated.
    #[error("{0}")]
    Unsettled(String),
    /// The render failed or never finished.
    #[error("{0}")]
    Render(String),
}
