//! Glyph images from cosmic-text's swash cache, placed on the canvas.
//!
//! Outline glyphs give coverage masks, which take the style's fill colour and feed the outline
//! and shadow. Colour glyphs (emoji bitmaps or colour outlines) keep their own colours, and their
//! opacity joins the mask the outline and shadow grow from, so an emoji gets the same dark edge
//! as the letters beside it.

use super::layout::Layout;
use crate::render::fonts::FontSet;
use cosmic_text::SwashContent;

/// Everything the glyphs put on a canvas, before effects.
pub(super) struct Ink {
    pub(super) w: usize,
    pub(super) h: usize,
    /// Coverage (0–1) of outline glyphs, drawn in the fill colour.
    pub(super) fill: Vec<f32>,
    /// Premultiplied RGBA (0–1) of colour glyphs; empty when the text has none.
    pub(super) colour: Vec<[f32; 4]>,
}

impl Ink {
    /// The opacity of all glyphs together: what outlines and shadows grow from.
    pub(super) fn mask(&self) -> Vec<f32> {
        if self.colour.is_empty() {
            return self.fill.clone();
        }
        self.fill
            .iter()
            .zip(&self.colour)
            .map(|(&f, c)| f.max(c[3]))
            .collect()
    }
}

/// Draws the layout's glyphs on a canvas of its size.
pub(super) fn rasterise(layout: &Layout, fonts: &FontSet) -> Ink {
    rasterise_some(layout, fonts, &|_, _| true)
}

/// As [`rasterise`], drawing only the glyphs `keep(line, glyph)` accepts (the layout, and so
/// every glyph's place, stays that of the whole text).
pub(super) fn rasterise_some(
    layout: &Layout,
    fonts: &FontSet,
    keep: &dyn Fn(usize, &cosmic_text::LayoutGlyph) -> bool,
) -> Ink {
    rasterise_tinted(layout, fonts, keep, &|_, _| None)
}

/// As [`rasterise_some`], drawing the outline glyphs `tint(line, glyph)` gives a colour (linear
/// 0–1 RGB) in that colour instead of the style's fill: they go to the colour layer, so the
/// outline and shadow still grow from them (a karaoke caption's spoken word).
pub(super) fn rasterise_tinted(
    layout: &Layout,
    fonts: &FontSet,
    keep: &dyn Fn(usize, &cosmic_text::LayoutGlyph) -> bool,
    tint: &dyn Fn(usize, &cosmic_text::LayoutGlyph) -> Option<[f32; 3]>,
) -> Ink {
    let (w, h) = (layout.canvas_w as usize, layout.canvas_h as usize);
    let mut ink = Ink {
        w,
        h,
        fill: vec![0.0; w * h],
        colour: Vec::new(),
    };
    let mut engine = fonts.engine();
    let engine = &mut *engine;
    for (i, line) in layout.glyphs.iter().enumerate() {
        let offset = (layout.shift(i), layout.baseline(i));
        for g in line.iter().filter(|g| keep(i, g)) {
            let physical = g.physical(offset, 1.0);
            let Some(image) = engine
                .swash
                .get_image(&mut engine.system, physical.cache_key)
            else {
                continue;
            };
            let p = image.placement;
            let (left, top) = (
                i64::from(physical.x) + i64::from(p.left),
                i64::from(physical.y) - i64::from(p.top),
            );
            let (gw, gh) = (p.width as usize, p.height as usize);
            let tinted = tint(i, g);
            match image.content {
                SwashContent::Mask if tinted.is_some() => {
                    let rgb = tinted.unwrap_or([1.0; 3]);
                    if ink.colour.is_empty() {
                        ink.colour = vec![[0.0; 4]; w * h];
                    }
                    for (row, y) in (top..top + gh as i64).enumerate() {
                        for (col, x) in (left..left + gw as i64).enumerate() {
                            let Some(at) = index(x, y, w, h) else {
                                continue;
                            };
                            let a = f32::from(image.data[row * gw + col]) / 255.0;
                            let dst = &mut ink.colour[at];
                            for k in 0..3 {
                                dst[k] = rgb[k] * a + dst[k] * (1.0 - a);
                            }
                            dst[3] = a + dst[3] * (1.0 - a);
                        }
                    }
                }
                SwashContent::Mask => {
                    for (row, y) in (top..top + gh as i64).enumerate() {
                        for (col, x) in (left..left + gw as i64).enumerate() {
                            let Some(at) = index(x, y, w, h) else {
                                continue;
                            };
                            let c = f32::from(image.data[row * gw + col]) / 255.0;
                            ink.fill[at] = (ink.fill[at] + c).min(1.0);
                        }
                    }
                }
                SwashContent::Color => {
                    if ink.colour.is_empty() {
                        ink.colour = vec![[0.0; 4]; w * h];
                    }
                    for (row, y) in (top..top + gh as i64).enumerate() {
                        for (col, x) in (left..left + gw as i64).enumerate() {
                            let Some(at) = index(x, y, w, h) else {
                                continue;
                            };
                            let px = &image.data[(row * gw + col) * 4..][..4];
                            let a = f32::from(px[3]) / 255.0;
                            let dst = &mut ink.colour[at];
                            for k in 0..3 {
                                dst[k] = f32::from(px[k]) / 255.0 * a + dst[k] * (1.0 - a);
                            }
                            dst[3] = a + dst[3] * (1.0 - a);
                        }
                    }
                }
                // Only produced for subpixel formats, which we never ask for.
                SwashContent::SubpixelMask => {}
            }
        }
    }
    ink
}

/// Index of canvas pixel (x, y), or None off the canvas.
fn index(x: i64, y: i64, w: usize, h: usize) -> Option<usize> {
    ((0..w as i64).contains(&x) && (0..h as i64).contains(&y)).then(|| y as usize * w + x as usize)
}
