//! Where `scripts/setup` installs the voices, found the same way by the script and by reelsmith.
//!
//! The voices are per machine, not per workspace: tests and hosts point `REELSMITH_HOME` at many
//! throw-away workspaces, and a 500 MB venv in each would be absurd. So the folder is
//! `REELSMITH_VOICE_DIR` when set, else `voice/` in the workspace named by `REELSMITH_HOME` if
//! setup put one there, else `voice/` in the default data folder (`~/.local/share/reelsmith/voice`
//! on Linux), which is where `scripts/setup` installs by default.

use std::path::{Path, PathBuf};

/// The voice folder: `venv/` (Piper, its voices, PocketSphinx), `zh-venv/` (the Mandarin
/// FastSpeech2 voice, which needs a Python of its own) and `voices/` (extra Piper `.onnx` voices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceDir {
    /// The folder.
    pub root: PathBuf,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty() && !v.contains("${"))
        .map(PathBuf::from)
}

impl VoiceDir {
    /// The folder this process uses (see the module doc for the order).
    pub fn locate() -> VoiceDir {
        if let Some(root) = env_path("REELSMITH_VOICE_DIR") {
            return VoiceDir { root };
        }
        if let Some(home) = env_path("REELSMITH_HOME") {
            let root = home.join("voice");
            if root.join("venv").is_dir() {
                return VoiceDir { root };
            }
        }
        let root = dirs::data_dir()
            .map(|d| d.join("reelsmith").join("voice"))
            .unwrap_or_else(|| PathBuf::from(".reelsmith/voice"));
        VoiceDir { root }
    }

    /// The Python of the main voice venv.
    pub fn python(&self) -> PathBuf {
        self.root.join("venv/bin/python")
    }

    /// The Python of the Mandarin venv.
    pub fn zh_python(&self) -> PathBuf {
        self.root.join("zh-venv/bin/python")
    }

    /// `site-packages` of the main venv, when it exists.
    pub fn site_packages(&self) -> Option<PathBuf> {
        site_packages(&self.root.join("venv"))
    }

    /// `site-packages` of the Mandarin venv, when it exists.
    pub fn zh_site_packages(&self) -> Option<PathBuf> {
        site_packages(&self.root.join("zh-venv"))
    }
}

/// `venv/lib/python3.X/site-packages` (the one Python version the venv was made with).
fn site_packages(venv: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    lib.flatten()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
}
