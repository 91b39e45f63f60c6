//! Drawing and encoding video windows: each in an ffmpeg run of its own, side by side within
//! the machine's cores and memory budget, stored in the render cache when done, and — when a
//! [`Team`] draws beside this machine — only the windows this machine could claim.

use super::cache::RenderCache;
use super::graph::{self, VideoPass};
use super::segments::Window;
use super::shots::Shot;
use super::team::{KEEP_EVERY, Team};
use super::{RenderError, budget};
use crate::ffmpeg::{self, RunOptions, Tools};
use futures_util::{StreamExt, TryStreamExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often a window another machine holds is looked for in the shared tier.
const HELD_POLL: Duration = Duration::from_millis(300);
/// How long a window's ffmpeg may go without a new frame before it is stopped as stuck (a
/// frame takes well under a second even at 4K on a busy machine).
const WINDOW_STALL: Duration = Duration::from_secs(120);

/// A window still to make: its index in the render, its frames and its cache key.
#[derive(Debug, Clone)]
pub struct Todo {
    pub index: usize,
    pub window: Window,
    pub key: String,
}

/// How a window's turn ended.
#[derive(Debug)]
pub enum Turn {
    /// Drawn and encoded here, into this file.
    Drawn(usize, PathBuf),
    /// Another machine holds it (named when known) or has already made it.
    Held(Todo, Option<String>),
}

/// What drawing the windows of one render needs.
pub struct Drawer<'a> {
    pub pass: &'a VideoPass<'a>,
    pub shots: &'a [Shot],
    pub work: &'a Path,
    pub tools: &'a Tools,
    pub cache: Option<&'a RenderCache>,
    /// Others drawing the same render; claims are only made when the cache is there too (the
    /// windows travel through its shared tier).
    pub team: Option<&'a dyn Team>,
    /// This render owns the output and asks the team for help ([`Team::recruit`]).
    pub lead: bool,
    pub cancel: &'a CancellationToken,
}

