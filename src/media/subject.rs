//! Where the subject of a picture is, so a crop to another shape keeps it in frame.
//!
//! Frequency-tuned saliency (Achanta et al. 2009): a pixel stands out by how far its smoothed
//! colour is from the picture's mean colour, in a perceptual (Lab-like) space. Pixels well above
//! the mean saliency form the subject; its box is taken between the 5th and 95th percentiles so
//! a stray speck does not stretch it. A picture with no clear subject (nothing stands out, or
//! everything does) reports none, and callers keep the whole picture.

use crate::ffmpeg::{self, RunOptions, Tools};
use crate::media::MediaInfo;

/// The subject's box and centre, as fractions (0–1) of the upright picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subject {
    /// Centre (saliency-weighted), x.
    pub cx: f64,
    /// Centre, y.
    pub cy: f64,
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

/// Width the picture is analysed at (its shape kept).
const ANALYSIS_W: u32 = 96;

/// Find the subject of still `m` (turned upright as the renderer shows it).
pub async fn find(m: &MediaInfo, tools: &Tools) -> Result<Option<Subject>, ffmpeg::FfmpegError> {
    let (w, h) = analysis_size(m);
    let mut cmd = tools.ffmpeg_command();
    cmd.arg("-i").arg(&m.path).args([
        "-vf",
        &format!(
            "{}scale={w}:{h}:flags=area,format=rgb24",
            m.upright_filter()
        ),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-",
    ]);
    let out = ffmpeg::run("ffmpeg", cmd, RunOptions::default()).await?;
    if out.stdout.len() != (w * h * 3) as usize {
        return Ok(None);
    }
    Ok(locate(&out.stdout, w, h))
}

/// [`find`], remembered for the life of the process by file identity (path, size, modified
/// time): the shapes of one export, and later exports, look at each picture once.
pub async fn find_cached(m: &MediaInfo, tools: &Tools) -> Option<Subject> {
    type Seen = std::sync::Mutex<std::collections::HashMap<String, Option<Subject>>>;
    static SEEN: std::sync::OnceLock<Seen> = std::sync::OnceLock::new();
    let meta = std::fs::metadata(&m.path).ok()?;
    let key = format!(
        "{}|{}|{:?}|{}",
        m.path.display(),
        meta.len(),
        meta.modified().ok(),
        m.exif_orientation
    );
    let seen = SEEN.get_or_init(Default::default);
    // The shapes of one export ask at once: one looks, the others wait and take its answer.
    let _one = crate::key_lock::one_at_a_time(&format!("subject|{key}")).await;
    if let Some(s) = seen.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return *s;
    }
    // A failed look is not remembered: the next render tries again.
    let s = find(m, tools).await.ok()?;
    seen.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, s);
    s
}

/// The analysis size of an upright picture: [`ANALYSIS_W`] wide, its shape kept.
fn analysis_size(m: &MediaInfo) -> (u32, u32) {
    let aspect = m.aspect().max(0.05);
    let h = ((f64::from(ANALYSIS_W) / aspect).round() as u32).clamp(8, 512);
    (ANALYSIS_W, h)
}

