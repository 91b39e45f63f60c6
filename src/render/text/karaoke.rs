//! Karaoke captions: one caption line drawn once per spoken word, that word on a highlight box.
//!
//! Every state keeps the whole caption's layout (lines, centring, box) and is cut to the same
//! box, so as the states follow each other only the highlight moves. Words are found in the
//! laid-out glyphs by their visible characters (spaces and our break marks do not count), which
//! works alike for spaced scripts and for CJK, where words are written without spaces.

use super::breaks::{paragraphs, with_break_policy};
use super::effects::{self, Mark};
use super::layout::Layout;
use super::{Placed, TextError, crop_to, lay_out, opaque_bounds, raster};
use crate::render::fonts::{FontSet, is_invisible};
use crate::timeline::TextRole;
use crate::timeline::style::TextStyle;

/// The highlight behind the spoken word: a saturated yellow that no other caption colour uses,
/// so it reads at a glance (and a test can find it in a frame).
pub const HIGHLIGHT_RGB: [u8; 3] = [0xFF, 0xD6, 0x0A];
/// The spoken word's letters on the highlight: near-black for contrast.
const HIGHLIGHT_TEXT_RGB: [u8; 3] = [0x14, 0x14, 0x14];

/// `text` drawn once per word of `words` (the words it is made of, in order), each state with
/// that word highlighted; all states share one placement. A word whose characters cannot be
/// found gets a state without highlight rather than failing the caption.
pub fn render_karaoke_rgba(
    text: &str,
    words: &[&str],
    role: TextRole,
    edit: Option<&TextStyle>,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
) -> Result<(Placed, Vec<Vec<u8>>), TextError> {
    let (layout, style, safe) = lay_out(text, role, edit, frame_w, frame_h, fonts)?;
    let word_of = glyph_words(&layout, text, words);
    let rgb = |c: [u8; 3]| c.map(|v| f32::from(v) / 255.0);
    let (cw, ch) = (layout.canvas_w as usize, layout.canvas_h as usize);
    let states: Vec<Vec<u8>> = (0..words.len())
        .map(|k| {
            let ink = raster::rasterise_tinted(&layout, fonts, &|_, _| true, &|i, g| {
                (word_of(i, g.start) == Some(k)).then_some(rgb(HIGHLIGHT_TEXT_RGB))
            });
            let marks: Vec<Mark> = word_box(&layout, &word_of, k)
                .into_iter()
                .map(|(x0, y0, x1, y1)| {
                    let (px, py) = (0.12 * layout.size, 0.04 * layout.size);
                    Mark {
                        x0: (x0 - px).max(0.0),
                        y0: (y0 - py).max(0.0),
                        x1: (x1 + px).min(cw as f32),
                        y1: (y1 + py).min(ch as f32),
                        radius: 0.18 * layout.size,
                        rgb: rgb(HIGHLIGHT_RGB),
                    }
                })
                .collect();
            effects::compose_marked(&ink, &style, layout.size, &marks)
        })
        .collect();
    // One box for all states: the union of their ink.
    let mut any = vec![0u8; cw * ch * 4];
    for s in &states {
        for (a, b) in any.chunks_exact_mut(4).zip(s.chunks_exact(4)) {
            a[3] = a[3].max(b[3]);
        }
    }
    let ink = opaque_bounds(&any, cw, ch).unwrap_or((0, 0, cw, ch));
    let (x0, y0) = super::canvas_origin(&layout, &style, &safe, frame_w, frame_h);
    let placed = Placed {
        x: x0 + ink.0 as u32,
        y: y0 + ink.1 as u32,
        width: ink.2 as u32,
        height: ink.3 as u32,
    };
    Ok((placed, states.iter().map(|s| crop_to(s, cw, ink)).collect()))
}

