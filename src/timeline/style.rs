//! The fixed vocabularies an edit can name — text styles, positions, focus points, overlays —
//! as one set of types shared by the edit operations, the timeline and the renderer.
//!
//! They are stored on timeline segments as they were asked for (a style names only what it
//! changes); the renderer resolves what is unset from the text's role.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where on the frame: a named place or a point (0–1 from the top-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Position {
    /// A named place.
    Named(Place),
    /// The centre of the item at x, y (fractions of the frame's width and height).
    Point {
        /// 0 = left edge, 1 = right edge.
        x: f64,
        /// 0 = top edge, 1 = bottom edge.
        y: f64,
    },
}

/// Named places on the frame, inside the platform safe zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// Top centre.
    Top,
    /// Middle of the frame.
    Center,
    /// Bottom centre (where captions go).
    Bottom,
    /// Top-left corner.
    TopLeft,
    /// Top-right corner.
    TopRight,
    /// Bottom-left corner.
    BottomLeft,
    /// Bottom-right corner.
    BottomRight,
}

impl Position {
    /// The item's centre as fractions of the frame (named places sit inside a 5% margin).
    pub fn centre(self) -> (f64, f64) {
        match self {
            Position::Point { x, y } => (x, y),
            Position::Named(p) => match p {
                Place::Top => (0.5, 0.12),
                Place::Center => (0.5, 0.5),
                Place::Bottom => (0.5, 0.85),
                Place::TopLeft => (0.15, 0.12),
                Place::TopRight => (0.85, 0.12),
                Place::BottomLeft => (0.15, 0.85),
                Place::BottomRight => (0.85, 0.85),
            },
        }
    }
}

/// Text size: a named step or a height in pixels of the output frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TextSize {
    /// A named step relative to the role's size.
    Named(SizeStep),
    /// Cap height in output pixels.
    Px(f64),
}

/// Named text sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizeStep {
    /// Smaller than the role's default.
    Small,
    /// The role's default.
    Medium,
    /// Larger than the role's default.
    Large,
    /// Much larger (short-form hooks).
    ExtraLarge,
}

impl SizeStep {
    /// Factor applied to the role's default size.
    pub fn factor(self) -> f64 {
        match self {
            SizeStep::Small => 0.75,
            SizeStep::Medium => 1.0,
            SizeStep::Large => 1.35,
            SizeStep::ExtraLarge => 1.8,
        }
    }

    /// The next step up (for "bigger"), saturating.
    pub fn larger(self) -> SizeStep {
        match self {
            SizeStep::Small => SizeStep::Medium,
            SizeStep::Medium => SizeStep::Large,
            SizeStep::Large | SizeStep::ExtraLarge => SizeStep::ExtraLarge,
        }
    }

    /// The next step down (for "smaller"), saturating.
    pub fn smaller(self) -> SizeStep {
        match self {
            SizeStep::Small | SizeStep::Medium => SizeStep::Small,
            SizeStep::Large => SizeStep::Medium,
            SizeStep::ExtraLarge => SizeStep::Large,
        }
    }
}

/// Font weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    /// Regular.
    Normal,
    /// Bold.
    Bold,
}

/// How text enters the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Animation {
    /// Appears and disappears at once.
    None,
    /// Fades in and out.
    Fade,
    /// Scales up quickly with a slight overshoot.
    Pop,
    /// Rises into place while fading in.
    SlideUp,
    /// Letters appear one by one.
    Typewriter,
}

/// A text style: only what is set overrides the role's look.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextStyle {
    /// small, medium, large, extra_large, or a cap height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<TextSize>,
    /// Text colour: "#RRGGBB" or a CSS colour name such as "yellow".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// normal or bold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Weight>,
    /// Where the text sits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// A box behind the text for legibility.
    #[serde(rename = "box", default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// The box's colour: "#RRGGBB", "#RRGGBBAA" or a colour name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub box_color: Option<String>,
    /// How the text enters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animation: Option<Animation>,
}

