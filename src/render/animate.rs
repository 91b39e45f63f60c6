//! Text entrances that ffmpeg's overlay cannot do by expression, drawn ahead of time as a short
//! run of frames: the overlay plays them, then holds the last. (Fades and slides are expressions
//! in the filter graph; a scale that changes per frame is not, because a link's frame size is
//! fixed once the graph is configured.)

use super::text::Placed;
use std::path::{Path, PathBuf};

/// A run of pre-drawn frames and where its canvas sits on the video frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameRun {
    /// printf-style file pattern ("pop3-%03d.png"), numbered from 0.
    pub pattern: PathBuf,
    /// Frames in the run.
    pub count: u64,
    /// Frames per second the run plays at (the video's rate, or slower for typing).
    pub rate: f64,
    /// Canvas position and size on the video frame.
    pub placed: Placed,
}

/// Why the frames could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write animation frame {}: {source}", path.display())]
pub struct FrameError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// Largest scale the pop overshoots to; the canvas is this much bigger than the text.
const OVERSHOOT: f64 = 1.1;

/// How big the text is at `u` (0..=1) through a pop: from 60% up past full size and back, an
/// ease-out with overshoot.
fn pop_scale(u: f64) -> f64 {
    let (c1, c3) = (1.70158, 2.70158);
    let v = u - 1.0;
    let back = 1.0 + c3 * v * v * v + c1 * v * v;
    0.6 + 0.4 * back
}

/// Draw a "pop" entrance: the text scales up from 60% with a slight overshoot over `secs`,
/// fading in over its first half. `rgba` is the text image (straight alpha) as `placed` puts it.
pub fn pop(
    placed: Placed,
    rgba: &[u8],
    frame: (u32, u32),
    fps: u32,
    secs: f64,
    dir: &Path,
    stem: &str,
) -> Result<FrameRun, FrameError> {
    let (w, h) = (placed.width as usize, placed.height as usize);
    // A canvas big enough for the overshoot, centred on the text and kept on the frame.
    let cw = ((w as f64 * OVERSHOOT).ceil() as u32 + 1).min(frame.0) & !1;
    let ch = ((h as f64 * OVERSHOOT).ceil() as u32 + 1).min(frame.1) & !1;
    let cw = cw.max(placed.width.min(frame.0));
    let ch = ch.max(placed.height.min(frame.1));
    let cx = placed.x as i64 + placed.width as i64 / 2;
    let cy = placed.y as i64 + placed.height as i64 / 2;
    let x = (cx - cw as i64 / 2).clamp(0, (frame.0 - cw) as i64) as u32;
    let y = (cy - ch as i64 / 2).clamp(0, (frame.1 - ch) as i64) as u32;
    // Where the text's centre lands on the canvas.
    let ox = f64::from(placed.x) + f64::from(placed.width) / 2.0 - f64::from(x);
    let oy = f64::from(placed.y) + f64::from(placed.height) / 2.0 - f64::from(y);

    let count = ((secs * fps as f64).round() as u64).max(2);
    let pattern = dir.join(format!("{stem}-%03d.png"));
    for i in 0..count {
        let u = i as f64 / (count - 1) as f64;
        let s = pop_scale(u);
        let alpha = (u * 2.0).min(1.0);
        let img = scaled(rgba, w, h, cw as usize, ch as usize, s, (ox, oy), alpha);
        let path = dir.join(format!("{stem}-{i:03}.png"));
        write_png(&path, cw, ch, &img).map_err(|source| FrameError {
            path: path.clone(),
            source,
        })?;
    }
    Ok(FrameRun {
        pattern,
        count,
        rate: f64::from(fps),
        placed: Placed {
            x,
            y,
            width: cw,
            height: ch,
        },
    })
}

/// Typing speed: clusters per second, unless the text's time on screen needs faster.
const TYPE_RATE: f64 = 18.0;
/// Share of its time on screen a text may spend being typed.
const TYPE_SHARE: f64 = 0.6;

/// Steps a typewriter entrance may have for a text on screen `frames` frames at `fps`: never
/// more than one per video frame within its share of the time.
pub fn typewriter_steps(frames: u64, fps: u32) -> usize {
    ((frames as f64 * TYPE_SHARE).floor() as usize)
        .max(1)
        .min((fps as usize).saturating_mul(60))
}

