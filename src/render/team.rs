//! Several machines drawing one render's video windows at once (a cluster's workers).
//!
//! The render that owns the export (the lead) asks for help once it knows which windows it has
//! to draw; a helper prepares the same render and draws windows from the other end. Each
//! window is claimed before it is drawn, so no two machines draw the same one, and a drawn
//! window reaches the lead through the render cache's shared tier
//! ([`super::cache::SharedTier`]). A claim whose machine stops keeping it lapses, and the
//! lead draws that window itself.

use std::time::Duration;

/// How often a window being drawn has its claim kept alive (well within the claim's lapse).
pub const KEEP_EVERY: Duration = Duration::from_secs(4);

/// Others drawing this render's windows beside it. Names are the render cache's shared
/// names of the windows (scoped, so tenants never share a claim).
#[async_trait::async_trait]
pub trait Team: Send + Sync {
    /// The lead has `windows` windows left to draw: ask whoever is free to help. Asked again
    /// before each window, so asking a machine that was already asked must do nothing.
    async fn recruit(&self, windows: usize);
    /// Claim the window `name` for this machine: `Ok` when it should draw it, `Err` with the
    /// name of the machine that holds it.
    async fn claim(&self, name: &str) -> Result<(), String>;
    /// Still drawing `name` (called every [`KEEP_EVERY`] while it is drawn).
    async fn keep(&self, name: &str);
    /// Let go of `name` without having drawn it (drawing failed, or it was found made), so
    /// another can claim it at once. The claim on a drawn window is not let go but left to
    /// lapse: meanwhile it tells the lead who drew the window, which is in the shared tier.
    async fn release(&self, name: &str);
}
