//! How a picture sits in the frame: cropped around its subject when the crop keeps it whole,
//! otherwise fitted over a blurred fill of itself, and moved by a Ken Burns motion.

use crate::media::subject::Subject;
use std::fmt::Write as _;

/// How a picture fills a frame of another shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// Scaled to cover the frame and cropped; the crop window sits at `ax`, `ay` (0 = left/top
    /// edge of the picture, 1 = right/bottom) of the room it can move in.
    Cover {
        /// Horizontal position of the crop window.
        ax: f64,
        /// Vertical position.
        ay: f64,
    },
    /// Fitted whole over a blurred fill of itself.
    Fill,
}

/// Margin (fraction of the picture) a subject keeps from the crop's edges.
const SUBJECT_MARGIN: f64 = 0.02;

/// Choose how a picture of `aspect` fills a `w`×`h` frame: cropped around its subject when the
/// crop keeps all of it (a focus point the edit set always crops around it), centre-cropped
/// when the shapes nearly match, otherwise fitted over a blurred fill so nothing is cut.
pub fn choose_fit(
    aspect: f64,
    w: u32,
    h: u32,
    focus: Option<crate::timeline::Focus>,
    subject: Option<Subject>,
) -> Fit {
    let frame = f64::from(w) / f64::from(h.max(1));
    // The crop window's size as a fraction of the picture.
    let (fw, fh) = if aspect > frame {
        (frame / aspect, 1.0)
    } else {
        (1.0, aspect / frame)
    };
    let place = |c: f64, f: f64| -> (f64, f64) {
        // Left edge of a window of size f centred on c, kept inside the picture; and its
        // position in the room it can move in.
        let l = (c - f / 2.0).clamp(0.0, (1.0 - f).max(0.0));
        let a = if f < 1.0 { l / (1.0 - f) } else { 0.5 };
        (l, a)
    };
    if let Some(f) = focus {
        let ((_, ax), (_, ay)) = (
            place(f.x.clamp(0.0, 1.0), fw),
            place(f.y.clamp(0.0, 1.0), fh),
        );
        return Fit::Cover { ax, ay };
    }
    if let Some(s) = subject {
        let ((lx, ax), (ly, ay)) = (place(s.cx, fw), place(s.cy, fh));
        let inside = s.x0 >= lx - SUBJECT_MARGIN
            && s.x1 <= lx + fw + SUBJECT_MARGIN
            && s.y0 >= ly - SUBJECT_MARGIN
            && s.y1 <= ly + fh + SUBJECT_MARGIN;
        if inside {
            return Fit::Cover { ax, ay };
        }
    }
    if crate::timeline::crops_to_fill(aspect, frame) {
        Fit::Cover { ax: 0.5, ay: 0.5 }
    } else {
        Fit::Fill
    }
}

/// Filters (each followed by a comma) that make the picture fill the `w`×`h` frame as `fit`
/// says; `i` names the labels of a blurred fill.
pub(crate) fn fit_filters(g: &mut String, fit: Fit, w: u32, h: u32, i: usize) {
    if let Fit::Cover { ax, ay } = fit {
        let _ = write!(
            g,
            "scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}:x='(iw-ow)*{ax:.4}':y='(ih-oh)*{ay:.4}',setsar=1,"
        );
        return;
    }
    // The fill is blurred at 1/8 size: as soft, and 64 times cheaper than blurring full frames.
    let (bw, bh) = (even(w / 8), even(h / 8));
    // boxblur's radius must fit the chroma planes (half size) of small frames such as thumbnails.
    let radius = (bw.min(bh) / 4).clamp(1, 6);
    let _ = write!(
        g,
        "split=2[bg{i}][fg{i}];\
         [bg{i}]scale={bw}:{bh}:force_original_aspect_ratio=increase,crop={bw}:{bh},boxblur={radius}:2,\
         scale={w}:{h},eq=brightness=-0.06:saturation=0.9[bgs{i}];\
         [fg{i}]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2[fgs{i}];\
         [bgs{i}][fgs{i}]overlay=x=(W-w)/2:y=(H-h)/2,setsar=1,"
    );
}

/// Where a point of the picture (fractions) lands on the frame once `fit` has placed it.
pub fn picture_to_frame(aspect: f64, w: u32, h: u32, fit: Fit, x: f64, y: f64) -> (f64, f64) {
    let frame = f64::from(w) / f64::from(h.max(1));
    match fit {
        Fit::Cover { ax, ay } => {
            // The picture scaled to cover, in frame widths/heights.
            let (sw, sh) = if aspect > frame {
                (aspect / frame, 1.0)
            } else {
                (1.0, frame / aspect)
            };
            (x * sw - ax * (sw - 1.0), y * sh - ay * (sh - 1.0))
        }
        Fit::Fill => {
            let (fw, fh) = if aspect > frame {
                (1.0, frame / aspect)
            } else {
                (aspect / frame, 1.0)
            };
            ((1.0 - fw) / 2.0 + x * fw, (1.0 - fh) / 2.0 + y * fh)
        }
    }
}

fn even(n: u32) -> u32 {
    (n.max(2)) & !1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject_at(cx: f64, half: f64) -> Subject {
        Subject {
            cx,
            cy: 0.5,
            x0: cx - half,
            x1: cx + half,
            y0: 0.3,
            y1: 0.7,
        }
    }

    #[test]
    fn a_wide_picture_in_a_tall_frame_crops_around_a_subject_that_fits() {
        // 16:9 picture, 9:16 frame: the crop keeps 31.6% of the width.
        let a = 16.0 / 9.0;
        match choose_fit(a, 1080, 1920, None, Some(subject_at(0.8, 0.1))) {
            Fit::Cover { ax, ay } => {
                assert!(ax > 0.85, "{ax}");
                assert!((ay - 0.5).abs() < 1e-9);
                // The subject's centre lands inside the frame.
                let (fx, _) = picture_to_frame(a, 1080, 1920, Fit::Cover { ax, ay }, 0.8, 0.5);
                assert!((0.2..0.8).contains(&fx), "{fx}");
            }
            f => panic!("{f:?}"),
        }
        // Too wide a subject to crop around: nothing is cut.
        assert_eq!(
            choose_fit(a, 1080, 1920, None, Some(subject_at(0.5, 0.3))),
            Fit::Fill
        );
        assert_eq!(choose_fit(a, 1080, 1920, None, None), Fit::Fill);
        // Nearly the same shape: centre crop.
        assert_eq!(
            choose_fit(a, 1920, 1080, None, None),
            Fit::Cover { ax: 0.5, ay: 0.5 }
        );
    }

    #[test]
    fn fitted_pictures_map_points_into_the_frame() {
        let (x, y) = picture_to_frame(16.0 / 9.0, 1080, 1920, Fit::Fill, 0.5, 0.0);
        assert!((x - 0.5).abs() < 1e-9);
        assert!(y > 0.3 && y < 0.5, "{y}");
    }
}
