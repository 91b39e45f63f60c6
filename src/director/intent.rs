//! Reading what a person asked for, in English or Chinese: first-cut intent, edit instructions,
//! and which tool a prompt really wants.
//!
//! Everything here is pure text → data, so it is cheap to test exhaustively. The parser is
//! deliberately conservative: a word that could mean something else ("slide" as in slideshow,
//! "zoom" as in zoom into the product) only counts as a transition next to a transition word.

use regex::Regex;
use std::sync::LazyLock;

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

/// What a first prompt asks for; `None` means "not said", so defaults or options decide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Intent {
    /// Total length.
    pub duration_ms: Option<u64>,
    /// Length of each shot ("3 seconds per photo"), when the total is not given.
    pub per_shot_ms: Option<u64>,
    /// Frame shape.
    pub aspect: Option<Aspect>,
    /// Platform named ("TikTok", "YouTube Shorts", …).
    pub platform: Option<String>,
    /// Output resolution.
    pub resolution: Option<Resolution>,
    /// xfade transition name, or "none" for hard cuts.
    pub transition: Option<String>,
    /// Music wanted (true) or refused (false).
    pub music: Option<bool>,
    /// Music mood word ("upbeat", "calm", "epic", "lofi", "corporate", "happy").
    pub mood: Option<String>,
    /// Title text given in quotes or after "titled".
    pub title: Option<String>,
    /// Captions wanted or refused.
    pub captions: Option<bool>,
}

impl Intent {
    /// True when nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        *self == Intent::default()
    }
}

/// Read a first prompt.
pub fn parse_intent(prompt: &str) -> Intent {
    let p = normalise(prompt);
    let (aspect, platform) = find_aspect(&p);
    let (duration_ms, per_shot_ms) = find_duration(&p);
    Intent {
        duration_ms,
        per_shot_ms,
        aspect,
        platform,
        resolution: find_resolution(&p),
        transition: find_transition(&p),
        music: find_music(&p),
        mood: find_mood(&p),
        title: find_title(prompt),
        captions: find_captions(&p),
    }
}

/// A shot named in an edit ("the last photo", "image 3", "第二张").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotRef {
    /// The first shot.
    First,
    /// The last shot.
    Last,
    /// Shot number n, counting from 1.
    Nth(usize),
}

/// One change an edit prompt asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// New total length in ms.
    Duration(u64),
    /// New title text.
    Title(String),
    /// No title.
    RemoveTitle,
    /// New transition (xfade name, or "none").
    Transition(String),
    /// Music on or off.
    Music(bool),
    /// Generated music in this mood.
    Mood(String),
    /// Music level, 0–1.
    MusicVolume(f32),
    /// Music level multiplied by this factor ("louder", "quieter").
    MusicVolumeBy(f32),
    /// New frame shape.
    Aspect(Aspect),
    /// New resolution.
    Resolution(Resolution),
    /// Captions on or off.
    Captions(bool),
    /// Move a shot to another place.
    MoveShot {
        /// The shot moved.
        from: ShotRef,
        /// Where it goes.
        to: ShotRef,
    },
    /// Remove a shot.
    RemoveShot(ShotRef),
    /// New end-card text.
    EndCard(String),
}

/// Read an edit prompt into the changes it asks for, in the order they appear in the prompt's
/// categories (length, shape, resolution, transitions, music, title, captions, shots, end card).
pub fn parse_edits(prompt: &str) -> Vec<Edit> {
    let p = normalise(prompt);
    let mut edits = Vec::new();
    if let (Some(ms), _) = find_duration(&p) {
        edits.push(Edit::Duration(ms));
    }
    if let (Some(a), _) = find_aspect(&p) {
        edits.push(Edit::Aspect(a));
    }
    if let Some(r) = find_resolution(&p) {
        edits.push(Edit::Resolution(r));
    }
    if let Some(t) = find_transition(&p) {
        edits.push(Edit::Transition(t));
    }
    let music = find_music(&p);
    match music {
        Some(false) => edits.push(Edit::Music(false)),
        _ => {
            if let Some(v) = find_music_volume(&p) {
                edits.push(v);
            } else if let Some(m) = find_mood(&p).filter(|_| music.is_some()) {
                edits.push(Edit::Mood(m));
            } else if music == Some(true) && ADD_MUSIC.is_match(&p) {
                edits.push(Edit::Music(true));
            }
        }
    }
    if let Some(e) = find_title_edit(prompt, &p) {
        edits.push(e);
    }
    if let Some(c) = find_captions(&p).filter(|_| CAPTION_EDIT.is_match(&p)) {
        edits.push(Edit::Captions(c));
    }
    if let Some(e) = find_shot_edit(&p) {
        edits.push(e);
    }
    if let Some(t) = find_end_card(prompt) {
        edits.push(Edit::EndCard(t));
    }
    edits
}

/// What a create_video prompt really asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Render and hand over the file.
    Export,
    /// Show the credit balance.
    Credits,
    /// Show the current timeline.
    Status,
    /// Make or edit a video.
    Create,
}

