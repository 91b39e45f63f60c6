//! The fixed vocabularies of a video — transitions, music moods, frame shapes and resolutions —
//! as one set of types shared by the director, the timeline, the edit ops and the renderer.
//!
//! Each type is written on the wire exactly as the strings stored before these types existed
//! ("fade", "lofi", "9:16", "4k"), so stored timelines and drafts read back unchanged. What people
//! type is read leniently (any case, alternative spellings such as "portrait" or "4K"); what is
//! written is always the one canonical spelling.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

// Transitions ----------------------------------------------------------------------------------

/// Declares [`TransitionKind`] from one table: variant, xfade name, the words people use for it.
macro_rules! transition_kinds {
    ($($variant:ident => $name:literal, $words:literal;)*) => {
        /// A transition the renderer draws between two shots: an ffmpeg `xfade` transition.
        ///
        /// Written as its xfade name ("fade", "slideleft"). A name this build does not know
        /// (e.g. from a cloud draft) is kept as [`TransitionKind::Other`] so the timeline
        /// round-trips without loss; the renderer refuses to draw it.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum TransitionKind {
            $(
                #[doc = concat!("`", $name, "`: ", $words, ".")]
                $variant,
            )*
            /// A name this build does not know, kept as it was written.
            Other(String),
        }

        impl TransitionKind {
            /// Every transition the renderer draws, in the order they are listed to people.
            pub const ALL: &'static [TransitionKind] = &[$(TransitionKind::$variant),*];

            /// The xfade name, as stored in timelines and passed to ffmpeg.
            pub fn as_str(&self) -> &str {
                match self {
                    $(TransitionKind::$variant => $name,)*
                    TransitionKind::Other(name) => name,
                }
            }

            /// The words people use for it ("dip to black"); alternatives are separated by " / ".
            /// None for a name this build does not know.
            pub fn words(&self) -> Option<&'static str> {
                match self {
                    $(TransitionKind::$variant => Some($words),)*
                    TransitionKind::Other(_) => None,
                }
            }

            /// The known transition with exactly this xfade name.
            fn from_name(name: &str) -> Option<TransitionKind> {
                match name {
                    $($name => Some(TransitionKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

transition_kinds! {
    Fade => "fade", "crossfade / fade";
    Dissolve => "dissolve", "dissolve";
    FadeBlack => "fadeblack", "dip to black";
    FadeWhite => "fadewhite", "dip to white";
    WipeLeft => "wipeleft", "wipe left";
    WipeRight => "wiperight", "wipe right";
    WipeUp => "wipeup", "wipe up";
    WipeDown => "wipedown", "wipe down";
    SlideLeft => "slideleft", "slide left";
    SlideRight => "slideright", "slide right";
    SlideUp => "slideup", "slide up";
    SlideDown => "slidedown", "slide down";
    SmoothLeft => "smoothleft", "smooth left";
    SmoothRight => "smoothright", "smooth right";
    CircleOpen => "circleopen", "circle open";
    CircleClose => "circleclose", "circle close / iris";
    Radial => "radial", "radial / clock wipe";
    Pixelize => "pixelize", "pixelate";
    HBlur => "hblur", "blur";
    ZoomIn => "zoomin", "zoom";
    SqueezeH => "squeezeh", "squeeze";
    DiagTl => "diagtl", "diagonal";
    HlSlice => "hlslice", "slice";
    Distance => "distance", "distance";
}

impl TransitionKind {
    /// A known transition named by its xfade name or one of its words, in any case
    /// ("slideleft", "Dip to black", "iris"); None for anything else.
    pub fn parse(s: &str) -> Option<TransitionKind> {
        let s = s.trim().to_lowercase();
        TransitionKind::from_name(&s).or_else(|| {
            TransitionKind::ALL
                .iter()
                .find(|k| k.words().is_some_and(|w| w.split(" / ").any(|w| w == s)))
                .cloned()
        })
    }

    /// True for a transition the renderer can draw (not [`TransitionKind::Other`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, TransitionKind::Other(_))
    }

    /// Every known xfade name, comma-separated, for messages that say what is accepted.
    pub fn names() -> String {
        TransitionKind::ALL
            .iter()
            .map(TransitionKind::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl From<String> for TransitionKind {
    /// Exact xfade names become their kind; anything else is kept verbatim as `Other`.
    fn from(name: String) -> TransitionKind {
        TransitionKind::from_name(&name).unwrap_or(TransitionKind::Other(name))
    }
}

impl From<&str> for TransitionKind {
    fn from(name: &str) -> TransitionKind {
        TransitionKind::from_name(name).unwrap_or_else(|| TransitionKind::Other(name.to_string()))
    }
}

impl From<TransitionKind> for String {
    fn from(k: TransitionKind) -> String {
        match k {
            TransitionKind::Other(name) => name,
            k => k.as_str().to_string(),
        }
    }
}

impl fmt::Display for TransitionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl JsonSchema for TransitionKind {
    fn schema_name() -> Cow<'static, str> {
        "TransitionKind".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = TransitionKind::ALL.iter().map(|k| k.as_str()).collect();
        json_schema!({
            "description": "An ffmpeg xfade transition.",
            "type": "string",
            "enum": names,
        })
    }
}

/// Spellings of "no transition": a hard cut.
const CUT_WORDS: &[&str] = &["none", "cut", "cuts", "hard cut"];

/// What to do between shots, where a choice is asked for (a prompt, an option, an edit op):
/// cut, or blend with a transition. A cut is the absence of a transition, not a kind of one.
///
/// Written as "none" for a cut and the xfade name otherwise; read leniently ("cut", "Fade",
/// "dip to black"). A name that is neither is kept as `Kind(Other(..))` for the caller to refuse
/// with its own message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TransitionChoice {
    /// A hard cut: no transition.
    Cut,
    /// Blend with this transition.
    Kind(TransitionKind),
}

impl TransitionChoice {
    /// A cut ("none", "cut", …) or a known transition by name or words; None for anything else.
    pub fn parse(s: &str) -> Option<TransitionChoice> {
        let t = s.trim().to_lowercase();
        if CUT_WORDS.contains(&t.as_str()) {
            return Some(TransitionChoice::Cut);
        }
        TransitionKind::parse(&t).map(TransitionChoice::Kind)
    }

    /// The transition chosen; None for a cut.
    pub fn kind(&self) -> Option<&TransitionKind> {
        match self {
            TransitionChoice::Cut => None,
            TransitionChoice::Kind(k) => Some(k),
        }
    }

    /// The choice that `kind` stands for (None = cuts).
    pub fn from_kind(kind: Option<TransitionKind>) -> TransitionChoice {
        kind.map_or(TransitionChoice::Cut, TransitionChoice::Kind)
    }

    /// The wire spelling: "none" for a cut, else the xfade name.
    pub fn as_str(&self) -> &str {
        match self {
            TransitionChoice::Cut => "none",
            TransitionChoice::Kind(k) => k.as_str(),
        }
    }
}

impl From<String> for TransitionChoice {
    fn from(s: String) -> TransitionChoice {
        TransitionChoice::parse(&s)
            .unwrap_or_else(|| TransitionChoice::Kind(TransitionKind::Other(s.trim().to_string())))
    }
}

impl From<TransitionChoice> for String {
    fn from(c: TransitionChoice) -> String {
        match c {
            TransitionChoice::Cut => "none".into(),
            TransitionChoice::Kind(k) => k.into(),
        }
    }
}

impl fmt::Display for TransitionChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl JsonSchema for TransitionChoice {
    fn schema_name() -> Cow<'static, str> {
        "TransitionChoice".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = std::iter::once("none")
            .chain(TransitionKind::ALL.iter().map(|k| k.as_str()))
            .collect();
        json_schema!({
            "description": "An ffmpeg xfade transition, or \"none\" for a hard cut.",
            "type": "string",
            "enum": names,
        })
    }
}

// Music ----------------------------------------------------------------------------------------

/// Mood of a generated music bed (made when no music file is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mood {
    // The order is the renderer's: its noise seed is the mood's index, so reordering would change
    // the bytes of every generated bed.
    /// Bright pop pulse (the default).
    #[default]
    Upbeat,
    /// Slow soft chords, no drums.
    Calm,
    /// Minor key, big hits.
    Epic,
    /// Swung, laid-back beats.
    Lofi,
    /// Clean, steady.
    Corporate,
    /// Light, bouncy, major.
    Happy,
}

impl Mood {
    /// Every mood.
    pub const ALL: [Mood; 6] = [
        Mood::Upbeat,
        Mood::Calm,
        Mood::Epic,
        Mood::Lofi,
        Mood::Corporate,
        Mood::Happy,
    ];

    /// A mood by its name, in any case.
    pub fn parse(s: &str) -> Option<Mood> {
        Mood::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The mood's name, as timelines store it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mood::Upbeat => "upbeat",
            Mood::Calm => "calm",
            Mood::Epic => "epic",
            Mood::Lofi => "lofi",
            Mood::Corporate => "corporate",
            Mood::Happy => "happy",
        }
    }
}

impl fmt::Display for Mood {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Frame shape and resolution -------------------------------------------------------------------

/// Frame shape. Written "16:9", "9:16", "1:1" or "4:5"; read from those (also "16x9", "9/16")
/// or a word ("landscape", "portrait", "vertical", "square", …), in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Every shape.
    pub const ALL: [Aspect; 4] = [
        Aspect::Landscape,
        Aspect::Portrait,
        Aspect::Square,
        Aspect::Vertical4x5,
    ];

    /// What is accepted, for messages.
    pub const ACCEPTED: &'static str =
        "16:9, 9:16, 1:1, 4:5, landscape, portrait, vertical or square";

    /// Width and height of the ratio.
    pub fn ratio(self) -> (u32, u32) {
        match self {
            Aspect::Landscape => (16, 9),
            Aspect::Portrait => (9, 16),
            Aspect::Square => (1, 1),
            Aspect::Vertical4x5 => (4, 5),
        }
    }

    /// The ratio as people write it, and as it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Landscape => "16:9",
            Aspect::Portrait => "9:16",
            Aspect::Square => "1:1",
            Aspect::Vertical4x5 => "4:5",
        }
    }

    /// Parse a ratio or a word ("9:16", "9x16", "vertical", "square", …).
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

/// Output resolution, named by the frame's short side. Written "720p", "1080p" or "4k"; read from
/// those or "720", "hd", "full hd", "2160p", "4K", "uhd", …, in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// 720 px short side.
    P720,
    /// 1080 px short side (the default).
    P1080,
    /// 2160 px short side (4K).
    P2160,
}

