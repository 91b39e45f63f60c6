//! Titles and captions drawn into transparent PNGs that the renderer overlays.
//!
//! Text never reaches an ffmpeg filter graph (no drawtext escaping bugs, no injection): each text
//! segment becomes an RGBA image cropped to its box plus the spot to overlay it at. Sizes follow
//! the frame's short side so 720p, 1080p and 4K look alike, and every pixel lands inside the
//! platform safe area (portrait keeps clear of TikTok/Reels/Shorts buttons and caption bar).
//! Legibility comes from the style, not the footage: titles get a white fill, dark outline and
//! soft shadow; captions sit on a translucent dark box; the end card gets both.

use super::fonts::{FontError, FontSet, is_invisible};
use crate::timeline::TextRole;
use crate::timeline::style::{Place, Position, TextSize, TextStyle, parse_colour};
use ab_glyph::{Font, GlyphId, PxScale, ScaleFont, point};
use std::path::{Path, PathBuf};

/// Where and how big a rendered text image sits on the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Left edge on the frame, in pixels.
    pub x: u32,
    /// Top edge on the frame, in pixels.
    pub y: u32,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
}

/// Why a text image could not be made; each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// Nothing visible to draw: an empty image would silently drop the segment.
    #[error("the {} text is empty; give it some visible characters or remove the segment", role_name(*.role))]
    Empty {
        /// The segment's role.
        role: TextRole,
    },
    /// Fonts are missing or do not cover the text.
    #[error(transparent)]
    Font(#[from] FontError),
    /// The frame is too small (or absurdly large) to lay text out on.
    #[error(
        "cannot place text on a {width}x{height} frame; each side must be {MIN_FRAME}..={MAX_FRAME} pixels"
    )]
    BadFrame {
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// Even at the smallest legible size the text does not fit the safe area.
    #[error(
        "the {} text ({chars} characters) does not fit a {width}x{height} frame even at the smallest \
         legible size; shorten it or split it into several segments",
        role_name(*.role)
    )]
    TooLong {
        /// The segment's role.
        role: TextRole,
        /// Visible characters in the text.
        chars: usize,
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// The image file could not be written.
    #[error("cannot write text image {}: {source}", path.display())]
    Io {
        /// Target file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The PNG encoder failed.
    #[error("cannot encode text image {}: {source}", path.display())]
    Png {
        /// Target file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: png::EncodingError,
    },
}

/// The role as people say it ("title", "caption", "end card").
pub fn role_name(role: TextRole) -> &'static str {
    match role {
        TextRole::Title => "title",
        TextRole::Caption => "caption",
        TextRole::EndCard => "end card",
        TextRole::Overlay => "text",
    }
}

/// Smallest frame side we lay text out on.
const MIN_FRAME: u32 = 32;
/// Largest frame side (8K); bounds the image buffers.
const MAX_FRAME: u32 = 8192;
/// Grey level of outlines: near-black reads as a crisp edge on light footage.
const OUTLINE_GREY: f32 = 20.0 / 255.0;
/// Opacity of the title's drop shadow.
const SHADOW_ALPHA: f32 = 0.5;
/// Extra space between lines, in em, so outlines of stacked lines do not touch.
const LEADING: f32 = 0.08;
/// Font-size steps tried, as fractions of the role's size, before allowing an extra line.
const SHRINK_STEPS: [f32; 4] = [1.0, 0.9, 0.8, 0.7];

/// Render `text` for `role` on a `frame_w`×`frame_h` output into an RGBA PNG at `path`, cropped to
/// the text's box; returns where to overlay it. Fails with [`FontError::Missing`] when a character
/// has no glyph, so no tofu image is ever written.
///
/// The file is written next to `path` first and renamed, so a reader never sees half a PNG.
pub fn render_text_png(
    text: &str,
    role: TextRole,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
    path: &Path,
) -> Result<Placed, TextError> {
    render_styled_png(text, role, None, frame_w, frame_h, fonts, path)
}

/// As [`render_text_png`], with an edit's style over the role's.
pub fn render_styled_png(
    text: &str,
    role: TextRole,
    edit: Option<&TextStyle>,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
    path: &Path,
) -> Result<Placed, TextError> {
    let (placed, rgba) = render_styled_rgba(text, role, edit, frame_w, frame_h, fonts)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let result = write_png(&tmp, path, &placed, &rgba).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| TextError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| placed)
}

fn write_png(tmp: &Path, path: &Path, placed: &Placed, rgba: &[u8]) -> Result<(), TextError> {
    let io_err = |source| TextError::Io {
        path: path.to_path_buf(),
        source,
    };
    let png_err = |source| TextError::Png {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(tmp).map_err(io_err)?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), placed.width, placed.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(rgba).map_err(png_err)?;
    writer.finish().map_err(png_err)
}

/// Same as [`render_text_png`], returning the straight-alpha RGBA pixels (row-major,
/// width*height*4) for tests and previews.
pub fn render_text_rgba(
    text: &str,
    role: TextRole,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
) -> Result<(Placed, Vec<u8>), TextError> {
    render_styled_rgba(text, role, None, frame_w, frame_h, fonts)
}

/// As [`render_text_rgba`], with an edit's style (size, colour, position, box) over the role's.
pub fn render_styled_rgba(
    text: &str,
    role: TextRole,
    edit: Option<&TextStyle>,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
) -> Result<(Placed, Vec<u8>), TextError> {
    let (layout, style, safe) = lay_out(text, role, edit, frame_w, frame_h, fonts)?;
    let (w, h) = (layout.canvas_w as usize, layout.canvas_h as usize);
    let rgba = draw(&layout, fonts, &style);

    // Where the uncropped canvas goes, then crop away fully transparent borders.
    let x0 = match style.x_centre {
        None => safe.x0 + (safe.width() - layout.canvas_w) / 2,
        Some(fx) => {
            let centre = (fx * frame_w as f32).round() as i64;
            let left = centre - i64::from(layout.canvas_w / 2);
            left.clamp(i64::from(safe.x0), i64::from(safe.x1 - layout.canvas_w)) as u32
        }
    };
    let y0 = match style.anchor {
        Anchor::Around(frac) => {
            let centre = (frac * frame_h as f32).round() as i64;
            let top = centre - i64::from(layout.canvas_h / 2);
            top.clamp(i64::from(safe.y0), i64::from(safe.y1 - layout.canvas_h)) as u32
        }
        Anchor::Bottom => safe.y1 - layout.canvas_h,
        Anchor::Middle => safe.y0 + (safe.height() - layout.canvas_h) / 2,
    };
    let (cx, cy, cw, ch) = opaque_bounds(&rgba, w, h).unwrap_or((0, 0, w, h));
    let mut cropped = Vec::with_capacity(cw * ch * 4);
    for row in cy..cy + ch {
        cropped.extend_from_slice(&rgba[(row * w + cx) * 4..(row * w + cx + cw) * 4]);
    }
    let placed = Placed {
        x: x0 + cx as u32,
        y: y0 + cy as u32,
        width: cw as u32,
        height: ch as u32,
    };
    Ok((placed, cropped))
}

