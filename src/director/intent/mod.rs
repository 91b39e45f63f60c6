//! Reading what a person asked for, in English or Chinese: first-cut intent ([`parse_intent`]) and
//! edit instructions ([`parse_edits`]).
//!
//! Everything here is pure text → data, so it is cheap to test exhaustively. The parser is
//! deliberately conservative: a word that could mean something else ("slide" as in slideshow,
//! "zoom" as in zoom into the product) only counts as a transition next to a transition word.

mod clauses;
mod edits;
mod exact;
mod length;
pub mod narration;
mod numbers;
mod request;
mod words;

pub use clauses::{clauses, is_filler};
pub use edits::{Edit, ShotRef, parse_edits};
pub use exact::{names_a_shot, read_exact};
pub use numbers::{NotReadable, Quantity, Unreadable};
pub use request::{Exact, Refusal, ShotWord, TextWhich};

use super::format::{Aspect, Resolution};
use crate::timeline::{Mood, TransitionChoice};
use length::find_duration;
use regex::Regex;
use words::{
    find_aspect, find_captions, find_mood, find_music, find_resolution, find_title, find_transition,
};

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
    /// Transition between shots, or hard cuts.
    pub transition: Option<TransitionChoice>,
    /// Music wanted (true) or refused (false).
    pub music: Option<bool>,
    /// Music mood.
    pub mood: Option<Mood>,
    /// Title text given in quotes or after "titled".
    pub title: Option<String>,
    /// Captions wanted or refused.
    pub captions: Option<bool>,
    /// A length asked for without a number ("a few seconds"), in the prompt's words.
    pub vague_length: Option<String>,
    /// Voice-over, caption style and beat sync.
    pub narration: narration::NarrationAsk,
}

impl Intent {
    /// True when nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        *self == Intent::default()
    }
}

/// Read a first prompt. Fails only on a number written as one that cannot be read.
pub fn parse_intent(prompt: &str) -> Result<Intent, Unreadable> {
    let p = normalise(prompt);
    let (aspect, platform) = find_aspect(&p);
    let lengths = find_duration(&p)?;
    Ok(Intent {
        duration_ms: lengths.total_ms,
        per_shot_ms: lengths.per_shot_ms,
        vague_length: lengths.vague,
        aspect,
        platform,
        resolution: find_resolution(&p),
        transition: find_transition(&p),
        music: find_music(&p),
        mood: find_mood(&p),
        title: find_title(prompt),
        captions: find_captions(&p),
        narration: narration::find_narration(&p),
    })
}
/// How one clause of an edit prompt reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Whole-video changes the recipe makes (length, shape, music, title, order by place…).
    Recipe(Vec<Edit>),
    /// A change to one named part, done by the exact edit op it maps to.
    Exact(Exact),
    /// Something reelsmith cannot do yet, and what to do instead.
    Refusal(String),
    /// Politeness ("please", "thanks"): asks for nothing.
    Filler,
    /// Not understood; with a hint naming the op when the clause is about one part.
    Unknown(Option<&'static str>),
}

/// Read each clause of an edit prompt. Fails only on a number that cannot be read.
pub fn read_prompt(prompt: &str) -> Result<Vec<(String, Reading)>, Unreadable> {
    clauses(prompt)
        .into_iter()
        .map(|c| {
            let r = read_clause(&c)?;
            Ok((c, r))
        })
        .collect()
}