/// Route a prompt the way the seed's keyword routing does, but only when the prompt asks for
/// nothing else: "make a promo and export it" is a create, "export it" is an export.
pub fn route(prompt: &str) -> Route {
    let p = normalise(prompt);
    if p.trim().is_empty() {
        return Route::Create;
    }
    // "export the 30-second video" names a property of what exists, not a change to make; a
    // prompt that asks to export and to change something ("make it 4K and export") is a create.
    let exports = EXPORT_WORDS.is_match(&p);
    let asks_to_make = MAKE_WORDS.is_match(&p) || (!exports && !parse_edits(prompt).is_empty());
    if asks_to_make {
        return Route::Create;
    }
    if EXPORT_WORDS.is_match(&p) {
        Route::Export
    } else if CREDIT_WORDS.is_match(&p) {
        Route::Credits
    } else if STATUS_WORDS.is_match(&p) {
        Route::Status
    } else {
        Route::Create
    }
}

// ---------------------------------------------------------------------------------------------
// Pieces.

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// Lower-case, with full-width punctuation and fancy dashes folded to ASCII.
fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '，' => ',',
            '：' => ':',
            '–' | '—' | '－' => '-',
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

static EXPORT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bexport|\bdownload|\brender (it|the video|now)|send (me )?(the|my) (video|file|mp4)|give me the (video|file|mp4)|导出|下载|渲染|发给我",
    )
});
static CREDIT_WORDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bcredits?\b|\bbalance\b|积分|余额|点数"));
static STATUS_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bstatus\b|show (me )?(the )?(tracks|timeline)|what('s| is) on the timeline|\bprogress\b|状态|进度|时间线|轨道",
    )
});
static MAKE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(make|create|turn|generate|build|produce|edit|change|add|remove|use|put|move)\b|做成|制作|生成|剪辑|改成|加上|添加|去掉|删除",
    )
});

// Duration -------------------------------------------------------------------------------------

static SECONDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(\d+(?:\.\d+)?)\s*-?\s*(?:seconds?|secs?|s\b|秒钟?)|([a-z]+(?:-[a-z]+)?)[\s-]+(?:seconds?|secs?)\b|([零一二两三四五六七八九十百]+)\s*秒",
    )
});
static MIN_SEC_ZH: LazyLock<Regex> = LazyLock::new(|| {
    re(r"([\d零一二两三四五六七八九十]+)\s*分\s*([\d零一二两三四五六七八九十]+)\s*秒")
});
static MINUTES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(\d+(?:\.\d+)?|an?|[a-z]+(?:-[a-z]+)?|[零一二两三四五六七八九十百半]+)\s*-?\s*(?:minutes?|mins?\b|分钟|分半)",
    )
});
static HALF_MINUTE: LazyLock<Regex> = LazyLock::new(|| re(r"half (?:a )?-?minute|半分钟"));
static PER_SHOT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(each|apiece|per (photo|image|picture|shot|slide|clip|still|pic)|a (photo|image|picture|shot|slide|clip|still|pic))",
    )
});
static PER_SHOT_ZH: LazyLock<Regex> = LazyLock::new(|| re(r"每张(图片|照片|图)?\s*$"));

/// (total, per shot) in ms.
fn find_duration(p: &str) -> (Option<u64>, Option<u64>) {
    let mut total: Option<f64> = None;
    let mut per_shot: Option<f64> = None;
    if let Some(c) = MIN_SEC_ZH.captures(p)
        && let (Some(m), Some(s)) = (number(&c[1]), number(&c[2]))
    {
        return (Some(((m * 60.0 + s) * 1000.0).round() as u64), None);
    }
    let half = HALF_MINUTE.is_match(p);
    if half {
        total = Some(30.0);
    }
    let mut minutes_end = None;
    for c in MINUTES.captures_iter(p).filter(|_| !half) {
        let n = if c[0].contains("分半") {
            number(&c[1]).map(|n| n + 0.5)
        } else {
            number(&c[1])
        };
        if let Some(n) = n.filter(|n| *n > 0.0) {
            total = Some(n * 60.0);
            minutes_end = c.get(0).map(|m| m.end());
            break;
        }
    }
    for c in SECONDS.captures_iter(p) {
        let n = (1..=3)
            .find_map(|i| c.get(i))
            .and_then(|g| number(g.as_str()));
        let Some(n) = n.filter(|n| *n > 0.0) else {
            continue;
        };
        let whole = c.get(0).expect("match");
        let after = &p[whole.end()..];
        let before = &p[..whole.start()];
        if PER_SHOT.is_match(after) || PER_SHOT_ZH.is_match(before) {
            per_shot = Some(n);
            continue;
        }
        // "1 minute 30 seconds", "1分30秒": the seconds add to the minutes.
        total = match (total, minutes_end) {
            (Some(m), Some(end))
                if whole.start() >= end
                    && p[end..whole.start()]
                        .trim()
                        .trim_start_matches("and")
                        .trim()
                        .is_empty() =>
            {
                Some(m + n)
            }
            (Some(m), _) if minutes_end.is_some() => Some(m),
            _ => Some(n),
        };
        break;
    }
    let ms = |s: f64| (s * 1000.0).round() as u64;
    (total.map(ms), per_shot.map(ms))
}

/// An Arabic, English-word or Chinese number.
fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(n);
    }
    if s.chars()
        .all(|c| "零一二两三四五六七八九十百半".contains(c))
    {
        return chinese_number(s);
    }
    english_number(s)
}

fn english_number(s: &str) -> Option<f64> {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if s == "a" || s == "an" {
        return Some(1.0);
    }
    let mut total = 0.0;
    for part in s.split('-') {
        if let Some(i) = ONES.iter().position(|w| *w == part) {
            total += i as f64;
        } else if let Some(i) = TENS.iter().position(|w| *w == part) {
            total += (i as f64 + 2.0) * 10.0;
        } else {
            return None;
        }
    }
    Some(total)
}

