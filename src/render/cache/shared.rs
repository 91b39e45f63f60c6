//! The render cache's second tier, shared by several machines (a cluster's workers): an entry
//! this machine's folder lacks is looked for there, and what it makes is offered to it.

use super::RenderCache;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A second tier behind the cache's folder, shared by several machines (a cluster's workers):
/// what one of them encoded, another takes instead of encoding it again.
#[async_trait::async_trait]
pub trait SharedTier: Send + Sync + std::fmt::Debug {
    /// Copy the object `name` into the file `into`; false when it is not there or could not be
    /// read whole (the tier checks what it hands out against its own digest).
    async fn get(&self, name: &str, into: &Path) -> bool;
    /// Offer `file` as `name`; a failure only costs another machine a render.
    async fn put(&self, name: &str, file: &Path);
    /// Whether the object `name` is there (without reading it).
    async fn has(&self, name: &str) -> bool;
}

impl RenderCache {
    /// The same cache, backed by `tier`: see [`fetch_shared`](Self::fetch_shared).
    pub fn with_shared(self, tier: Arc<dyn SharedTier>) -> RenderCache {
        RenderCache {
            shared: Some(tier),
            ..self
        }
    }

    /// Like [`fetch`](Self::fetch), and when the folder lacks the entry, from the shared tier
    /// (kept in the folder from then on). `ext` is the entry's file extension.
    pub async fn fetch_shared(
        &self,
        key: &str,
        into: &Path,
        name: &str,
        ext: &str,
    ) -> Option<PathBuf> {
        if let Some(hit) = self.fetch(key, into, name) {
            return Some(hit);
        }
        let shared = self.shared.as_ref()?;
        let fetched = into.join(format!("{name}.shared.{ext}"));
        let got = shared.get(&self.shared_name(key, ext), &fetched).await
            && self.store(key, &fetched).is_ok();
        let _ = std::fs::remove_file(&fetched);
        if got {
            tracing::debug!(key, "render cache entry taken from the shared tier");
            self.fetch(key, into, name)
        } else {
            None
        }
    }

    /// Like [`store`](Self::store), and offer the file to the shared tier.
    pub async fn store_shared(&self, key: &str, file: &Path) -> std::io::Result<()> {
        self.store(key, file)?;
        if let Some(shared) = &self.shared {
            let ext = file.extension().unwrap_or_default().to_string_lossy();
            shared.put(&self.shared_name(key, &ext), file).await;
        }
        Ok(())
    }

    /// Whether the entry for `key` is in the folder or the shared tier (without taking it).
    pub async fn has_shared(&self, key: &str, ext: &str) -> bool {
        if self.has(key) {
            return true;
        }
        match &self.shared {
            Some(s) => s.has(&self.shared_name(key, ext)).await,
            None => false,
        }
    }

    /// The shared tier's name for `key`: scoped like the folder's, so tenants stay apart there
    /// too (and machines drawing one render name its windows alike).
    pub fn shared_name(&self, key: &str, ext: &str) -> String {
        format!("{}.{ext}", self.scoped_key(key))
    }
}