/// The size `text` is drawn at for `role` on a `frame_w`×`frame_h` frame, as a fraction of the
/// role's usual size: 1.0 when it fits as designed, less when it was shrunk to fit. Lets a
/// backend say at create time that a long title will be drawn smaller, without drawing it.
pub fn fitted_scale(
    text: &str,
    role: TextRole,
    edit: Option<&TextStyle>,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
) -> Result<f32, TextError> {
    let (layout, style, _) = lay_out(text, role, edit, frame_w, frame_h, fonts)?;
    Ok(layout.size / (style.size * frame_w.min(frame_h) as f32))
}

/// Checks the text and frame, and fits the text to the safe area.
fn lay_out(
    text: &str,
    role: TextRole,
    edit: Option<&TextStyle>,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
) -> Result<(Layout, Style, SafeArea), TextError> {
    let paras = paragraphs(text);
    if paras.is_empty() {
        return Err(TextError::Empty { role });
    }
    fonts.check_coverage(text)?;
    let frame_ok = |s: u32| (MIN_FRAME..=MAX_FRAME).contains(&s);
    if !frame_ok(frame_w) || !frame_ok(frame_h) {
        return Err(TextError::BadFrame {
            width: frame_w,
            height: frame_h,
        });
    }
    let mut style = Style::for_role(role, frame_h > frame_w);
    if let Some(e) = edit {
        style = style.with_edit(e, frame_w, frame_h);
    }
    let safe = SafeArea::of(frame_w, frame_h);
    let layout = fit(&paras, fonts, &style, &safe, frame_w.min(frame_h)).ok_or_else(|| {
        TextError::TooLong {
            role,
            chars: paras.iter().map(|p| p.chars().count()).sum(),
            width: frame_w,
            height: frame_h,
        }
    })?;
    Ok((layout, style, safe))
}

/// Bounds (x, y, w, h) of the pixels with any opacity, or None for an all-clear image.
fn opaque_bounds(rgba: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let (mut x_min, mut y_min, mut x_max, mut y_max) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..h {
        let row = &rgba[y * w * 4..(y + 1) * w * 4];
        let Some(first) = row.chunks_exact(4).position(|p| p[3] != 0) else {
            continue;
        };
        let last = row
            .chunks_exact(4)
            .rposition(|p| p[3] != 0)
            .unwrap_or(first);
        x_min = x_min.min(first);
        x_max = x_max.max(last);
        y_min = y_min.min(y);
        y_max = y;
    }
    (x_min != usize::MAX).then(|| (x_min, y_min, x_max - x_min + 1, y_max - y_min + 1))
}

/// The part of the frame platform UI does not cover; pixel edges, `x1`/`y1` exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SafeArea {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl SafeArea {
    /// Landscape and square: 5% left/right, 8% top/bottom. Portrait (phone feeds): 10% top, 22%
    /// bottom (caption bar, buttons), 6% left, 14% right (like/share column).
    fn of(w: u32, h: u32) -> SafeArea {
        // Margins in thousandths, rounded inwards.
        let (left, right, top, bottom) = if h > w {
            (60, 140, 100, 220)
        } else {
            (50, 50, 80, 80)
        };
        let inner = |len: u32, start: u64, end: u64| {
            let len = u64::from(len);
            (
                (len * start).div_ceil(1000) as u32,
                (len * (1000 - end) / 1000) as u32,
            )
        };
        let (x0, x1) = inner(w, left, right);
        let (y0, y1) = inner(h, top, bottom);
        SafeArea { x0, y0, x1, y1 }
    }

    fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    fn height(&self) -> u32 {
        self.y1 - self.y0
    }
}

/// Where a role's box goes vertically inside the safe area.
#[derive(Debug, Clone, Copy)]
enum Anchor {
    /// Centred on this fraction of the frame height (clamped into the safe area).
    Around(f32),
    /// Bottom edge on the safe area's bottom edge.
    Bottom,
    /// Centred in the safe area.
    Middle,
}

/// Size, wrapping and look of one role; lengths in em (the font size).
#[derive(Debug, Clone, Copy)]
struct Style {
    /// Font size as a fraction of the frame's short side.
    size: f32,
    /// Lines before the font starts shrinking.
    max_lines: usize,
    /// Outline width (0 = none).
    outline: f32,
    /// Drop shadow offset (0 = no shadow).
    shadow: f32,
    /// Opacity of the dark rounded box behind the text (0 = no box).
    box_alpha: f32,
    pad_x: f32,
    pad_y: f32,
    radius: f32,
    anchor: Anchor,
    /// Text colour (linear 0–1 RGB; white unless an edit says otherwise).
    fill: [f32; 3],
    /// The box's colour.
    box_rgb: [f32; 3],
    /// Horizontal centre as a fraction of the frame width (centred when None).
    x_centre: Option<f32>,
}

impl Style {
    fn for_role(role: TextRole, portrait: bool) -> Style {
        let pick = |landscape: f32, tall: f32| if portrait { tall } else { landscape };
        match role {
            TextRole::Title => Style {
                size: pick(0.09, 0.10),
                max_lines: 2,
                outline: 0.06,
                shadow: 0.045,
                box_alpha: 0.0,
                pad_x: 0.0,
                pad_y: 0.0,
                radius: 0.0,
                anchor: Anchor::Around(pick(0.38, 0.30)),
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
            },
            TextRole::Caption => Style {
                // 0.065 on a 1080-wide phone frame is 70 px, still 49 px when shrunk to 70%.
                size: pick(0.05, 0.065),
                max_lines: 2,
                outline: 0.0,
                shadow: 0.0,
                box_alpha: 0.6,
                pad_x: 0.5,
                pad_y: 0.35,
                radius: 0.3,
                anchor: Anchor::Bottom,
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
            },
            TextRole::Overlay => Style {
                size: pick(0.05, 0.06),
                max_lines: 3,
                outline: 0.05,
                shadow: 0.04,
                box_alpha: 0.0,
                pad_x: 0.0,
                pad_y: 0.0,
                radius: 0.0,
                anchor: Anchor::Middle,
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
            },
            TextRole::EndCard => Style {
                size: pick(0.07, 0.08),
                max_lines: 3,
                outline: 0.05,
                shadow: 0.0,
                box_alpha: 0.45,
                pad_x: 0.8,
                pad_y: 0.6,
                radius: 0.4,
                anchor: Anchor::Middle,
                fill: [1.0; 3],
                box_rgb: [0.0; 3],
                x_centre: None,
            },
        }
    }

    /// The role's look with what an edit set on top: size, colour, position and box.
    /// (Weight and animations other than the fade are not drawn yet; the edit says so.)
    fn with_edit(mut self, edit: &TextStyle, frame_w: u32, frame_h: u32) -> Style {
        match edit.size {
            Some(TextSize::Named(step)) => self.size *= step.factor() as f32,
            Some(TextSize::Px(px)) => self.size = px as f32 / frame_w.min(frame_h).max(1) as f32,
            None => {}
        }
        let rgb = |c: [u8; 4]| [c[0], c[1], c[2]].map(|v| f32::from(v) / 255.0);
        if let Some(c) = edit.color.as_deref().and_then(parse_colour) {
            self.fill = rgb(c);
        }
        let box_colour = edit.box_color.as_deref().and_then(parse_colour);
        match (edit.background, box_colour) {
            (Some(false), _) => self.box_alpha = 0.0,
            (_, Some(c)) => {
                self.box_rgb = rgb(c);
                self.box_alpha = if c[3] == 255 {
                    0.6
                } else {
                    f32::from(c[3]) / 255.0
                };
            }
            (Some(true), None) if self.box_alpha == 0.0 => self.box_alpha = 0.6,
            _ => {}
        }
        if self.box_alpha > 0.0 && self.pad_x == 0.0 {
            self.pad_x = 0.5;
            self.pad_y = 0.35;
            self.radius = 0.3;
        }
        if let Some(pos) = edit.position {
            let (x, y) = pos.centre();
            self.anchor = match pos {
                Position::Named(Place::Bottom) => Anchor::Bottom,
                Position::Named(Place::Center) => Anchor::Middle,
                _ => Anchor::Around(y as f32),
            };
            self.x_centre = Some(x as f32);
        }
        let _ = frame_h;
        self
    }

