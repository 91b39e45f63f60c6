//! The beat grid of a supplied music track, found when cuts are to follow its beat (see
//! [`crate::edit::beat_sync`]). Detection takes a second or so per track, so grids are kept per
//! media id (ids name content, so a grid never goes stale) for the life of the process.

use super::LocalBackend;
use crate::beats::{self, BeatGrid};
use crate::edit::beat_sync;
use crate::media::MediaInfo;
use crate::timeline::Timeline;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

impl LocalBackend {
    /// The grid of `tl`'s supplied music when its cuts should snap to the beat; empty otherwise
    /// (generated music's grid is known without this). A track without a beat gets no grid, and
    /// the snapping says so.
    pub(super) async fn beat_grids(
        &self,
        media: &[MediaInfo],
        tl: &Timeline,
    ) -> Vec<(String, BeatGrid)> {
        static GRIDS: OnceLock<Mutex<HashMap<String, BeatGrid>>> = OnceLock::new();
        let grids = GRIDS.get_or_init(Default::default);
        let Some(id) = tl.music().first().and_then(|m| m.media_id.clone()) else {
            return Vec::new();
        };
        if !beat_sync::wanted(tl) {
            return Vec::new();
        }
        if let Some(g) = grids.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return vec![(id, g.clone())];
        }
        let (Some(m), Ok(tools)) = (media.iter().find(|m| m.id == id), self.tools()) else {
            return Vec::new();
        };
        match beats::detect(&m.path, tools).await {
            Ok(g) => {
                grids
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id.clone(), g.clone());
                vec![(id, g)]
            }
            Err(e) => {
                tracing::info!(error = %e, media = %id, "no beat grid for the music");
                Vec::new()
            }
        }
    }
}
