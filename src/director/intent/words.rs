//! The vocabularies: frame shapes and platforms, resolutions, transitions, music and moods,
//! titles and captions. Each `find_*` reads one thing from a normalised prompt.

use super::re;
use crate::director::format::{Aspect, Resolution};
use crate::timeline::TransitionChoice::{self, Cut, Kind};
use crate::timeline::{Mood, TransitionKind as K};
use regex::Regex;
use std::sync::LazyLock;

// Shape and resolution -------------------------------------------------------------------------

/// (shape, platform) from ratios, platform names and shape words.
pub(super) fn find_aspect(p: &str) -> (Option<Aspect>, Option<String>) {
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

pub(super) fn find_resolution(p: &str) -> Option<Resolution> {
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

/// Words for transitions: (pattern, what it chooses, needs a transition word nearby).
const TRANSITION_WORDS: &[(&str, TransitionChoice, bool)] = &[
    (
        r"\b(no|without)( any)? transitions?\b|hard cuts?|jump cuts?|straight cuts?|cuts only|just cuts|无转场|不要转场|不加转场|硬切|直接切",
        Cut,
        false,
    ),
    (
        r"dip to black|fade (to|through) black|黑场",
        Kind(K::FadeBlack),
        false,
    ),
    (
        r"dip to white|fade (to|through) white|白场|闪白",
        Kind(K::FadeWhite),
        false,
    ),
    (r"\bflash(es)?\b", Kind(K::FadeWhite), true),
    (
        r"cross-?fades?|cross-?dissolves?|淡入淡出|渐变|叠化",
        Kind(K::Fade),
        false,
    ),
    (r"dissolves?|溶解", Kind(K::Dissolve), false),
    (
        r"wipes? (to the )?right|向右擦除",
        Kind(K::WipeRight),
        false,
    ),
    (r"wipes? up|向上擦除", Kind(K::WipeUp), false),
    (r"wipes? down|向下擦除", Kind(K::WipeDown), false),
    (r"\bwipes?\b|擦除", Kind(K::WipeLeft), false),
    (r"slides? (to the )?right|向右滑", Kind(K::SlideRight), true),
    (r"slides? up|向上滑", Kind(K::SlideUp), true),
    (r"slides? down|向下滑", Kind(K::SlideDown), true),
    (
        r"\bslid(e|es|ing)\b|\bpush\b|滑动|滑入|推入",
        Kind(K::SlideLeft),
        true,
    ),
    (r"smooth (slide )?left", Kind(K::SmoothLeft), false),
    (r"smooth (slide )?right", Kind(K::SmoothRight), false),
    (r"\biris\b|circle ?close", Kind(K::CircleClose), false),
    (r"\bcircles?\b|圆形", Kind(K::CircleOpen), true),
    (r"\bradial\b|clock ?wipe|时钟", Kind(K::Radial), false),
    (
        r"\bpixel(ate|ated|ize|ized|s)?\b|马赛克|像素",
        Kind(K::Pixelize),
        true,
    ),
    (r"\bblur(ry|red)?\b|模糊", Kind(K::HBlur), true),
    (r"\bzoom(s|ing)?\b|缩放|放大", Kind(K::ZoomIn), true),
    (r"\bsqueeze\b|挤压", Kind(K::SqueezeH), true),
    (r"\bdiagonal\b|对角", Kind(K::DiagTl), true),
    (r"\bslices?\b|切片|百叶窗", Kind(K::HlSlice), true),
    (r"\bdistance\b", Kind(K::Distance), true),
    (
        r"\bfades?\b|\bfading\b|\bsmooth\b|\bsoft\b|\bgentle\b|淡化|淡出|平滑|柔和",
        Kind(K::Fade),
        true,
    ),
];

static TRANSITION_CONTEXT: LazyLock<Regex> = LazyLock::new(|| re(r"transitions?|转场|过渡|切换"));
static TRANSITION_RES: LazyLock<Vec<(Regex, &'static TransitionChoice, bool)>> =
    LazyLock::new(|| {
        TRANSITION_WORDS
            .iter()
            .map(|(p, k, ctx)| (re(p), k, *ctx))
            .collect()
    });

/// The transition a prompt names, or a cut.
pub(super) fn find_transition(p: &str) -> Option<TransitionChoice> {
    let context = TRANSITION_CONTEXT.is_match(p);
    TRANSITION_RES
        .iter()
        .filter(|(_, _, needs)| context || !needs)
        .filter_map(|(r, k, _)| r.find(p).map(|m| (m.start(), *k)))
        // The first named one wins, so "slide transitions, not fades" means slide.
        .min_by_key(|(at, _)| *at)
        .map(|(_, k)| k.clone())
}

// Music ----------------------------------------------------------------------------------------

pub(super) static NO_MUSIC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(no|without|remove|drop|delete|kill|turn off|mute)( the| any)? (background )?(music|bgm|soundtrack|song)\b|\bsilent\b|\bmute it\b|不要(背景)?音乐|不加(背景)?音乐|无(背景)?音乐|没有音乐|去掉(背景)?音乐|删除(背景)?音乐|删掉(背景)?音乐|关掉(背景)?音乐|静音|去掉配乐|不要配乐|不要bgm|去掉bgm",
    )
});
pub(super) static MUSIC: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bmusic|\bbgm\b|soundtrack|\bsong\b|\bbeat\b|音乐|配乐|bgm"));
pub(super) static ADD_MUSIC: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(add|with|put|include|turn on|bring back|give it)\b|加|添加|配上|来点|要有")
});

