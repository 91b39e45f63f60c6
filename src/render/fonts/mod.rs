//! Finding and loading the fonts text images are drawn with.
//!
//! Text is rasterised by us (never by ffmpeg's drawtext), so we need real font files on disk.
//! A [`FontSet`] is an ordered fallback chain: a bold Latin sans first (it looks best for Latin
//! titles) with its regular face, then fonts for CJK, Arabic, Hebrew, Devanagari and Thai, then
//! colour emoji. The same faces, and only those, are loaded into the cosmic-text font system that
//! shapes and rasterises text, so output depends on the files we chose, not on the machine's
//! fontconfig. A character no font covers is reported up front ([`FontError::Missing`]) instead
//! of being drawn as a tofu box.

mod discover;
pub(crate) mod script;
#[cfg(test)]
mod tests;

use cosmic_text::fontdb::{self, Source};
use cosmic_text::skrifa::raw::TableProvider;
use cosmic_text::skrifa::{FontRef, MetadataProvider, Tag};
use cosmic_text::{Attrs, CacheKeyFlags, Family, FontSystem, SwashCache};
use script::Kind;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Environment variable naming an extra font folder that is searched first.
pub const FONT_DIR_ENV: &str = "REELSMITH_FONT_DIR";

/// Why fonts could not be found, loaded, or used for a text.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// No usable font file anywhere we look.
    #[error(
        "no usable fonts found (searched: {}); install fonts-dejavu-core and fonts-noto-cjk \
         (apt-get install -y fonts-dejavu-core fonts-noto-cjk fonts-noto-core \
         fonts-noto-color-emoji, or run scripts/setup), or set {FONT_DIR_ENV} to a folder of \
         .ttf/.otf/.ttc files",
        display_paths(searched)
    )]
    NoFonts {
        /// The folders (or files) that were searched.
        searched: Vec<PathBuf>,
    },
    /// Some characters of a text have no glyph in any loaded font.
    #[error(
        "no installed font has a glyph for {} (fonts tried: {}); {}, put a font that covers them \
         in {FONT_DIR_ENV}, or remove them from the text",
        describe_chars(chars),
        if fonts.is_empty() { "none".to_string() } else { fonts.join(", ") },
        install_hint(chars)
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
    /// A file is not a font we can use.
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

/// "install fonts-noto-cjk (apt-get install -y fonts-noto-cjk) for Chinese/Japanese/Korean",
/// naming only the packages the missing characters need.
fn install_hint(chars: &str) -> String {
    let mut packages: Vec<&str> = Vec::new();
    for c in chars.chars() {
        let p = script::package_for(c);
        if !packages.contains(&p) {
            packages.push(p);
        }
    }
    let parts: Vec<String> = packages
        .iter()
        .map(|p| {
            format!(
                "{p} (apt-get install -y {p}) for {}",
                script::package_use(p)
            )
        })
        .collect();
    format!("install {}", parts.join(" and "))
}

/// One face of the chain, with what choosing a font for a cluster needs to know about it.
struct Face {
    path: PathBuf,
    /// Face index in the file (non-zero in collections).
    index: u32,
    data: Arc<memmap2::Mmap>,
    /// Family, weight, style and stretch as fontdb reads them; the source is filled in when the
    /// face is added to the font system.
    info: fontdb::FaceInfo,
    /// Draws Latin letters: a general font rather than one made for a single script.
    latin: bool,
    /// Has colour glyphs (CBDT, COLR or sbix): emoji.
    colour: bool,
}

impl Face {
    fn font(&self) -> Option<FontRef<'_>> {
        FontRef::from_index(&self.data, self.index).ok()
    }

    fn covers(&self, c: char) -> bool {
        self.font().is_some_and(|f| f.charmap().map(c).is_some())
    }
}

/// The cosmic-text state that shaping and rasterising borrow mutably: the font system (holding
/// exactly our faces) and the glyph image cache.
pub(crate) struct Engine {
    pub(crate) system: FontSystem,
    pub(crate) swash: SwashCache,
    /// fontdb id of each face of the chain, by chain index.
    ids: Vec<fontdb::ID>,
}

impl Engine {
    /// The chain index of the face with fontdb id `id`.
    pub(crate) fn face_of(&self, id: fontdb::ID) -> Option<usize> {
        self.ids.iter().position(|&i| i == id)
    }
}

/// No platform fallback lists: cosmic-text's defaults name system families ("Noto Sans",
/// "DejaVu Sans"…) which may not be what we loaded. We choose a face per cluster ourselves, and
/// any glyph a chosen face still lacks falls back through our faces in chain order.
struct OurFacesOnly;

