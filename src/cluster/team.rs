//! Workers drawing one export's windows together ([`crate::render::team`]).
//!
//! The worker that takes an export asks idle workers for help with a message on
//! [`HELP_SUBJECT`] (the job itself, in the same work queue); each window is claimed by a KV
//! create in [`CLAIMS_BUCKET`], whose entries lapse after [`CLAIM_TTL`] unless the claimant
//! keeps them, so a window whose worker died is drawn by the lead instead. Drawn windows
//! travel through the shared renders bucket ([`super::shared_renders`]).

use super::job::RenderJob;
use super::registry;
use crate::render::team::Team;
use async_nats::HeaderMap;
use async_nats::jetstream::{self, kv};
use std::time::Duration;

/// The subject help requests are published on (in the jobs stream).
pub const HELP_SUBJECT: &str = "reelsmith.jobs.help";
/// The KV bucket of window claims: key the window's shared name, value the worker's name.
pub const CLAIMS_BUCKET: &str = "reelsmith-claims";
/// How long a claim lasts unless it is kept (a window's claim is kept every few seconds
/// while it is drawn).
pub const CLAIM_TTL: Duration = Duration::from_secs(20);

/// One job's team, seen from one of its workers (the lead or a helper).
pub struct WorkerTeam<'a> {
    /// The cluster's JetStream context (help requests, the registry).
    pub js: jetstream::Context,
    /// The claims bucket.
    pub claims: kv::Store,
    /// This worker's name, the value of its claims.
    pub me: &'a str,
    /// The job drawn together.
    pub job: &'a RenderJob,
    /// The lead's delivery of the job, so a redelivered job asks for help anew.
    pub attempt: i64,
}

impl WorkerTeam<'_> {
    /// Claim keys must be plain tokens; shared names are hex with an extension.
    fn key(name: &str) -> String {
        name.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
            "_",
        )
    }

    /// Workers in the registry other than this one with no job right now, by name.
    async fn idle_others(&self) -> Vec<String> {
        match registry::workers(&self.js).await {
            Ok(ws) => ws
                .into_iter()
                .filter(|w| w.name != self.me && w.jobs.is_empty())
                .map(|w| w.name)
                .collect(),
            Err(e) => {
                tracing::info!(error = %e, "cannot read the worker registry; rendering alone");
                Vec::new()
            }
        }
    }
}

#[async_trait::async_trait]
impl Team for WorkerTeam<'_> {
    async fn recruit(&self, windows: usize) {
        // One request per idle worker, leaving the lead at least one window of its own; none
        // when nobody is idle (a request queued behind other jobs would only come late). Each
        // request's id names the idle worker it was made for, so asking again before the next
        // window publishes nothing new (the stream drops duplicates) unless another worker
        // has become idle; any idle worker may take it.
        let mut idle = self.idle_others().await;
        idle.truncate(windows.saturating_sub(1));
        if idle.is_empty() {
            return;
        }
        let Ok(body) = serde_json::to_vec(self.job) else {
            return;
        };
        for name in &idle {
            let mut headers = HeaderMap::new();
            let id = format!("{}.help.{}.{name}", self.job.job_id, self.attempt);
            headers.insert("Nats-Msg-Id", id.as_str());
            let sent = self
                .js
                .publish_with_headers(HELP_SUBJECT, headers, body.clone().into())
                .await;
            match sent {
                Ok(ack) => match ack.await {
                    Ok(a) if !a.duplicate => {
                        tracing::info!(job = %self.job.job_id, idle = %name, windows, "asked an idle worker for help");
                    }
                    _ => {}
                },
                Err(e) => {
                    tracing::info!(error = %e, "cannot ask for help; rendering alone");
                    return;
                }
            }
        }
    }

    async fn claim(&self, name: &str) -> Result<(), String> {
        let key = Self::key(name);
        match self.claims.create(&key, self.me.to_string().into()).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                let holder = match self.claims.get(&key).await {
                    Ok(Some(v)) => String::from_utf8_lossy(&v).into_owned(),
                    _ => "another worker".into(),
                };
                Err(holder)
            }
            Err(e) => {
                // The claims cannot be read: draw it here rather than wait on nobody (at worst
                // a window is drawn twice, with the same bytes).
                tracing::info!(error = %e, "cannot claim a window; drawing it here");
                Ok(())
            }
        }
    }

    async fn keep(&self, name: &str) {
        let _ = self
            .claims
            .put(Self::key(name), self.me.to_string().into())
            .await;
    }

    async fn release(&self, name: &str) {
        let _ = self.claims.delete(Self::key(name)).await;
    }
}