/// Write a typewriter's steps (each the text's whole canvas) as a run played at typing speed,
/// sped up so it ends within its share of `frames`.
pub fn typewriter(
    placed: Placed,
    steps: &[Vec<u8>],
    frames: u64,
    fps: u32,
    dir: &Path,
    stem: &str,
) -> Result<FrameRun, FrameError> {
    for (i, rgba) in steps.iter().enumerate() {
        let path = dir.join(format!("{stem}-{i:03}.png"));
        write_png(&path, placed.width, placed.height, rgba).map_err(|source| FrameError {
            path: path.clone(),
            source,
        })?;
    }
    let budget_s = frames as f64 * TYPE_SHARE / f64::from(fps.max(1));
    let rate = (steps.len() as f64 / budget_s.max(1e-3))
        .max(TYPE_RATE)
        .min(f64::from(fps));
    Ok(FrameRun {
        pattern: dir.join(format!("{stem}-%03d.png")),
        count: steps.len() as u64,
        rate,
        placed,
    })
}

/// `src` (w×h, straight alpha) scaled by `s` about its centre, which lands at `centre` on a
/// cw×ch canvas; bilinear on premultiplied colour so edges do not darken; alpha times `alpha`.
#[allow(clippy::too_many_arguments)]
fn scaled(
    src: &[u8],
    w: usize,
    h: usize,
    cw: usize,
    ch: usize,
    s: f64,
    centre: (f64, f64),
    alpha: f64,
) -> Vec<u8> {
    let mut out = vec![0u8; cw * ch * 4];
    let px = |x: i64, y: i64| -> [f64; 4] {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            return [0.0; 4];
        }
        let i = (y as usize * w + x as usize) * 4;
        let a = src[i + 3] as f64 / 255.0;
        [
            src[i] as f64 * a,
            src[i + 1] as f64 * a,
            src[i + 2] as f64 * a,
            a,
        ]
    };
    for oy in 0..ch {
        for ox in 0..cw {
            // Back into source pixel space (pixel centres at +0.5).
            let sx = (ox as f64 + 0.5 - centre.0) / s + w as f64 / 2.0 - 0.5;
            let sy = (oy as f64 + 0.5 - centre.1) / s + h as f64 / 2.0 - 0.5;
            let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
            let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
            let (a, b, c, d) = (
                px(x0, y0),
                px(x0 + 1, y0),
                px(x0, y0 + 1),
                px(x0 + 1, y0 + 1),
            );
            let mut v = [0.0; 4];
            for k in 0..4 {
                let top = a[k] * (1.0 - fx) + b[k] * fx;
                let bottom = c[k] * (1.0 - fx) + d[k] * fx;
                v[k] = top * (1.0 - fy) + bottom * fy;
            }
            let o = (oy * cw + ox) * 4;
            let a = v[3];
            if a > 0.0 {
                for k in 0..3 {
                    out[o + k] = (v[k] / a).round().clamp(0.0, 255.0) as u8;
                }
                out[o + 3] = (a * alpha * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

fn write_png(path: &Path, w: u32, h: u32, rgba: &[u8]) -> std::io::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut enc = png::Encoder::new(file, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(std::io::Error::other)?;
    writer
        .write_image_data(rgba)
        .map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop_grows_past_full_size_and_settles() {
        assert!((pop_scale(0.0) - 0.6).abs() < 1e-9);
        assert!((pop_scale(1.0) - 1.0).abs() < 1e-9);
        let peak = (0..=100)
            .map(|i| pop_scale(i as f64 / 100.0))
            .fold(0.0, f64::max);
        assert!(peak > 1.03 && peak <= OVERSHOOT, "{peak}");
    }

    #[test]
    fn pop_frames_start_small_and_end_as_the_text() {
        let dir = tempfile::tempdir().unwrap();
        // A 40×20 opaque white block at (100, 50) on a 320×180 frame.
        let rgba = vec![255u8; 40 * 20 * 4];
        let placed = Placed {
            x: 100,
            y: 50,
            width: 40,
            height: 20,
        };
        let run = pop(placed, &rgba, (320, 180), 30, 0.3, dir.path(), "t0").unwrap();
        assert_eq!(run.count, 9);
        let ink = |i: u64| {
            let d = png::Decoder::new(std::io::BufReader::new(
                std::fs::File::open(dir.path().join(format!("t0-{i:03}.png"))).unwrap(),
            ));
            let mut r = d.read_info().unwrap();
            let mut buf = vec![0; r.output_buffer_size().unwrap()];
            r.next_frame(&mut buf).unwrap();
            buf.chunks(4).filter(|p| p[3] > 128).count()
        };
        let (first, last) = (ink(0), ink(run.count - 1));
        assert!(first < last / 2, "{first} vs {last}");
        assert!((last as i64 - 800).abs() < 60, "{last}");
        // The canvas is centred on the text.
        let (p, c) = (run.placed, placed);
        assert_eq!(p.x + p.width / 2, c.x + c.width / 2);
        assert_eq!(p.y + p.height / 2, c.y + c.height / 2);
    }
}
