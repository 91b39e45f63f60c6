//! The render cache's shared tier in a cluster: the video windows workers encode, kept in an
//! object store bucket, so a re-export after an edit reuses every window the edit left alone
//! whichever worker takes it (each worker's own cache folder only knows its own renders).
//!
//! Entries expire after [`RENDERS_MAX_AGE`]; names are the render cache's keys, which already
//! keep tenants apart. The object store checks each object against its SHA-256 digest as it is
//! read, so a damaged entry is a miss, never a wrong frame.

use crate::render::cache::SharedTier;
use async_nats::jetstream::object_store::ObjectStore;
use std::path::Path;
use std::time::Duration;

/// The object store bucket of shared render pieces.
pub const RENDERS_BUCKET: &str = "reelsmith-renders";
/// How long a piece is kept after it was made.
pub const RENDERS_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// [`SharedTier`] over the cluster's renders bucket.
#[derive(Clone)]
pub struct SharedRenders {
    store: ObjectStore,
}

impl SharedRenders {
    /// The tier over `store` (the cluster's [`RENDERS_BUCKET`]).
    pub fn new(store: ObjectStore) -> SharedRenders {
        SharedRenders { store }
    }

    fn object(name: &str) -> String {
        format!("windows/{name}")
    }
}

impl std::fmt::Debug for SharedRenders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedRenders")
    }
}

#[async_trait::async_trait]
impl SharedTier for SharedRenders {
    async fn get(&self, name: &str, into: &Path) -> bool {
        let (store, object, into) = (self.store.clone(), Self::object(name), into.to_path_buf());
        // In a task of its own: the client's object reader panics when the cluster times out
        // mid-read (async-nats 0.50 unwraps there); that is a miss like any other.
        let read = tokio::spawn(async move {
            let mut obj = store.get(object.as_str()).await.ok()?;
            let mut file = tokio::fs::File::create(&into).await.ok()?;
            match tokio::io::copy(&mut obj, &mut file).await {
                Ok(_) => Some(()),
                Err(e) => {
                    tracing::info!(error = %e, object, "a shared render piece could not be read");
                    None
                }
            }
        });
        matches!(read.await, Ok(Some(())))
    }

    async fn put(&self, name: &str, file: &Path) {
        let object = Self::object(name);
        let Ok(mut f) = tokio::fs::File::open(file).await else {
            return;
        };
        if let Err(e) = self.store.put(object.as_str(), &mut f).await {
            tracing::info!(error = %e, object, "a render piece could not be shared");
        }
    }

    async fn has(&self, name: &str) -> bool {
        self.store.info(Self::object(name).as_str()).await.is_ok()
    }
}
