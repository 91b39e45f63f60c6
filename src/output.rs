//! How finished files reach their output path: written to a hidden partial file beside it and
//! renamed into place only when complete, so a crash, a kill or a cancel never leaves half a
//! video where the person expects one. Both the local renderer and the cloud download use it.

use std::io;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// A hidden `.NAME.XXXX.partial` file in the output's directory (created if missing), removed
/// when dropped unless [`place`]d. Same directory, so the final rename is atomic.
pub fn partial_beside(output: &Path) -> io::Result<NamedTempFile> {
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video.mp4".into());
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(&dir)
}

/// Move a finished partial file to `output` as an ordinary (0644) file. Without `overwrite`
/// an existing file is never replaced: that is an `AlreadyExists` error.
pub fn place(partial: NamedTempFile, output: &Path, overwrite: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Temporary files are private (0600); a finished video gets the mode any new file would.
    partial
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o666 & !umask()))?;
    if overwrite {
        partial.persist(output).map(|_| ()).map_err(|e| e.error)
    } else {
        partial
            .persist_noclobber(output)
            .map(|_| ())
            .map_err(|e| e.error)
    }
}

/// The process umask, read without changing it (Linux reports it in /proc); 022 elsewhere.
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn placed_files_are_complete_readable_and_never_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub").join("v.mp4");
        let mut p = partial_beside(&out).unwrap();
        p.write_all(b"video").unwrap();
        assert!(!out.exists());
        place(p, &out, false).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"video");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o666 & !umask()
        );
        let p = partial_beside(&out).unwrap();
        let e = place(p, &out, false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        let left: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "the refused partial was removed");
    }
}