fn chinese_number(s: &str) -> Option<f64> {
    if s == "半" {
        return Some(0.5);
    }
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as u64);
    let mut total = 0u64;
    let mut cur = 0u64;
    for c in s.chars() {
        match c {
            '两' => cur = 2,
            '十' => {
                total += cur.max(1) * 10;
                cur = 0;
            }
            '百' => {
                total += cur.max(1) * 100;
                cur = 0;
            }
            c => cur = digit(c)?,
        }
    }
    let n = total + cur;
    (n > 0).then_some(n as f64)
}

// Shape and resolution -------------------------------------------------------------------------

/// (shape, platform) from ratios, platform names and shape words.
fn find_aspect(p: &str) -> (Option<Aspect>, Option<String>) {
    static RATIO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(16|9|1|4)\s*[:x/]\s*(9|16|1|5)\b"));
    let platforms: &[(&str, Aspect, &str)] = &[
        ("youtube shorts", Aspect::Portrait, "YouTube Shorts"),
        ("shorts", Aspect::Portrait, "YouTube Shorts"),
        ("tiktok", Aspect::Portrait, "TikTok"),
        ("tik tok", Aspect::Portrait, "TikTok"),
        ("douyin", Aspect::Portrait, "Douyin"),
        ("抖音", Aspect::Portrait, "Douyin"),
        ("快手", Aspect::Portrait, "Kuaishou"),
        ("小红书", Aspect::Vertical4x5, "Xiaohongshu"),
        ("视频号", Aspect::Portrait, "WeChat Channels"),
        ("reels", Aspect::Portrait, "Instagram Reels"),
        ("reel", Aspect::Portrait, "Instagram Reels"),
        ("instagram story", Aspect::Portrait, "Instagram Stories"),
        ("stories", Aspect::Portrait, "Instagram Stories"),
        ("instagram post", Aspect::Vertical4x5, "Instagram feed"),
        ("instagram feed", Aspect::Vertical4x5, "Instagram feed"),
        ("instagram", Aspect::Portrait, "Instagram Reels"),
        ("youtube", Aspect::Landscape, "YouTube"),
        ("bilibili", Aspect::Landscape, "Bilibili"),
        ("b站", Aspect::Landscape, "Bilibili"),
        ("linkedin", Aspect::Square, "LinkedIn"),
        ("facebook", Aspect::Square, "Facebook"),
    ];
    let mut aspect = None;
    if let Some(c) = RATIO.captures(p) {
        aspect = match (&c[1], &c[2]) {
            ("16", "9") => Some(Aspect::Landscape),
            ("9", "16") => Some(Aspect::Portrait),
            ("1", "1") => Some(Aspect::Square),
            ("4", "5") => Some(Aspect::Vertical4x5),
            _ => None,
        };
    }
    if aspect.is_none() {
        static WORDS: LazyLock<Regex> = LazyLock::new(|| {
            re(
                r"\b(vertical|portrait|horizontal|landscape|widescreen|square)\b|竖屏|竖版|竖向|竖的|横屏|横版|横向|横的|方形|正方形|方屏",
            )
        });
        if let Some(m) = WORDS.find(p) {
            aspect = Some(match m.as_str() {
                "vertical" | "portrait" | "竖屏" | "竖版" | "竖向" | "竖的" => {
                    Aspect::Portrait
                }
                "square" | "方形" | "正方形" | "方屏" => Aspect::Square,
                _ => Aspect::Landscape,
            });
        }
    }
    let platform = platforms
        .iter()
        .find(|(w, _, _)| contains_word(p, w))
        .map(|(_, a, name)| {
            if aspect.is_none() {
                aspect = Some(*a);
            }
            name.to_string()
        });
    (aspect, platform)
}

/// `word` occurs in `p` not inside a longer Latin word.
fn contains_word(p: &str, word: &str) -> bool {
    p.match_indices(word).any(|(i, w)| {
        let before = p[..i].chars().next_back();
        let after = p[i + w.len()..].chars().next();
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !latin(before) && !latin(after)
    })
}

fn find_resolution(p: &str) -> Option<Resolution> {
    static RES: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(720p?|1080p?|2160p?|4k|uhd|full ?hd|fhd)\b|超清|高清|蓝光|4k"));
    let m = RES.find(p)?;
    Some(match m.as_str().trim_end_matches('p') {
        "720" => Resolution::P720,
        "2160" | "4k" | "uhd" | "蓝光" => Resolution::P2160,
        _ => Resolution::P1080,
    })
}

// Transitions ----------------------------------------------------------------------------------

