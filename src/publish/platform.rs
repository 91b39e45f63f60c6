//! The places people post to: the shape each wants, and the limits an upload must meet.
//!
//! Limits are the platforms' published upload rules as of 2026 (upload size, length); they
//! change, so each check names the limit it used.

use crate::timeline::Aspect;

/// A platform an export can be made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// YouTube (long-form, 16:9).
    Youtube,
    /// TikTok (9:16).
    Tiktok,
    /// Instagram Reels (9:16).
    Reels,
    /// YouTube Shorts (9:16).
    Shorts,
    /// Instagram feed post (4:5).
    InstagramFeed,
}

/// What a platform accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Longest video, seconds.
    pub max_duration_s: f64,
    /// Shortest video, seconds.
    pub min_duration_s: f64,
    /// Largest upload, bytes.
    pub max_bytes: u64,
    /// Frame rates it plays as uploaded.
    pub max_fps: u32,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 5] = [
        Platform::Youtube,
        Platform::Tiktok,
        Platform::Reels,
        Platform::Shorts,
        Platform::InstagramFeed,
    ];

    /// The accepted names, for messages.
    pub const ACCEPTED: &'static str = "youtube, tiktok, reels, shorts, instagram_feed";

    /// Name as written in `formats`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Youtube => "youtube",
            Platform::Tiktok => "tiktok",
            Platform::Reels => "reels",
            Platform::Shorts => "shorts",
            Platform::InstagramFeed => "instagram_feed",
        }
    }

    /// Read a platform name (any case; "instagram" is the feed, "youtube_shorts" is Shorts).
    pub fn parse(s: &str) -> Option<Platform> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match s.as_str() {
            "youtube" | "yt" => Platform::Youtube,
            "tiktok" | "tik_tok" | "douyin" => Platform::Tiktok,
            "reels" | "instagram_reels" | "ig_reels" => Platform::Reels,
            "shorts" | "youtube_shorts" | "yt_shorts" => Platform::Shorts,
            "instagram_feed" | "instagram" | "ig" | "ig_feed" | "feed" => Platform::InstagramFeed,
            _ => return None,
        })
    }

    /// The shape it shows best.
    pub fn aspect(self) -> Aspect {
        match self {
            Platform::Youtube => Aspect::Landscape,
            Platform::Tiktok | Platform::Reels | Platform::Shorts => Aspect::Portrait,
            Platform::InstagramFeed => Aspect::Vertical4x5,
        }
    }

    /// The platforms a file of `aspect` is made for, when none were named.
    pub fn for_aspect(aspect: Aspect) -> Vec<Platform> {
        match aspect {
            Aspect::Landscape => vec![Platform::Youtube],
            Aspect::Portrait => vec![Platform::Tiktok, Platform::Reels, Platform::Shorts],
            // The feed takes squares as well as 4:5.
            Aspect::Square | Aspect::Vertical4x5 => vec![Platform::InstagramFeed],
        }
    }

    /// Shapes it accepts without letterboxing.
    pub fn accepts(self, aspect: Aspect) -> bool {
        match self {
            Platform::InstagramFeed => matches!(aspect, Aspect::Square | Aspect::Vertical4x5),
            p => p.aspect() == aspect,
        }
    }

    /// Upload rules.
    pub fn limits(self) -> Limits {
        const GB: u64 = 1_000_000_000;
        let (max_duration_s, max_bytes) = match self {
            Platform::Youtube => (12.0 * 3600.0, 256 * GB),
            Platform::Tiktok => (10.0 * 60.0, 4 * GB),
            Platform::Reels => (15.0 * 60.0, 4 * GB),
            Platform::Shorts => (3.0 * 60.0, 256 * GB),
            Platform::InstagramFeed => (60.0 * 60.0, 4 * GB),
        };
        Limits {
            max_duration_s,
            min_duration_s: if self == Platform::Youtube { 1.0 } else { 3.0 },
            max_bytes,
            max_fps: 60,
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One requested output: a shape, and the platforms it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The frame shape rendered.
    pub aspect: Aspect,
    /// The platforms checked against (none named: those the shape suits).
    pub platforms: Vec<Platform>,
}

/// Read `formats` (shapes like "9:16" or platform names) into one target per distinct shape,
/// in the order first named; platforms that share a shape share its file.
pub fn targets(formats: &[String]) -> Result<Vec<Target>, String> {
    let mut out: Vec<Target> = Vec::new();
    for f in formats {
        let (aspect, platform) = match Platform::parse(f) {
            Some(p) => (p.aspect(), Some(p)),
            None => match Aspect::parse(f) {
                Some(a) => (a, None),
                None => {
                    return Err(format!(
                        "format '{f}' is neither a shape ({}) nor a platform ({})",
                        Aspect::ACCEPTED,
                        Platform::ACCEPTED
                    ));
                }
            },
        };
        let t = match out.iter_mut().find(|t| t.aspect == aspect) {
            Some(t) => t,
            None => {
                out.push(Target {
                    aspect,
                    platforms: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        if let Some(p) = platform
            && !t.platforms.contains(&p)
        {
            t.platforms.push(p);
        }
    }
    for t in &mut out {
        if t.platforms.is_empty() {
            t.platforms = Platform::for_aspect(t.aspect);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_group_by_shape() {
        let t = targets(&[
            "tiktok".into(),
            "16:9".into(),
            "Reels".into(),
            "1:1".into(),
            "instagram_feed".into(),
        ])
        .unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].aspect, Aspect::Portrait);
        assert_eq!(t[0].platforms, vec![Platform::Tiktok, Platform::Reels]);
        assert_eq!(t[1].platforms, vec![Platform::Youtube]);
        assert_eq!(t[2].aspect, Aspect::Square);
        assert_eq!(t[2].platforms, vec![Platform::InstagramFeed]);
        assert_eq!(t[3].aspect, Aspect::Vertical4x5);
        let e = targets(&["vimeo".into()]).unwrap_err();
        assert!(e.contains("youtube, tiktok"), "{e}");
    }

    #[test]
    fn every_platform_accepts_its_own_shape() {
        for p in Platform::ALL {
            assert!(p.accepts(p.aspect()), "{p}");
            assert_eq!(Platform::parse(p.as_str()), Some(p));
        }
        assert!(!Platform::Tiktok.accepts(Aspect::Landscape));
    }
}