    /// Pixel sizes of the effects at font size `size`.
    fn effects(&self, size: f32) -> Effects {
        let outline = if self.outline > 0.0 {
            (self.outline * size).max(1.0)
        } else {
            0.0
        };
        let (shadow, blur) = if self.shadow > 0.0 {
            (
                (self.shadow * size).round().max(1.0) as usize,
                (0.05 * size).round().max(1.0) as usize,
            )
        } else {
            (0, 0)
        };
        Effects {
            outline,
            shadow,
            blur,
        }
    }

    /// Space around the text block (left, right, top, bottom) in px, for box padding or for
    /// outline, shadow and glyphs that overhang their advance box.
    fn margins(&self, size: f32) -> [f32; 4] {
        if self.box_alpha > 0.0 {
            let (x, y) = (self.pad_x * size, self.pad_y * size);
            return [x, x, y, y];
        }
        let fx = self.effects(size);
        let spread = fx.outline + fx.blur as f32 + (0.08 * size).ceil();
        let far = spread + fx.shadow as f32;
        [spread, far, spread, far]
    }
}

#[derive(Debug, Clone, Copy)]
struct Effects {
    outline: f32,
    /// Shadow offset right and down.
    shadow: usize,
    /// Radius of the shadow's box blur.
    blur: usize,
}

/// Splits text into paragraphs at explicit line breaks, with whitespace runs collapsed to one
/// space and invisible characters dropped; empty paragraphs vanish.
fn paragraphs(text: &str) -> Vec<String> {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .map(|line| {
            let visible: String = line
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .filter(|&c| c == ' ' || !is_invisible(c))
                .collect();
            visible.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Scripts written without spaces, where a line may break between any two characters.
fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF      // CJK radicals, Kangxi
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3100..=0x312F    // Bopomofo
        | 0x31F0..=0x9FFF    // Katakana ext., enclosed, compatibility, Ext. A, unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFF00..=0xFFEF    // full-width forms
        | 0x20000..=0x3FFFF) // Ext. B and later
}

/// Closing punctuation and small kana, which must not start a line.
fn no_break_before(c: char) -> bool {
    "，。、！？：；）」』】》〉〕］｝〗〙〟…‥・ー々〆ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ,.!?:;)]}%”’"
        .contains(c)
}

/// Opening brackets and quotes, which must not end a line.
fn no_break_after(c: char) -> bool {
    "（「『【《〈〔［｛〖〘〝“‘([{".contains(c)
}

/// A paragraph cut where lines may break: (piece, whether a space precedes it).
fn break_units(para: &str) -> Vec<(String, bool)> {
    let mut units = Vec::new();
    for word in para.split(' ') {
        let mut spaced = true;
        let mut cur = String::new();
        let mut prev: Option<char> = None;
        for c in word.chars() {
            if let Some(p) = prev
                && (breaks_anywhere(p) || breaks_anywhere(c))
                && !no_break_before(c)
                && !no_break_after(p)
            {
                units.push((std::mem::take(&mut cur), spaced));
                spaced = false;
            }
            cur.push(c);
            prev = Some(c);
        }
        if !cur.is_empty() {
            units.push((cur, spaced));
        }
    }
    units
}

/// Per-em vertical metrics over the fonts a text uses (descent is negative).
#[derive(Debug, Clone, Copy)]
struct Metrics {
    ascent: f32,
    descent: f32,
    gap: f32,
}

impl Metrics {
    fn of(paras: &[String], fonts: &FontSet) -> Metrics {
        let mut used: Vec<usize> = paras
            .iter()
            .flat_map(|p| p.chars())
            .filter(|c| !c.is_whitespace())
            .filter_map(|c| fonts.lookup(c).map(|(i, _)| i))
            .collect();
        used.sort_unstable();
        used.dedup();
        if used.is_empty() {
            used.push(0);
        }
        let mut m = Metrics {
            ascent: 0.0,
            descent: 0.0,
            gap: 0.0,
        };
        for i in used {
            let font = fonts.font(i);
            let upem = font.units_per_em().unwrap_or(1000.0);
            m.ascent = m.ascent.max(font.ascent_unscaled() / upem);
            m.descent = m.descent.min(font.descent_unscaled() / upem);
            m.gap = m.gap.max(font.line_gap_unscaled() / upem);
        }
        m
    }

    /// Baseline-to-baseline distance at `size`.
    fn step(&self, size: f32) -> f32 {
        (self.ascent - self.descent + self.gap + LEADING) * size
    }

    /// Height of `lines` lines at `size`.
    fn block(&self, size: f32, lines: usize) -> f32 {
        (self.ascent - self.descent) * size + lines.saturating_sub(1) as f32 * self.step(size)
    }
}

/// One glyph of a shaped line: which font, which glyph, pen position from the line start.
#[derive(Debug, Clone, Copy)]
struct PlacedGlyph {
    font: usize,
    id: GlyphId,
    x: f32,
}

/// Lays characters out at one font size (em = `size` px in every font of the chain).
struct Shaper<'a> {
    fonts: &'a FontSet,
    size: f32,
}