/// Words for transitions: (pattern, xfade name, needs a transition word nearby).
const TRANSITION_WORDS: &[(&str, &str, bool)] = &[
    (
        r"\b(no|without)( any)? transitions?\b|hard cuts?|jump cuts?|straight cuts?|cuts only|just cuts|无转场|不要转场|不加转场|硬切|直接切",
        "none",
        false,
    ),
    (
        r"dip to black|fade (to|through) black|黑场",
        "fadeblack",
        false,
    ),
    (
        r"dip to white|fade (to|through) white|白场|闪白",
        "fadewhite",
        false,
    ),
    (r"\bflash(es)?\b", "fadewhite", true),
    (
        r"cross-?fades?|cross-?dissolves?|淡入淡出|渐变|叠化",
        "fade",
        false,
    ),
    (r"dissolves?|溶解", "dissolve", false),
    (r"wipes? (to the )?right|向右擦除", "wiperight", false),
    (r"wipes? up|向上擦除", "wipeup", false),
    (r"wipes? down|向下擦除", "wipedown", false),
    (r"\bwipes?\b|擦除", "wipeleft", false),
    (r"slides? (to the )?right|向右滑", "slideright", true),
    (r"slides? up|向上滑", "slideup", true),
    (r"slides? down|向下滑", "slidedown", true),
    (
        r"\bslid(e|es|ing)\b|\bpush\b|滑动|滑入|推入",
        "slideleft",
        true,
    ),
    (r"smooth (slide )?left", "smoothleft", false),
    (r"smooth (slide )?right", "smoothright", false),
    (r"\biris\b|circle ?close", "circleclose", false),
    (r"\bcircles?\b|圆形", "circleopen", true),
    (r"\bradial\b|clock ?wipe|时钟", "radial", false),
    (
        r"\bpixel(ate|ated|ize|ized|s)?\b|马赛克|像素",
        "pixelize",
        true,
    ),
    (r"\bblur(ry|red)?\b|模糊", "hblur", true),
    (r"\bzoom(s|ing)?\b|缩放|放大", "zoomin", true),
    (r"\bsqueeze\b|挤压", "squeezeh", true),
    (r"\bdiagonal\b|对角", "diagtl", true),
    (r"\bslices?\b|切片|百叶窗", "hlslice", true),
    (r"\bdistance\b", "distance", true),
    (
        r"\bfades?\b|\bfading\b|\bsmooth\b|\bsoft\b|\bgentle\b|淡化|淡出|平滑|柔和",
        "fade",
        true,
    ),
];

static TRANSITION_CONTEXT: LazyLock<Regex> = LazyLock::new(|| re(r"transitions?|转场|过渡|切换"));
static TRANSITION_RES: LazyLock<Vec<(Regex, &'static str, bool)>> = LazyLock::new(|| {
    TRANSITION_WORDS
        .iter()
        .map(|(p, k, ctx)| (re(p), *k, *ctx))
        .collect()
});

/// The transition a prompt names, as an xfade name or "none".
fn find_transition(p: &str) -> Option<String> {
    let context = TRANSITION_CONTEXT.is_match(p);
    TRANSITION_RES
        .iter()
        .filter(|(_, _, needs)| context || !needs)
        .filter_map(|(r, k, _)| r.find(p).map(|m| (m.start(), *k)))
        // The first named one wins, so "slide transitions, not fades" means slide.
        .min_by_key(|(at, _)| *at)
        .map(|(_, k)| k.to_string())
}

// Music ----------------------------------------------------------------------------------------

static NO_MUSIC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(no|without|remove|drop|delete|kill|turn off|mute)( the| any)? (background )?(music|bgm|soundtrack|song)\b|\bsilent\b|\bmute it\b|不要(背景)?音乐|不加(背景)?音乐|无(背景)?音乐|没有音乐|去掉(背景)?音乐|删除(背景)?音乐|删掉(背景)?音乐|关掉(背景)?音乐|静音|去掉配乐|不要配乐|不要bgm|去掉bgm",
    )
});
static MUSIC: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bmusic|\bbgm\b|soundtrack|\bsong\b|\bbeat\b|音乐|配乐|bgm"));
static ADD_MUSIC: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(add|with|put|include|turn on|bring back|give it)\b|加|添加|配上|来点|要有")
});

fn find_music(p: &str) -> Option<bool> {
    if NO_MUSIC.is_match(p) {
        Some(false)
    } else if MUSIC.is_match(p) {
        Some(true)
    } else {
        None
    }
}