/// Locate the subject in an RGB24 picture of `w`×`h`.
pub fn locate(rgb: &[u8], w: u32, h: u32) -> Option<Subject> {
    let (w, h) = (w as usize, h as usize);
    if w < 4 || h < 4 || rgb.len() < w * h * 3 {
        return None;
    }
    let lab: Vec<[f64; 3]> = rgb
        .chunks_exact(3)
        .take(w * h)
        .map(|p| to_lab(p[0], p[1], p[2]))
        .collect();
    let smooth = blur3(&lab, w, h);
    let mean = lab
        .iter()
        .fold([0.0; 3], |a, p| [a[0] + p[0], a[1] + p[1], a[2] + p[2]]);
    let n = (w * h) as f64;
    let mean = [mean[0] / n, mean[1] / n, mean[2] / n];
    let sal: Vec<f64> = smooth
        .iter()
        .map(|p| {
            ((p[0] - mean[0]).powi(2) + (p[1] - mean[1]).powi(2) + (p[2] - mean[2]).powi(2)).sqrt()
        })
        .collect();
    let avg = sal.iter().sum::<f64>() / n;
    let peak = sal.iter().copied().fold(0.0, f64::max);
    // Nothing stands out: a flat or uniformly busy picture.
    if peak < 8.0 || peak < 2.0 * avg {
        return None;
    }
    let threshold = 2.0 * avg;
    let mut pts: Vec<(usize, usize, f64)> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let s = sal[y * w + x];
            if s > threshold {
                pts.push((x, y, s - threshold));
            }
        }
    }
    let share = pts.len() as f64 / n;
    if pts.is_empty() || share > 0.6 {
        return None;
    }
    let total: f64 = pts.iter().map(|p| p.2).sum();
    let cx = pts.iter().map(|p| (p.0 as f64 + 0.5) * p.2).sum::<f64>() / total / w as f64;
    let cy = pts.iter().map(|p| (p.1 as f64 + 0.5) * p.2).sum::<f64>() / total / h as f64;
    let spread = |mut v: Vec<usize>, len: usize| -> (f64, f64) {
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64;
        (at(0.05) / len as f64, (at(0.95) + 1.0) / len as f64)
    };
    let (x0, x1) = spread(pts.iter().map(|p| p.0).collect(), w);
    let (y0, y1) = spread(pts.iter().map(|p| p.1).collect(), h);
    Some(Subject {
        cx,
        cy,
        x0,
        y0,
        x1,
        y1,
    })
}

/// sRGB → CIE Lab (D65).
fn to_lab(r: u8, g: u8, b: u8) -> [f64; 3] {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(r), lin(g), lin(b));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// A 3×3 box blur (edges clamped): enough smoothing at analysis size to drop texture noise.
fn blur3(img: &[[f64; 3]], w: usize, h: usize) -> Vec<[f64; 3]> {
    let mut out = vec![[0.0; 3]; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0; 3];
            for dy in [-1i64, 0, 1] {
                for dx in [-1i64, 0, 1] {
                    let xx = (x as i64 + dx).clamp(0, w as i64 - 1) as usize;
                    let yy = (y as i64 + dy).clamp(0, h as i64 - 1) as usize;
                    let p = img[yy * w + xx];
                    acc = [acc[0] + p[0], acc[1] + p[1], acc[2] + p[2]];
                }
            }
            out[y * w + x] = [acc[0] / 9.0, acc[1] / 9.0, acc[2] / 9.0];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A soft blue-grey gradient with a red disc of radius `r` (fraction of height) at (cx, cy).
    fn picture(w: usize, h: usize, cx: f64, cy: f64, r: f64) -> Vec<u8> {
        let mut v = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f64 / w as f64, y as f64 / h as f64);
                let d = (((fx - cx) * w as f64).powi(2) + ((fy - cy) * h as f64).powi(2)).sqrt()
                    / h as f64;
                if d < r {
                    v.extend([210, 40, 40]);
                } else {
                    let g = (120.0 + 40.0 * fx) as u8;
                    v.extend([g - 20, g, g + 20]);
                }
            }
        }
        v
    }

    #[test]
    fn finds_a_subject_off_centre() {
        let s = locate(&picture(96, 54, 0.8, 0.4, 0.15), 96, 54).unwrap();
        assert!((s.cx - 0.8).abs() < 0.05, "{s:?}");
        assert!((s.cy - 0.4).abs() < 0.08, "{s:?}");
        assert!(s.x0 > 0.65 && s.x1 < 0.95, "{s:?}");
    }

    #[test]
    fn a_flat_picture_has_no_subject() {
        let flat: Vec<u8> = (0..96 * 54).flat_map(|_| [90, 120, 150]).collect();
        assert_eq!(locate(&flat, 96, 54), None);
    }
}
