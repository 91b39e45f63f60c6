//! Disk space: a render that will not fit is refused at once with the figures, and a disk that
//! fills up mid-render is named as such, with nothing left behind. The output folder is a small
//! tmpfs mounted in a private mount namespace (`unshare -m`, or `-rm` when not root), so nothing
//! outside the test sees it.

use crate::support::*;
use std::path::Path;
use std::process::Command;

/// Run `script` with sh in a private mount namespace; `$BIN`, `$IMG`, `$OUT` and `$HOME_DIR`
/// are set. Returns what it printed.
fn in_namespace(dir: &Path, script: &str) -> String {
    let img = still(dir, "a.jpg", 1280, 720, 1);
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // As root a private mount namespace is enough; otherwise a user namespace maps us to root.
    // SAFETY: geteuid only reads the process's credentials.
    let ns = if unsafe { libc::geteuid() } == 0 {
        "-m"
    } else {
        "-rm"
    };
    let o = Command::new("unshare")
        .args([ns, "sh", "-c", script])
        .env("BIN", bin())
        .env("IMG", &img)
        .env("OUT", &out)
        .env("HOME_DIR", dir.join("home"))
        .env("REELSMITH_HOME", dir.join("home"))
        .env_remove("REELSMITH_FONT_DIR")
        .output()
        .expect("unshare (util-linux) runs");
    let t = text(&o);
    assert!(t.contains("MOUNTED"), "could not mount a tmpfs: {t}");
    t
}

/// What `ls -A` printed between the LISTING and END markers.
fn listing(t: &str) -> &str {
    let after = t.split("LISTING").nth(1).unwrap_or("?");
    after.split("END").next().unwrap_or("?").trim()
}

#[test]
fn a_render_that_will_not_fit_is_refused_with_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let t = in_namespace(
        dir.path(),
        r#"mount -t tmpfs -o size=4m tmpfs "$OUT" && echo MOUNTED
        "$BIN" make -p "a 20 second clip" -o "$OUT/v.mp4" "$IMG"; echo "rc=$?"
        echo LISTING; ls -A "$OUT"; echo END"#,
    );
    assert!(t.contains("rc=1"), "{t}");
    assert!(
        t.contains("not enough disk space: the render needs ~")
            && t.contains("MB, 4.0 MB free on")
            && t.contains(&dir.path().join("out").display().to_string()),
        "{t}"
    );
    assert_eq!(listing(&t), "", "left behind in the output folder");
}

#[test]
fn a_disk_that_fills_up_mid_render_is_named_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    // The render fits when it starts; once its scratch folder appears (the video pass is under
    // way), the output file system is filled, so the final write fails.
    let t = in_namespace(
        dir.path(),
        r#"mount -t tmpfs -o size=64m tmpfs "$OUT" && echo MOUNTED
        "$BIN" make -p "a 10 second clip" --resolution 720p -o "$OUT/v.mp4" "$IMG" & pid=$!
        while [ -z "$(ls -A "$HOME_DIR/tmp" 2>/dev/null)" ] && kill -0 $pid 2>/dev/null; do sleep 0.02; done
        dd if=/dev/zero of="$OUT/fill" bs=1M 2>/dev/null; echo FILLED
        wait $pid; echo "rc=$?"; rm -f "$OUT/fill"
        echo LISTING; ls -A "$OUT"; echo END"#,
    );
    assert!(t.contains("FILLED") && t.contains("rc=1"), "{t}");
    assert!(
        t.contains("ran out of disk space during the render")
            && t.contains("Nothing was left behind"),
        "{t}"
    );
    assert_eq!(listing(&t), "", "left behind in the output folder");
    let scratch: Vec<_> = std::fs::read_dir(dir.path().join("home/tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(scratch.is_empty(), "scratch left: {scratch:?}");
}
