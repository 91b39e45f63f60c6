//! The workspace: one folder holding a backend's database, downloaded media, scratch space and
//! (unless `REELSMITH_OUTPUT_DIR` says otherwise) its exports. Both backends open it the same
//! way, so the layout and its clean-up live here once.

use crate::store::{Store, StoreError};
use crate::tenant::TenantId;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the workspace could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The folder cannot be made or written.
    #[error(
        "cannot create the workspace at {}: {source}; set REELSMITH_HOME to a writable directory",
        path.display()
    )]
    Create {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database is damaged, foreign, newer or unreadable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The workspace folder: `REELSMITH_HOME`, else the platform data dir (e.g.
/// ~/.local/share/reelsmith). Empty or an unfilled host placeholder (`${user_config.workspace}`)
/// means "not set".
pub fn default_home() -> PathBuf {
    std::env::var("REELSMITH_HOME")
        .ok()
        .filter(|h| !h.trim().is_empty() && !h.contains("${"))
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("reelsmith")))
        .unwrap_or_else(|| PathBuf::from(".reelsmith"))
}

/// Where exports go when the caller names no output path: `REELSMITH_OUTPUT_DIR` when set (an
/// empty value or an unfilled `${…}` host placeholder counts as unset), else `exports/` in the
/// workspace.
pub fn default_export_dir(home: &Path) -> PathBuf {
    output_dir_env().unwrap_or_else(|| home.join("exports"))
}

fn output_dir_env() -> Option<PathBuf> {
    std::env::var("REELSMITH_OUTPUT_DIR")
        .ok()
        .filter(|d| !d.trim().is_empty() && !d.contains("${"))
        .map(PathBuf::from)
}

/// The folder of tenant `t` (multi-tenant HTTP mode) in the workspace at `home`: its fetched
/// media, and its exports unless `REELSMITH_OUTPUT_DIR` is set.
pub fn tenant_dir(home: &Path, t: &TenantId) -> PathBuf {
    home.join("tenants").join(t.as_str())
}

/// Where tenant `t`'s exports go when it names no output path: `REELSMITH_OUTPUT_DIR/<t>` when
/// that is set, else `exports/` in its folder.
pub fn tenant_export_dir(home: &Path, t: &TenantId) -> PathBuf {
    match output_dir_env() {
        Some(d) => d.join(t.as_str()),
        None => tenant_dir(home, t).join("exports"),
    }
}

/// An open workspace.
#[derive(Clone)]
pub struct Workspace {
    home: PathBuf,
    store: Arc<Store>,
}

impl Workspace {
    /// Open (creating what is missing) the workspace at `home`, and remove scratch folders that
    /// renders killed earlier left behind.
    pub fn open(home: &Path) -> Result<Workspace, WorkspaceError> {
        let exports = home.join("exports");
        std::fs::create_dir_all(&exports).map_err(|source| WorkspaceError::Create {
            path: home.to_path_buf(),
            source,
        })?;
        let store = Store::open(&Self::db_path(home))?;
        let stale = crate::render::remove_stale_scratch(&home.join("tmp"));
        if stale > 0 {
            tracing::info!(stale, "removed scratch left by renders that were killed");
        }
        Ok(Workspace {
            home: home.to_path_buf(),
            store: Arc::new(store),
        })
    }

    /// The database file of the workspace at `home`.
    pub fn db_path(home: &Path) -> PathBuf {
        home.join("reelsmith.db")
    }

    /// The folder.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The database.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Scratch space for renders and downloads in progress.
    pub fn scratch(&self) -> PathBuf {
        self.home.join("tmp")
    }

    /// The render cache's folder (see [`crate::render::cache`]).
    pub fn cache_dir(&self) -> PathBuf {
        Self::cache_path(&self.home)
    }

    /// The render cache's folder of the workspace at `home`.
    pub fn cache_path(home: &Path) -> PathBuf {
        home.join("cache")
    }

    /// Media fetched from URLs, stored by content.
    pub fn media_dir(&self) -> PathBuf {
        self.home.join("media")
    }

    /// Where an export goes when no output path is given.
    pub fn export_path(&self, session: &str, rev: u64) -> PathBuf {
        default_export_dir(&self.home).join(format!("{session}-r{rev}.mp4"))
    }
}
