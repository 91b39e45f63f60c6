//! A worker helping another draw an export's windows ([`super::team`]): on a help request it
//! prepares the same render and draws the windows it can claim, then goes back to the queue.

use super::job::RenderJob;
use super::registry::{Beacon, Outcome};
use super::worker::Worker;
use crate::backend::JobState;
use crate::backend::local::for_quality;
use crate::render::{self, RenderRequest};
use async_nats::jetstream::Message;
use tokio_util::sync::CancellationToken;

impl Worker {
    /// Handle a help request. It is acknowledged at once: a helper that dies only leaves
    /// claims that lapse, and the lead draws those windows itself.
    pub(super) async fn help(&self, msg: Message, beacon: &Beacon) {
        let _ = msg.ack().await;
        let Ok(job) = serde_json::from_slice::<RenderJob>(&msg.payload) else {
            tracing::warn!("a help request cannot be read; ignored");
            return;
        };
        let (Some(cache), (Some(rec), _)) = (self.cache.as_ref(), self.current(&job.job_id).await)
        else {
            return;
        };
        // Only while the lead is still at it.
        if rec.state != JobState::Running || rec.worker.as_deref() == Some(self.name.as_str()) {
            return;
        }
        let busy = format!("{}.help", job.job_id);
        beacon.begin(&busy);
        let cancel = CancellationToken::new();
        let listener = self.listen_for_cancel(&job.job_id, cancel.clone()).await;
        let drawn = self.draw_for(&job, cache, &cancel).await;
        // The lead answers a cancel; a helper only stops.
        let _ = listener.stop();
        beacon.end(&busy, Outcome::Skipped);
        match drawn {
            Ok(n) => tracing::info!(job = %job.job_id, worker = %self.name, windows = n, "helped"),
            Err(e) => {
                tracing::info!(job = %job.job_id, worker = %self.name, error = %e, "helping stopped; the lead draws the rest")
            }
        }
    }

    async fn draw_for(
        &self,
        job: &RenderJob,
        cache: &render::cache::RenderCache,
        cancel: &CancellationToken,
    ) -> Result<usize, String> {
        let (dir, media) = self.scratch_with_media(job, "helper", cancel).await?;
        let (tl, encode) = for_quality(job.timeline.clone(), job.draft);
        let cache = cache.scoped(&job.tenant);
        let team = self.team(job, 0);
        let output = dir.path().join("unused.mp4");
        render::help(
            &RenderRequest {
                timeline: &tl,
                media: &media,
                output: &output,
                overwrite: true,
                scratch: dir.path(),
                encode,
                cache: Some(&cache),
                one_window: false,
                team: Some(&team),
            },
            &self.tools,
            cancel,
        )
        .await
        .map_err(|e| e.to_string())
    }
}
