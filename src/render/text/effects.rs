//! The look around the glyphs: outline, soft shadow and rounded box, composited with the glyphs
//! into the straight-alpha RGBA image that is overlaid on the video.

use super::raster::Ink;
use super::style::Style;

/// Grey level of outlines: near-black reads as a crisp edge on light footage.
const OUTLINE_GREY: f32 = 20.0 / 255.0;
/// Opacity of the title's drop shadow.
const SHADOW_ALPHA: f32 = 0.5;

/// The glyphs with the style's effects, as straight-alpha RGBA of the ink's size. `size` is the
/// font size in px, which effect widths scale with.
pub(super) fn compose(ink: &Ink, style: &Style, size: f32) -> Vec<u8> {
    compose_marked(ink, style, size, &[])
}

/// An opaque rounded rectangle drawn over the box and under the glyphs (a karaoke caption's
/// highlight behind the spoken word); canvas pixels, `x1`/`y1` exclusive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    pub(super) x0: f32,
    pub(super) y0: f32,
    pub(super) x1: f32,
    pub(super) y1: f32,
    pub(super) radius: f32,
    /// Linear 0–1 RGB.
    pub(super) rgb: [f32; 3],
}

/// As [`compose`], with `marks` drawn over the box and under the shadow, outline and glyphs.
pub(super) fn compose_marked(ink: &Ink, style: &Style, size: f32, marks: &[Mark]) -> Vec<u8> {
    let (w, h) = (ink.w, ink.h);
    let fill = &ink.fill;
    let fx = style.effects(size);
    let needs_mask = fx.outline > 0.0 || fx.shadow > 0;
    let mask = if needs_mask { ink.mask() } else { Vec::new() };
    let outline = (fx.outline > 0.0).then(|| outline_mask(&mask, w, h, fx.outline));
    let shadow = (fx.shadow > 0).then(|| {
        let mut s = outline.clone().unwrap_or_else(|| mask.clone());
        box_blur(&mut s, w, h, fx.blur);
        s
    });

    let mut rgba = vec![0u8; w * h * 4];
    let mut box_row = vec![0f32; if style.box_alpha > 0.0 { w } else { 0 }];
    for y in 0..h {
        let row = y * w..(y + 1) * w;
        let out = &mut rgba[y * w * 4..(y + 1) * w * 4];
        let fill = &fill[row.clone()];
        let colour = ink.colour.get(row.clone());
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
            // (black), outline (dark grey), the glyphs in the fill colour, then colour glyphs.
            let (mut rgb, mut alpha) = ([0f32; 3], 0f32);
            if let Some(&b) = box_row.get(x) {
                alpha = style.box_alpha * b;
                rgb = style.box_rgb.map(|c| c * alpha);
            }
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            for m in marks {
                if px < m.x0 - 1.0 || px > m.x1 + 1.0 || py < m.y0 - 1.0 || py > m.y1 + 1.0 {
                    continue;
                }
                let a = rounded_rect(px - m.x0, py - m.y0, m.x1 - m.x0, m.y1 - m.y0, m.radius);
                rgb = [0, 1, 2].map(|k| m.rgb[k] * a + rgb[k] * (1.0 - a));
                alpha = a + alpha * (1.0 - a);
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
            if let Some(px) = colour.map(|c| c[x]) {
                let a = px[3];
                for (c, p) in rgb.iter_mut().zip(px) {
                    *c = p + *c * (1.0 - a);
                }
                alpha = a + alpha * (1.0 - a);
            }
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
pub(super) fn outline_mask(fill: &[f32], w: usize, h: usize, radius: f32) -> Vec<f32> {
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
pub(super) fn box_blur(mask: &mut [f32], w: usize, h: usize, r: usize) {
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
