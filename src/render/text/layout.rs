//! Fitting text to the safe area: font size, wrapping and balancing. Shaping and measuring are
//! cosmic-text's (see `shape`); where lines may break is ours (see `breaks`).

use super::breaks::plain;
use super::safe_area::SafeArea;
use super::shape::{Lines, Metrics, Shaped};
use super::style::Style;
use crate::render::fonts::FontSet;
use cosmic_text::LayoutGlyph;

/// Font-size steps tried, as fractions of the role's size, before allowing an extra line.
const SHRINK_STEPS: [f32; 4] = [1.0, 0.9, 0.8, 0.7];
/// A laid-out text: font size, lines, and the canvas that holds them with margins.
#[derive(Debug)]
pub(super) struct Layout {
    pub(super) size: f32,
    /// Each line's text as written (read by tests of the wrapping).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) lines: Vec<String>,
    /// Each line's glyphs in visual order.
    pub(super) glyphs: Vec<Vec<LayoutGlyph>>,
    /// Each line's width and the x its left edge has in its glyphs' coordinates.
    pub(super) widths: Vec<f32>,
    pub(super) starts: Vec<f32>,
    /// The paragraph each line belongs to.
    pub(super) paras: Vec<usize>,
    pub(super) metrics: Metrics,
    pub(super) margins: [f32; 4],
    pub(super) block_w: f32,
    pub(super) canvas_w: u32,
    pub(super) canvas_h: u32,
}

impl Layout {
    /// Baseline of line `i` on the canvas, on a whole pixel so every line renders alike.
    pub(super) fn baseline(&self, i: usize) -> f32 {
        (self.margins[2]
            + self.metrics.ascent * self.size
            + i as f32 * self.metrics.step(self.size))
        .round()
    }

    /// What to add to the x of line `i`'s glyphs to centre the line in the block on the canvas.
    pub(super) fn shift(&self, i: usize) -> f32 {
        self.margins[0] + (self.block_w - self.widths[i]) / 2.0 - self.starts[i]
    }
}

/// Picks the largest size and fewest lines that fit the safe area: the role's size with its line
/// limit, shrinking to 70%; then one more line; then any number of lines (splitting words too
/// long for a line) at ever smaller sizes. Text is never cut; None means it cannot fit at all.
pub(super) fn fit(
    paras: &[String],
    fonts: &FontSet,
    style: &Style,
    safe: &SafeArea,
    short_side: u32,
) -> Option<Layout> {
    let mut engine = fonts.engine();
    let mut shaped = Shaped::new(fonts, &mut engine, paras, style.weight);
    let metrics = shaped.metrics(&mut engine);
    let base = style.size * short_side as f32;
    let floor = (0.012 * short_side as f32).max(6.0);
    let smallest = base * SHRINK_STEPS[SHRINK_STEPS.len() - 1];

    let mut try_fit = |size: f32, max_lines: usize, split_long: bool| -> Option<Layout> {
        let margins = style.margins(size);
        let max_w = safe.width() as f32 - margins[0] - margins[1];
        if max_w <= size {
            return None;
        }
        let mut lines = shaped.lay_out(&mut engine, size, max_w, split_long)?;
        if lines.count() > max_lines {
            return None;
        }
        let block_h = metrics.block(size, lines.count());
        let canvas_h = (margins[2] + block_h + margins[3]).ceil() as u32;
        if canvas_h > safe.height() {
            return None;
        }
        if lines.count() > 1 {
            lines = balance(&mut shaped, &mut engine, size, max_w, lines);
        }
        let block_w = lines.widest();
        let canvas_w = (margins[0] + block_w + margins[1]).ceil() as u32;
        (canvas_w <= safe.width()).then(|| Layout {
            size,
            lines: lines.texts.iter().map(|t| plain(t)).collect(),
            glyphs: lines.glyphs,
            widths: lines.widths,
            starts: lines.starts,
            paras: lines.paras,
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

/// One line per paragraph at `size`, never wrapped: for drawing text plainly (reference tests).
pub(super) fn single_lines(
    paras: &[String],
    fonts: &FontSet,
    size: f32,
    weight: u16,
    margin: f32,
) -> Layout {
    let mut engine = fonts.engine();
    let mut shaped = Shaped::new(fonts, &mut engine, paras, weight);
    let metrics = shaped.metrics(&mut engine);
    let lines = shaped
        .lay_out(&mut engine, size, f32::INFINITY, false)
        .expect("an unbounded line always fits");
    let block_w = lines.widest();
    let margins = [margin; 4];
    Layout {
        size,
        lines: lines.texts.iter().map(|t| plain(t)).collect(),
        canvas_w: (block_w + 2.0 * margin).ceil() as u32,
        canvas_h: (metrics.block(size, lines.count()) + 2.0 * margin).ceil() as u32,
        glyphs: lines.glyphs,
        widths: lines.widths,
        starts: lines.starts,
        paras: lines.paras,
        metrics,
        margins,
        block_w,
    }
}

/// Re-wraps `greedy` (the greedy wrap at `max_w`) at the narrowest width that needs no more
/// lines, so a title reads "Summer Sale — / 50% Off Everything" rather than leaving one word on
/// its own line. Only the layout is redone at each width; the text is shaped once.
fn balance(
    shaped: &mut Shaped,
    engine: &mut crate::render::fonts::Engine,
    size: f32,
    max_w: f32,
    greedy: Lines,
) -> Lines {
    let (mut lo, mut hi) = (0.0f32, max_w);
    let mut best = None;
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        // Never split a word to balance: at a width where a word no longer fits whole, this
        // width is too narrow.
        match shaped.lay_out(engine, size, mid, false) {
            Some(lines) if lines.count() <= greedy.count() => {
                hi = mid;
                best = Some(lines);
            }
            _ => lo = mid,
        }
    }
    best.unwrap_or(greedy)
}
