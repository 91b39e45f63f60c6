//! Bad input is refused with the file's name and the reason, and never leaves an output behind;
//! a render killed midway leaves nothing at the output path.

use crate::support::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn refused(dir: &Path, bad: &Path, expect: &[&str]) {
    let good = still(dir, "good.jpg", 1280, 720, 0);
    let out = dir.join("out.mp4");
    let run = reelsmith(&dir.join("home"))
        .arg("make")
        .arg(&good)
        .arg(bad)
        .args(["--prompt", "a 5 second video", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "accepted {}: {err}", bad.display());
    let name = bad.file_name().unwrap().to_string_lossy();
    assert!(err.contains(&*name), "error does not name {name}: {err}");
    for e in expect {
        assert!(err.to_lowercase().contains(e), "error lacks '{e}': {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "an output was left behind");
}

#[test]
fn unsupported_extension_lists_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "hello").unwrap();
    refused(dir.path(), &bad, &["unsupported", "mp4", "jpg", "mp3"]);
}

#[test]
fn zero_byte_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("empty.jpg");
    std::fs::write(&bad, "").unwrap();
    refused(dir.path(), &bad, &["empty"]);
}

#[test]
fn truncated_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let whole = still(dir.path(), "whole.jpg", 640, 480, 0);
    let bytes = std::fs::read(&whole).unwrap();
    let bad = dir.path().join("cut.jpg");
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    refused(dir.path(), &bad, &["truncated"]);
}

#[test]
fn text_file_renamed_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("clip.mp4");
    std::fs::write(&bad, "this is not a video\n".repeat(100)).unwrap();
    refused(dir.path(), &bad, &["not a valid mp4"]);
}

#[test]
fn file_over_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("huge.mp4");
    let f = std::fs::File::create(&bad).unwrap();
    f.set_len(501 * 1000 * 1000).unwrap(); // sparse: no real disk used
    refused(dir.path(), &bad, &["500 mb"]);
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    refused(dir.path(), &dir.path().join("nowhere.png"), &["not found"]);
}

/// Start a 60 s 1080p render and return once its partial file exists.
fn start_long_render(dir: &Path) -> (std::process::Child, std::path::PathBuf) {
    let stills: Vec<_> = (0..4)
        .map(|i| still(dir, &format!("s{i}.jpg"), 1920, 1080, i))
        .collect();
    let out = dir.join("long.mp4");
    let child = reelsmith(&dir.join("home"))
        .arg("make")
        .args(&stills)
        .args(["--prompt", "a 60 second video with music", "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        // The video pass writes into the workspace's scratch before the final file is muxed.
        let encoding = std::fs::read_dir(dir.join("home").join("tmp"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                // A window of the video being encoded.
                std::fs::read_dir(e.path()).is_ok_and(|files| {
                    files.flatten().any(|f| {
                        f.file_name().to_string_lossy().ends_with(".mp4")
                            && f.metadata().is_ok_and(|m| m.len() > 0)
                    })
                })
            });
        if encoding {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "render never started writing"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (child, out)
}

fn ffmpeg_writing(dir: &Path) -> bool {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        std::fs::read(p.path().join("cmdline")).is_ok_and(|c| {
            let s = String::from_utf8_lossy(&c);
            let program = s.split('\0').next().unwrap_or("");
            program.ends_with("ffmpeg") && s.contains(&needle)
        })
    })
}

#[test]
fn killed_render_leaves_nothing_at_the_output_path() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, out) = start_long_render(dir.path());
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(!out.exists(), "output exists after kill -9");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".partial"))
        .collect();
    assert!(
        beside.is_empty(),
        "partial file beside the output: {beside:?}"
    );
    // The encoder dies with its parent instead of finishing an orphaned file.
    let t0 = Instant::now();
    while ffmpeg_writing(dir.path()) {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "ffmpeg outlived reelsmith"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!out.exists());
    // The next process to open the workspace removes the killed render's scratch.
    let tmp = dir.path().join("home").join("tmp");
    assert!(
        std::fs::read_dir(&tmp).unwrap().count() > 0,
        "scratch expected"
    );
    reelsmith::backend::local::LocalBackend::open(&dir.path().join("home")).unwrap();
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert!(left.is_empty(), "stale scratch kept: {left:?}");
}

#[test]
fn interrupted_render_cleans_up_after_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (child, out) = start_long_render(dir.path());
    // SAFETY: sending SIGINT to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130");
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    let tmp = dir.path().join("home").join("tmp");
    let scratch: Vec<_> = std::fs::read_dir(&tmp)
        .map(|r| r.flatten().collect())
        .unwrap_or_default();
    assert!(scratch.is_empty(), "scratch left: {scratch:?}");
}
