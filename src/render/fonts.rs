//! Finding and loading the fonts text images are drawn with.
//!
//! Text is rasterised by us (never by ffmpeg's drawtext), so we need real font files on disk.
//! A [`FontSet`] is an ordered fallback chain: a bold Latin sans first (it looks best for Latin
//! titles), then a CJK font so Chinese, Japanese and Korean come out as real glyphs. A character
//! no font covers is reported up front ([`FontError::Missing`]) instead of being drawn as a tofu box.

use ab_glyph::{Font, FontVec, GlyphId};
use std::path::{Path, PathBuf};

/// Environment variable naming an extra font folder that is searched first.
pub const FONT_DIR_ENV: &str = "REELSMITH_FONT_DIR";

/// Bold (then regular) Latin sans fonts, best first; matched on the file name, case-insensitively.
/// A `*` matches any run of characters.
const LATIN_FONTS: &[&str] = &[
    "DejaVuSans-Bold.ttf",
    "NotoSans-Bold.ttf",
    "NotoSans-Bold.otf",
    "LiberationSans-Bold.ttf",
    "Roboto-Bold.ttf",
    "OpenSans-Bold.ttf",
    "FreeSansBold.ttf",
    "DejaVuSans.ttf",
    "NotoSans-Regular.ttf",
    "LiberationSans-Regular.ttf",
];

/// Fonts with Chinese, Japanese and Korean glyphs, best first (same matching as [`LATIN_FONTS`]).
const CJK_FONTS: &[&str] = &[
    "NotoSansCJK-Bold.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Bold.otf",
    "NotoSansCJKsc-*.otf",
    "NotoSansCJK-*.ttc",
    "NotoSansSC-*.otf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
];

/// How deep below a search folder font files are looked for (Debian nests them two levels).
const MAX_DEPTH: usize = 4;

/// Why fonts could not be found, loaded, or used for a text.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// No usable font file anywhere we look.
    #[error(
        "no usable fonts found (searched: {}); install fonts-dejavu-core and fonts-noto-cjk \
         (apt-get install -y fonts-dejavu-core fonts-noto-cjk), or set {FONT_DIR_ENV} to a folder \
         of .ttf/.otf/.ttc files",
        display_paths(searched)
    )]
    NoFonts {
        /// The folders (or files) that were searched.
        searched: Vec<PathBuf>,
    },
    /// Some characters of a text have no glyph in any loaded font.
    #[error(
        "no installed font has a glyph for {} (fonts tried: {}); install fonts-noto-cjk \
         (apt-get install -y fonts-noto-cjk) for Chinese/Japanese/Korean, put a font that covers \
         them in {FONT_DIR_ENV}, or remove them from the text",
        describe_chars(chars),
        if fonts.is_empty() { "none".to_string() } else { fonts.join(", ") }
    )]
    Missing {
        /// Each uncovered character once, in order of first appearance.
        chars: String,
        /// The fonts that were tried.
        fonts: Vec<String>,
    },
    /// A font file could not be read.
    #[error("cannot read font file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a font ab_glyph can use.
    #[error("{} is not a usable font ({reason}); remove it or pick another font", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
}

fn display_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "nothing".to_string();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_chars(chars: &str) -> String {
    chars
        .chars()
        .map(|c| format!("'{c}' (U+{:04X})", c as u32))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One loaded face of the chain.
struct Loaded {
    font: FontVec,
    path: PathBuf,
    face: u32,
}

/// An ordered fallback chain of fonts: for each character the first font that has a glyph wins.
///
/// It owns the font data, so it can be built once and shared (by reference) across renders.
pub struct FontSet {
    fonts: Vec<Loaded>,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet")
            .field("paths", &self.paths())
            .finish()
    }
}

