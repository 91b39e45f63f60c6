//! The typewriter entrance: the text's own layout drawn with its first clusters only, step by
//! step. Every step keeps the whole text's layout (lines, centring, box), so nothing jumps as
//! letters arrive; clusters come in reading order (a right-to-left line fills from the right,
//! Arabic letters arrive already joined, a conjunct arrives whole).

use super::{Placed, TextError, crop_to, effects, lay_out, place_ink, raster};
use crate::render::fonts::FontSet;
use crate::timeline::TextRole;
use crate::timeline::style::TextStyle;

/// The text drawn `steps` times, each step showing more of it (the last shows all), all placed
/// as the whole text is. `max_steps` bounds the frames; clusters are grouped when there are more.
pub fn render_typewriter_rgba(
    text: &str,
    role: TextRole,
    edit: Option<&TextStyle>,
    frame_w: u32,
    frame_h: u32,
    fonts: &FontSet,
    max_steps: usize,
) -> Result<(Placed, Vec<Vec<u8>>), TextError> {
    let (layout, style, safe) = lay_out(text, role, edit, frame_w, frame_h, fonts)?;
    let full = effects::compose(&raster::rasterise(&layout, fonts), &style, layout.size);
    // Every step is cut to the whole text's ink box, so it sits exactly where the text will.
    let (placed, ink) = place_ink(&layout, &style, &safe, frame_w, frame_h, &full);
    // Clusters in reading order: line by line, and by their place in the text within a line
    // (not by x, so right-to-left runs read right to left).
    let mut clusters: Vec<(usize, usize)> = layout
        .glyphs
        .iter()
        .enumerate()
        .flat_map(|(i, line)| line.iter().map(move |g| (i, g.start)))
        .collect();
    clusters.sort_unstable();
    clusters.dedup();
    let n = clusters.len().max(1);
    let steps = n.min(max_steps.max(1));
    let frames = (1..=steps)
        .map(|k| {
            let last = clusters
                .get((k * n).div_ceil(steps).saturating_sub(1))
                .copied()
                .unwrap_or((usize::MAX, usize::MAX));
            let glyphs = raster::rasterise_some(&layout, fonts, &|i, g| (i, g.start) <= last);
            let rgba = effects::compose(&glyphs, &style, layout.size);
            crop_to(&rgba, layout.canvas_w as usize, ink)
        })
        .collect();
    Ok((placed, frames))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::text::tests::discovered;

    fn ink(rgba: &[u8]) -> usize {
        rgba.chunks(4).filter(|p| p[3] > 200).count()
    }

    /// Columns with opaque ink, as a fraction-of-width centre of mass.
    fn centre_x(rgba: &[u8], w: usize) -> f64 {
        let (mut sum, mut n) = (0.0, 0.0);
        for (i, p) in rgba.chunks(4).enumerate() {
            if p[3] > 200 {
                sum += (i % w) as f64;
                n += 1.0;
            }
        }
        sum / n / w as f64
    }

    #[test]
    fn letters_arrive_in_reading_order_on_the_final_layout() {
        let fonts = discovered();
        let style = TextStyle {
            background: Some(false),
            ..Default::default()
        };
        let (placed, frames) = render_typewriter_rgba(
            "Hello there",
            TextRole::Title,
            Some(&style),
            1280,
            720,
            &fonts,
            64,
        )
        .unwrap();
        let (full_placed, full) = super::super::render_styled_rgba(
            "Hello there",
            TextRole::Title,
            Some(&style),
            1280,
            720,
            &fonts,
        )
        .unwrap();
        assert_eq!(placed, full_placed);
        assert_eq!(
            frames.last().unwrap(),
            &full,
            "the last step is the whole text"
        );
        let counts: Vec<usize> = frames.iter().map(|f| ink(f)).collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
        assert!(counts[0] * 5 < counts[counts.len() - 1]);
        // Latin fills from the left; Arabic from the right.
        let w = placed.width as usize;
        assert!(centre_x(&frames[2], w) < 0.3);
        let (pa, arabic) = render_typewriter_rgba(
            "مرحبا بالعالم",
            TextRole::Title,
            Some(&style),
            1280,
            720,
            &fonts,
            64,
        )
        .unwrap();
        assert!(centre_x(&arabic[2], pa.width as usize) > 0.7);
        // Steps are bounded.
        let (_, few) = render_typewriter_rgba(
            "Hello there",
            TextRole::Title,
            Some(&style),
            1280,
            720,
            &fonts,
            4,
        )
        .unwrap();
        assert_eq!(few.len(), 4);
        assert_eq!(few.last().unwrap(), &full);
    }
}