impl Drawer<'_> {
    /// Windows drawn side by side, and encoder threads per window. From the frame size and
    /// the machine alone, never from how many windows a render has to make: the encoder's
    /// threads shape its output, and a window must come out the same whichever render (or
    /// machine of a team) makes it, since its cache key does not name them.
    pub fn layout(&self) -> (usize, usize) {
        let meta = &self.pass.timeline.meta;
        let per_window = budget::window_mb(meta.width, meta.height);
        let cores = cores();
        let side_by_side = parallel_windows(cores, per_window, budget::total_mb());
        (side_by_side, (cores / side_by_side).max(1))
    }

    fn team(&self) -> Option<(&dyn Team, &RenderCache)> {
        Some((self.team?, self.cache?))
    }

    /// Draw `todo` in order, as many at once as [`layout`](Self::layout) allows, each only
    /// when this machine can claim it and it is not in the shared tier yet. `on_frames(i, f)`
    /// reports window `i`'s frames done.
    pub async fn draw_claimed(
        &self,
        todo: Vec<Todo>,
        on_frames: &(dyn Fn(usize, u64) + Send + Sync),
    ) -> Result<Vec<Turn>, RenderError> {
        let (side_by_side, _) = self.layout();
        let count = todo.len();
        let turns = todo.into_iter().enumerate().map(move |(k, t)| async move {
            if let Some((team, cache)) = self.team() {
                // The lead looks for idle machines before each window while two or more are
                // left, so one that frees up mid-render still helps (asking is idempotent).
                if self.lead && count - k >= 2 {
                    team.recruit(count - k).await;
                }
                let name = cache.shared_name(&t.key, "mp4");
                if let Err(holder) = team.claim(&name).await {
                    return Ok(Turn::Held(t, Some(holder)));
                }
                // Claimed, but made already (by a machine whose claim has lapsed since).
                if cache.has_shared(&t.key, "mp4").await {
                    team.release(&name).await;
                    return Ok(Turn::Held(t, None));
                }
            }
            let out = self.draw(&t, on_frames).await?;
            Ok(Turn::Drawn(t.index, out))
        });
        // Only as many windows as run side by side ask for the budget at a time, so a
        // soundtrack pass asking meanwhile is served between two windows, not after all.
        futures_util::stream::iter(turns)
            .buffer_unordered(side_by_side)
            .try_collect()
            .await
    }

    /// A window another machine holds: taken from the shared tier once it is there, or drawn
    /// here when its claim lapses (the machine stopped). The file, and whether it was drawn
    /// here.
    pub async fn take_held(
        &self,
        t: &Todo,
        on_frames: &(dyn Fn(usize, u64) + Send + Sync),
    ) -> Result<(PathBuf, bool), RenderError> {
        let Some((team, cache)) = self.team() else {
            return Ok((self.draw(t, on_frames).await?, true));
        };
        let name = cache.shared_name(&t.key, "mp4");
        loop {
            if self.cancel.is_cancelled() {
                return Err(RenderError::Cancelled);
            }
            let file = format!("w{}", t.index);
            if let Some(p) = cache.fetch_shared(&t.key, self.work, &file, "mp4").await {
                return Ok((p, false));
            }
            if team.claim(&name).await.is_ok() {
                if let Some(p) = cache.fetch_shared(&t.key, self.work, &file, "mp4").await {
                    team.release(&name).await;
                    return Ok((p, false));
                }
                tracing::info!(window = t.index, "a window's claim lapsed; drawing it here");
                return Ok((self.draw(t, on_frames).await?, true));
            }
            tokio::select! {
                _ = tokio::time::sleep(HELD_POLL) => {}
                _ = self.cancel.cancelled() => {}
            }
        }
    }

    /// Draw and encode one window into the work folder and store it in the cache; a claim on
    /// it is kept alive meanwhile, and let go at once when drawing failed.
    async fn draw(
        &self,
        t: &Todo,
        on_frames: &(dyn Fn(usize, u64) + Send + Sync),
    ) -> Result<PathBuf, RenderError> {
        let team = self.team();
        let name = team.map(|(_, c)| c.shared_name(&t.key, "mp4"));
        let drawing = self.encode(t, on_frames);
        match (team, name.as_deref()) {
            (Some((team, _)), Some(name)) => {
                let keeping = async {
                    loop {
                        tokio::time::sleep(KEEP_EVERY).await;
                        team.keep(name).await;
                    }
                };
                let made = tokio::select! {
                    r = drawing => r,
                    never = keeping => never,
                };
                // A drawn window's claim is left to lapse: it tells a lead who drew it.
                if made.is_err() {
                    team.release(name).await;
                }
                made
            }
            _ => drawing.await,
        }
    }

    async fn encode(
        &self,
        t: &Todo,
        on_frames: &(dyn Fn(usize, u64) + Send + Sync),
    ) -> Result<PathBuf, RenderError> {
        let meta = &self.pass.timeline.meta;
        let fps = meta.fps;
        let (_, threads) = self.layout();
        // Memory first, then cores: nothing holds a core while it waits for memory.
        let _memory = budget::reserve(budget::window_mb(meta.width, meta.height)).await;
        let _slot = slots()
            .acquire_many(threads as u32)
            .await
            .map_err(|_| RenderError::Cancelled)?;
        let job = graph::window_job(self.pass, self.shots, t.window, threads)?;
        let out = self.work.join(format!("w{}.mp4", t.index));
        let frames = t.window.frames;
        let hook = |p: ffmpeg::RunProgress| {
            on_frames(
                t.index,
                ((p.out_time_s * f64::from(fps)) as u64).min(frames),
            );
        };
        let mut cmd = self.tools.ffmpeg_command();
        cmd.args(&job.args).arg(&out);
        tracing::debug!(window = t.index, args = ?job.args, "video window");
        ffmpeg::run(
            "ffmpeg",
            cmd,
            RunOptions {
                cancel: Some(self.cancel),
                on_progress: Some(&hook),
                stall: Some(WINDOW_STALL),
                ..Default::default()
            },
        )
        .await?;
        if let Some(c) = self.cache
            && let Err(e) = c.store_shared(&t.key, &out).await
        {
            // The render is fine without it; the next one renders this window again.
            tracing::warn!(error = %e, "could not store a window in the render cache");
        }
        on_frames(t.index, frames);
        Ok(out)
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Render slots shared by every render in this process, one per core (a window takes one per
/// encoder thread): renders started side by side (several formats, several sessions) queue
/// their windows instead of oversubscribing the machine's cores.
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(cores()))
}

/// How many windows render side by side: one per core, as many as the memory budget holds
/// (`per_window` MB each), at least one.
fn parallel_windows(cores: usize, per_window: u32, budget: u32) -> usize {
    let fit = (budget / per_window.max(1)) as usize;
    cores.min(fit).clamp(1, 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_side_by_side_fit_cores_and_memory() {
        assert_eq!(parallel_windows(2, 280, 360), 1);
        assert_eq!(parallel_windows(2, 950, 360), 1);
        assert_eq!(parallel_windows(2, 70, 360), 2);
        assert_eq!(parallel_windows(8, 280, 2000), 7);
        assert_eq!(parallel_windows(1, 70, 360), 1);
    }
}
