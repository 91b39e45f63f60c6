//! Ken Burns motion: a fitted still (one `w`×`h` frame) made into the frames of its shot.
//!
//! Per-frame scaling is the costliest filter work of a render, so a shot scales per frame only
//! when its motion needs it:
//! - no motion: the one frame, repeated;
//! - a pan (zoom held): the picture scaled once to the zoomed size, then a crop that moves in
//!   whole output pixels — no scaling per frame;
//! - a zoom: `zoompan` over a canvas twice the output (up to 1080p), so the window moves in
//!   steps of one output pixel.
//!
//! Each still is converted to yuv420p once, before it is repeated, so no frame is converted.

use crate::timeline::{Focus, Motion};

/// Where the motion goes: (zoom start, end, centre x start, end, centre y start, end), all
/// relative; `focus` (0–1 of the frame) moves the centre, and the window is kept inside the
/// picture, so a focus near an edge moves as far as it can.
fn path(motion: Motion, focus: Option<Focus>) -> (f64, f64, f64, f64, f64, f64) {
    let (z0, z1, mut x0, mut x1, mut y0, mut y1) = match motion {
        Motion::ZoomIn => (1.0, 1.15, 0.5, 0.5, 0.5, 0.5),
        Motion::ZoomOut => (1.15, 1.0, 0.5, 0.5, 0.5, 0.5),
        Motion::PanLeft => (1.12, 1.12, 0.55, 0.45, 0.5, 0.5),
        Motion::PanRight => (1.12, 1.12, 0.45, 0.55, 0.5, 0.5),
        Motion::PanUp => (1.12, 1.12, 0.5, 0.5, 0.55, 0.45),
        Motion::PanDown => (1.12, 1.12, 0.5, 0.5, 0.45, 0.55),
        Motion::None => (1.0, 1.0, 0.5, 0.5, 0.5, 0.5),
    };
    if let Some(f) = focus {
        let (dx, dy) = (f.x.clamp(0.0, 1.0) - 0.5, f.y.clamp(0.0, 1.0) - 0.5);
        (x0, x1, y0, y1) = (x0 + dx, x1 + dx, y0 + dy, y1 + dy);
    }
    (z0, z1, x0, x1, y0, y1)
}

/// The canvas zoompan crops from: twice the output up to 1080p, the output itself above that
/// (4K is already fine-grained).
fn zoom_canvas(w: u32, h: u32) -> (u32, u32) {
    if w * h <= 1920 * 1080 {
        (w * 2, h * 2)
    } else {
        (w, h)
    }
}

fn even(v: f64) -> u32 {
    ((v.round() as u32).max(2)) & !1
}

/// Which frames of a shot to draw, and their size and rate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShotFrames {
    /// The whole shot's length in frames.
    pub shot: u64,
    /// Its first frame drawn (a window of the video may start part-way into a shot).
    pub skip: u64,
    /// Frames drawn.
    pub count: u64,
    /// Output width.
    pub w: u32,
    /// Output height.
    pub h: u32,
    /// Output frame rate.
    pub fps: u32,
}

/// The filters (after the fitted still) drawing frames `f` of a shot: yuv420p at `f.fps`,
/// `f.w`×`f.h`.
pub(crate) fn still_motion(motion: Motion, focus: Option<Focus>, f: ShotFrames) -> String {
    let (z0, z1, x0, x1, y0, y1) = path(motion, focus);
    if z0 != z1 {
        return zoompan(z0, z1, (x0, x1, y0, y1), f);
    }
    let ShotFrames { w, h, fps, .. } = f;
    let repeat = format!(
        "loop=loop={}:size=1:start=0,settb=1/{fps},setpts=N,fps={fps}",
        f.count.saturating_sub(1)
    );
    if z0 == 1.0 {
        // The whole picture, still: a window the size of the frame cannot move.
        return format!("format=yuv420p,{repeat}");
    }
    let (sw, sh) = (even(f64::from(w) * z0), even(f64::from(h) * z0));
    let p = progress("n", f);
    format!(
        "scale={sw}:{sh},format=yuv420p,{repeat},crop={w}:{h}:x='({x0:.4}+{dx:.4}*{p})*{sw}-{hw}':y='({y0:.4}+{dy:.4}*{p})*{sh}-{hh}':exact=1",
        dx = x1 - x0,
        dy = y1 - y0,
        hw = w / 2,
        hh = h / 2,
    )
}

/// How far along the shot frame `var` (counted from the window's first frame) is, 0–1.
fn progress(var: &str, f: ShotFrames) -> String {
    let span = f.shot.saturating_sub(1).max(1);
    if f.skip == 0 {
        format!("({var}/{span})")
    } else {
        format!("(({var}+{skip})/{span})", skip = f.skip)
    }
}

fn zoompan(z0: f64, z1: f64, (x0, x1, y0, y1): (f64, f64, f64, f64), f: ShotFrames) -> String {
    let ShotFrames { w, h, fps, .. } = f;
    let (kw, kh) = zoom_canvas(w, h);
    let p = progress("on", f);
    format!(
        "scale={kw}:{kh},format=yuv420p,zoompan=z='{z0:.4}+{dz:.4}*{p}':x='({x0:.4}+{dx:.4}*{p})*iw-iw/zoom/2':y='({y0:.4}+{dy:.4}*{p})*ih-ih/zoom/2':d={d}:s={w}x{h}:fps={fps}",
        d = f.count,
        dz = z1 - z0,
        dx = x1 - x0,
        dy = y1 - y0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(shot: u64, skip: u64, count: u64) -> ShotFrames {
        ShotFrames {
            shot,
            skip,
            count,
            w: 1920,
            h: 1080,
            fps: 30,
        }
    }

    #[test]
    fn a_zoom_moves_between_the_given_points() {
        let z = still_motion(Motion::ZoomIn, None, frames(91, 0, 91));
        assert!(
            z.starts_with("scale=3840:2160,format=yuv420p,zoompan="),
            "{z}"
        );
        assert!(z.contains("d=91"), "{z}");
        assert!(z.contains("z='1.0000+0.1500*(on/90)'"), "{z}");
        // Part-way into the shot: the same path, from frame 30 on.
        let z = still_motion(Motion::ZoomIn, None, frames(91, 30, 61));
        assert!(z.contains("d=61"), "{z}");
        assert!(z.contains("((on+30)/90)"), "{z}");
    }

    #[test]
    fn a_pan_scales_once_and_moves_a_crop() {
        let z = still_motion(Motion::PanRight, None, frames(91, 0, 91));
        assert!(
            z.starts_with("scale=2150:1210,format=yuv420p,loop=loop=90:"),
            "{z}"
        );
        assert!(
            z.contains("crop=1920:1080:x='(0.4500+0.1000*(n/90))*2150-960'"),
            "{z}"
        );
        assert!(z.contains("y='(0.5000+0.0000*(n/90))*1210-540'"), "{z}");
        assert!(!z.contains("zoompan"), "{z}");
        let z = still_motion(Motion::PanUp, None, frames(91, 30, 61));
        assert!(z.contains("loop=loop=60:"), "{z}");
        assert!(
            z.contains("y='(0.5500+-0.1000*((n+30)/90))*1210-540'"),
            "{z}"
        );
    }

    #[test]
    fn no_motion_repeats_the_frame() {
        let z = still_motion(Motion::None, None, frames(91, 0, 91));
        assert_eq!(
            z,
            "format=yuv420p,loop=loop=90:size=1:start=0,settb=1/30,setpts=N,fps=30"
        );
    }
}
