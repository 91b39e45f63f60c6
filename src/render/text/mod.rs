//! Titles and captions drawn into transparent PNGs that the renderer overlays.
//!
//! Text never reaches an ffmpeg filter graph (no drawtext escaping bugs, no injection): each text
//! segment becomes an RGBA image cropped to its box plus the spot to overlay it at. Sizes follow
//! the frame's short side so 720p, 1080p and 4K look alike, and every pixel lands inside the
//! platform safe area (portrait keeps clear of TikTok/Reels/Shorts buttons and caption bar).
//! Legibility comes from the style, not the footage: titles get a white fill, dark outline and
//! soft shadow; captions sit on a translucent dark box; the end card gets both.
//!
//! Every script is shaped for real (cosmic-text: bidi, Arabic joining, Indic conjuncts, Thai,
//! CJK, colour emoji). The work is split by job: `layout` fits text to the frame with our
//! line-break policy, `shape` drives cosmic-text, `raster` puts glyph images on a canvas,
//! `effects` adds outline, shadow and box, `style` says how each role looks and `safe_area`
//! where it may go.

mod breaks;
mod effects;
mod karaoke;
mod layout;
mod raster;
mod safe_area;
mod shape;
#[cfg(test)]
mod shaping_tests;
mod style;
#[cfg(test)]
mod tests;
mod typewriter;

use super::fonts::{BOLD, FontError, FontSet, REGULAR};
use crate::timeline::TextRole;
use crate::timeline::style::TextStyle;
use breaks::paragraphs;
pub use karaoke::{HIGHLIGHT_RGB, render_karaoke_rgba};
use layout::{Layout, fit, single_lines};
use safe_area::SafeArea;
use std::path::{Path, PathBuf};
use style::{Anchor, Style};
pub use typewriter::render_typewriter_rgba;

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

/// The part of a `w`×`h` frame that platform UI leaves free, as (x0, y0, x1, y1) with x1 and
/// y1 exclusive: where text is laid out, and what export checks hold it to.
pub fn safe_area(w: u32, h: u32) -> (u32, u32, u32, u32) {
    let a = safe_area::SafeArea::of(w, h);
    (a.x0, a.y0, a.x1, a.y1)
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
    write_rgba_png(path, &placed, &rgba)?;
    Ok(placed)
}

/// Write straight-alpha RGBA pixels of `placed`'s size as a PNG at `path`, through a temporary
/// file renamed into place, so a reader never sees half a PNG.
pub fn write_rgba_png(path: &Path, placed: &Placed, rgba: &[u8]) -> Result<(), TextError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let result = write_png(&tmp, path, placed, rgba).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| TextError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
    let rgba = effects::compose(&raster::rasterise(&layout, fonts), &style, layout.size);
    let (placed, ink) = place_ink(&layout, &style, &safe, frame_w, frame_h, &rgba);
    Ok((placed, crop_to(&rgba, layout.canvas_w as usize, ink)))
}

/// A drawn canvas's ink box (x, y, w, h on the canvas; the whole canvas when it is clear) and
/// where that box sits on the frame.
fn place_ink(
    layout: &Layout,
    style: &Style,
    safe: &SafeArea,
    frame_w: u32,
    frame_h: u32,
    rgba: &[u8],
) -> (Placed, (usize, usize, usize, usize)) {
    let (w, h) = (layout.canvas_w as usize, layout.canvas_h as usize);
    let ink = opaque_bounds(rgba, w, h).unwrap_or((0, 0, w, h));
    let (x0, y0) = canvas_origin(layout, style, safe, frame_w, frame_h);
    let placed = Placed {
        x: x0 + ink.0 as u32,
        y: y0 + ink.1 as u32,
        width: ink.2 as u32,
        height: ink.3 as u32,
    };
    (placed, ink)
}

