//! Cluster mode on NATS JetStream: front ends (`reelsmith serve --http ADDR --cluster nats://…`)
//! and render workers (`reelsmith worker --cluster nats://…`) sharing one JetStream domain.
//!
//! * [`connect`]: the connection and the JetStream resources both sides need (created when
//!   missing, with the configured replication factor).
//! * [`job`]: the render job message, its idempotency key and the job record kept in KV.
//! * [`worker`]: a pull consumer rendering one job at a time, with explicit ack, in-progress
//!   heartbeats, bounded redelivery and a dead-letter subject.
//! * [`backend`]: the front end's [`Backend`](crate::backend::Backend): sessions stay with the
//!   local store, exports become jobs, results live in the object store.
//! * [`download`]: `GET /exports/<id>`, the download link of a finished export.
//!
//! Without `--cluster` none of this runs and no NATS server is needed.

pub mod backend;
pub mod connect;
pub mod download;
pub mod job;
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

impl From<ClusterError> for crate::backend::BackendError {
    fn from(e: ClusterError) -> Self {
        crate::backend::BackendError::Unavailable(e.to_string())
    }
}
