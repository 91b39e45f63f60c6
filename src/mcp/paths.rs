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

    /// A tenant's roots (multi-tenant HTTP): the `REELSMITH_ALLOWED_DIRS` entries with
    /// `{tenant}` replaced by its name (each entry must contain it: see
    /// [`shared_allowed_dirs`]), else its own folder and export folder.
    pub fn for_tenant(home: &Path, tenant: &crate::tenant::TenantId) -> PathPolicy {
        match std::env::var("REELSMITH_ALLOWED_DIRS")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(v) => PathPolicy::within(
                &std::env::split_paths(&v)
                    .map(|d| {
                        PathBuf::from(d.to_string_lossy().replace("{tenant}", tenant.as_str()))
                    })
                    .collect::<Vec<_>>(),
            ),
            None => PathPolicy::within(&[
                crate::workspace::tenant_dir(home, tenant),
                crate::workspace::tenant_export_dir(home, tenant),
            ]),
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
        // A missing file is placed where it would be, so one outside the roots is refused just
        // like one that exists there: the answer never tells whether a file outside exists
        // (another tenant's, say). Missing files inside are reported by intake as usual.
        let resolved = if write {
            resolve_for_write(p)
        } else {
            std::fs::canonicalize(p)
                .ok()
                .or_else(|| resolve_for_write(p))
        };
        let inside = resolved
            .as_ref()
            .is_some_and(|r| roots.iter().any(|root| r.starts_with(root)));
        if resolved.is_none() && write {
            return Err(format!("{path}: cannot resolve the folder it would go in"));
        }
        if inside {
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

/// `REELSMITH_ALLOWED_DIRS` entries that every tenant would share (no `{tenant}` in them): a
/// multi-tenant server refuses to start with any.
pub fn shared_allowed_dirs() -> Vec<String> {
    std::env::var_os("REELSMITH_ALLOWED_DIRS")
        .filter(|v| !v.is_empty())
        .map(|v| {
            std::env::split_paths(&v)
                .map(|d| d.to_string_lossy().into_owned())
                .filter(|d| !d.contains("{tenant}"))
                .collect()
        })
        .unwrap_or_default()
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
        // Missing: inside is left to intake; outside reads as outside, exactly as if it existed.
        assert!(pol.check(&s(&inside.join("missing.jpg")), false).is_ok());
        let there = pol.check(&s(&outside.join("b.jpg")), false).unwrap_err();
        let not_there = pol.check(&s(&outside.join("c.jpg")), false).unwrap_err();
        assert_eq!(there.replace("b.jpg", "c.jpg"), not_there);
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