impl FontSet {
    /// Finds the system fonts, so text renders without configuration on a stock Debian/Ubuntu box.
    ///
    /// When `$REELSMITH_FONT_DIR` is set, its font files are the whole chain (a person who points
    /// at their own fonts gets exactly those). Otherwise `~/.local/share/fonts`, `~/.fonts`,
    /// `/usr/local/share/fonts` and `/usr/share/fonts` are searched for one bold Latin sans and
    /// one CJK font from a short list of known files. Nothing is cached, so a changed environment
    /// is seen on the next call.
    pub fn discover() -> Result<FontSet, FontError> {
        let env_dir = std::env::var_os(FONT_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let home = std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        match env_dir {
            Some(dir) => discover_in(Some(&dir), None, &[]),
            None => discover_in(None, home.as_deref(), &system_dirs()),
        }
    }

    /// The fonts for rendering, found once per process and shared: a CJK collection is tens of
    /// MB, and loading it for every render and preview churned memory under load. Only a
    /// successful discovery is kept, so installing fonts after a failure is seen next time.
    pub fn shared() -> Result<std::sync::Arc<FontSet>, FontError> {
        static SHARED: std::sync::Mutex<Option<std::sync::Arc<FontSet>>> =
            std::sync::Mutex::new(None);
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = slot.as_ref() {
            return Ok(f.clone());
        }
        let f = std::sync::Arc::new(FontSet::discover()?);
        *slot = Some(f.clone());
        Ok(f)
    }

    /// Loads an explicit chain, in the given order; a `.ttc` collection contributes one face
    /// (Simplified Chinese when it has one, else the first).
    pub fn from_paths(paths: &[PathBuf]) -> Result<FontSet, FontError> {
        if paths.is_empty() {
            return Err(FontError::NoFonts {
                searched: Vec::new(),
            });
        }
        let fonts = paths
            .iter()
            .map(|p| load(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FontSet { fonts })
    }

    /// The font files of the chain, in order, so `reelsmith doctor` can show what text will use.
    pub fn paths(&self) -> Vec<String> {
        self.fonts
            .iter()
            .map(|f| {
                if f.face == 0 {
                    f.path.display().to_string()
                } else {
                    format!("{} (face {})", f.path.display(), f.face)
                }
            })
            .collect()
    }

    /// Whether Chinese, Japanese and Korean text can be drawn, so callers can warn before rendering.
    pub fn has_cjk(&self) -> bool {
        ['中', '日', '한'].iter().all(|&c| self.lookup(c).is_some())
    }

    /// Checks every visible character of `text` has a glyph somewhere in the chain, so a render
    /// never silently draws tofu boxes. Whitespace, control and zero-width characters are ignored.
    pub fn check_coverage(&self, text: &str) -> Result<(), FontError> {
        let mut missing = String::new();
        for c in text.chars() {
            if is_invisible(c) || missing.contains(c) {
                continue;
            }
            if self.lookup(c).is_none() {
                missing.push(c);
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(FontError::Missing {
                chars: missing,
                fonts: self.paths(),
            })
        }
    }

    /// The first font of the chain that has `c`, as (index into the chain, glyph id).
    pub(crate) fn lookup(&self, c: char) -> Option<(usize, GlyphId)> {
        self.fonts.iter().enumerate().find_map(|(i, f)| {
            let id = f.font.glyph_id(c);
            (id.0 != 0).then_some((i, id))
        })
    }

    /// The font at `index` in the chain.
    pub(crate) fn font(&self, index: usize) -> &FontVec {
        &self.fonts[index].font
    }
}

/// Characters that take no glyph: whitespace, controls and zero-width format marks (joiners,
/// variation selectors, BOM), which fonts need not cover.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
        )
}

fn system_dirs() -> Vec<PathBuf> {
    vec![
        PathBuf::from("/usr/local/share/fonts"),
        PathBuf::from("/usr/share/fonts"),
    ]
}

/// Discovery with its inputs explicit, so tests can point it at folders of their own.
fn discover_in(
    env_dir: Option<&Path>,
    home: Option<&Path>,
    system: &[PathBuf],
) -> Result<FontSet, FontError> {
    let mut searched = Vec::new();
    let mut fonts = Vec::new();

    if let Some(dir) = env_dir {
        searched.push(dir.to_path_buf());
        let mut files = Vec::new();
        collect_font_files(dir, 0, &mut files);
        files.sort();
        // The user chose these files explicitly: a broken one is an error, not something to skip.
        for file in files {
            fonts.push(load(&file)?);
        }
    }

    let mut dirs = Vec::new();
    if let Some(home) = home {
        dirs.push(home.join(".local/share/fonts"));
        dirs.push(home.join(".fonts"));
    }
    dirs.extend(system.iter().cloned());
    let mut files = Vec::new();
    for dir in &dirs {
        searched.push(dir.clone());
        collect_font_files(dir, 0, &mut files);
    }
    for list in [LATIN_FONTS, CJK_FONTS] {
        // First pattern in preference order; for one pattern the earliest folder wins.
        let chosen = list.iter().find_map(|pattern| {
            files.iter().find(|f| {
                f.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| name_matches(pattern, n))
            })
        });
        if let Some(path) = chosen {
            if fonts.iter().any(|l: &Loaded| &l.path == path) {
                continue;
            }
            // A broken system font is skipped: the rest of the chain may still do.
            if let Ok(loaded) = load(path) {
                fonts.push(loaded);
            }
        }
    }

