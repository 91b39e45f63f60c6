//! Which local paths a client may name. Over stdio the client is the person's own agent and
//! their own permissions apply; over HTTP a client may be anyone who reaches the port, so it
//! reads and writes only under configured roots (`REELSMITH_ALLOWED_DIRS`, default the
//! workspace and the export folder). Paths are resolved (symlinks, `..`) before the check, so
//! neither can step outside.

use std::path::{Component, Path, PathBuf};

/// The roots a client may use, or no restriction.
#[derive(Debug, Clone, Default)]
pub struct PathPolicy {
    roots: Option<Vec<PathBuf>>,
}

impl PathPolicy {
    /// No restriction (stdio).
    pub fn unrestricted() -> PathPolicy {
        PathPolicy { roots: None }
    }

    /// Only under `roots` (created if missing, then resolved).
    pub fn within(roots: &[PathBuf]) -> PathPolicy {
        let roots = roots
            .iter()
            .map(|r| {
                let _ = std::fs::create_dir_all(r);
                std::fs::canonicalize(r).unwrap_or_else(|_| r.clone())
            })
            .collect();
        PathPolicy { roots: Some(roots) }
    }

    /// Roots from `REELSMITH_ALLOWED_DIRS` (a PATH-style list), else `defaults`.
    pub fn from_env_or(defaults: &[PathBuf]) -> PathPolicy {
        match std::env::var_os("REELSMITH_ALLOWED_DIRS").filter(|v| !v.is_empty()) {
            Some(v) => PathPolicy::within(&std::env::split_paths(&v).collect::<Vec<_>>()),
            None => PathPolicy::within(defaults),
        }
    }

    /// Check a path the client wants read (it must exist) or written (`write`: its nearest
    /// existing ancestor is what is resolved). Ok when allowed; Err says why and what is.
    pub fn check(&self, path: &str, write: bool) -> Result<(), String> {
        let Some(roots) = &self.roots else {
            return Ok(());
        };
        let p = Path::new(path);
        if !p.is_absolute() {
            return Err(format!(
                "{path}: give an absolute path under {}",
                list(roots)
            ));
        }
        let resolved = if write {
            resolve_for_write(p)
        } else {
            std::fs::canonicalize(p).ok()
        };
        let Some(resolved) = resolved else {
            // Missing files are reported by intake with the usual message.
            return if write {
                Err(format!("{path}: cannot resolve the folder it would go in"))
            } else {
                Ok(())
            };
        };
        if roots.iter().any(|r| resolved.starts_with(r)) {
            Ok(())
        } else {
            Err(format!(
                "{path} is outside the folders this server may {} over HTTP ({}); move the file there, or set REELSMITH_ALLOWED_DIRS where the server runs",
                if write { "write" } else { "read" },
                list(roots)
            ))
        }
    }
}

fn list(roots: &[PathBuf]) -> String {
    roots
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The resolved path a new file would get: the nearest existing ancestor resolved, plus the
/// rest (which must not contain `..`).
fn resolve_for_write(p: &Path) -> Option<PathBuf> {
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?.to_path_buf();
    }
    if p.components().any(|c| c == Component::ParentDir) && !rest.is_empty() {
        return None;
    }
    let mut out = std::fs::canonicalize(&existing).ok()?;
    for part in rest.iter().rev() {
        out.push(part);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_hold_against_dots_and_symlinks() {
        let d = tempfile::tempdir().unwrap();
        let inside = d.path().join("in");
        let outside = d.path().join("out");
        std::fs::create_dir_all(&outside).unwrap();
        let pol = PathPolicy::within(std::slice::from_ref(&inside));
        std::fs::write(inside.join("a.jpg"), "x").unwrap();
        std::fs::write(outside.join("b.jpg"), "x").unwrap();
        std::os::unix::fs::symlink(outside.join("b.jpg"), inside.join("link.jpg")).unwrap();
        let s = |p: &Path| p.display().to_string();
        assert!(pol.check(&s(&inside.join("a.jpg")), false).is_ok());
        assert!(pol.check(&s(&outside.join("b.jpg")), false).is_err());
        assert!(pol.check(&s(&inside.join("link.jpg")), false).is_err());
        assert!(
            pol.check(&format!("{}/../out/b.jpg", s(&inside)), false)
                .is_err()
        );
        assert!(pol.check("relative.jpg", false).is_err());
        assert!(pol.check(&s(&inside.join("new/dir/v.mp4")), true).is_ok());
        assert!(pol.check(&s(&outside.join("v.mp4")), true).is_err());
        assert!(
            pol.check(&format!("{}/x/../../out/v.mp4", s(&inside)), true)
                .is_err()
        );
        assert!(
            PathPolicy::unrestricted()
                .check("/etc/shadow", false)
                .is_ok()
        );
    }
}
