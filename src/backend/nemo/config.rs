//! Where the service is and how long to wait for it: every timing has a default from the
//! contract and an environment override, so tests can shorten them.

use std::time::Duration;

/// Default service address.
pub const DEFAULT_API_URL: &str = "https://mega-api-prod.nemovideo.ai";

pub(super) fn env_ms(name: &str, default_ms: u64) -> Duration {
    Duration::from_millis(
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default_ms),
    )
}

/// Wait before retrying after HTTP 429 (`NEMO_RETRY_WAIT_MS`, default 30 s).
pub(super) fn retry_wait() -> Duration {
    env_ms("NEMO_RETRY_WAIT_MS", RETRY_WAIT.as_millis() as u64)
}

/// Timings, all overridable from the environment (tests shorten them).
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Render poll interval (`NEMO_RENDER_POLL_MS`, default 30 s).
    pub render_poll: Duration,
    /// Give up on a render after this long (`NEMO_RENDER_TIMEOUT_MS`, default 20 min).
    pub render_timeout: Duration,
    /// After a dropped stream: wait, then re-read state this often (`NEMO_RECOVERY_POLL_MS`,
    /// default 30 s) …
    pub recovery_poll: Duration,
    /// … this many times before giving up (the contract's 5 unchanged reads).
    pub recovery_tries: u32,
    /// How long `cancel` waits for a job to stop before answering that it is stopping
    /// (`NEMO_CANCEL_WAIT_MS`, default 15 s).
    pub cancel_wait: Duration,
    /// Chat turn limits (15 min total, 10 min of keep-alives only, "still working" every 20 s
    /// of silence; `NEMO_HEARTBEAT_MS` overrides the last).
    pub turn: Limits,
}

impl Timings {
    /// From the environment.
    pub fn from_env() -> Timings {
        Timings {
            render_poll: env_ms("NEMO_RENDER_POLL_MS", 30_000),
            render_timeout: env_ms("NEMO_RENDER_TIMEOUT_MS", 20 * 60_000),
            recovery_poll: env_ms("NEMO_RECOVERY_POLL_MS", 30_000),
            recovery_tries: 5,
            cancel_wait: env_ms("NEMO_CANCEL_WAIT_MS", 15_000),
            turn: Limits {
                total: env_ms("NEMO_TURN_TIMEOUT_MS", 900_000),
                idle: env_ms("NEMO_TURN_IDLE_MS", 600_000),
                heartbeat: env_ms("NEMO_HEARTBEAT_MS", 20_000),
            },
        }
    }
}

/// How long to wait before retrying after HTTP 429, as the service's skills do.
pub const RETRY_WAIT: Duration = Duration::from_secs(30);

/// Limits of one turn.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Hard cap on the whole turn (the contract's 15 minutes).
    pub total: Duration,
    /// Give up after this long with nothing but keep-alives.
    pub idle: Duration,
    /// Report "still working" after this long without any event.
    pub heartbeat: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            total: Duration::from_secs(900),
            idle: Duration::from_secs(600),
            heartbeat: Duration::from_secs(20),
        }
    }
}