/// Mood words → the moods the music generator knows.
const MOODS: &[(&str, &str)] = &[
    (r"\b(lo-?fi|chillhop|chill beats?|jazzy)\b|低保真", "lofi"),
    (
        r"\b(epic|cinematic|dramatic|inspiring|inspirational|powerful|trailer|heroic)\b|史诗|大气|震撼|激昂|电影感",
        "epic",
    ),
    (
        r"\b(calm|calmer|relaxing|relaxed|peaceful|gentle|soft|soothing|ambient|mellow|chill|quiet|romantic|warm)\b|舒缓|安静|轻柔|放松|温柔|浪漫|温暖|治愈",
        "calm",
    ),
    (
        r"\b(corporate|professional|business|tech|modern|clean)\b|商务|专业|科技",
        "corporate",
    ),
    (
        r"\b(happy|cheerful|playful|fun|funny|cute|sunny|bright|joyful|summery)\b|开心|快乐|可爱|活泼|阳光",
        "happy",
    ),
    (
        r"\b(upbeat|energetic|exciting|lively|dynamic|dance|party|fast|hype|pop)\b|欢快|轻快|动感|节奏感|热闹|燃",
        "upbeat",
    ),
];
static MOOD_RES: LazyLock<Vec<(Regex, &'static str)>> =
    LazyLock::new(|| MOODS.iter().map(|(p, m)| (re(p), *m)).collect());

fn find_mood(p: &str) -> Option<String> {
    // A mood word only means music when music is mentioned ("a calm video" still counts: the
    // mood of the whole piece is the music's mood) — but not when the music is refused.
    if NO_MUSIC.is_match(p) {
        return None;
    }
    MOOD_RES
        .iter()
        .filter_map(|(r, m)| r.find(p).map(|f| (f.start(), *m)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, m)| m.to_string())
}

fn find_music_volume(p: &str) -> Option<Edit> {
    static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?:music|bgm|音乐|配乐)[^\d%]{0,20}(\d{1,3})\s*%|(\d{1,3})\s*%[^\d%]{0,20}(?:music|bgm|音乐|配乐)",
        )
    });
    static LOUDER: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(music|bgm|song)\b.{0,20}\b(louder|up|higher)\b|\b(louder|raise|turn up|increase)\b.{0,20}\b(music|bgm)|音乐(大声|声音大|响)|(调大|提高|加大)(背景)?音乐",
        )
    });
    static QUIETER: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(music|bgm|song)\b.{0,20}\b(quieter|softer|lower|down|less)\b|\b(quieter|softer|lower|turn down|reduce|decrease)\b.{0,20}\b(music|bgm)|音乐(小声|声音小|轻)|(调小|降低|减小)(背景)?音乐",
        )
    });
    if let Some(c) = PERCENT.captures(p) {
        let n: f32 = c.get(1).or(c.get(2))?.as_str().parse().ok()?;
        return Some(Edit::MusicVolume((n / 100.0).clamp(0.0, 1.0)));
    }
    if QUIETER.is_match(p) {
        return Some(Edit::MusicVolumeBy(0.6));
    }
    if LOUDER.is_match(p) {
        return Some(Edit::MusicVolumeBy(1.5));
    }
    None
}

// Title, captions, end card --------------------------------------------------------------------

/// Text in quotes of any common kind; the first quoted span is the title.
fn quoted(s: &str) -> Option<String> {
    static QUOTES: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r#""([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|《([^》]+)》|‘([^’]+)’|(?:^|[\s(:])'([^']+)'(?:$|[\s.,!?;:)])"#,
        )
    });
    let c = QUOTES.captures(s)?;
    (1..=7)
        .find_map(|i| c.get(i))
        .map(|m| m.as_str().trim().to_string())
        .filter(|t| !t.is_empty())
}

fn find_title(prompt: &str) -> Option<String> {
    static NAMED: LazyLock<Regex> = LazyLock::new(|| {
        re(r#"(?i)\b(?:titled|called|named|with the title|title(?:d)?:)\s+([^,.;!?"“”]+)"#)
    });
    static NAMED_ZH: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?:标题(?:是|为|叫|:)|题目(?:是|为)|名为|叫做)\s*([^,，。.;；!！?？]+)")
    });
    if let Some(q) = quoted(prompt) {
        return Some(q);
    }
    NAMED
        .captures(prompt)
        .or_else(|| NAMED_ZH.captures(prompt))
        .map(|c| c[1].trim().to_string())
        .filter(|t| !t.is_empty())
}

fn find_title_edit(prompt: &str, p: &str) -> Option<Edit> {
    static REMOVE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(remove|delete|drop|hide|no|without)( the)? title\b|去掉标题|删除标题|删掉标题|不要标题|不要题目",
        )
    });
    static SET: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r#"(?i)\b(?:change|set|rename|make|update|switch)\s+(?:the\s+|it\s+|its\s+)?(?:title\s+)?(?:to|as|into)\s+|\btitle\s*(?:to|should be|is now|:|=)\s*|\bretitle (?:it )?(?:to |as )?"#,
        )
    });
    static SET_ZH: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?:标题|题目)(?:改成|改为|换成|设为|设置为|写成|用|是|为|:)\s*"));
    if REMOVE.is_match(p) {
        return Some(Edit::RemoveTitle);
    }
    let mentions_title = p.contains("title") || p.contains("标题") || p.contains("题目");
    if !mentions_title {
        return None;
    }
    if let Some(q) = quoted(prompt) {
        return Some(Edit::Title(q));
    }
    let m = SET.find(prompt).or_else(|| SET_ZH.find(prompt))?;
    let rest = until_next_instruction(&prompt[m.end()..]);
    (!rest.is_empty()).then(|| Edit::Title(rest.to_string()))
}

/// Free text up to where the next instruction starts (", make it …", "；改成…", end of line).
fn until_next_instruction(s: &str) -> &str {
    static NEXT: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)[,;，；。\n]|\band (?:then )?(?:make|use|change|add|remove|set|put|move|turn)\b")
    });
    let end = NEXT.find(s).map(|m| m.start()).unwrap_or(s.len());
    s[..end].trim().trim_end_matches(['.', '!', '！']).trim()
}

static CAPTION_EDIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(add|show|turn on|enable|include|with|remove|hide|turn off|disable|drop|delete|no|without)\b|加|显示|打开|开启|去掉|删除|关闭|隐藏|不要",
    )
});

fn find_captions(p: &str) -> Option<bool> {
    static OFF: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(no|without|remove|hide|turn off|disable|drop|delete)( the| any)? (captions?|subtitles?|subs)\b|\b(captions?|subtitles?) off\b|不要字幕|无字幕|去掉字幕|删除字幕|关闭字幕|隐藏字幕|不加字幕",
        )
    });
    static ON: LazyLock<Regex> = LazyLock::new(|| re(r"\b(captions?|subtitles?|subs)\b|字幕"));
    if OFF.is_match(p) {
        Some(false)
    } else if ON.is_match(p) {
        Some(true)
    } else {
        None
    }
}