/// Read one clause: an exact request first (so a number about one shot or the title is never
/// taken as the video's length), then the recipe's whole-video vocabulary.
pub fn read_clause(clause: &str) -> Result<Reading, Unreadable> {
    if is_filler(clause) {
        return Ok(Reading::Filler);
    }
    match read_exact(clause) {
        Ok(Some(e)) => return Ok(Reading::Exact(e)),
        Ok(None) => {}
        Err(Refusal(why)) => return Ok(Reading::Refusal(why)),
    }
    let edits = parse_edits(clause)?;
    if edits.is_empty() {
        return Ok(Reading::Unknown(hint(clause)));
    }
    // Whole-video changes said about one shot ("remove the caption on the cat shot") would do
    // more than was asked: only moving or removing a shot by place may name one.
    let by_place = |e: &Edit| matches!(e, Edit::MoveShot { .. } | Edit::RemoveShot(_));
    if names_a_shot(clause) && !edits.iter().all(by_place) {
        return Ok(Reading::Unknown(hint(clause)));
    }
    // Two lengths in one clause cannot both be the video's.
    if SECONDS_SAID.find_iter(&normalise(clause)).count() > 1 {
        return Ok(Reading::Unknown(hint(clause)));
    }
    // A length said next to a part of the video (a shot we could not name, some text) is not the
    // video's length: refuse rather than guess.
    let p = normalise(clause);
    if edits.iter().any(|e| matches!(e, Edit::Duration(_)))
        && PART.is_match(&p)
        && !WHOLE.is_match(&p)
    {
        return Ok(Reading::Unknown(hint(clause)));
    }
    Ok(Reading::Recipe(edits))
}

static SECONDS_SAID: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| re(r"\d+(?:\.\d+)?\s*(?:s\b|secs?\b|seconds?\b|秒)"));
static PART: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    re(
        r"\b(photos?|images?|pictures?|pics?|shots?|clips?|slides?|stills?|scenes?|title|captions?|subtitles?|text|end ?card|badge|logo|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|rest|others?|transitions?|fades?|crossfades?|dissolves?|intro|outro)\b|镜头|张|图|片段|标题|字幕|文字|结尾|转场|第",
    )
});
static WHOLE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    re(r"\b(video|whole|total|overall|all (?:the )?(?:photos|shots|clips))\b|视频|整个|总共|总长")
});

/// The op that does what an unread clause seems to be about.
fn hint(clause: &str) -> Option<&'static str> {
    static SHOT: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        re(
            r"\b(photos?|images?|pictures?|pics?|shots?|clips?|slides?|stills?|scenes?)\b|镜头|张|图|片段",
        )
    });
    static TEXT: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        re(r"\b(title|captions?|subtitles?|text|end ?card|font|words)\b|标题|字幕|文字|结尾")
    });
    static OVERLAY: std::sync::LazyLock<Regex> =
        std::sync::LazyLock::new(|| re(r"\b(logo|badge|watermark|sticker)\b|水印|角标|贴纸"));
    let p = normalise(clause);
    if OVERLAY.is_match(&p) {
        Some(
            r#"{"op":"add_overlay","file":"logo.png","position":"top_right"} (or add_text with role overlay for a word badge)"#,
        )
    } else if TEXT.is_match(&p) {
        Some(
            r#"{"op":"set_text","id":"<text id from get_timeline>", …} or {"op":"set_style","role":"caption","style":{…}}"#,
        )
    } else if SHOT.is_match(&p) {
        Some(
            r#"{"op":"set_shot","shot":<position, id or file name>, …} (or move_shot / remove_shot)"#,
        )
    } else {
        None
    }
}

/// `p` with quoted spans blanked out, so keywords inside new words ("'Bigger Savings'", "'30
/// Seconds to Mars'") are not read as instructions.
pub(crate) fn without_quotes(p: &str) -> String {
    static QUOTES: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        re(r#""[^"]*"|“[^”]*”|「[^」]*」|『[^』]*』|《[^》]*》|‘[^’]*’|(?:^|[\s(:])'[^']*'"#)
    });
    QUOTES.replace_all(p, " «» ").into_owned()
}

