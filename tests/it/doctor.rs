//! `reelsmith doctor` reports what it finds and, for what is missing, the command that fixes it.

use crate::support::*;
use std::path::Path;

#[test]
fn doctor_finds_the_tools_here() {
    let dir = tempfile::tempdir().unwrap();
    let out = reelsmith(dir.path()).arg("doctor").output().unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("ffmpeg:") && t.contains("libx264:  yes") && t.contains("CJK text: yes"),
        "{t}"
    );
    assert!(
        t.contains(&dir.path().display().to_string()),
        "names the workspace: {t}"
    );
    assert!(
        t.contains("mcp:      protocol 2026-07-28, 2025-11-25, 2025-06-18,"),
        "names the protocol versions served: {t}"
    );
}

#[test]
fn doctor_says_how_to_install_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let no_fonts = dir.path().join("fonts");
    std::fs::create_dir_all(&no_fonts).unwrap();
    let out = reelsmith(dir.path())
        .env("PATH", dir.path())
        .env("REELSMITH_FONT_DIR", &no_fonts)
        .arg("doctor")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("ffmpeg:   MISSING"), "{t}");
    assert!(t.contains("apt-get install -y ffmpeg"), "{t}");
    assert!(t.contains("fonts-noto-cjk"), "{t}");
}

/// A workspace database with an overwritten header: `doctor` names it, `make` refuses naming
/// the file and the fix, `doctor --repair` moves it aside, and the workspace works again with
/// its exports kept.
#[test]
fn a_damaged_store_is_named_and_repaired_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let img = still(dir.path(), "a.jpg", 640, 360, 0);
    let first = dir.path().join("first.mp4");
    let make = |out: &Path| {
        reelsmith(&home)
            .args([
                "make",
                "-p",
                "a 2 second clip",
                "--resolution",
                "720p",
                "-o",
            ])
            .arg(out)
            .arg(&img)
            .output()
            .unwrap()
    };
    let o = make(&first);
    assert!(o.status.success(), "{}", text(&o));
    let db = home.join("reelsmith.db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[..100].fill(0);
    std::fs::write(&db, &bytes).unwrap();

    let o = reelsmith(&home).arg("doctor").output().unwrap();
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(!t.contains("All set"), "{t}");
    assert!(
        t.contains(&db.display().to_string()) && t.contains("damaged"),
        "{t}"
    );
    assert!(t.contains("reelsmith doctor --repair"), "{t}");

    let o = make(&dir.path().join("second.mp4"));
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains(&db.display().to_string()), "{t}");
    assert!(t.contains("reelsmith doctor --repair"), "{t}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "left as it was");

    let o = reelsmith(&home)
        .args(["doctor", "--repair"])
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("moved the damaged database to"), "{t}");
    let aside: Vec<_> = std::fs::read_dir(&home)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("reelsmith.db.damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(first.exists(), "exports are kept");
    let o = make(&dir.path().join("second.mp4"));
    assert!(o.status.success(), "{}", text(&o));
}