impl cosmic_text::Fallback for OurFacesOnly {
    fn common_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn forbidden_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn script_fallback(&self, _: unicode_script::Script, _: &str) -> &[&'static str] {
        &[]
    }
}

/// An ordered fallback chain of font faces, and the engine that shapes and draws with them.
///
/// It owns the font data, so it can be built once and shared (by reference) across renders and
/// threads; renders take turns on the engine.
pub struct FontSet {
    faces: Vec<Face>,
    /// Runs of consecutive faces of one family (a slot's bold and regular), as index ranges.
    groups: Vec<std::ops::Range<usize>>,
    engine: Mutex<Engine>,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet")
            .field("paths", &self.paths())
            .finish()
    }
}

/// Weight of bold text (titles, captions: the default look).
pub(crate) const BOLD: u16 = 700;
/// Weight of `weight: normal` text.
pub(crate) const REGULAR: u16 = 400;

impl FontSet {
    /// Finds the system fonts, so text renders without configuration on a stock Debian/Ubuntu box.
    ///
    /// When `$REELSMITH_FONT_DIR` is set, its font files are the whole chain (a person who points
    /// at their own fonts gets exactly those). Otherwise `~/.local/share/fonts`, `~/.fonts`,
    /// `/usr/local/share/fonts` and `/usr/share/fonts` are searched for a short list of known
    /// files: a Latin sans, then CJK, Arabic, Hebrew, Devanagari, Thai and colour emoji fonts,
    /// each bold and regular where both exist. Nothing is cached, so a changed environment is
    /// seen on the next call.
    pub fn discover() -> Result<FontSet, FontError> {
        let env_dir = std::env::var_os(FONT_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let home = std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        match env_dir {
            Some(dir) => discover::discover_in(Some(&dir), None, &[]),
            None => discover::discover_in(None, home.as_deref(), &discover::system_dirs()),
        }
    }

    /// The fonts for rendering, found once per process and shared: a CJK collection is tens of
    /// MB, and loading it for every render and preview churned memory under load. Only a
    /// successful discovery is kept, so installing fonts after a failure is seen next time.
    pub fn shared() -> Result<Arc<FontSet>, FontError> {
        static SHARED: Mutex<Option<Arc<FontSet>>> = Mutex::new(None);
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = slot.as_ref() {
            return Ok(f.clone());
        }
        let f = Arc::new(FontSet::discover()?);
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
        let faces = paths
            .iter()
            .map(|p| load(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FontSet::new(faces))
    }

    fn new(faces: Vec<Face>) -> FontSet {
        let mut db = fontdb::Database::new();
        let ids = faces
            .iter()
            .map(|f| {
                let mut info = f.info.clone();
                info.source = Source::Binary(f.data.clone());
                db.push_face_info(info)
            })
            .collect();
        let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
        for (i, f) in faces.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if faces[g.start].info.families == f.info.families => g.end = i + 1,
                _ => groups.push(i..i + 1),
            }
        }
        let system =
            FontSystem::new_with_locale_and_db_and_fallback("en-US".into(), db, OurFacesOnly);
        FontSet {
            faces,
            groups,
            engine: Mutex::new(Engine {
                system,
                swash: SwashCache::new(),
                ids,
            }),
        }
    }

    /// The font files of the chain, in order, so `reelsmith doctor` can show what text will use.
    pub fn paths(&self) -> Vec<String> {
        self.faces
            .iter()
            .map(|f| {
                if f.index == 0 {
                    f.path.display().to_string()
                } else {
                    format!("{} (face {})", f.path.display(), f.index)
                }
            })
            .collect()
    }

    /// Whether Chinese, Japanese and Korean text can be drawn, so callers can warn before rendering.
    pub fn has_cjk(&self) -> bool {
        ['中', '日', '한'].iter().all(|&c| self.lookup(c).is_some())
    }

