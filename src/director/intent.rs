//! STUB (replaced by the real parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    Landscape,
    Portrait,
    Square,
    Vertical4x5,
}
impl Aspect {
    pub fn ratio(self) -> (u32, u32) {
        match self {
            Aspect::Landscape => (16, 9),
            Aspect::Portrait => (9, 16),
            Aspect::Square => (1, 1),
            Aspect::Vertical4x5 => (4, 5),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Landscape => "16:9",
            Aspect::Portrait => "9:16",
            Aspect::Square => "1:1",
            Aspect::Vertical4x5 => "4:5",
        }
    }
    pub fn parse(s: &str) -> Option<Aspect> {
        match s {
            "16:9" | "landscape" => Some(Aspect::Landscape),
            "9:16" | "portrait" | "vertical" => Some(Aspect::Portrait),
            "1:1" | "square" => Some(Aspect::Square),
            "4:5" => Some(Aspect::Vertical4x5),
            _ => None,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    P720,
    P1080,
    P2160,
}
impl Resolution {
    pub fn short_side(self) -> u32 {
        match self {
            Resolution::P720 => 720,
            Resolution::P1080 => 1080,
            Resolution::P2160 => 2160,
        }
    }
    pub fn parse(s: &str) -> Option<Resolution> {
        match s.to_lowercase().as_str() {
            "720p" => Some(Resolution::P720),
            "1080p" => Some(Resolution::P1080),
            "4k" | "2160p" => Some(Resolution::P2160),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::P720 => "720p",
            Resolution::P1080 => "1080p",
            Resolution::P2160 => "4k",
        }
    }
}
pub fn frame_size(a: Aspect, r: Resolution) -> (u32, u32) {
    let s = r.short_side();
    let (p, q) = a.ratio();
    if p >= q {
        ((s * p / q) & !1, s)
    } else {
        (s, (s * q / p) & !1)
    }
}
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Intent {
    pub duration_ms: Option<u64>,
    pub aspect: Option<Aspect>,
    pub platform: Option<String>,
    pub resolution: Option<Resolution>,
    pub transition: Option<String>,
    pub music: Option<bool>,
    pub mood: Option<String>,
    pub title: Option<String>,
    pub captions: Option<bool>,
}
pub fn parse_intent(prompt: &str) -> Intent {
    let mut i = Intent::default();
    if prompt.contains("30-second") {
        i.duration_ms = Some(30000);
    }
    if prompt.contains("music") {
        i.music = Some(true);
    }
    i
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotRef {
    First,
    Last,
    Nth(usize),
}
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Duration(u64),
    Title(String),
    RemoveTitle,
    Transition(String),
    Music(bool),
    Mood(String),
    MusicVolume(f32),
    Aspect(Aspect),
    Resolution(Resolution),
    Captions(bool),
    MoveShot { from: ShotRef, to: ShotRef },
    RemoveShot(ShotRef),
    EndCard(String),
}
pub fn parse_edits(_prompt: &str) -> Vec<Edit> {
    vec![]
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Export,
    Credits,
    Status,
    Create,
}
pub fn route(_prompt: &str) -> Route {
    Route::Create
}