pub(super) fn find_music(p: &str) -> Option<bool> {
    if NO_MUSIC.is_match(p) {
        Some(false)
    } else if MUSIC.is_match(p) {
        Some(true)
    } else {
        None
    }
}

/// Mood words → the moods the music generator knows.
const MOODS: &[(&str, Mood)] = &[
    (
        r"\b(lo-?fi|chillhop|chill beats?|jazzy)\b|低保真",
        Mood::Lofi,
    ),
    (
        r"\b(epic|cinematic|dramatic|inspiring|inspirational|powerful|trailer|heroic)\b|史诗|大气|震撼|激昂|电影感",
        Mood::Epic,
    ),
    (
        r"\b(calm|calmer|relaxing|relaxed|peaceful|gentle|soft|soothing|ambient|mellow|chill|quiet|romantic|warm)\b|舒缓|安静|轻柔|放松|温柔|浪漫|温暖|治愈",
        Mood::Calm,
    ),
    (
        r"\b(corporate|professional|business|tech|modern|clean)\b|商务|专业|科技",
        Mood::Corporate,
    ),
    (
        r"\b(happy|cheerful|playful|fun|funny|cute|sunny|bright|joyful|summery)\b|开心|快乐|可爱|活泼|阳光",
        Mood::Happy,
    ),
    (
        r"\b(upbeat|energetic|exciting|lively|dynamic|dance|party|fast|hype|pop)\b|欢快|轻快|动感|节奏感|热闹|燃",
        Mood::Upbeat,
    ),
];
static MOOD_RES: LazyLock<Vec<(Regex, Mood)>> =
    LazyLock::new(|| MOODS.iter().map(|(p, m)| (re(p), *m)).collect());

pub(super) fn find_mood(p: &str) -> Option<Mood> {
    // A mood word only means music when music is mentioned ("a calm video" still counts: the
    // mood of the whole piece is the music's mood) — but not when the music is refused.
    if NO_MUSIC.is_match(p) {
        return None;
    }
    MOOD_RES
        .iter()
        .filter_map(|(r, m)| r.find(p).map(|f| (f.start(), *m)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, m)| m)
}

// Title, captions, end card --------------------------------------------------------------------

/// Text in quotes of any common kind; the first quoted span is the title.
pub(super) fn quoted(s: &str) -> Option<String> {
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

pub(super) fn find_title(prompt: &str) -> Option<String> {
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

pub(super) fn find_captions(p: &str) -> Option<bool> {
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