/// Which word (index into `words`) the glyph starting at byte `start` of line `line` belongs
/// to, matched by counting visible characters through the text as laid out.
fn glyph_words<'a>(
    layout: &'a Layout,
    text: &str,
    words: &[&str],
) -> impl Fn(usize, usize) -> Option<usize> + 'a {
    // Word of each visible character, in reading order.
    let owner: Vec<usize> = words
        .iter()
        .enumerate()
        .flat_map(|(k, w)| w.chars().filter(|&c| !is_invisible(c)).map(move |_| k))
        .collect();
    // For each paragraph as shaped: byte offset → index of its visible character overall.
    let mut seen = 0usize;
    let paras: Vec<Vec<(usize, usize)>> = paragraphs(text)
        .iter()
        .map(|p| {
            let shaped = with_break_policy(p);
            shaped
                .char_indices()
                .filter(|&(_, c)| !is_invisible(c))
                .map(|(at, _)| {
                    seen += 1;
                    (at, seen - 1)
                })
                .collect()
        })
        .collect();
    move |line: usize, start: usize| {
        let para = paras.get(*layout.paras.get(line)?)?;
        let at = para.binary_search_by_key(&start, |&(b, _)| b).ok()?;
        owner.get(para[at].1).copied()
    }
}

/// The boxes (x0, y0, x1, y1 on the canvas) of word `k`'s glyphs, one per line it is on.
fn word_box(
    layout: &Layout,
    word_of: &dyn Fn(usize, usize) -> Option<usize>,
    k: usize,
) -> Vec<(f32, f32, f32, f32)> {
    let mut out = Vec::new();
    for (i, line) in layout.glyphs.iter().enumerate() {
        let xs: Vec<(f32, f32)> = line
            .iter()
            .filter(|g| word_of(i, g.start) == Some(k))
            .map(|g| (layout.shift(i) + g.x, layout.shift(i) + g.x + g.w))
            .collect();
        if xs.is_empty() {
            continue;
        }
        let x0 = xs.iter().map(|x| x.0).fold(f32::INFINITY, f32::min);
        let x1 = xs.iter().map(|x| x.1).fold(f32::NEG_INFINITY, f32::max);
        let base = layout.baseline(i);
        let m = &layout.metrics;
        out.push((
            x0,
            base - m.ascent * layout.size,
            x1,
            base - m.descent * layout.size,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::text::tests::discovered;

    /// Columns (on the image) where the highlight colour shows.
    fn highlight_columns(rgba: &[u8], w: usize) -> Vec<usize> {
        let mut cols: Vec<usize> = rgba
            .chunks_exact(4)
            .enumerate()
            .filter(|(_, p)| p[3] > 200 && p[0] > 220 && p[1] > 180 && p[2] < 80)
            .map(|(i, _)| i % w)
            .collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    }

    #[test]
    fn the_highlight_walks_the_words_in_order_on_one_layout() {
        let fonts = discovered();
        let words = ["Fresh", "coffee", "every", "morning."];
        let text = words.join(" ");
        let (placed, states) =
            render_karaoke_rgba(&text, &words, TextRole::Caption, None, 1280, 720, &fonts).unwrap();
        assert_eq!(states.len(), 4);
        let w = placed.width as usize;
        let spans: Vec<(usize, usize)> = states
            .iter()
            .map(|s| {
                let c = highlight_columns(s, w);
                assert!(!c.is_empty(), "no highlight");
                // One run: the highlight is a single box.
                assert_eq!(c.last().unwrap() - c[0] + 1, c.len(), "{c:?}");
                (c[0], *c.last().unwrap())
            })
            .collect();
        for p in spans.windows(2) {
            assert!(p[0].1 < p[1].0, "boxes overlap or go backwards: {spans:?}");
        }
        // "coffee" is wider than "every" (more letters, same font).
        assert!(
            spans[1].1 - spans[1].0 > spans[2].1 - spans[2].0,
            "{spans:?}"
        );
    }

    #[test]
    fn cjk_words_are_found_without_spaces() {
        let fonts = discovered();
        let words = ["欢迎", "来到", "我们的", "新店。"];
        let text = words.concat();
        let (placed, states) =
            render_karaoke_rgba(&text, &words, TextRole::Caption, None, 1280, 720, &fonts).unwrap();
        let w = placed.width as usize;
        let widths: Vec<usize> = states
            .iter()
            .map(|s| highlight_columns(s, w).len())
            .collect();
        // Two, two, three and three characters (the full stop is one wide too).
        assert!(widths.iter().all(|&x| x > 0), "{widths:?}");
        assert!(widths[2] > widths[0] * 5 / 4, "{widths:?}");
    }
}
