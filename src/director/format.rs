//! Output frame format: shape (aspect ratio) and resolution, and the frame size they make.
//!
//! The types are the timeline's ([`crate::timeline::vocab`]), shared with the edit ops; the
//! prompt reader names them and the recipe builds frames of them.

pub use crate::timeline::{Aspect, Resolution};

/// Frame size in pixels for a shape and resolution (both sides even).
pub fn frame_size(a: Aspect, r: Resolution) -> (u32, u32) {
    let s = r.short_side();
    let (p, q) = a.ratio();
    if p >= q {
        ((s * p / q) & !1, s)
    } else {
        (s, (s * q / p) & !1)
    }
}
/// The same edit on a frame of shape `a` with the same short side: the renderer lays the text
/// out again for the new frame (inside its safe zone) and re-frames each picture around its
/// subject; times, words and styles are unchanged.
pub fn reshape(tl: &crate::timeline::Timeline, a: Aspect) -> crate::timeline::Timeline {
    let mut t = tl.clone();
    let short = tl.meta.width.min(tl.meta.height).max(2);
    let (p, q) = a.ratio();
    (t.meta.width, t.meta.height) = if p >= q {
        ((short * p / q) & !1, short)
    } else {
        (short, (short * q / p) & !1)
    };
    t.meta.aspect = Some(a);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_sizes_are_even_and_follow_the_short_side() {
        assert_eq!(
            frame_size(Aspect::Portrait, Resolution::P1080),
            (1080, 1920)
        );
        assert_eq!(
            frame_size(Aspect::Vertical4x5, Resolution::P1080),
            (1080, 1350)
        );
        assert_eq!(
            frame_size(Aspect::Landscape, Resolution::P2160),
            (3840, 2160)
        );
    }
}