/// Where the uncropped canvas of a laid-out text goes on the frame.
fn canvas_origin(
    layout: &Layout,
    style: &Style,
    safe: &SafeArea,
    frame_w: u32,
    frame_h: u32,
) -> (u32, u32) {
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
    (x0, y0)
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

/// Draws `text` plainly: one line per paragraph at `size_px`, bold or regular, in black with
/// colour glyphs in colour, with no effects, fitting or safe area; straight-alpha RGBA cropped to
/// the ink, with its width and height.
///
/// This is a hook for tests that compare our shaping with another renderer's: it uses the same
/// face choice, shaping and rasteriser as [`render_text_rgba`], so what it shows is what titles
/// get, without the outline and shadow that no reference renderer draws. Not used for videos.
pub fn render_plain_rgba(
    text: &str,
    size_px: f32,
    bold: bool,
    fonts: &FontSet,
) -> Result<(u32, u32, Vec<u8>), TextError> {
    let paras = paragraphs(text);
    if paras.is_empty() {
        return Err(TextError::Empty {
            role: TextRole::Overlay,
        });
    }
    fonts.check_coverage(text)?;
    if !(1.0..=MAX_FRAME as f32 / 4.0).contains(&size_px) {
        return Err(TextError::BadFrame {
            width: size_px as u32,
            height: size_px as u32,
        });
    }
    let weight = if bold { BOLD } else { REGULAR };
    let layout = single_lines(&paras, fonts, size_px, weight, size_px.ceil());
    if layout.canvas_w > MAX_FRAME || layout.canvas_h > MAX_FRAME {
        return Err(TextError::TooLong {
            role: TextRole::Overlay,
            chars: text.chars().count(),
            width: layout.canvas_w,
            height: layout.canvas_h,
        });
    }
    let mut style = Style::for_role(TextRole::Overlay, false);
    style.outline = 0.0;
    style.shadow = 0.0;
    style.fill = [0.0; 3];
    let (w, h) = (layout.canvas_w as usize, layout.canvas_h as usize);
    let rgba = effects::compose(&raster::rasterise(&layout, fonts), &style, size_px);
    let ink = opaque_bounds(&rgba, w, h).unwrap_or((0, 0, w, h));
    Ok((ink.2 as u32, ink.3 as u32, crop_to(&rgba, w, ink)))
}

/// The glyphs `text` is shaped into, one line per paragraph, in visual (left-to-right) order:
/// each as the font file and face index it comes from and its glyph id in that face.
///
/// A hook for tests that compare our shaping with HarfBuzz's own `hb-shape` on the same font
/// file: equal glyph sequences mean the same letters in the same order with the same joining
/// forms, ligatures and conjuncts. Not used for videos.
pub fn shaped_glyphs(
    text: &str,
    bold: bool,
    fonts: &FontSet,
) -> Result<Vec<(PathBuf, u32, u16)>, TextError> {
    let paras = paragraphs(text);
    if paras.is_empty() {
        return Err(TextError::Empty {
            role: TextRole::Overlay,
        });
    }
    fonts.check_coverage(text)?;
    let weight = if bold { BOLD } else { REGULAR };
    let layout = single_lines(&paras, fonts, 64.0, weight, 0.0);
    let engine = fonts.engine();
    Ok(layout
        .glyphs
        .iter()
        .flatten()
        .filter_map(|g| {
            let (path, face) = fonts.face_file(engine.face_of(g.font_id)?)?;
            Some((path.to_path_buf(), face, g.glyph_id))
        })
        .collect())
}

/// The image cut to its opaque pixels: their bounds (x, y, w, h) and the cut RGBA.
fn crop_to(rgba: &[u8], w: usize, (cx, cy, cw, ch): (usize, usize, usize, usize)) -> Vec<u8> {
    let mut cropped = Vec::with_capacity(cw * ch * 4);
    for row in cy..cy + ch {
        cropped.extend_from_slice(&rgba[(row * w + cx) * 4..(row * w + cx + cw) * 4]);
    }
    cropped
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