fn find_end_card(prompt: &str) -> Option<String> {
    static END: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r#"(?i)\b(?:end card|ending|closing (?:line|text|card)|call to action|cta|outro)\s*(?:to|:|=|should (?:say|read)|says?)\s*|(?:结尾|片尾)(?:文字|字幕)?(?:改成|改为|换成|写|是|:)\s*"#,
        )
    });
    let m = END.find(prompt)?;
    let rest = &prompt[m.end()..];
    let text = quoted(rest).unwrap_or_else(|| until_next_instruction(rest).to_string());
    (!text.trim().is_empty()).then(|| text.trim().to_string())
}

// Shots ----------------------------------------------------------------------------------------

const SHOT_NOUN: &str =
    r"(?:photos?|images?|pictures?|pics?|shots?|clips?|slides?|stills?|videos?|ones?|scenes?)";

static SHOT_REF: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:the )?(first|last|final|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)) {SHOT_NOUN}\b|\b{SHOT_NOUN} (?:#|no\.? ?|number )?(\d+)\b|第([零一二两三四五六七八九十\d]+)(?:张|个|段|幕)|(最后)一(?:张|个|段)|(最后面|最前面|开头|结尾|最前|最后|末尾)"
    ))
});
static TARGET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:to (?:the )?|at (?:the )?|in )?(start|beginning|front|end|first|last|back|position (\d+)|slot (\d+))\b",
    )
});
static MOVE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(move|put|bring|place|swap|make)\b|放到|移到|挪到|调到|放在|移动到"));
static REMOVE_SHOT: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(remove|delete|drop|cut|take out|get rid of)\b|删掉|删除|去掉|拿掉"));

fn ordinal(word: &str) -> Option<ShotRef> {
    const ORD: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match word {
        "first" | "start" | "beginning" | "front" | "最前面" | "最前" | "开头" => {
            Some(ShotRef::First)
        }
        "last" | "final" | "end" | "back" | "最后" | "最后面" | "结尾" | "末尾" => {
            Some(ShotRef::Last)
        }
        w => ORD
            .iter()
            .position(|o| *o == w)
            .map(|i| ShotRef::Nth(i + 1))
            .or_else(|| {
                w.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .ok()
                    .map(ShotRef::Nth)
            }),
    }
}

/// Shot references in order of appearance, with where each ends.
fn shot_refs(p: &str) -> Vec<(usize, usize, ShotRef)> {
    SHOT_REF
        .captures_iter(p)
        .filter_map(|c| {
            let m = c.get(0)?;
            let r = if let Some(w) = c.get(1) {
                ordinal(w.as_str())
            } else if let Some(n) = c.get(2) {
                n.as_str().parse().ok().map(ShotRef::Nth)
            } else if let Some(n) = c.get(3) {
                number(n.as_str()).map(|n| match n as usize {
                    1 => ShotRef::First,
                    k => ShotRef::Nth(k),
                })
            } else if c.get(4).is_some() {
                Some(ShotRef::Last)
            } else {
                c.get(5).and_then(|w| ordinal(w.as_str()))
            }?;
            Some((m.start(), m.end(), r))
        })
        .collect()
}