impl Resolution {
    /// Every resolution.
    pub const ALL: [Resolution; 3] = [Resolution::P720, Resolution::P1080, Resolution::P2160];

    /// What is accepted, for messages.
    pub const ACCEPTED: &'static str = "720p, 1080p or 4k";

    /// Pixels on the frame's short side.
    pub fn short_side(self) -> u32 {
        match self {
            Resolution::P720 => 720,
            Resolution::P1080 => 1080,
            Resolution::P2160 => 2160,
        }
    }

    /// Parse a resolution ("720p", "1080p", "4k", "2160p", "full hd", …).
    pub fn parse(s: &str) -> Option<Resolution> {
        match s.trim().to_lowercase().as_str() {
            "720p" | "720" | "hd" => Some(Resolution::P720),
            "1080p" | "1080" | "full hd" | "fullhd" | "fhd" => Some(Resolution::P1080),
            "4k" | "2160p" | "2160" | "uhd" => Some(Resolution::P2160),
            _ => None,
        }
    }

    /// The name people use, and as it is written.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::P720 => "720p",
            Resolution::P1080 => "1080p",
            Resolution::P2160 => "4k",
        }
    }
}

/// Serde, string parsing, display and a JSON schema listing the canonical spellings, for a type
/// with `as_str`, `parse`, `ALL` and `ACCEPTED`.
macro_rules! string_vocab {
    ($ty:ident, $what:literal, $description:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<$ty, String> {
                $ty::parse(s).ok_or_else(|| {
                    format!(
                        concat!("'{}' is not ", $what, "; use {}"),
                        s.trim(),
                        $ty::ACCEPTED
                    )
                })
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let values: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                json_schema!({
                    "description": $description,
                    "type": "string",
                    "enum": values,
                })
            }
        }
    };
}

