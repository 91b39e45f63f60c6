//! Shaping and wrapping through cosmic-text.
//!
//! We choose the face for each grapheme cluster (see `FontSet::pick`: Arabic gets the Arabic
//! font, emoji the colour font, Latin the first font) and hand cosmic-text the text as runs of
//! those faces. It does the rest: bidi (right-to-left runs reordered per line), shaping with
//! HarfBuzz's rules (Arabic joining, Devanagari conjuncts, Thai marks), and UAX #14 line breaking,
//! which our break policy has already tailored by marks in the text (`breaks::with_break_policy`).
//! Text is shaped once; each font size and width tried after that is only a re-layout.

use super::breaks::with_break_policy;
use crate::render::fonts::script::{Kind, kind_of};
use crate::render::fonts::{Engine, FontSet, is_invisible};
use cosmic_text::{Align, Buffer, LayoutGlyph, Shaping, Wrap};
use std::ops::Range;
use unicode_segmentation::UnicodeSegmentation;

/// A text shaped with our faces, ready to be laid out at any size and width.
pub(super) struct Shaped {
    buffer: Buffer,
}

/// The lines of one layout, top to bottom.
#[derive(Debug)]
pub(super) struct Lines {
    /// Each line's text with our break marks (see `breaks::plain`).
    pub(super) texts: Vec<String>,
    /// Each line's advance width, trailing space excluded.
    pub(super) widths: Vec<f32>,
    /// Each line's glyphs in visual order.
    pub(super) glyphs: Vec<Vec<LayoutGlyph>>,
    /// The x of each line's left edge in its glyphs' coordinates.
    pub(super) starts: Vec<f32>,
    /// The paragraph each line belongs to (glyph byte offsets index into that paragraph).
    pub(super) paras: Vec<usize>,
}

impl Lines {
    pub(super) fn count(&self) -> usize {
        self.texts.len()
    }

    pub(super) fn widest(&self) -> f32 {
        self.widths.iter().copied().fold(0.0, f32::max)
    }
}

impl Shaped {
    /// Prepares `paras` (one per line break the person wrote) at `weight` (700 bold, 400 regular).
    pub(super) fn new(
        fonts: &FontSet,
        engine: &mut Engine,
        paras: &[String],
        weight: u16,
    ) -> Shaped {
        let text = paras
            .iter()
            .map(|p| with_break_policy(p))
            .collect::<Vec<_>>()
            .join("\n");
        let runs = runs(fonts, &text, weight);
        let default = fonts.attrs(runs.first().map_or(0, |r| r.1));
        let mut buffer = Buffer::new_empty(cosmic_text::Metrics::new(16.0, 20.0));
        buffer.set_rich_text(
            runs.iter()
                .map(|(range, face)| (&text[range.clone()], fonts.attrs(*face))),
            &default,
            Shaping::Advanced,
            Some(Align::Center),
        );
        buffer.set_wrap(Wrap::None);
        buffer.shape_until_scroll(&mut engine.system, false);
        Shaped { buffer }
    }

    /// Vertical metrics (per em) over the fonts the shaped glyphs actually use, so a line of
    /// Devanagari or emoji gets room for its taller marks.
    pub(super) fn metrics(&mut self, engine: &mut Engine) -> Metrics {
        let mut used = Vec::new();
        for run in self.buffer.layout_runs() {
            for g in run.glyphs {
                if !used.contains(&(g.font_id, g.font_weight)) {
                    used.push((g.font_id, g.font_weight));
                }
            }
        }
        let mut m = Metrics {
            ascent: 0.0,
            descent: 0.0,
            gap: 0.0,
        };
        for (id, weight) in used {
            let Some(font) = engine.system.get_font(id, weight) else {
                continue;
            };
            let fm = font.metrics();
            let upem = f32::from(fm.units_per_em.max(1));
            m.ascent = m.ascent.max(fm.ascent / upem);
            m.descent = m.descent.min(fm.descent / upem);
            m.gap = m.gap.max(fm.leading / upem);
        }
        if m.ascent <= 0.0 {
            // Nothing drawable was shaped (cannot happen for checked text): a plain Latin box.
            m = Metrics {
                ascent: 0.93,
                descent: -0.24,
                gap: 0.0,
            };
        }
        m
    }