fn find_shot_edit(p: &str) -> Option<Edit> {
    let refs = shot_refs(p);
    if MOVE.is_match(p) {
        let (_, end, from) = *refs.first()?;
        // The target: a second reference, or "to the start/end/first/last" after the first.
        let to = refs.get(1).map(|r| r.2).or_else(|| {
            TARGET.captures(&p[end..]).and_then(|c| {
                if let Some(n) = c.get(2).or(c.get(3)) {
                    n.as_str().parse().ok().map(ShotRef::Nth)
                } else {
                    ordinal(&c[1])
                }
            })
        })?;
        return (from != to).then_some(Edit::MoveShot { from, to });
    }
    if REMOVE_SHOT.is_match(p) && refs.len() == 1 {
        let (start, end, r) = refs[0];
        // "remove the music at the end" names no shot: the reference must carry a shot noun
        // (or be a Chinese "第N张"), not be a bare place word.
        let span = &p[start..end];
        let bare = matches!(
            span,
            "最后面" | "最前面" | "开头" | "结尾" | "最前" | "最后" | "末尾"
        );
        if !bare {
            return Some(Edit::RemoveShot(r));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dur(p: &str) -> Option<u64> {
        parse_intent(p).duration_ms
    }

    #[test]
    fn reads_durations_in_many_spellings() {
        assert_eq!(dur("a 30-second promo"), Some(30_000));
        assert_eq!(dur("make a 30s promo"), Some(30_000));
        assert_eq!(dur("45 sec teaser"), Some(45_000));
        assert_eq!(dur("a 1 minute video"), Some(60_000));
        assert_eq!(dur("a one-minute video"), Some(60_000));
        assert_eq!(dur("a minute long recap"), Some(60_000));
        assert_eq!(dur("half a minute"), Some(30_000));
        assert_eq!(dur("1 minute 30 seconds"), Some(90_000));
        assert_eq!(dur("fifteen seconds for TikTok"), Some(15_000));
        assert_eq!(dur("twenty-five seconds"), Some(25_000));
        assert_eq!(dur("做成15秒的视频"), Some(15_000));
        assert_eq!(dur("做成十五秒的视频"), Some(15_000));
        assert_eq!(dur("三十秒"), Some(30_000));
        assert_eq!(dur("1分钟的视频"), Some(60_000));
        assert_eq!(dur("一分半"), Some(90_000));
        assert_eq!(dur("1.5 minutes"), Some(90_000));
        assert_eq!(dur("4K video at 30fps with 10 shots"), None);
        assert_eq!(dur("a video of my holiday"), None);
    }

    #[test]
    fn per_shot_length_is_not_the_total() {
        let i = parse_intent("3 seconds per photo, with music");
        assert_eq!(i.duration_ms, None);
        assert_eq!(i.per_shot_ms, Some(3000));
        assert_eq!(parse_intent("2s each").per_shot_ms, Some(2000));
        assert_eq!(parse_intent("每张3秒").per_shot_ms, Some(3000));
    }

    #[test]
    fn reads_shape_and_platform() {
        let a = |p: &str| parse_intent(p).aspect;
        assert_eq!(a("16:9 video"), Some(Aspect::Landscape));
        assert_eq!(a("9:16 please"), Some(Aspect::Portrait));
        assert_eq!(a("make it vertical"), Some(Aspect::Portrait));
        assert_eq!(a("for TikTok"), Some(Aspect::Portrait));
        assert_eq!(a("Instagram Reels"), Some(Aspect::Portrait));
        assert_eq!(a("YouTube Shorts"), Some(Aspect::Portrait));
        assert_eq!(a("for YouTube"), Some(Aspect::Landscape));
        assert_eq!(a("square video"), Some(Aspect::Square));
        assert_eq!(a("4:5 for the feed"), Some(Aspect::Vertical4x5));
        assert_eq!(a("竖屏视频"), Some(Aspect::Portrait));
        assert_eq!(a("横屏"), Some(Aspect::Landscape));
        assert_eq!(a("a nice video"), None);
        // Words inside longer words do not count.
        assert_eq!(a("my shortstop highlights"), None);
        assert_eq!(
            parse_intent("for TikTok").platform.as_deref(),
            Some("TikTok")
        );
        // An explicit ratio beats the platform's usual shape.
        assert_eq!(a("a 16:9 cut for TikTok"), Some(Aspect::Landscape));
    }

    #[test]
    fn reads_resolution() {
        let r = |p: &str| parse_intent(p).resolution;
        assert_eq!(r("in 720p"), Some(Resolution::P720));
        assert_eq!(r("1080p please"), Some(Resolution::P1080));
        assert_eq!(r("4K"), Some(Resolution::P2160));
        assert_eq!(r("full hd"), Some(Resolution::P1080));
        assert_eq!(r("a promo"), None);
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

    #[test]
    fn reads_transitions_conservatively() {
        let t = |p: &str| parse_intent(p).transition;
        assert_eq!(t("with transitions"), None);
        assert_eq!(t("use slide transitions").as_deref(), Some("slideleft"));
        assert_eq!(t("crossfades between photos").as_deref(), Some("fade"));
        assert_eq!(t("dissolve between shots").as_deref(), Some("dissolve"));
        assert_eq!(t("wipe up transitions").as_deref(), Some("wipeup"));
        assert_eq!(
            t("dip to black between shots").as_deref(),
            Some("fadeblack")
        );
        assert_eq!(t("hard cuts only").as_deref(), Some("none"));
        assert_eq!(t("no transitions").as_deref(), Some("none"));
        assert_eq!(t("zoom transitions").as_deref(), Some("zoomin"));
        assert_eq!(t("用淡入淡出转场").as_deref(), Some("fade"));
        assert_eq!(t("滑动转场").as_deref(), Some("slideleft"));
        assert_eq!(t("不要转场").as_deref(), Some("none"));
        // Without a transition word, ambiguous words are not transitions.
        assert_eq!(t("a video from my slides"), None);
        assert_eq!(t("zoom in on the product"), None);
    }

    #[test]
    fn reads_music_and_mood() {
        let i = parse_intent("a promo with music and transitions");
        assert_eq!(i.music, Some(true));
        assert_eq!(parse_intent("add some BGM").music, Some(true));
        assert_eq!(parse_intent("加背景音乐").music, Some(true));
        assert_eq!(parse_intent("no music please").music, Some(false));
        assert_eq!(parse_intent("不要音乐").music, Some(false));
        assert_eq!(parse_intent("a video").music, None);
        assert_eq!(
            parse_intent("with calm music").mood.as_deref(),
            Some("calm")
        );
        assert_eq!(
            parse_intent("an epic trailer").mood.as_deref(),
            Some("epic")
        );
        assert_eq!(
            parse_intent("欢快的背景音乐").mood.as_deref(),
            Some("upbeat")
        );
        assert_eq!(parse_intent("no music, calm").mood, None);
    }

    #[test]
    fn reads_titles() {
        let t = |p: &str| parse_intent(p).title;
        assert_eq!(
            t(r#"a promo titled "Urban Dreams""#).as_deref(),
            Some("Urban Dreams")
        );
        assert_eq!(t("a promo called “Aurora”").as_deref(), Some("Aurora"));
        assert_eq!(t("做一个《夏日特卖》的视频").as_deref(), Some("夏日特卖"));
        assert_eq!(
            t("a video called Summer Vibes, 30 seconds").as_deref(),
            Some("Summer Vibes")
        );
        assert_eq!(t("it's today's best deal"), None);
        assert_eq!(t("标题是夏日特卖,15秒").as_deref(), Some("夏日特卖"));
    }

    #[test]
    fn reads_captions() {
        assert_eq!(parse_intent("no captions").captions, Some(false));
        assert_eq!(parse_intent("with subtitles").captions, Some(true));
        assert_eq!(parse_intent("不要字幕").captions, Some(false));
        assert_eq!(parse_intent("a video").captions, None);
    }

    #[test]
    fn edits_in_english() {
        assert_eq!(
            parse_edits("make it 15 seconds"),
            vec![Edit::Duration(15_000)]
        );
        assert_eq!(
            parse_edits("make it vertical for TikTok, 15 seconds"),
            vec![Edit::Duration(15_000), Edit::Aspect(Aspect::Portrait)]
        );
        assert_eq!(
            parse_edits("change the title to Summer Sale"),
            vec![Edit::Title("Summer Sale".into())]
        );
        assert_eq!(
            parse_edits(r#"set the title to "Hello, World""#),
            vec![Edit::Title("Hello, World".into())]
        );
        assert_eq!(parse_edits("remove the title"), vec![Edit::RemoveTitle]);
        assert_eq!(
            parse_edits("use slide transitions"),
            vec![Edit::Transition("slideleft".into())]
        );
        assert_eq!(parse_edits("remove the music"), vec![Edit::Music(false)]);
        assert_eq!(parse_edits("add music"), vec![Edit::Music(true)]);
        assert_eq!(
            parse_edits("make the music calmer"),
            vec![Edit::Mood("calm".into())]
        );
        assert_eq!(parse_edits("music at 20%"), vec![Edit::MusicVolume(0.2)]);
        assert_eq!(
            parse_edits("make the music quieter"),
            vec![Edit::MusicVolumeBy(0.6)]
        );
        assert_eq!(
            parse_edits("move the last photo first"),
            vec![Edit::MoveShot {
                from: ShotRef::Last,
                to: ShotRef::First
            }]
        );
        assert_eq!(
            parse_edits("put photo 2 at the end"),
            vec![Edit::MoveShot {
                from: ShotRef::Nth(2),
                to: ShotRef::Last
            }]
        );
        assert_eq!(
            parse_edits("move the first image to position 3"),
            vec![Edit::MoveShot {
                from: ShotRef::First,
                to: ShotRef::Nth(3)
            }]
        );
        assert_eq!(
            parse_edits("remove the third photo"),
            vec![Edit::RemoveShot(ShotRef::Nth(3))]
        );
        assert_eq!(
            parse_edits("turn off captions"),
            vec![Edit::Captions(false)]
        );
        assert_eq!(
            parse_edits("change the end card to \"Shop now\""),
            vec![Edit::EndCard("Shop now".into())]
        );
        assert_eq!(
            parse_edits("make it 4K"),
            vec![Edit::Resolution(Resolution::P2160)]
        );
        assert!(parse_edits("hmm").is_empty());
    }

    #[test]
    fn edits_in_chinese() {
        assert_eq!(parse_edits("改成15秒"), vec![Edit::Duration(15_000)]);
        assert_eq!(
            parse_edits("改成竖屏"),
            vec![Edit::Aspect(Aspect::Portrait)]
        );
        assert_eq!(
            parse_edits("标题改成夏日特卖"),
            vec![Edit::Title("夏日特卖".into())]
        );
        assert_eq!(parse_edits("去掉音乐"), vec![Edit::Music(false)]);
        assert_eq!(parse_edits("去掉背景音乐"), vec![Edit::Music(false)]);
        assert_eq!(
            parse_edits("把最后一张图片放到最前面"),
            vec![Edit::MoveShot {
                from: ShotRef::Last,
                to: ShotRef::First
            }]
        );
        assert_eq!(
            parse_edits("把第二张放到最后"),
            vec![Edit::MoveShot {
                from: ShotRef::Nth(2),
                to: ShotRef::Last
            }]
        );
        assert_eq!(
            parse_edits("删掉第三张"),
            vec![Edit::RemoveShot(ShotRef::Nth(3))]
        );
        assert_eq!(
            parse_edits("换成滑动转场"),
            vec![Edit::Transition("slideleft".into())]
        );
        assert_eq!(parse_edits("去掉字幕"), vec![Edit::Captions(false)]);
    }

    #[test]
    fn routes_only_single_purpose_prompts() {
        assert_eq!(route("export"), Route::Export);
        assert_eq!(route("导出"), Route::Export);
        assert_eq!(route("please send me the video"), Route::Export);
        assert_eq!(route("download it"), Route::Export);
        assert_eq!(route("how many credits do I have?"), Route::Credits);
        assert_eq!(route("查一下积分"), Route::Credits);
        assert_eq!(route("余额"), Route::Credits);
        assert_eq!(route("status"), Route::Status);
        assert_eq!(route("show tracks"), Route::Status);
        assert_eq!(route("状态"), Route::Status);
        assert_eq!(route("make a 30 second promo and export it"), Route::Create);
        assert_eq!(route("make it vertical"), Route::Create);
        assert_eq!(route("export the 30-second video"), Route::Export);
        assert_eq!(route("send me the video with music"), Route::Export);
        assert_eq!(route("make it 4K and export it"), Route::Create);
        assert_eq!(route("a calm video of the beach"), Route::Create);
    }
}
