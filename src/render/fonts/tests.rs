use super::discover::{
    be_u32, discover_in, family_names, name_matches, preferred_face, system_dirs,
};
use super::*;

const DEJAVU_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

fn dejavu() -> FontSet {
    FontSet::from_paths(&[PathBuf::from(DEJAVU_BOLD)]).expect("DejaVu Sans Bold is installed")
}

#[test]
fn dejavu_only_reports_missing_cjk_chars() {
    let fonts = dejavu();
    assert!(!fonts.has_cjk());
    assert!(fonts.check_coverage("Hello, world! 2026 — café").is_ok());
    let err = fonts.check_coverage("你好 世界 你").unwrap_err();
    match &err {
        FontError::Missing { chars, fonts } => {
            assert_eq!(chars, "你好世界");
            assert_eq!(fonts, &vec![DEJAVU_BOLD.to_string()]);
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    let msg = err.to_string();
    for c in ['你', '好', '世', '界'] {
        assert!(msg.contains(c), "{msg}");
    }
    assert!(msg.contains("apt-get install -y fonts-noto-cjk"), "{msg}");
    assert!(!msg.contains("emoji"), "only the packages needed: {msg}");
}

#[test]
fn missing_scripts_name_the_package_that_draws_them() {
    let fonts = dejavu();
    let err = fonts
        .check_coverage("सवा ก 🎉 中")
        .expect_err("DejaVu has no Devanagari, Thai, emoji or CJK");
    let msg = err.to_string();
    for want in [
        "apt-get install -y fonts-noto-core",
        "apt-get install -y fonts-noto-color-emoji",
        "apt-get install -y fonts-noto-cjk",
        "'🎉' (U+1F389)",
        "'ก' (U+0E01)",
    ] {
        assert!(msg.contains(want), "{want}: {msg}");
    }
}

#[test]
fn zero_width_and_whitespace_need_no_glyph() {
    let fonts = dejavu();
    assert!(
        fonts
            .check_coverage("a\u{200B}b\u{FE0F}\t\n\u{3000}c")
            .is_ok()
    );
}

#[test]
fn discover_finds_latin_first_then_the_other_scripts() {
    let fonts = match FontSet::discover() {
        Ok(f) => f,
        Err(e) => panic!("font discovery failed on this machine: {e}"),
    };
    let paths = fonts.paths();
    assert!(paths[0].ends_with("DejaVuSans-Bold.ttf"), "{paths:?}");
    assert!(paths[1].ends_with("DejaVuSans.ttf"), "{paths:?}");
    // Latin comes from the first font even when later fonts also have it.
    assert_eq!(fonts.lookup('A'), Some(0));
    // Weight picks the face within the family.
    assert_eq!(fonts.pick(&['A'], Kind::General, REGULAR), Some(1));
    let face = |c: char| {
        let kind = script::kind_of(c.encode_utf8(&mut [0; 4]));
        fonts.pick(&[c], kind, BOLD).map(|i| paths[i].clone())
    };
    if fonts.has_cjk() {
        assert!(face('中').unwrap().contains("NotoSansCJK"), "{paths:?}");
    } else {
        eprintln!("note: no CJK font installed; CJK part of the check skipped");
    }
    // Arabic goes to the Arabic font though DejaVu has Arabic letters too.
    for (c, file) in [
        ('م', "NotoSansArabic-Bold.ttf"),
        ('क', "NotoSansDevanagari-Bold.ttf"),
        ('ก', "NotoSansThai-Bold.ttf"),
        ('🎉', "NotoColorEmoji.ttf"),
    ] {
        assert!(
            face(c).is_some_and(|p| p.ends_with(file)),
            "{c}: {:?} in {paths:?} (scripts/setup installs fonts-noto-core and fonts-noto-color-emoji)",
            face(c)
        );
    }
    assert!(fonts.scripts().iter().all(|s| s.1), "{:?}", fonts.scripts());
}

#[test]
fn env_dir_goes_first_and_missing_everything_says_what_to_install() {
    let dir = std::env::temp_dir().join(format!("reelsmith-fonts-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let copy = dir.join("sub/Mine.ttf");
    std::fs::copy("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", &copy).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a font").unwrap();

    let set = discover_in(Some(&dir), None, &system_dirs()).unwrap();
    assert_eq!(set.paths()[0], copy.display().to_string());
    assert!(set.paths()[1].ends_with("DejaVuSans-Bold.ttf"));

    // Only the env folder, no system folders: just the user's font.
    let only = discover_in(Some(&dir), None, &[]).unwrap();
    assert_eq!(only.paths(), vec![copy.display().to_string()]);

    // A broken file in the user's own folder is reported, not skipped.
    std::fs::write(dir.join("Broken.otf"), b"garbage").unwrap();
    let err = discover_in(Some(&dir), None, &[]).unwrap_err();
    assert!(matches!(err, FontError::Parse { .. }), "{err:?}");
    std::fs::remove_file(dir.join("Broken.otf")).unwrap();

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = discover_in(Some(&empty), Some(&empty), &[]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FontError::NoFonts { .. }));
    assert!(
        msg.contains("apt-get install -y fonts-dejavu-core fonts-noto-cjk"),
        "{msg}"
    );
    assert!(msg.contains(&empty.display().to_string()), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn from_paths_reports_io_and_parse_errors() {
    let err = FontSet::from_paths(&[PathBuf::from("/nonexistent/font.ttf")]).unwrap_err();
    assert!(matches!(err, FontError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/font.ttf"));
    assert!(matches!(
        FontSet::from_paths(&[]),
        Err(FontError::NoFonts { .. })
    ));
}

#[test]
fn patterns_match_file_names() {
    assert!(name_matches(
        "NotoSansCJKsc-*.otf",
        "NotoSansCJKsc-Medium.otf"
    ));
    assert!(name_matches("dejavusans-bold.ttf", "DejaVuSans-Bold.ttf"));
    assert!(!name_matches("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"));
    assert!(!name_matches("NotoSansCJK-*.ttc", "NotoSansCJK.otf"));
}

#[test]
fn collection_face_picks_simplified_chinese() {
    let path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
    let Ok(data) = std::fs::read(path) else {
        eprintln!("note: {path} not installed; skipped");
        return;
    };
    let face = preferred_face(&data);
    let offset = be_u32(&data, 12 + 4 * face as usize).unwrap() as usize;
    let names = family_names(&data, offset).unwrap();
    assert!(names.iter().any(|n| n.contains("CJK SC")), "{names:?}");
    assert_eq!(preferred_face(b"\0\x01\0\0 plain"), 0);
    assert_eq!(preferred_face(b"ttcf"), 0);
}
