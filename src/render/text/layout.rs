//! Fitting text to the safe area: paragraphs, our line-break policy, font size, wrapping and
//! balancing. Shaping and measuring are cosmic-text's (see `shape`); the decisions are ours.

use super::safe_area::SafeArea;
use super::shape::{Lines, Shaped};
use super::style::Style;
use crate::render::fonts::{FontSet, is_invisible};
use cosmic_text::LayoutGlyph;
use unicode_linebreak::{BreakOpportunity, linebreaks};

/// Extra space between lines, in em, so outlines of stacked lines do not touch.
pub(super) const LEADING: f32 = 0.08;
/// Font-size steps tried, as fractions of the role's size, before allowing an extra line.
const SHRINK_STEPS: [f32; 4] = [1.0, 0.9, 0.8, 0.7];
/// Binds two characters so no line breaks between them; zero-width and invisible.
pub(super) const WORD_JOINER: char = '\u{2060}';
/// A space no line breaks at.
pub(super) const NO_BREAK_SPACE: char = '\u{00A0}';

/// Splits text into paragraphs at explicit line breaks, with whitespace runs collapsed to one
/// space and invisible characters dropped; empty paragraphs vanish.
///
/// Joiners (ZWJ/ZWNJ) and variation selectors are kept: they change how emoji and Indic text
/// are shaped, unlike the other invisible characters.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .map(|line| {
            let visible: String = line
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .filter(|&c| c == ' ' || shapes(c) || !is_invisible(c))
                .collect();
            visible.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|p| p.chars().any(|c| !is_invisible(c)))
        .collect()
}

/// Invisible characters that still matter to shaping: joiners and variation selectors.
fn shapes(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}')
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

/// Dashes that, standing alone between spaces, belong to the words before them.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// The paragraph with our line-break policy written into it, where the Unicode line-breaking
/// algorithm (UAX #14, which cosmic-text follows) allows a break we do not want:
/// - a dash standing alone ("Main Street - first cup") stays at the end of its line: the space
///   before it becomes a no-break space, so no line starts with "- first cup";
/// - closing punctuation and small kana never start a line and opening brackets never end one
///   (kinsoku), by a word joiner where UAX #14's default rules would still allow the break.
pub(super) fn with_break_policy(para: &str) -> String {
    let allowed: Vec<usize> = linebreaks(para)
        .filter(|&(_, o)| o == BreakOpportunity::Allowed)
        .map(|(i, _)| i)
        .collect();
    let mut out = String::with_capacity(para.len() + 8);
    let mut prev: Option<char> = None;
    for (i, c) in para.char_indices() {
        if let Some(p) = prev
            && allowed.binary_search(&i).is_ok()
        {
            let word = para[i..].split(' ').next().unwrap_or("");
            let lone_dash = !word.is_empty() && word.chars().all(is_dash);
            if p == ' ' && lone_dash && out.trim_end().chars().next_back().is_some() {
                out.pop();
                out.push(NO_BREAK_SPACE);
            } else if no_break_before(c) || no_break_after(p) {
                out.push(WORD_JOINER);
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// A wrapped line's text as written (our break marks taken out).
pub(super) fn plain(line: &str) -> String {
    line.chars()
        .filter(|&c| c != WORD_JOINER)
        .map(|c| if c == NO_BREAK_SPACE { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Per-em vertical metrics over the fonts a text uses (descent is negative).
#[derive(Debug, Clone, Copy)]
pub(super) struct Metrics {
    pub(super) ascent: f32,
    pub(super) descent: f32,
    pub(super) gap: f32,
}

impl Metrics {
    /// Baseline-to-baseline distance at `size`.
    pub(super) fn step(&self, size: f32) -> f32 {
        (self.ascent - self.descent + self.gap + LEADING) * size
    }

    /// Height of `lines` lines at `size`.
    pub(super) fn block(&self, size: f32, lines: usize) -> f32 {
        (self.ascent - self.descent) * size + lines.saturating_sub(1) as f32 * self.step(size)
    }
}

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