impl TextStyle {
    /// `self` with every field `over` sets replacing ours.
    pub fn merged(&self, over: &TextStyle) -> TextStyle {
        TextStyle {
            size: over.size.or(self.size),
            color: over.color.clone().or_else(|| self.color.clone()),
            weight: over.weight.or(self.weight),
            position: over.position.or(self.position),
            background: over.background.or(self.background),
            box_color: over.box_color.clone().or_else(|| self.box_color.clone()),
            animation: over.animation.or(self.animation),
        }
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == TextStyle::default()
    }
}

/// Where a picture's subject is (0–1 from the top-left), kept in frame by moves and crops.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Focus {
    /// 0 = left edge, 1 = right edge.
    pub x: f64,
    /// 0 = top edge, 1 = bottom edge.
    pub y: f64,
}

/// CSS colour names people say, with their values.
const COLOUR_NAMES: &[(&str, &str)] = &[
    ("white", "FFFFFF"),
    ("black", "000000"),
    ("yellow", "FFD60A"),
    ("red", "E63946"),
    ("green", "2A9D8F"),
    ("blue", "1D4ED8"),
    ("orange", "F77F00"),
    ("pink", "FF70A6"),
    ("purple", "7B2CBF"),
    ("gray", "808080"),
    ("grey", "808080"),
    ("gold", "FFC300"),
    ("cyan", "00B4D8"),
];

/// Parse "#RGB", "#RRGGBB", "#RRGGBBAA" or a colour name into RGBA; None when unreadable.
pub fn parse_colour(s: &str) -> Option<[u8; 4]> {
    let s = s.trim();
    let hex = match s.strip_prefix('#') {
        Some(h) => h.to_string(),
        None => COLOUR_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))?
            .1
            .to_string(),
    };
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    match hex.len() {
        3 => {
            let d = |i: usize| {
                u8::from_str_radix(hex.get(i..i + 1)?, 16)
                    .ok()
                    .map(|v| v * 17)
            };
            Some([d(0)?, d(1)?, d(2)?, 255])
        }
        6 => Some([byte(0)?, byte(2)?, byte(4)?, 255]),
        8 => Some([byte(0)?, byte(2)?, byte(4)?, byte(6)?]),
        _ => None,
    }
}

/// The colour names [`parse_colour`] knows, for error messages.
pub fn colour_names() -> String {
    COLOUR_NAMES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(parse_colour("yellow"), Some([0xFF, 0xD6, 0x0A, 255]));
        assert_eq!(parse_colour("#fff"), Some([255, 255, 255, 255]));
        assert_eq!(parse_colour("#11223380"), Some([0x11, 0x22, 0x33, 0x80]));
        assert_eq!(parse_colour("#12345"), None);
        assert_eq!(parse_colour("mauve-ish"), None);
    }

    #[test]
    fn styles_read_as_agents_write_them() {
        let s: TextStyle = serde_json::from_value(serde_json::json!({
            "size": "large", "color": "yellow", "position": "top_right", "box": true
        }))
        .unwrap();
        assert_eq!(s.size, Some(TextSize::Named(SizeStep::Large)));
        assert_eq!(s.position, Some(Position::Named(Place::TopRight)));
        let p: TextStyle = serde_json::from_value(
            serde_json::json!({"size": 96, "position": {"x": 0.2, "y": 0.3}}),
        )
        .unwrap();
        assert_eq!(p.size, Some(TextSize::Px(96.0)));
        assert_eq!(p.position, Some(Position::Point { x: 0.2, y: 0.3 }));
        assert!(serde_json::from_value::<TextStyle>(serde_json::json!({"colour": "red"})).is_err());
        let merged = s.merged(&p);
        assert_eq!(merged.size, Some(TextSize::Px(96.0)));
        assert_eq!(merged.color.as_deref(), Some("yellow"));
    }
}
