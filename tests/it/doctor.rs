//! `reelsmith doctor` reports what it finds and, for what is missing, the command that fixes it.

use crate::support::*;

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
