//! Output frame format: shape (aspect ratio) and resolution, and the frame size they make.
//!
//! Shared by the prompt reader (which names them) and the recipe (which builds frames of them).

/// Frame shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// 16:9 (YouTube, web).
    Landscape,
    /// 9:16 (TikTok, Reels, Shorts).
    Portrait,
    /// 1:1.
    Square,
    /// 4:5 (Instagram feed).
    Vertical4x5,
}

impl Aspect {
    /// Width and height of the ratio.
    pub fn ratio(self) -> (u32, u32) {
        match self {
            Aspect::Landscape => (16, 9),
            Aspect::Portrait => (9, 16),
            Aspect::Square => (1, 1),
            Aspect::Vertical4x5 => (4, 5),
        }
    }

    /// The ratio as people write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Landscape => "16:9",
            Aspect::Portrait => "9:16",
            Aspect::Square => "1:1",
            Aspect::Vertical4x5 => "4:5",
        }
    }

    /// Parse an option value ("9:16", "vertical", "square", …).
    pub fn parse(s: &str) -> Option<Aspect> {
        match s.trim().to_lowercase().replace(['x', '/'], ":").as_str() {
            "16:9" | "landscape" | "horizontal" | "widescreen" | "wide" => Some(Aspect::Landscape),
            "9:16" | "portrait" | "vertical" | "tall" => Some(Aspect::Portrait),
            "1:1" | "square" => Some(Aspect::Square),
            "4:5" => Some(Aspect::Vertical4x5),
            _ => None,
        }
    }
}

/// Output resolution, named by the short side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// 720 px short side.
    P720,
    /// 1080 px short side (the default).
    P1080,
    /// 2160 px short side (4K).
    P2160,
}

impl Resolution {
    /// Pixels on the frame's short side.
    pub fn short_side(self) -> u32 {
        match self {
            Resolution::P720 => 720,
            Resolution::P1080 => 1080,
            Resolution::P2160 => 2160,
        }
    }

    /// Parse an option value ("720p", "1080p", "4k", "2160p").
    pub fn parse(s: &str) -> Option<Resolution> {
        match s.trim().to_lowercase().as_str() {
            "720p" | "720" | "hd" => Some(Resolution::P720),
            "1080p" | "1080" | "full hd" | "fullhd" | "fhd" => Some(Resolution::P1080),
            "4k" | "2160p" | "2160" | "uhd" => Some(Resolution::P2160),
            _ => None,
        }
    }

    /// The name people use.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::P720 => "720p",
            Resolution::P1080 => "1080p",
            Resolution::P2160 => "4k",
        }
    }
}

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
