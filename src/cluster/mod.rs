//! Cluster mode on NATS JetStream: front ends (`reelsmith serve --http ADDR --cluster nats://…`)
//! and render workers (`reelsmith worker --cluster nats://…`) sharing one JetStream domain.
//!
//! * [`connect`]: the connection and the JetStream resources both sides need (created when
//!   missing, with the configured replication factor).
//! * [`job`]: the render job message, its idempotency key and the job record kept in KV.
//! * [`worker`]: a pull consumer rendering one job at a time, with explicit ack, in-progress
//!   heartbeats, bounded redelivery and a dead-letter subject.
//! * [`advisory`]: a job whose every delivery died with its worker is failed and dead-lettered.
//! * [`sessions`]: sessions in a KV bucket every front end shares; each front end's workspace
//!   is a replica, pulled before a request and pushed (compare-and-set) after an edit.
//! * [`backend`]: the front end's [`Backend`](crate::backend::Backend): the local engine on
//!   the replica, exports become jobs, results live in the object store.
//! * [`registry`]: workers report their load and jobs into a bucket whose entries expire.
//! * [`inspect`]: what `reelsmith doctor --cluster` checks and shows.
//! * [`limits`]: a tenant's renders at once and storage, counted across front ends.
//! * [`shared_renders`]: the render cache's shared tier, so a re-export reuses the windows
//!   another worker encoded.
//! * [`team`]: idle workers help draw a long export's windows, each claimed in a bucket.
//! * [`download`]: `GET /exports/<id>`, the download link of a finished export.
//!
//! Without `--cluster` none of this runs and no NATS server is needed.

pub mod advisory;
pub mod backend;
pub mod connect;
pub mod download;
mod help;
pub mod inspect;
pub mod job;
pub mod limits;
pub mod registry;
pub mod sessions;
pub mod shared_renders;
pub mod team;
pub mod worker;

pub use connect::{Cluster, ClusterOptions};

/// Why a cluster operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The NATS servers could not be reached.
    #[error("cannot connect to the NATS cluster at {url}: {detail}")]
    Connect {
        /// The URL(s) given.
        url: String,
        /// What the client said.
        detail: String,
    },
    /// A JetStream request failed.
    #[error("JetStream {what} failed: {detail}")]
    JetStream {
        /// What was being done ("create the jobs stream").
        what: &'static str,
        /// What the server or client said.
        detail: String,
    },
    /// A local file could not be read or written.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl ClusterError {
    /// A JetStream failure of `what`.
    pub(crate) fn js(what: &'static str, e: impl std::fmt::Display) -> ClusterError {
        ClusterError::JetStream {
            what,
            detail: e.to_string(),
        }
    }
}

/// Run `op` again (up to about `tries` seconds) while it fails with a timeout: what requests
/// get while a node is lost and the cluster elects new leaders. Other errors return at once.
pub(crate) async fn patiently<T, E, F, Fut>(tries: u32, mut op: F) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut n = 0;
    loop {
        n += 1;
        match op().await {
            Err(e) if n < tries && e.to_string().contains("timed out") => {
                tracing::info!(error = %e, "cluster request timed out; trying again");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            r => return r,
        }
    }
}

impl From<ClusterError> for crate::backend::BackendError {
    fn from(e: ClusterError) -> Self {
        crate::backend::BackendError::Unavailable(e.to_string())
    }
}
