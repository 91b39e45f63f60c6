//! Where font files are looked for, and which of them make the chain.
//!
//! The chain has one slot per kind of text (Latin, CJK, Arabic, Hebrew, Devanagari, Thai, colour
//! emoji). Each slot lists font families best first, each as a bold and a regular file, so a
//! style's weight can pick a real face instead of a synthesised one. Only known files are used:
//! loading every font on the machine would make text look different from one machine to the next.

use super::{FontError, FontSet, load};
use std::path::{Path, PathBuf};

/// A font family of a slot: its bold file and its regular file (either may be absent; "" for a
/// family that has only one). Matched on the file name, case-insensitively; `*` matches any run
/// of characters.
type Family = (&'static str, &'static str);

/// Bold Latin sans first (it looks best for titles), with its regular face for `weight: normal`.
const LATIN: &[Family] = &[
    ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf"),
    ("NotoSans-Bold.ttf", "NotoSans-Regular.ttf"),
    ("NotoSans-Bold.otf", "NotoSans-Regular.otf"),
    ("LiberationSans-Bold.ttf", "LiberationSans-Regular.ttf"),
    ("Roboto-Bold.ttf", "Roboto-Regular.ttf"),
    ("OpenSans-Bold.ttf", "OpenSans-Regular.ttf"),
    ("FreeSansBold.ttf", "FreeSans.ttf"),
];

/// Chinese, Japanese and Korean (fonts-noto-cjk first).
const CJK: &[Family] = &[
    ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc"),
    ("NotoSansCJKsc-Bold.otf", "NotoSansCJKsc-Regular.otf"),
    ("NotoSansCJKsc-*.otf", ""),
    ("NotoSansCJK-*.ttc", ""),
    ("NotoSansSC-*.otf", ""),
    ("wqy-microhei.ttc", ""),
    ("wqy-zenhei.ttc", ""),
    ("DroidSansFallbackFull.ttf", ""),
    ("DroidSansFallback.ttf", ""),
];

/// Arabic script (fonts-noto-core).
const ARABIC: &[Family] = &[
    ("NotoSansArabic-Bold.ttf", "NotoSansArabic-Regular.ttf"),
    ("NotoNaskhArabic-Bold.ttf", "NotoNaskhArabic-Regular.ttf"),
    ("NotoSansArabic*.ttf", ""),
];

/// Hebrew (fonts-noto-core); DejaVu covers it too, but without this a Hebrew title would mix
/// DejaVu's Hebrew with Noto's everything else.
const HEBREW: &[Family] = &[
    ("NotoSansHebrew-Bold.ttf", "NotoSansHebrew-Regular.ttf"),
    ("NotoSansHebrew*.ttf", ""),
];

/// Devanagari: Hindi, Marathi, Nepali (fonts-noto-core).
const DEVANAGARI: &[Family] = &[
    (
        "NotoSansDevanagari-Bold.ttf",
        "NotoSansDevanagari-Regular.ttf",
    ),
    ("NotoSansDevanagari*.ttf", ""),
    ("Lohit-Devanagari.ttf", ""),
];

/// Thai (fonts-noto-core).
const THAI: &[Family] = &[
    ("NotoSansThai-Bold.ttf", "NotoSansThai-Regular.ttf"),
    ("NotoSansThai*.ttf", ""),
    ("NotoLoopedThai-Bold.ttf", "NotoLoopedThai-Regular.ttf"),
];

/// Colour emoji (fonts-noto-color-emoji): drawn in colour, never as a monochrome outline.
const EMOJI: &[Family] = &[("NotoColorEmoji.ttf", "")];

/// The slots in chain order: for a character every slot can draw, the earlier one wins, except
/// that a script's own font beats a general one (see `FontSet::pick`).
const SLOTS: &[&[Family]] = &[LATIN, CJK, ARABIC, HEBREW, DEVANAGARI, THAI, EMOJI];

/// How deep below a search folder font files are looked for (Debian nests them two levels).
const MAX_DEPTH: usize = 4;

pub(super) fn system_dirs() -> Vec<PathBuf> {
    vec![
        PathBuf::from("/usr/local/share/fonts"),
        PathBuf::from("/usr/share/fonts"),
    ]
}

/// Discovery with its inputs explicit, so tests can point it at folders of their own.
pub(super) fn discover_in(
    env_dir: Option<&Path>,
    home: Option<&Path>,
    system: &[PathBuf],
) -> Result<FontSet, FontError> {
    let mut searched = Vec::new();
    let mut faces = Vec::new();

    if let Some(dir) = env_dir {
        searched.push(dir.to_path_buf());
        let mut files = Vec::new();
        collect_font_files(dir, 0, &mut files);
        files.sort();
        // The user chose these files explicitly: a broken one is an error, not something to skip.
        for file in files {
            faces.push(load(&file)?);
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
    let find = |pattern: &str| {
        // For one pattern the earliest folder wins.
        (!pattern.is_empty())
            .then(|| {
                files.iter().find(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| name_matches(pattern, n))
                })
            })
            .flatten()
    };
    for slot in SLOTS {
        // The first family with any file present fills the slot, bold face first.
        let Some(chosen) = slot.iter().find_map(|(bold, regular)| {
            let found: Vec<&PathBuf> = [find(bold), find(regular)].into_iter().flatten().collect();
            (!found.is_empty()).then_some(found)
        }) else {
            continue;
        };
        for path in chosen {
            if faces.iter().any(|f| &f.path == path) {
                continue;
            }
            // A broken system font is skipped: the rest of the chain may still do.
            if let Ok(face) = load(path) {
                faces.push(face);
            }
        }
    }

    if faces.is_empty() {
        Err(FontError::NoFonts { searched })
    } else {
        Ok(FontSet::new(faces))
    }
}

/// Case-insensitive file-name match where `*` in `pattern` matches any run of characters.
pub(super) fn name_matches(pattern: &str, name: &str) -> bool {
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

/// For a font collection, the index of the Simplified Chinese face (its family name has the word
/// "SC"), since most CJK text we get is Chinese; 0 otherwise, including for single fonts.
pub(super) fn preferred_face(data: &[u8]) -> u32 {
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

pub(super) fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn be_u16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

/// The family names (name IDs 1 and 16) of the face whose table directory starts at `face`.
pub(super) fn family_names(data: &[u8], face: usize) -> Option<Vec<String>> {
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