impl Shaper<'_> {
    /// The PxScale that gives font `index` an em of `size` px (ab_glyph scales by ascent-descent).
    fn scale(&self, index: usize) -> PxScale {
        let font = self.fonts.font(index);
        let upem = font.units_per_em().unwrap_or(1000.0);
        PxScale::from(self.size * font.height_unscaled() / upem)
    }

    /// Glyphs of a line and its advance width; kerning applies within one font only.
    fn shape(&self, line: &str) -> (Vec<PlacedGlyph>, f32) {
        let mut glyphs = Vec::with_capacity(line.len());
        let mut x = 0.0;
        let mut prev: Option<(usize, GlyphId)> = None;
        for c in line.chars() {
            let Some((font, id)) = self.fonts.lookup(c) else {
                // Only whitespace gets here (coverage was checked): give it a plain space width.
                if c.is_whitespace() {
                    x += 0.3 * self.size;
                }
                prev = None;
                continue;
            };
            let scaled = self.fonts.font(font).as_scaled(self.scale(font));
            if let Some((pf, pid)) = prev
                && pf == font
            {
                x += scaled.kern(pid, id);
            }
            if !c.is_whitespace() {
                glyphs.push(PlacedGlyph { font, id, x });
            }
            x += scaled.h_advance(id);
            prev = Some((font, id));
        }
        (glyphs, x)
    }

    fn width(&self, line: &str) -> f32 {
        self.shape(line).1
    }

    /// Greedy wrap into lines no wider than `max_w`. A piece wider than a line on its own is split
    /// between characters when `split_long` allows, otherwise the wrap fails (None) so the
    /// caller can shrink the font first.
    fn wrap(&self, paras: &[String], max_w: f32, split_long: bool) -> Option<Vec<String>> {
        let mut lines = Vec::new();
        for para in paras {
            let mut line = String::new();
            for (unit, spaced) in break_units(para) {
                if !line.is_empty() {
                    let candidate = format!("{line}{}{unit}", if spaced { " " } else { "" });
                    if self.width(&candidate) <= max_w {
                        line = candidate;
                        continue;
                    }
                    lines.push(std::mem::take(&mut line));
                }
                if self.width(&unit) <= max_w {
                    line = unit;
                    continue;
                }
                if !split_long {
                    return None;
                }
                for c in unit.chars() {
                    let candidate = format!("{line}{c}");
                    if line.is_empty() || self.width(&candidate) <= max_w {
                        line = candidate;
                    } else {
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
            lines.push(line);
        }
        Some(lines)
    }
}

impl Shaper<'_> {
    /// Re-wraps `greedy` (the greedy wrap at `max_w`) at the narrowest width that needs no more
    /// lines, so a title reads "Summer Sale — / 50% Off Everything" rather than leaving one
    /// word on its own line.
    fn balance(&self, paras: &[String], max_w: f32, greedy: Vec<String>) -> Vec<String> {
        let (mut lo, mut hi) = (0.0f32, max_w);
        let mut best = None;
        for _ in 0..12 {
            let mid = (lo + hi) / 2.0;
            match self.wrap(paras, mid, false) {
                Some(lines) if lines.len() <= greedy.len() => {
                    hi = mid;
                    best = Some(lines);
                }
                _ => lo = mid,
            }
        }
        best.unwrap_or(greedy)
    }
}

/// A laid-out text: font size, lines, and the canvas that holds them with margins.
#[derive(Debug)]
struct Layout {
    size: f32,
    lines: Vec<String>,
    metrics: Metrics,
    margins: [f32; 4],
    block_w: f32,
    canvas_w: u32,
    canvas_h: u32,
}

/// Picks the largest size and fewest lines that fit the safe area: the role's size with its line
/// limit, shrinking to 70%; then one more line; then any number of lines (splitting words too
/// long for a line) at ever smaller sizes. Text is never cut; None means it cannot fit at all.
fn fit(
    paras: &[String],
    fonts: &FontSet,
    style: &Style,
    safe: &SafeArea,
    short_side: u32,
) -> Option<Layout> {
    let metrics = Metrics::of(paras, fonts);
    let base = style.size * short_side as f32;
    let floor = (0.012 * short_side as f32).max(6.0);
    let smallest = base * SHRINK_STEPS[SHRINK_STEPS.len() - 1];

    let try_fit = |size: f32, max_lines: usize, split_long: bool| -> Option<Layout> {
        let margins = style.margins(size);
        let max_w = safe.width() as f32 - margins[0] - margins[1];
        if max_w <= size {
            return None;
        }
        let shaper = Shaper { fonts, size };
        let mut lines = shaper.wrap(paras, max_w, split_long)?;
        if lines.len() > max_lines {
            return None;
        }
        let block_h = metrics.block(size, lines.len());
        let canvas_h = (margins[2] + block_h + margins[3]).ceil() as u32;
        if canvas_h > safe.height() {
            return None;
        }
        if lines.len() > 1 {
            lines = shaper.balance(paras, max_w, lines);
        }
        let block_w = lines.iter().map(|l| shaper.width(l)).fold(0.0, f32::max);
        let canvas_w = (margins[0] + block_w + margins[1]).ceil() as u32;
        (canvas_w <= safe.width()).then_some(Layout {
            size,
            lines,
            metrics,
            margins,
            block_w,
            canvas_w,
            canvas_h,
        })
    };

    SHRINK_STEPS
        .iter()
        .find_map(|f| try_fit(base * f, style.max_lines, false))
        .or_else(|| try_fit(smallest, style.max_lines + 1, false))
        .or_else(|| {
            std::iter::successors(Some(smallest), |s| Some(s * 0.9))
                .take_while(|&s| s >= floor)
                .find_map(|s| try_fit(s, usize::MAX, true))
        })
}

/// Rasterises the layout with its style into straight-alpha RGBA, canvas-sized.
fn draw(layout: &Layout, fonts: &FontSet, style: &Style) -> Vec<u8> {
    let (w, h) = (layout.canvas_w as usize, layout.canvas_h as usize);
    let size = layout.size;
    let shaper = Shaper { fonts, size };

    // Coverage of the glyphs themselves.
    let mut fill = vec![0f32; w * h];
    for (i, line) in layout.lines.iter().enumerate() {
        let (glyphs, line_w) = shaper.shape(line);
        let baseline = (layout.margins[2]
            + layout.metrics.ascent * size
            + i as f32 * layout.metrics.step(size))
        .round();
        let left = layout.margins[0] + (layout.block_w - line_w) / 2.0;
        for g in glyphs {
            let glyph =
                g.id.with_scale_and_position(shaper.scale(g.font), point(left + g.x, baseline));
            let Some(outlined) = fonts.font(g.font).outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            let (bx, by) = (bounds.min.x as i64, bounds.min.y as i64);
            outlined.draw(|px, py, c| {
                let (x, y) = (bx + i64::from(px), by + i64::from(py));
                if (0..w as i64).contains(&x) && (0..h as i64).contains(&y) {
                    let cell = &mut fill[y as usize * w + x as usize];
                    *cell = (*cell + c).min(1.0);
                }
            });
        }
    }

    let fx = style.effects(size);
    let outline = (fx.outline > 0.0).then(|| outline_mask(&fill, w, h, fx.outline));
    let shadow = (fx.shadow > 0).then(|| {
        let mut s = outline.clone().unwrap_or_else(|| fill.clone());
        box_blur(&mut s, w, h, fx.blur);
        s
    });

    let mut rgba = vec![0u8; w * h * 4];
    let mut box_row = vec![0f32; if style.box_alpha > 0.0 { w } else { 0 }];
    for y in 0..h {
        let row = y * w..(y + 1) * w;
        let out = &mut rgba[y * w * 4..(y + 1) * w * 4];
        let fill = &fill[row.clone()];
        let outline = outline.as_ref().map(|o| &o[row.clone()]);
        // The shadow source row sits `shadow` px up and to the left.
        let shadow = shadow
            .as_ref()
            .filter(|_| y >= fx.shadow)
            .map(|s| &s[(y - fx.shadow) * w..(y - fx.shadow + 1) * w]);
        if style.box_alpha > 0.0 {
            box_coverage(&mut box_row, y, h, style.radius * size);
        }
        for x in 0..w {
            // Premultiplied colour and alpha, layered bottom to top with "over": box, shadow
            // (black), outline (dark grey), then the glyphs in the fill colour.
            let (mut rgb, mut alpha) = ([0f32; 3], 0f32);
            if let Some(&b) = box_row.get(x) {
                alpha = style.box_alpha * b;
                rgb = style.box_rgb.map(|c| c * alpha);
            }
            if let Some(s) = shadow
                && x >= fx.shadow
            {
                let a = SHADOW_ALPHA * s[x - fx.shadow];
                rgb = rgb.map(|c| c * (1.0 - a));
                alpha = a + alpha * (1.0 - a);
            }
            if let Some(o) = outline {
                let a = o[x];
                rgb = rgb.map(|c| OUTLINE_GREY * a + c * (1.0 - a));
                alpha = a + alpha * (1.0 - a);
            }
            let a = fill[x];
            for (c, f) in rgb.iter_mut().zip(style.fill) {
                *c = f * a + *c * (1.0 - a);
            }
            alpha = a + alpha * (1.0 - a);
            // `+ 0.5` then a saturating cast rounds without a libm call per pixel.
            let a8 = (alpha * 255.0 + 0.5) as u8;
            if a8 > 0 {
                let [r, g, b] = rgb.map(|c| (c / alpha * 255.0 + 0.5) as u8);
                out[x * 4..x * 4 + 4].copy_from_slice(&[r, g, b, a8]);
            }
        }
    }
    rgba
}

/// Coverage of row `y` of a box filling a `row.len()`×`h` canvas with corners rounded by `r`:
/// exact (antialiased) near the corners, mirrored left to right, constant in between.
fn box_coverage(row: &mut [f32], y: usize, h: usize, r: f32) {
    let w = row.len();
    let (wf, hf) = (w as f32, h as f32);
    let at = |x: usize| rounded_rect(x as f32 + 0.5, y as f32 + 0.5, wf, hf, r);
    let corner = (r.ceil() as usize + 1).min(w.div_ceil(2));
    row.fill(at(w / 2));
    for x in 0..corner {
        let c = at(x);
        row[x] = c;
        row[w - 1 - x] = c;
    }
}

/// Coverage of a `w`×`h` rectangle at the origin with corners rounded by `r`, at point (x, y);
/// one pixel of antialiasing along the edge.
fn rounded_rect(x: f32, y: f32, w: f32, h: f32, r: f32) -> f32 {
    let r = r.min(w / 2.0).min(h / 2.0);
    let qx = (x - w / 2.0).abs() - (w / 2.0 - r);
    let qy = (y - h / 2.0).abs() - (h / 2.0 - r);
    let outside = qx.max(0.0).hypot(qy.max(0.0));
    let inside = qx.max(qy).min(0.0);
    (0.5 - (outside + inside - r)).clamp(0.0, 1.0)
}

/// The glyph mask grown by `radius` px with round corners, its outer edge antialiased over one
/// pixel. Built from an exact Euclidean distance transform made of separable passes (two
/// row-order sweeps down and up the columns, then one lower-envelope pass per row), so the cost
/// does not grow with the radius.
fn outline_mask(fill: &[f32], w: usize, h: usize, radius: f32) -> Vec<f32> {
    // Distances are measured between pixel centres; a covered pixel's centre sits about half a
    // pixel inside the true edge, hence the extra pixel of reach.
    let reach = radius + 1.0;
    let cap = reach * reach;
    let inside = |f: f32| f >= 0.5;

    // Vertical distance (in pixels) to the nearest covered pixel in the same column.
    let mut d = vec![f32::INFINITY; w * h];
    for y in 0..h {
        let (done, rest) = d.split_at_mut(y * w);
        let cur = &mut rest[..w];
        let src = &fill[y * w..(y + 1) * w];
        if y == 0 {
            for (c, &f) in cur.iter_mut().zip(src) {
                if inside(f) {
                    *c = 0.0;
                }
            }
        } else {
            let prev = &done[(y - 1) * w..];
            for ((c, &f), &p) in cur.iter_mut().zip(src).zip(prev) {
                *c = if inside(f) { 0.0 } else { p + 1.0 };
            }
        }
    }
    for y in (0..h.saturating_sub(1)).rev() {
        let (head, tail) = d.split_at_mut((y + 1) * w);
        let cur = &mut head[y * w..];
        for (c, &n) in cur.iter_mut().zip(&tail[..w]) {
            *c = c.min(n + 1.0);
        }
    }
    // Squared, with anything out of reach treated as absent so rows far from ink cost little.
    for v in d.iter_mut() {
        let sq = *v * *v;
        *v = if sq < cap { sq } else { f32::INFINITY };
    }

    let mut line = vec![0f32; w];
    let mut v = vec![0usize; w];
    let mut z = vec![0f32; w + 1];
    for (row, src) in d.chunks_exact_mut(w).zip(fill.chunks_exact(w)) {
        if row.iter().all(|x| x.is_infinite()) {
            row.fill(0.0);
            continue;
        }
        line.copy_from_slice(row);
        envelope(&line, row, &mut v, &mut z);
        for (o, &f) in row.iter_mut().zip(src) {
            let a = if *o == 0.0 {
                1.0
            } else if *o >= cap {
                0.0
            } else {
                (reach - o.sqrt()).clamp(0.0, 1.0)
            };
            *o = a.max(f);
        }
    }
    d
}

/// 1-D squared distance transform: out[q] = min over p of f[p] + (q - p)², skipping infinite
/// f[p] (Felzenszwalb–Huttenlocher lower envelope of parabolas; linear time).
fn envelope(f: &[f32], out: &mut [f32], v: &mut [usize], z: &mut [f32]) {
    let mut k = 0usize; // parabolas in the envelope
    for (q, &fq) in f.iter().enumerate() {
        if fq.is_infinite() {
            continue;
        }
        let hq = fq + (q * q) as f32;
        while k > 0 {
            let p = v[k - 1];
            let s = (hq - (f[p] + (p * p) as f32)) / (2 * (q - p)) as f32;
            if s > z[k - 1] {
                break;
            }
            k -= 1;
        }
        v[k] = q;
        z[k] = if k == 0 {
            f32::NEG_INFINITY
        } else {
            let p = v[k - 1];
            (hq - (f[p] + (p * p) as f32)) / (2 * (q - p)) as f32
        };
        z[k + 1] = f32::INFINITY;
        k += 1;
    }
    if k == 0 {
        out.fill(f32::INFINITY);
        return;
    }
    let mut j = 0;
    for (q, o) in out.iter_mut().enumerate() {
        while z[j + 1] < q as f32 {
            j += 1;
        }
        let dq = q as f32 - v[j] as f32;
        *o = dq * dq + f[v[j]];
    }
}

/// In-place box blur of radius `r` (window 2r+1), rows then columns, zero outside the canvas;
/// running sums keep it linear in pixels for any radius.
fn box_blur(mask: &mut [f32], w: usize, h: usize, r: usize) {
    let norm = 1.0 / (2 * r + 1) as f32;
    let mut src = vec![0f32; w];
    for row in mask.chunks_exact_mut(w) {
        src.copy_from_slice(row);
        let mut acc: f32 = src[..r.min(w)].iter().sum();
        for (x, out) in row.iter_mut().enumerate() {
            if x + r < w {
                acc += src[x + r];
            }
            if x > r {
                acc -= src[x - r - 1];
            }
            *out = acc.max(0.0) * norm;
        }
    }
    // Columns: a running sum of whole rows keeps memory access sequential. Rows leaving the
    // window are kept in a ring of the last 2r+1 originals.
    let window = 2 * r + 1;
    let mut ring = vec![0f32; window * w];
    let mut sum = vec![0f32; w];
    for y in 0..h + r {
        // Row y enters the window of output row y - r.
        if y < h {
            let row = &mask[y * w..(y + 1) * w];
            let slot = &mut ring[(y % window) * w..(y % window + 1) * w];
            for ((s, &v), o) in sum.iter_mut().zip(row).zip(slot.iter_mut()) {
                *s += v;
                *o = v;
            }
        }
        if y >= r {
            let out_y = y - r;
            let out = &mut mask[out_y * w..(out_y + 1) * w];
            for (o, &s) in out.iter_mut().zip(&sum) {
                *o = s.max(0.0) * norm;
            }
            // Row out_y - r leaves before the next output row.
            if out_y >= r {
                let old = out_y - r;
                let slot = &ring[(old % window) * w..(old % window + 1) * w];
                for (s, &v) in sum.iter_mut().zip(slot) {
                    *s -= v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEJAVU_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
    const FRAMES: [(u32, u32); 4] = [(1920, 1080), (1080, 1920), (1080, 1080), (3840, 2160)];
    const ROLES: [TextRole; 3] = [TextRole::Title, TextRole::Caption, TextRole::EndCard];
    const LONG_CAPTION: &str = "Our beans are roasted fresh every single morning in small \
        batches and shipped to your door within two days of roasting";
    const LONG_CHINESE: &str = "我们每天早上新鲜烘焙咖啡豆，小批量生产，并在两天之内送到您家门口，让您每天都能喝到最新鲜的咖啡。";

    fn discovered() -> FontSet {
        FontSet::discover().expect("fonts are installed on this machine")
    }

    fn dejavu_only() -> FontSet {
        FontSet::from_paths(&[PathBuf::from(DEJAVU_BOLD)]).expect("DejaVu Sans Bold is installed")
    }

    /// Fonts with CJK glyphs, or None (with a note) where none is installed.
    fn cjk_fonts() -> Option<FontSet> {
        let fonts = discovered();
        if fonts.has_cjk() {
            Some(fonts)
        } else {
            eprintln!("note: no CJK font installed (apt-get install -y fonts-noto-cjk); skipped");
            None
        }
    }

    /// The safe area from the spec's fractions, computed independently of `SafeArea`:
    /// (left, top, right, bottom) in frame pixels.
    fn spec_safe(w: u32, h: u32) -> (f64, f64, f64, f64) {
        let (w, h) = (f64::from(w), f64::from(h));
        if h > w {
            (0.06 * w, 0.10 * h, 0.86 * w, 0.78 * h)
        } else {
            (0.05 * w, 0.08 * h, 0.95 * w, 0.92 * h)
        }
    }

    fn pixel(rgba: &[u8], p: &Placed, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * p.width + x) * 4) as usize;
        rgba[i..i + 4].try_into().unwrap()
    }

    #[test]
    fn cjk_renders_as_distinct_glyphs() {
        let Some(fonts) = cjk_fonts() else { return };
        let mut images = Vec::new();
        for c in ['你', '好', '世', '界'] {
            let (placed, rgba) =
                render_text_rgba(&c.to_string(), TextRole::Caption, 1920, 1080, &fonts).unwrap();
            // Real ink: the glyph draws plenty of near-white text pixels on the box.
            let white = rgba
                .chunks_exact(4)
                .filter(|p| p[0] > 230 && p[3] > 230)
                .count();
            assert!(white > 200, "{c}: only {white} text pixels");
            images.push((c, placed, rgba));
        }
        for (i, a) in images.iter().enumerate() {
            for b in &images[i + 1..] {
                assert!(
                    a.1 != b.1 || a.2 != b.2,
                    "'{}' and '{}' rendered identically (tofu?)",
                    a.0,
                    b.0
                );
            }
        }
        // Together they lay out as four full-width cells, not four narrow boxes.
        let (one, _) = render_text_rgba("你", TextRole::Caption, 1920, 1080, &fonts).unwrap();
        let (four, _) =
            render_text_rgba("你好世界", TextRole::Caption, 1920, 1080, &fonts).unwrap();
        let em = 0.05 * 1080.0;
        let grown = f64::from(four.width - one.width);
        assert!(
            (grown - 3.0 * em).abs() < 0.1 * em,
            "3 more chars added {grown} px"
        );
    }

    #[test]
    fn cjk_without_a_cjk_font_is_an_error_not_tofu() {
        let fonts = dejavu_only();
        match fonts.check_coverage("你好世界") {
            Err(FontError::Missing { chars, .. }) => assert_eq!(chars, "你好世界"),
            other => panic!("expected Missing, got {other:?}"),
        }
        let err = render_text_rgba("Hi 你好世界", TextRole::Title, 1920, 1080, &fonts).unwrap_err();
        match &err {
            TextError::Font(FontError::Missing { chars, .. }) => assert_eq!(chars, "你好世界"),
            other => panic!("expected Missing, got {other:?}"),
        }
        assert!(err.to_string().contains('界'), "{err}");

        let path = std::env::temp_dir().join(format!("reelsmith-tofu-{}.png", std::process::id()));
        let err = render_text_png("你好世界", TextRole::Caption, 1920, 1080, &fonts, &path);
        assert!(matches!(
            err,
            Err(TextError::Font(FontError::Missing { .. }))
        ));
        assert!(!path.exists(), "no image may be written for uncovered text");
    }

    #[test]
    fn mixed_latin_and_cjk_use_both_fonts() {
        let Some(fonts) = cjk_fonts() else { return };
        let shaper = Shaper {
            fonts: &fonts,
            size: 50.0,
        };
        let (glyphs, _) = shaper.shape("Hello 世界 2026");
        let mut used: Vec<usize> = glyphs.iter().map(|g| g.font).collect();
        used.dedup();
        // Latin, then CJK, then digits back in the Latin font.
        assert_eq!(used, vec![0, 1, 0]);
        assert_eq!(glyphs.len(), "Hello世界2026".chars().count());
        let (placed, rgba) =
            render_text_rgba("Hello 世界 2026", TextRole::Title, 1920, 1080, &fonts).unwrap();
        assert_eq!(rgba.len(), (placed.width * placed.height * 4) as usize);
    }

    #[test]
    fn every_role_stays_inside_the_safe_area() {
        let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
        let mut texts = vec![
            "Summer Sale",
            "Summer Sale — 50% Off Everything In Store Today Only",
            LONG_CAPTION,
            "Supercalifragilisticexpialidocious-and-then-some-more-unbreakable-text",
        ];
        if fonts.has_cjk() {
            texts.extend([LONG_CHINESE, "夏日特卖：全场五折！"]);
        }
        for (w, h) in FRAMES {
            let (left, top, right, bottom) = spec_safe(w, h);
            for role in ROLES {
                for text in &texts {
                    let (p, rgba) = render_text_rgba(text, role, w, h, &fonts)
                        .unwrap_or_else(|e| panic!("{w}x{h} {role:?} {text:?}: {e}"));
                    let what = format!("{w}x{h} {role:?} {text:?} at {p:?}");
                    assert_eq!(rgba.len(), (p.width * p.height * 4) as usize, "{what}");
                    assert!(f64::from(p.x) >= left.floor(), "{what}: left of safe area");
                    assert!(f64::from(p.y) >= top.floor(), "{what}: above safe area");
                    assert!(
                        f64::from(p.x + p.width) <= right.ceil(),
                        "{what}: right of safe area"
                    );
                    assert!(
                        f64::from(p.y + p.height) <= bottom.ceil(),
                        "{what}: below safe area"
                    );
                    // Cropped: the outermost rows and columns carry some opacity.
                    let row_has_ink = |y| (0..p.width).any(|x| pixel(&rgba, &p, x, y)[3] > 0);
                    let col_has_ink = |x| (0..p.height).any(|y| pixel(&rgba, &p, x, y)[3] > 0);
                    assert!(
                        row_has_ink(0) && row_has_ink(p.height - 1),
                        "{what}: not cropped"
                    );
                    assert!(
                        col_has_ink(0) && col_has_ink(p.width - 1),
                        "{what}: not cropped"
                    );
                }
            }
        }
    }

    #[test]
    fn roles_sit_where_they_belong() {
        let fonts = dejavu_only();
        for (w, h) in FRAMES {
            let portrait = h > w;
            let (left, top, right, bottom) = spec_safe(w, h);
            let hf = f64::from(h);
            let (t, _) = render_text_rgba("Big News", TextRole::Title, w, h, &fonts).unwrap();
            let centre = f64::from(t.y) + f64::from(t.height) / 2.0;
            let want = if portrait { 0.30 } else { 0.38 } * hf;
            assert!(
                (centre - want).abs() < 0.03 * hf,
                "{w}x{h}: title centre {centre}, want {want}"
            );
            let mid = f64::from(t.x) + f64::from(t.width) / 2.0;
            assert!(
                (mid - (left + right) / 2.0).abs() < 0.02 * f64::from(w),
                "{w}x{h}: title off centre"
            );

            let (c, _) = render_text_rgba("Hello there", TextRole::Caption, w, h, &fonts).unwrap();
            let gap = bottom - f64::from(c.y + c.height);
            assert!(
                (0.0..1.0).contains(&gap),
                "{w}x{h}: caption {gap} px above the safe bottom"
            );

            let (e, _) =
                render_text_rgba("Follow for more", TextRole::EndCard, w, h, &fonts).unwrap();
            let centre = f64::from(e.y) + f64::from(e.height) / 2.0;
            assert!(
                (centre - (top + bottom) / 2.0).abs() < 2.0,
                "{w}x{h}: end card not centred"
            );
        }
    }

    #[test]
    fn long_captions_wrap_within_the_safe_width() {
        let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
        let mut texts = vec![LONG_CAPTION];
        if fonts.has_cjk() {
            texts.push(LONG_CHINESE);
        }
        for (w, h) in FRAMES {
            let (left, _, right, _) = spec_safe(w, h);
            let style = Style::for_role(TextRole::Caption, h > w);
            let (one, _) =
                render_text_rgba("Hello there", TextRole::Caption, w, h, &fonts).unwrap();
            for text in &texts {
                let (p, _) = render_text_rgba(text, TextRole::Caption, w, h, &fonts).unwrap();
                let what = format!("{w}x{h} {text:?} {p:?}");
                // Long captions shrink (to 70%) before taking a third line, so compare with one
                // line's box at the size actually used as well as with a short caption's box.
                let layout = fit(
                    &paragraphs(text),
                    &fonts,
                    &style,
                    &SafeArea::of(w, h),
                    w.min(h),
                )
                .unwrap();
                assert!(layout.lines.len() >= 2, "{what}: {:?}", layout.lines);
                let single = layout.metrics.block(layout.size, 1) + 2.0 * style.pad_y * layout.size;
                assert!(
                    f64::from(p.height) > 1.6 * f64::from(single),
                    "{what}: not wrapped"
                );
                assert!(
                    f64::from(p.height) > 1.3 * f64::from(one.height),
                    "{what}: not wrapped"
                );
                assert!(
                    f64::from(p.width) <= right - left + 1.0,
                    "{what}: wider than safe area"
                );
            }
        }
    }

    #[test]
    fn wrapping_never_drops_text() {
        let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
        let mut texts = vec![LONG_CAPTION.to_string(), "word ".repeat(120)];
        if fonts.has_cjk() {
            texts.push(LONG_CHINESE.repeat(3));
        }
        for text in &texts {
            let paras = paragraphs(text);
            let style = Style::for_role(TextRole::Caption, true);
            let layout = fit(&paras, &fonts, &style, &SafeArea::of(1080, 1920), 1080).unwrap();
            let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            assert_eq!(strip(&layout.lines.concat()), strip(text));
            assert!(layout.lines.len() >= 3, "{} lines", layout.lines.len());
        }
    }

    #[test]
    fn caption_shrinks_before_adding_a_third_line_and_stays_legible_on_phones() {
        let fonts = dejavu_only();
        let style = Style::for_role(TextRole::Caption, true);
        let safe = SafeArea::of(1080, 1920);
        let short = fit(&paragraphs("Hello there"), &fonts, &style, &safe, 1080).unwrap();
        assert!(short.size >= 48.0, "caption {} px on 9:16", short.size);
        let long = fit(&paragraphs(LONG_CAPTION), &fonts, &style, &safe, 1080).unwrap();
        assert!(
            long.size >= 48.0,
            "caption shrank to {} px on 9:16",
            long.size
        );
        let medium = "Fresh beans roasted every morning, shipped today";
        let m = fit(&paragraphs(medium), &fonts, &style, &safe, 1080).unwrap();
        assert!(m.lines.len() <= 2, "{:?}", m.lines);
        assert!(
            m.size < short.size,
            "expected the font to shrink for {medium:?}"
        );
    }

    #[test]
    fn breaks_follow_script_rules() {
        let fonts = cjk_fonts().unwrap_or_else(dejavu_only);
        // Latin breaks only at spaces.
        let units: Vec<String> = break_units("Hello brave world")
            .into_iter()
            .map(|u| u.0)
            .collect();
        assert_eq!(units, vec!["Hello", "brave", "world"]);
        // CJK breaks between characters, never before closing punctuation or after opening.
        let units: Vec<String> = break_units("你好，「世界」！")
            .into_iter()
            .map(|u| u.0)
            .collect();
        assert_eq!(units, vec!["你", "好，", "「世", "界」！"]);
        // Explicit newlines are kept as line breaks.
        let shaper = Shaper {
            fonts: &fonts,
            size: 40.0,
        };
        let lines = shaper
            .wrap(&paragraphs("One\r\ntwo\n\n  three  "), 1000.0, false)
            .unwrap();
        assert_eq!(lines, vec!["One", "two", "three"]);
        // A word wider than the line is split only when allowed.
        assert!(
            shaper
                .wrap(&paragraphs("Wordwordwordword"), 100.0, false)
                .is_none()
        );
        let split = shaper
            .wrap(&paragraphs("Wordwordwordword"), 100.0, true)
            .unwrap();
        assert!(split.len() > 1);
        assert_eq!(split.concat(), "Wordwordwordword");
    }

    #[test]
    fn title_has_white_fill_dark_outline_and_soft_shadow() {
        let fonts = dejavu_only();
        let (p, rgba) =
            render_text_rgba("Summer Sale", TextRole::Title, 1920, 1080, &fonts).unwrap();
        let opaque: Vec<&[u8]> = rgba.chunks_exact(4).filter(|px| px[3] == 255).collect();
        let white = opaque.iter().filter(|px| px[0] >= 240).count();
        let black = opaque.iter().filter(|px| px[0] <= 40).count();
        assert!(white > 1000, "{white} opaque white fill pixels");
        assert!(black > 500, "{black} opaque dark outline pixels");
        // The shadow: translucent dark pixels, none of them near fully opaque.
        let soft = rgba
            .chunks_exact(4)
            .filter(|px| px[0] <= 10 && (20..=140).contains(&px[3]))
            .count();
        assert!(soft > 500, "{soft} soft shadow pixels");
        // Colours stay grey (straight alpha, no channel mix-ups).
        assert!(
            rgba.chunks_exact(4)
                .all(|px| px[0] == px[1] && px[1] == px[2])
        );
        assert_eq!(rgba.len(), (p.width * p.height * 4) as usize);
    }

    #[test]
    fn caption_sits_on_a_translucent_rounded_box() {
        let fonts = dejavu_only();
        let (p, rgba) =
            render_text_rgba("Hello there", TextRole::Caption, 1920, 1080, &fonts).unwrap();
        // Inside the padding near the top-left corner and at the top middle: the box, ~60% black.
        for (x, y) in [(p.height / 10, p.height / 10), (p.width / 2, p.height / 10)] {
            let px = pixel(&rgba, &p, x, y);
            assert!(
                (148..=158).contains(&px[3]),
                "box alpha {} at ({x},{y})",
                px[3]
            );
            assert!(px[0] <= 5, "box colour {} at ({x},{y})", px[0]);
        }
        // The very corner is rounded away.
        assert!(pixel(&rgba, &p, 0, 0)[3] < 60);
        // White text on top.
        let text = rgba
            .chunks_exact(4)
            .filter(|px| px[0] >= 240 && px[3] == 255)
            .count();
        assert!(text > 500, "{text} white text pixels");
    }

    #[test]
    fn end_card_is_outlined_text_on_a_box() {
        let fonts = dejavu_only();
        let (p, rgba) =
            render_text_rgba("Shop now", TextRole::EndCard, 1920, 1080, &fonts).unwrap();
        let px = pixel(&rgba, &p, p.width / 2, p.height / 12);
        assert!((110..=120).contains(&px[3]), "box alpha {}", px[3]);
        let opaque: Vec<&[u8]> = rgba.chunks_exact(4).filter(|px| px[3] == 255).collect();
        assert!(opaque.iter().filter(|px| px[0] >= 240).count() > 1000);
        assert!(opaque.iter().filter(|px| px[0] <= 40).count() > 300);
    }

    #[test]
    fn font_size_scales_with_the_frame() {
        let fonts = dejavu_only();
        let (hd, _) = render_text_rgba("Summer Sale", TextRole::Title, 1920, 1080, &fonts).unwrap();
        let (uhd, _) =
            render_text_rgba("Summer Sale", TextRole::Title, 3840, 2160, &fonts).unwrap();
        for (a, b) in [(hd.height, uhd.height), (hd.width, uhd.width)] {
            let ratio = f64::from(b) / f64::from(a);
            assert!((1.8..=2.2).contains(&ratio), "4K/1080p ratio {ratio}");
        }
    }

    #[test]
    fn png_decodes_with_the_returned_size() {
        let fonts = dejavu_only();
        let path = std::env::temp_dir().join(format!("reelsmith-title-{}.png", std::process::id()));
        let placed =
            render_text_png("Summer Sale", TextRole::Title, 1280, 720, &fonts, &path).unwrap();
        let (_, expected) =
            render_text_rgba("Summer Sale", TextRole::Title, 1280, 720, &fonts).unwrap();
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((info.width, info.height), (placed.width, placed.height));
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert_eq!(&buf[..info.buffer_size()], &expected[..]);
        let mut part = path.into_os_string();
        part.push(".part");
        assert!(!PathBuf::from(part).exists());
    }

    #[test]
    fn empty_text_is_an_error() {
        let fonts = dejavu_only();
        for text in ["", "   ", "\n\t \r\n", "\u{200B}\u{FEFF}"] {
            for role in ROLES {
                let err = render_text_rgba(text, role, 1920, 1080, &fonts).unwrap_err();
                assert!(matches!(err, TextError::Empty { .. }), "{text:?}: {err:?}");
                assert!(err.to_string().contains("empty"), "{err}");
            }
        }
    }

    #[test]
    fn unusable_frames_are_errors() {
        let fonts = dejavu_only();
        for (w, h) in [(0, 1080), (1920, 0), (16, 16), (100_000, 1080)] {
            let err = render_text_rgba("Hi", TextRole::Title, w, h, &fonts).unwrap_err();
            assert!(
                matches!(err, TextError::BadFrame { .. }),
                "{w}x{h}: {err:?}"
            );
        }
        // Far too much text for a tiny frame: an error that says so, not a cut.
        let err =
            render_text_rgba(&"word ".repeat(2000), TextRole::Caption, 64, 64, &fonts).unwrap_err();
        assert!(matches!(err, TextError::TooLong { .. }), "{err:?}");
        assert!(err.to_string().contains("shorten"), "{err}");
    }

    #[test]
    fn outline_grows_the_mask_by_its_radius() {
        // A single covered pixel grows into a disc of the given radius.
        let (w, h) = (21, 21);
        let mut fill = vec![0f32; w * h];
        fill[10 * w + 10] = 1.0;
        let o = outline_mask(&fill, w, h, 4.0);
        assert_eq!(o[10 * w + 14], 1.0); // 4 px right: inside
        assert_eq!(o[10 * w + 16], 0.0); // 6 px right: outside
        assert!(o[13 * w + 13] > 0.5); // diagonal 4.24 px: on the antialiased edge
        assert_eq!(o[14 * w + 14], 0.0); // diagonal 5.66 px: round, not square
        assert_eq!(o[0], 0.0);
    }

    #[test]
    fn box_blur_spreads_and_keeps_mass() {
        let (w, h) = (15, 11);
        let mut mask = vec![0f32; w * h];
        mask[5 * w + 7] = 1.0;
        box_blur(&mut mask, w, h, 2);
        let total: f32 = mask.iter().sum();
        assert!((total - 1.0).abs() < 1e-4);
        assert!((mask[3 * w + 5] - 1.0 / 25.0).abs() < 1e-6);
        assert_eq!(mask[2 * w + 7], 0.0);
    }

    #[test]
    fn fitted_scale_says_when_text_is_drawn_smaller() {
        let fonts = dejavu_only();
        let short = fitted_scale("Summer Sale", TextRole::Title, None, 1920, 1080, &fonts).unwrap();
        assert_eq!(short, 1.0);
        let long = fitted_scale(LONG_CAPTION, TextRole::Caption, None, 1080, 1920, &fonts).unwrap();
        assert!(long < 0.995, "{long}");
        assert!(matches!(
            fitted_scale(
                &"word ".repeat(2000),
                TextRole::Title,
                None,
                320,
                180,
                &fonts
            ),
            Err(TextError::TooLong { .. })
        ));
    }
}