pub(crate) fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// Lower-case, with full-width punctuation and fancy dashes folded to ASCII.
pub(crate) fn normalise(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dur(p: &str) -> Option<u64> {
        parse_intent(p).unwrap().duration_ms
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
        let i = parse_intent("3 seconds per photo, with music").unwrap();
        assert_eq!(i.duration_ms, None);
        assert_eq!(i.per_shot_ms, Some(3000));
        assert_eq!(parse_intent("2s each").unwrap().per_shot_ms, Some(2000));
        assert_eq!(parse_intent("每张3秒").unwrap().per_shot_ms, Some(3000));
    }

    #[test]
    fn reads_shape_and_platform() {
        let a = |p: &str| parse_intent(p).unwrap().aspect;
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
            parse_intent("for TikTok").unwrap().platform.as_deref(),
            Some("TikTok")
        );
        // An explicit ratio beats the platform's usual shape.
        assert_eq!(a("a 16:9 cut for TikTok"), Some(Aspect::Landscape));
    }

    #[test]
    fn reads_resolution() {
        let r = |p: &str| parse_intent(p).unwrap().resolution;
        assert_eq!(r("in 720p"), Some(Resolution::P720));
        assert_eq!(r("1080p please"), Some(Resolution::P1080));
        assert_eq!(r("4K"), Some(Resolution::P2160));
        assert_eq!(r("full hd"), Some(Resolution::P1080));
        assert_eq!(r("a promo"), None);
    }

    #[test]
    fn reads_transitions_conservatively() {
        use crate::timeline::TransitionKind as K;
        let t = |p: &str| parse_intent(p).unwrap().transition;
        let kind = |k: K| Some(TransitionChoice::Kind(k));
        let cut = Some(TransitionChoice::Cut);
        assert_eq!(t("with transitions"), None);
        assert_eq!(t("use slide transitions"), kind(K::SlideLeft));
        assert_eq!(t("crossfades between photos"), kind(K::Fade));
        assert_eq!(t("dissolve between shots"), kind(K::Dissolve));
        assert_eq!(t("wipe up transitions"), kind(K::WipeUp));
        assert_eq!(t("dip to black between shots"), kind(K::FadeBlack));
        assert_eq!(t("hard cuts only"), cut);
        assert_eq!(t("no transitions"), cut);
        assert_eq!(t("zoom transitions"), kind(K::ZoomIn));
        assert_eq!(t("用淡入淡出转场"), kind(K::Fade));
        assert_eq!(t("滑动转场"), kind(K::SlideLeft));
        assert_eq!(t("不要转场"), cut);
        // Without a transition word, ambiguous words are not transitions.
        assert_eq!(t("a video from my slides"), None);
        assert_eq!(t("zoom in on the product"), None);
    }

    #[test]
    fn reads_music_and_mood() {
        let i = parse_intent("a promo with music and transitions").unwrap();
        assert_eq!(i.music, Some(true));
        assert_eq!(parse_intent("add some BGM").unwrap().music, Some(true));
        assert_eq!(parse_intent("加背景音乐").unwrap().music, Some(true));
        assert_eq!(parse_intent("no music please").unwrap().music, Some(false));
        assert_eq!(parse_intent("不要音乐").unwrap().music, Some(false));
        assert_eq!(parse_intent("a video").unwrap().music, None);
        assert_eq!(
            parse_intent("with calm music").unwrap().mood,
            Some(Mood::Calm)
        );
        assert_eq!(
            parse_intent("an epic trailer").unwrap().mood,
            Some(Mood::Epic)
        );
        assert_eq!(
            parse_intent("欢快的背景音乐").unwrap().mood,
            Some(Mood::Upbeat)
        );
        assert_eq!(parse_intent("no music, calm").unwrap().mood, None);
    }

    #[test]
    fn reads_titles() {
        let t = |p: &str| parse_intent(p).unwrap().title;
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
        assert_eq!(parse_intent("no captions").unwrap().captions, Some(false));
        assert_eq!(parse_intent("with subtitles").unwrap().captions, Some(true));
        assert_eq!(parse_intent("不要字幕").unwrap().captions, Some(false));
        assert_eq!(parse_intent("a video").unwrap().captions, None);
    }
}