    if fonts.is_empty() {
        Err(FontError::NoFonts { searched })
    } else {
        Ok(FontSet { fonts })
    }
}

/// Case-insensitive file-name match where `*` in `pattern` matches any run of characters.
fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() + tail.len() && name.starts_with(head) && name.ends_with(tail)
        }
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["ttf", "otf", "ttc"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// Appends the font files below `dir` (unreadable or missing folders are simply empty).
fn collect_font_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if depth < MAX_DEPTH {
                collect_font_files(&path, depth + 1, out);
            }
        } else if is_font_file(&path) {
            out.push(path);
        }
    }
}

fn load(path: &Path) -> Result<Loaded, FontError> {
    let data = std::fs::read(path).map_err(|source| FontError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let face = preferred_face(&data);
    let font = FontVec::try_from_vec_and_index(data, face).map_err(|e| FontError::Parse {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(Loaded {
        font,
        path: path.to_path_buf(),
        face,
    })
}

/// For a font collection, the index of the Simplified Chinese face (its family name has the word
/// "SC"), since most CJK text we get is Chinese; 0 otherwise, including for single fonts.
fn preferred_face(data: &[u8]) -> u32 {
    if data.get(0..4) != Some(b"ttcf".as_slice()) {
        return 0;
    }
    let count = be_u32(data, 8).unwrap_or(0).min(256);
    (0..count)
        .find(|&i| {
            be_u32(data, 12 + 4 * i as usize)
                .and_then(|offset| family_names(data, offset as usize))
                .is_some_and(|names| {
                    names
                        .iter()
                        .any(|n| n.split_whitespace().any(|w| w == "SC"))
                })
        })
        .unwrap_or(0)
}

fn be_u16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// The family names (name IDs 1 and 16) of the face whose table directory starts at `face`.
fn family_names(data: &[u8], face: usize) -> Option<Vec<String>> {
    let tables = be_u16(data, face + 4)? as usize;
    let name = (0..tables).find_map(|i| {
        let rec = face + 12 + 16 * i;
        (data.get(rec..rec + 4)? == b"name").then(|| be_u32(data, rec + 8))?
    })? as usize;
    let count = be_u16(data, name + 2)? as usize;
    let strings = name + be_u16(data, name + 4)? as usize;
    let mut out = Vec::new();
    for i in 0..count {
        let rec = name + 6 + 12 * i;
        let platform = be_u16(data, rec)?;
        let name_id = be_u16(data, rec + 6)?;
        if name_id != 1 && name_id != 16 {
            continue;
        }
        let len = be_u16(data, rec + 8)? as usize;
        let start = strings + be_u16(data, rec + 10)? as usize;
        let bytes = data.get(start..start + len)?;
        let text = match platform {
            0 | 3 => String::from_utf16_lossy(
                &bytes
                    .chunks_exact(2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
                    .collect::<Vec<_>>(),
            ),
            _ => bytes.iter().map(|&b| b as char).collect(),
        };
        out.push(text);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
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
        assert!(msg.contains("fonts-noto-cjk"), "{msg}");
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
    fn discover_finds_latin_first_then_cjk() {
        let fonts = match FontSet::discover() {
            Ok(f) => f,
            Err(e) => panic!("font discovery failed on this machine: {e}"),
        };
        let paths = fonts.paths();
        assert!(paths[0].ends_with("DejaVuSans-Bold.ttf"), "{paths:?}");
        // Latin comes from the first font even when the CJK font also has it.
        assert_eq!(fonts.lookup('A').map(|(i, _)| i), Some(0));
        if fonts.has_cjk() {
            assert_eq!(paths.len(), 2, "{paths:?}");
            assert!(fonts.lookup('中').is_some_and(|(i, _)| i == 1));
        } else {
            eprintln!("note: no CJK font installed; CJK part of the check skipped");
        }
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
}