    /// Lays the text out at `size` px in lines at most `width` wide (unbounded when infinite).
    /// Words are never split unless `split_long`; without it, a word wider than the line on its
    /// own makes the layout fail (None) so the caller can shrink the font first.
    pub(super) fn lay_out(
        &mut self,
        engine: &mut Engine,
        size: f32,
        width: f32,
        split_long: bool,
    ) -> Option<Lines> {
        let bounded = width.is_finite();
        self.buffer.set_metrics_and_size(
            cosmic_text::Metrics::new(size, size * 1.2),
            bounded.then_some(width),
            None,
        );
        self.buffer.set_wrap(match (bounded, split_long) {
            (false, _) => Wrap::None,
            (true, false) => Wrap::Word,
            (true, true) => Wrap::WordOrGlyph,
        });
        self.buffer.shape_until_scroll(&mut engine.system, false);
        let mut lines = Lines {
            texts: Vec::new(),
            widths: Vec::new(),
            glyphs: Vec::new(),
            starts: Vec::new(),
            paras: Vec::new(),
        };
        for run in self.buffer.layout_runs() {
            if bounded && run.line_w > width + 0.01 {
                return None;
            }
            let start = run.glyphs.iter().map(|g| g.start).min().unwrap_or(0);
            let end = run.glyphs.iter().map(|g| g.end).max().unwrap_or(0);
            lines.texts.push(run.text[start..end].to_string());
            lines.widths.push(run.line_w);
            lines.paras.push(run.line_i);
            lines
                .starts
                .push(run.glyphs.iter().map(|g| g.x).fold(f32::INFINITY, f32::min));
            // cosmic-text keeps a right-to-left paragraph's glyphs right to left.
            let mut glyphs = run.glyphs.to_vec();
            if glyphs
                .first()
                .zip(glyphs.last())
                .is_some_and(|(a, b)| a.x > b.x)
            {
                glyphs.reverse();
            }
            lines.glyphs.push(glyphs);
        }
        for s in &mut lines.starts {
            if !s.is_finite() {
                *s = 0.0;
            }
        }
        Some(lines)
    }

    /// Which face of the chain each glyph of `lines` came from (tests check font choice).
    #[cfg(test)]
    pub(super) fn faces(&self, engine: &Engine, lines: &Lines) -> Vec<Option<usize>> {
        lines
            .glyphs
            .iter()
            .flatten()
            .map(|g| engine.face_of(g.font_id))
            .collect()
    }
}

/// Extra space between lines, in em, so outlines of stacked lines do not touch.
pub(super) const LEADING: f32 = 0.08;

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

/// `text` cut into runs of one face each: every grapheme cluster gets the face `FontSet::pick`
/// chooses for it. Spaces, digits and punctuation get the face of the text around them when
/// that is a single script's font that has them (an Arabic sentence's spaces and commas are
/// Arabic-font ones, so the run is shaped as one), else the chain's first face that has them
/// (digits after Chinese stay in the Latin font, as they were before).
fn runs(fonts: &FontSet, text: &str, weight: u16) -> Vec<(Range<usize>, usize)> {
    struct Cluster {
        range: Range<usize>,
        visible: Vec<char>,
        face: Option<usize>,
    }
    let mut clusters: Vec<Cluster> = text
        .grapheme_indices(true)
        .map(|(i, g)| {
            let visible: Vec<char> = g.chars().filter(|&c| !is_invisible(c)).collect();
            let kind = kind_of(g);
            let face = match kind {
                _ if visible.is_empty() => None,
                Kind::Neutral => None,
                _ => fonts
                    .pick(&visible, kind, weight)
                    .or_else(|| fonts.pick(&visible[..1], kind, weight)),
            };
            Cluster {
                range: i..i + g.len(),
                visible,
                face,
            }
        })
        .collect();
    // Neutral clusters: the previous or next script font if it has them, else the chain's.
    let decided: Vec<Option<usize>> = clusters.iter().map(|c| c.face).collect();
    let mut prev: Option<usize> = None;
    for (i, c) in clusters.iter_mut().enumerate() {
        if c.face.is_none() {
            let next = decided[i + 1..].iter().flatten().next().copied();
            let fits = |f: &usize| fonts.is_script_font(*f) && fonts.covers_all(*f, &c.visible);
            c.face = prev
                .filter(fits)
                .or_else(|| next.filter(fits))
                .or_else(|| fonts.pick(&c.visible, Kind::Neutral, weight))
                .or(prev)
                .or(next);
        }
        prev = c.face.or(prev);
    }
    let mut out: Vec<(Range<usize>, usize)> = Vec::new();
    for c in clusters {
        let face = c.face.unwrap_or(0);
        match out.last_mut() {
            Some((r, f)) if *f == face => r.end = c.range.end,
            _ => out.push((c.range, face)),
        }
    }
    out
}
