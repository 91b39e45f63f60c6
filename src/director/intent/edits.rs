//! Edit instructions: "make it 15 seconds", "move the last photo first", "标题改成…".

use super::length::find_duration;
use super::numbers::{Quantity, Unreadable, number};
use super::words::{
    ADD_MUSIC, find_aspect, find_captions, find_mood, find_music, find_resolution, find_transition,
    quoted,
};
use super::{normalise, re, without_quotes};
use crate::director::format::{Aspect, Resolution};
use crate::timeline::{Mood, TransitionChoice};
use regex::Regex;
use std::sync::LazyLock;

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
    /// New transition, or hard cuts.
    Transition(TransitionChoice),
    /// Music on or off.
    Music(bool),
    /// Generated music in this mood.
    Mood(Mood),
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
/// Fails only on a number written as one that cannot be read.
pub fn parse_edits(prompt: &str) -> Result<Vec<Edit>, Unreadable> {
    // Quoted words are new text (a title, an end card), never instructions.
    let p = without_quotes(&normalise(prompt));
    let mut edits = Vec::new();
    if let Some(ms) = find_duration(&p)?.total_ms {
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
            if let Some(v) = find_music_volume(&p)? {
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
    Ok(edits)
}
/// A music level: a percentage (as asked, not clamped) or louder/quieter.
fn find_music_volume(p: &str) -> Result<Option<Edit>, Unreadable> {
    static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?:music|bgm|音乐|配乐)[^\d%]{0,20}(\d[\d.,]*(?:e[+-]?\d+)?)\s*%|(\d[\d.,]*(?:e[+-]?\d+)?)\s*%[^\d%]{0,20}(?:music|bgm|音乐|配乐)",
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
    if let Some(c) = PERCENT.captures(p)
        && let Some(g) = c.get(1).or(c.get(2))
    {
        let said = || format!("{}%", g.as_str());
        return match number(g.as_str()) {
            // Kept finite as an f32; the recipe clamps it to 0–100% and says so.
            Ok(Some(n)) => Ok(Some(Edit::MusicVolume((n / 100.0).min(1e6) as f32))),
            Ok(None) => Ok(None),
            Err(why) => Err(Unreadable {
                said: said(),
                what: Quantity::MusicLevel,
                why,
            }),
        };
    }
    if QUIETER.is_match(p) {
        return Ok(Some(Edit::MusicVolumeBy(0.6)));
    }
    if LOUDER.is_match(p) {
        return Ok(Some(Edit::MusicVolumeBy(1.5)));
    }
    Ok(None)
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
static UNIT_AFTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:s\b|secs?\b|seconds?\b|秒|%|x\b)"));
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
pub(super) fn shot_refs(p: &str) -> Vec<(usize, usize, ShotRef)> {
    SHOT_REF
        .captures_iter(p)
        .filter_map(|c| {
            let m = c.get(0)?;
            let r = if let Some(w) = c.get(1) {
                ordinal(w.as_str())
            } else if let Some(n) = c.get(2) {
                n.as_str().parse().ok().map(ShotRef::Nth)
            } else if let Some(n) = c.get(3) {
                number(n.as_str()).ok().flatten().map(|n| match n as usize {
                    1 => ShotRef::First,
                    k => ShotRef::Nth(k),
                })
            } else if c.get(4).is_some() {
                Some(ShotRef::Last)
            } else {
                c.get(5).and_then(|w| ordinal(w.as_str()))
            }?;
            // "shot 3 seconds" is a length, not shot 3.
            if c.get(2).is_some() && UNIT_AFTER.is_match(&p[m.end()..]) {
                return None;
            }
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
    use crate::timeline::TransitionKind;

    #[test]
    fn edits_in_english() {
        assert_eq!(
            parse_edits("make it 15 seconds").unwrap(),
            vec![Edit::Duration(15_000)]
        );
        assert_eq!(
            parse_edits("make it vertical for TikTok, 15 seconds").unwrap(),
            vec![Edit::Duration(15_000), Edit::Aspect(Aspect::Portrait)]
        );
        assert_eq!(
            parse_edits("change the title to Summer Sale").unwrap(),
            vec![Edit::Title("Summer Sale".into())]
        );
        assert_eq!(
            parse_edits(r#"set the title to "Hello, World""#).unwrap(),
            vec![Edit::Title("Hello, World".into())]
        );
        assert_eq!(
            parse_edits("remove the title").unwrap(),
            vec![Edit::RemoveTitle]
        );
        assert_eq!(
            parse_edits("use slide transitions").unwrap(),
            vec![Edit::Transition(TransitionChoice::Kind(
                TransitionKind::SlideLeft
            ))]
        );
        assert_eq!(
            parse_edits("remove the music").unwrap(),
            vec![Edit::Music(false)]
        );
        assert_eq!(parse_edits("add music").unwrap(), vec![Edit::Music(true)]);
        assert_eq!(
            parse_edits("make the music calmer").unwrap(),
            vec![Edit::Mood(Mood::Calm)]
        );
        assert_eq!(
            parse_edits("music at 20%").unwrap(),
            vec![Edit::MusicVolume(0.2)]
        );
        assert_eq!(
            parse_edits("make the music quieter").unwrap(),
            vec![Edit::MusicVolumeBy(0.6)]
        );
        assert_eq!(
            parse_edits("move the last photo first").unwrap(),
            vec![Edit::MoveShot {
                from: ShotRef::Last,
                to: ShotRef::First
            }]
        );
        assert_eq!(
            parse_edits("put photo 2 at the end").unwrap(),
            vec![Edit::MoveShot {
                from: ShotRef::Nth(2),
                to: ShotRef::Last
            }]
        );
        assert_eq!(
            parse_edits("move the first image to position 3").unwrap(),
            vec![Edit::MoveShot {
                from: ShotRef::First,
                to: ShotRef::Nth(3)
            }]
        );
        assert_eq!(
            parse_edits("remove the third photo").unwrap(),
            vec![Edit::RemoveShot(ShotRef::Nth(3))]
        );
        assert_eq!(
            parse_edits("turn off captions").unwrap(),
            vec![Edit::Captions(false)]
        );
        assert_eq!(
            parse_edits("change the end card to \"Shop now\"").unwrap(),
            vec![Edit::EndCard("Shop now".into())]
        );
        assert_eq!(
            parse_edits("make it 4K").unwrap(),
            vec![Edit::Resolution(Resolution::P2160)]
        );
        assert!(parse_edits("hmm").unwrap().is_empty());
        // Levels are read as asked (the recipe clamps them, and says so); unreadable ones refused.
        assert_eq!(
            parse_edits("music at 500%").unwrap(),
            vec![Edit::MusicVolume(5.0)]
        );
        let e = parse_edits("music at 1e999%").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read \"1e999%\" as a music level: the number is too large to read; give the level as a percentage from 0 to 100, e.g. \"music at 20%\""
        );
    }

    #[test]
    fn edits_in_chinese() {
        assert_eq!(
            parse_edits("改成15秒").unwrap(),
            vec![Edit::Duration(15_000)]
        );
        assert_eq!(
            parse_edits("改成竖屏").unwrap(),
            vec![Edit::Aspect(Aspect::Portrait)]
        );
        assert_eq!(
            parse_edits("标题改成夏日特卖").unwrap(),
            vec![Edit::Title("夏日特卖".into())]
        );
        assert_eq!(parse_edits("去掉音乐").unwrap(), vec![Edit::Music(false)]);
        assert_eq!(
            parse_edits("去掉背景音乐").unwrap(),
            vec![Edit::Music(false)]
        );
        assert_eq!(
            parse_edits("把最后一张图片放到最前面").unwrap(),
            vec![Edit::MoveShot {
                from: ShotRef::Last,
                to: ShotRef::First
            }]
        );
        assert_eq!(
            parse_edits("把第二张放到最后").unwrap(),
            vec![Edit::MoveShot {
                from: ShotRef::Nth(2),
                to: ShotRef::Last
            }]
        );
        assert_eq!(
            parse_edits("删掉第三张").unwrap(),
            vec![Edit::RemoveShot(ShotRef::Nth(3))]
        );
        assert_eq!(
            parse_edits("换成滑动转场").unwrap(),
            vec![Edit::Transition(TransitionChoice::Kind(
                TransitionKind::SlideLeft
            ))]
        );
        assert_eq!(
            parse_edits("去掉字幕").unwrap(),
            vec![Edit::Captions(false)]
        );
    }
}
