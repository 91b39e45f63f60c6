//! A memory budget for the ffmpeg runs of every render in this process, and what each run is
//! expected to hold.
//!
//! A 1080p window's encode holds ~330 MB (x264's lookahead and reference frames, the filter
//! graph's pictures), so windows, soundtrack passes, several formats and several sessions
//! rendering at once would add up to gigabytes. Each run reserves its estimate first and waits
//! while the budget is spent; a run bigger than the whole budget runs alone.

use tokio::sync::{Semaphore, SemaphorePermit};

/// Environment variable setting the budget in MB.
pub const BUDGET_ENV: &str = "REELSMITH_RENDER_MB";
/// The default budget: one 1080p window at a time (soundtrack passes between windows), so a
/// whole 1080p render (reelsmith included) stays under 400 MB.
pub const DEFAULT_MB: u32 = 360;
/// The soundtrack's mix-and-measure pass (measured ~60 MB with one music file).
pub const SOUND_MIX_MB: u32 = 70;
/// The soundtrack's normalise-and-encode pass.
pub const SOUND_ENCODE_MB: u32 = 60;

/// The budget in MB: [`BUDGET_ENV`] when set to a number, else [`DEFAULT_MB`].
pub fn total_mb() -> u32 {
    static MB: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MB.get_or_init(|| {
        std::env::var(BUDGET_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(DEFAULT_MB)
            .max(64)
    })
}

/// Reserve `mb` of the budget (all of it when `mb` is more), waiting while it is spent. Waiters
/// are served in order, so a big run is not starved by small ones.
pub async fn reserve(mb: u32) -> SemaphorePermit<'static> {
    static POOL: std::sync::OnceLock<Semaphore> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| Semaphore::new(total_mb() as usize));
    match pool.acquire_many(mb.clamp(1, total_mb())).await {
        Ok(p) => p,
        Err(_) => unreachable!("the budget semaphore is never closed"),
    }
}

/// Estimated peak memory (MB) of the ffmpeg run that draws and encodes a `w`×`h` window: the
/// process itself, then per pixel what x264 holds (about twenty frames with their
/// half-resolution copies; more up to 1080p, where it encodes whole frames side by side — see
/// [`super::graph`]) and the graph (each still's canvas and a few frames). Measured: 1080p
/// 285–385 MB, 4K ~950 MB.
pub fn window_mb(w: u32, h: u32) -> u32 {
    let px = u64::from(w) * u64::from(h);
    let per_px = if px <= 1920 * 1080 { 150 } else { 110 };
    (50 + px * per_px / 1_000_000).min(u64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_estimates_follow_the_frame_size() {
        assert!((340..=380).contains(&window_mb(1920, 1080)));
        assert!((900..=1000).contains(&window_mb(3840, 2160)));
        assert!(window_mb(640, 360) < 100);
    }
}