    /// Which kinds of text can be drawn, by name, and the package that adds each missing one:
    /// (name, drawable, package).
    pub fn scripts(&self) -> Vec<(&'static str, bool, &'static str)> {
        [
            ("Latin", "Aa", "fonts-dejavu-core"),
            ("Chinese/Japanese/Korean", "中日한", "fonts-noto-cjk"),
            ("Arabic", "م", "fonts-noto-core"),
            ("Hebrew", "א", "fonts-noto-core"),
            ("Devanagari", "क", "fonts-noto-core"),
            ("Thai", "ก", "fonts-noto-core"),
            ("emoji", "🎉", "fonts-noto-color-emoji"),
        ]
        .into_iter()
        .map(|(name, sample, package)| {
            let ok = sample.chars().all(|c| self.lookup(c).is_some())
                && sample.chars().all(|c| {
                    let kind = script::kind_of(c.encode_utf8(&mut [0; 4]));
                    self.pick(&[c], kind, BOLD)
                        .is_some_and(|i| kind != Kind::Emoji || self.faces[i].colour)
                });
            (name, ok, package)
        })
        .collect()
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

    /// The chain index of the face that draws `c` on its own in bold text, if any.
    pub(crate) fn lookup(&self, c: char) -> Option<usize> {
        self.pick(&[c], Kind::General, BOLD)
    }

    /// The face for a cluster made of `chars` (visible ones) of kind `kind` at `weight`: the
    /// first family of the chain with a face that has all of them, except that an emoji wants a
    /// colour font and a script with fonts of its own wants one made for it (DejaVu has some
    /// Arabic, but Noto Sans Arabic is the Arabic font). Within the family, the face closest to
    /// `weight`. None when no single face has every character.
    pub(crate) fn pick(&self, chars: &[char], kind: Kind, weight: u16) -> Option<usize> {
        let covers = |i: usize| chars.iter().all(|&c| self.faces[i].covers(c));
        let mut covering = self.groups.iter().filter(|g| (g.start..g.end).any(covers));
        let first = covering.clone().next()?;
        let preferred = match kind {
            Kind::Emoji => covering.find(|g| self.faces[g.start].colour),
            Kind::OwnScript => covering.find(|g| (g.start..g.end).all(|i| !self.faces[i].latin)),
            Kind::General | Kind::Neutral => None,
        };
        preferred
            .unwrap_or(first)
            .clone()
            .filter(|&i| covers(i))
            .min_by_key(|&i| self.faces[i].info.weight.0.abs_diff(weight))
    }

    /// Whether face `index` is made for one script (no Latin letters, not emoji), so spaces,
    /// digits and punctuation inside that script's text should be its own.
    pub(crate) fn is_script_font(&self, index: usize) -> bool {
        !self.faces[index].latin && !self.faces[index].colour
    }

    /// Whether face `index` has every one of `chars`.
    pub(crate) fn covers_all(&self, index: usize, chars: &[char]) -> bool {
        chars.iter().all(|&c| self.faces[index].covers(c))
    }

    /// Shaping attributes that select face `index` in the engine. Hinting is off: sizes are
    /// large and exact outlines keep the look independent of pixel grids.
    pub(crate) fn attrs(&self, index: usize) -> Attrs<'_> {
        let info = &self.faces[index].info;
        let family = info
            .families
            .first()
            .map_or(info.post_script_name.as_str(), |(name, _)| name.as_str());
        Attrs::new()
            .family(Family::Name(family))
            .weight(info.weight)
            .style(info.style)
            .stretch(info.stretch)
            .metadata(index)
            .cache_key_flags(CacheKeyFlags::DISABLE_HINTING)
    }

    /// The file of face `index` and its index in it, e.g. to hand the same font to a reference
    /// renderer in tests.
    pub fn face_file(&self, index: usize) -> Option<(&Path, u32)> {
        self.faces.get(index).map(|f| (f.path.as_path(), f.index))
    }

    /// The shaping and rasterising engine; renders take turns on it. A panic in another render
    /// leaves nothing half-changed that matters (caches only), so a poisoned lock is taken over.
    pub(crate) fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
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

fn load(path: &Path) -> Result<Face, FontError> {
    let io_err = |source| FontError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Mapped, not read: the CJK and emoji files are tens of MB each, and text touches only
    // their tables and the glyphs it draws, so only those pages become resident (and they are
    // the page cache's, shared with every other process), keeping a render's memory down.
    // SAFETY: font files are installed system files nobody rewrites while a render runs; the
    // map is read only.
    let data = std::fs::File::open(path)
        .and_then(|f| unsafe { memmap2::Mmap::map(&f) })
        .map_err(io_err)?;
    let parse_err = |reason: String| FontError::Parse {
        path: path.to_path_buf(),
        reason,
    };
    let index = discover::preferred_face(&data);
    let data = Arc::new(data);
    let font = FontRef::from_index(&data, index).map_err(|e| parse_err(e.to_string()))?;
    font.head()
        .map_err(|e| parse_err(format!("no font header: {e}")))?;
    let colour = [b"CBDT", b"COLR", b"sbix"]
        .iter()
        .any(|t| font.table_data(Tag::new(t)).is_some());
    let latin = font.charmap().map('A').is_some();
    // fontdb reads family, weight, style and stretch the way cosmic-text will match them.
    let mut db = fontdb::Database::new();
    db.load_font_source(Source::Binary(data.clone()));
    let info = db
        .faces()
        .find(|f| f.index == index)
        .cloned()
        .ok_or_else(|| parse_err("no readable face".to_string()))?;
    Ok(Face {
        path: path.to_path_buf(),
        index,
        data,
        info,
        latin,
        colour,
    })
}
