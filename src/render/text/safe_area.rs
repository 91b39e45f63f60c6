//! The part of the frame that platform UI leaves free, per aspect ratio.

/// The part of the frame platform UI does not cover; pixel edges, `x1`/`y1` exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SafeArea {
    pub(super) x0: u32,
    pub(super) y0: u32,
    pub(super) x1: u32,
    pub(super) y1: u32,
}

impl SafeArea {
    /// Landscape and square: 5% left/right, 8% top/bottom. Portrait (phone feeds): 10% top, 22%
    /// bottom (caption bar, buttons), 6% left, 14% right (like/share column).
    pub(super) fn of(w: u32, h: u32) -> SafeArea {
        // Margins in thousandths, rounded inwards.
        let (left, right, top, bottom) = if h > w {
            (60, 140, 100, 220)
        } else {
            (50, 50, 80, 80)
        };
        let inner = |len: u32, start: u64, end: u64| {
            let len = u64::from(len);
            (
                (len * start).div_ceil(1000) as u32,
                (len * (1000 - end) / 1000) as u32,
            )
        };
        let (x0, x1) = inner(w, left, right);
        let (y0, y1) = inner(h, top, bottom);
        SafeArea { x0, y0, x1, y1 }
    }

    pub(super) fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    pub(super) fn height(&self) -> u32 {
        self.y1 - self.y0
    }
}