string_vocab!(
    Aspect,
    "a frame shape",
    "Frame shape: 16:9 landscape, 9:16 portrait (TikTok, Reels, Shorts), 1:1 square, 4:5 (Instagram feed)."
);
string_vocab!(
    Resolution,
    "a resolution",
    "Output resolution by the frame's short side: 720p, 1080p or 4k (2160 px)."
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_transition_round_trips_as_its_xfade_name() {
        assert_eq!(TransitionKind::ALL.len(), 24);
        for k in TransitionKind::ALL {
            let v = serde_json::to_value(k).unwrap();
            assert_eq!(v, json!(k.as_str()));
            let back: TransitionKind = serde_json::from_value(v).unwrap();
            assert_eq!(&back, k);
            assert!(back.is_known());
            assert_eq!(TransitionKind::parse(k.as_str()).as_ref(), Some(k));
            // Every word for it reads back as it, so the words never name two kinds.
            for w in k.words().unwrap().split(" / ") {
                assert_eq!(TransitionKind::parse(w).as_ref(), Some(k), "{w}");
            }
            let c = TransitionChoice::Kind(k.clone());
            assert_eq!(serde_json::to_value(&c).unwrap(), json!(k.as_str()));
        }
        assert_eq!(TransitionKind::FadeBlack.as_str(), "fadeblack");
        assert_eq!(
            TransitionKind::parse("Dip to Black"),
            Some(TransitionKind::FadeBlack)
        );
        assert_eq!(
            TransitionKind::parse("iris"),
            Some(TransitionKind::CircleClose)
        );
    }

    #[test]
    fn an_unknown_transition_is_kept_verbatim() {
        let k: TransitionKind = serde_json::from_value(json!("Spin3D")).unwrap();
        assert_eq!(k, TransitionKind::Other("Spin3D".into()));
        assert!(!k.is_known());
        assert_eq!(k.words(), None);
        assert_eq!(serde_json::to_value(&k).unwrap(), json!("Spin3D"));
        // Exact names only: a draft's "Fade" is not rewritten to "fade".
        let k: TransitionKind = serde_json::from_value(json!("Fade")).unwrap();
        assert_eq!(serde_json::to_value(&k).unwrap(), json!("Fade"));
        assert_eq!(TransitionKind::parse("spin"), None);
    }

    #[test]
    fn a_cut_is_spelled_none_or_cut() {
        for s in ["none", "cut", "Cut", " cuts ", "hard cut", "NONE"] {
            let c: TransitionChoice = serde_json::from_value(json!(s)).unwrap();
            assert_eq!(c, TransitionChoice::Cut, "{s}");
            assert_eq!(c.kind(), None);
        }
        assert_eq!(
            serde_json::to_value(TransitionChoice::Cut).unwrap(),
            json!("none")
        );
        let c: TransitionChoice = serde_json::from_value(json!("crossfade")).unwrap();
        assert_eq!(c, TransitionChoice::Kind(TransitionKind::Fade));
        let c: TransitionChoice = serde_json::from_value(json!("spin")).unwrap();
        assert_eq!(
            c,
            TransitionChoice::Kind(TransitionKind::Other("spin".into()))
        );
        assert_eq!(TransitionChoice::parse("spin"), None);
        assert_eq!(TransitionChoice::from_kind(None), TransitionChoice::Cut);
    }

    #[test]
    fn moods_round_trip_as_their_names() {
        for m in Mood::ALL {
            let v = serde_json::to_value(m).unwrap();
            assert_eq!(v, json!(m.as_str()));
            assert_eq!(serde_json::from_value::<Mood>(v).unwrap(), m);
            assert_eq!(Mood::parse(&m.as_str().to_uppercase()), Some(m));
        }
        assert_eq!(Mood::parse("polka"), None);
        let e = serde_json::from_value::<Mood>(json!("polka")).unwrap_err();
        assert!(e.to_string().contains("upbeat"), "{e}");
    }

    #[test]
    fn shapes_and_resolutions_write_one_spelling_and_read_many() {
        for a in Aspect::ALL {
            let v = serde_json::to_value(a).unwrap();
            assert_eq!(v, json!(a.as_str()));
            assert_eq!(serde_json::from_value::<Aspect>(v).unwrap(), a);
        }
        for (s, a) in [
            ("portrait", Aspect::Portrait),
            ("Landscape", Aspect::Landscape),
            ("9x16", Aspect::Portrait),
            ("SQUARE", Aspect::Square),
        ] {
            assert_eq!(
                serde_json::from_value::<Aspect>(json!(s)).unwrap(),
                a,
                "{s}"
            );
        }
        for r in Resolution::ALL {
            let v = serde_json::to_value(r).unwrap();
            assert_eq!(v, json!(r.as_str()));
            assert_eq!(serde_json::from_value::<Resolution>(v).unwrap(), r);
        }
        assert_eq!(
            serde_json::from_value::<Resolution>(json!("4K")).unwrap(),
            Resolution::P2160
        );
        let e = serde_json::from_value::<Aspect>(json!("banana")).unwrap_err();
        assert!(
            e.to_string()
                .contains("'banana' is not a frame shape; use 16:9, 9:16"),
            "{e}"
        );
        let e = "8k".parse::<Resolution>().unwrap_err();
        assert_eq!(e, "'8k' is not a resolution; use 720p, 1080p or 4k");
    }

    #[test]
    fn schemas_list_the_canonical_spellings() {
        let s = serde_json::to_value(schemars::schema_for!(Aspect)).unwrap();
        assert_eq!(s["enum"], json!(["16:9", "9:16", "1:1", "4:5"]));
        let s = serde_json::to_value(schemars::schema_for!(Resolution)).unwrap();
        assert_eq!(s["enum"], json!(["720p", "1080p", "4k"]));
        let s = serde_json::to_value(schemars::schema_for!(TransitionChoice)).unwrap();
        assert_eq!(s["enum"][0], json!("none"));
        assert_eq!(s["enum"].as_array().unwrap().len(), 25);
        let s = serde_json::to_string(&schemars::schema_for!(Mood)).unwrap();
        for m in Mood::ALL {
            assert!(s.contains(&format!("\"{m}\"")), "{m} missing from {s}");
        }
    }
}
