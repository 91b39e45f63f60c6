//! Prompt clauses about one part of the video — a shot's length or motion, a shot named by its
//! file, text on one shot, a text style, a badge, history — read into [`Exact`] requests. The
//! edit layer turns each into the same typed op an agent would send, so a number said about one
//! shot or the title never becomes the video's length, and quoted words on one shot never turn
//! into "captions on".

use super::edits::{ShotRef, shot_refs};
use super::request::{Exact, Refusal, ShotWord, TextWhich};
use super::words::quoted;
use super::{normalise, re, without_quotes};
use crate::timeline::style::Place;
use crate::timeline::{Motion, TextRole};
use regex::Regex;
use std::sync::LazyLock;

static SECONDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s*(?:s\b|secs?\b|seconds?\b|秒)"));
static TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"\btitle\b|标题|片头"));
static END_CARD: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(end ?card|ending text|outro|closing (?:card|line))\b|结尾|片尾"));
static CAPTION: LazyLock<Regex> = LazyLock::new(|| re(r"\b(captions?|subtitles?|subs)\b|字幕"));
static ANY_TEXT: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(text|words|lettering|font|labels?)\b|文字|文本|字体|字"));
static SAYS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(captions?|subtitles?|text|label|say|says|saying|reading|words?)\b|字幕|文字|写")
});
static VIDEO: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(video|whole|total|overall)\b|视频|整个|总"));
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    // The name may run into Chinese around it ("把猫.jpg放最前面"); the edit layer tries the
    // name's tails when the whole does not match a shot.
    re(
        r#"([^\s"'“”‘’「」《》,，。;；:：/\\()]+?\.(?:jpe?g|png|webp|gif|heic|bmp|tiff?|mp4|mov|m4v|webm|mkv|avi))(?:[^a-z0-9]|$)"#,
    )
});
static NAMED_SHOT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\bthe ([a-z][\w\-]*) (?:photo|image|picture|pic|shot|clip|still|one)s?\b")
});
static NOT_A_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(first|last|final|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|next|previous|other|same|new|whole|entire|opening|closing|\d+(st|nd|rd|th)?)$",
    )
});

/// True when `clause` names a shot (by place or file).
pub fn names_a_shot(clause: &str) -> bool {
    !shot_words(&normalise(clause)).is_empty()
}

/// What `clause` asks for, if it is about one part of the video; Err when it must not be done as
/// said (not available yet, or a phrasing an exact op would get wrong), with what to send.
pub fn read_exact(clause: &str) -> Result<Option<Exact>, Refusal> {
    let p = normalise(clause);
    if let Some(h) = history(&p) {
        return Ok(Some(h));
    }
    let n = super::narration::find_narration(&p);
    // "no captions" and "captions on" stay whole-video recipe edits unless a voice-over or a
    // style is said with them.
    let style = n
        .captions
        .filter(|c| *c != crate::timeline::CaptionStyle::Off);
    if n.voiceover.is_some() || style.is_some() || n.beat_sync.is_some() {
        return Ok(Some(Exact::Narration(n)));
    }
    let shots = shot_words(&p);
    let quote = quoted(clause);
    // Keywords are read outside quotes: "set the title to 'Bigger Savings'" is new words.
    let bare = without_quotes(&p);
    let bare = bare.as_str();
    // Two lengths in one clause ("the first photo 3 seconds and the second 4") are more than
    // one exact change can say: leave it to be refused rather than do half.
    if SECONDS.find_iter(bare).count() > 1 {
        return Ok(None);
    }
    // "1,5 seconds": a decimal comma would be read as "5 seconds".
    static COMMA_DECIMAL: LazyLock<Regex> =
        LazyLock::new(|| re(r"\d,\d+\s*(?:s\b|secs?\b|seconds?\b|秒)"));
    if COMMA_DECIMAL.is_match(bare) {
        return Err(Refusal(
            "write a fraction of a second with a point (1.5 seconds), or send the exact op".into(),
        ));
    }
    let secs = SECONDS
        .captures(bare)
        .and_then(|c| c[1].parse::<f64>().ok());
    if let Some(b) = badge(bare, quote.as_deref(), !shots.is_empty())? {
        return Ok(Some(b));
    }
    if let Some(s) = swap(bare, &shots) {
        return Ok(Some(s));
    }
    let first_shot = shots.first().cloned();
    let about_text = CAPTION.is_match(bare) || TITLE.is_match(bare) || ANY_TEXT.is_match(bare);
    if let (Some(text), Some(shot)) = (&quote, &first_shot)
        && SAYS.is_match(bare)
    {
        // Adding words is exact; changing the words already there needs their id.
        if !ADD.is_match(bare) || CHANGE.is_match(bare) {
            return Err(Refusal(format!(
                "to change the words already on a shot send {{\"op\":\"set_text\",\"id\":\"<its id from get_timeline>\",\"text\":\"{}\"}}",
                text.replace('"', "\\\"")
            )));
        }
        return Ok(Some(Exact::TextOnShot {
            text: text.clone(),
            shot: shot.clone(),
        }));
    }
    if secs.is_some()
        && (first_shot.is_some()
            || ((TITLE.is_match(bare) || END_CARD.is_match(bare)) && !VIDEO.is_match(bare)))
    {
        // "2 seconds longer", "start at 5 seconds", "the transition 1 second": not a length to set.
        if RELATIVE.is_match(bare) {
            return Err(Refusal(
                "a length said as longer/shorter, a start or trim, or a transition's length is not read from a prompt; send set_shot {\"duration_s\"|\"trim_start_s\"|\"transition\"} or set_text {\"start_s\",\"end_s\"} with the values".into(),
            ));
        }
    }
    let per_each = EACH.is_match(bare);
    if let (Some(seconds), Some(shot)) = (secs, &first_shot)
        && !per_each
        && !about_text
    {
        return Ok(Some(Exact::ShotLength {
            shot: shot.clone(),
            seconds,
        }));
    }
    if let Some(seconds) = secs
        && !VIDEO.is_match(bare)
        && first_shot.is_none()
    {
        if TITLE.is_match(bare) {
            return Ok(Some(Exact::TextLength {
                role: TextRole::Title,
                seconds,
            }));
        }
        if END_CARD.is_match(bare) {
            return Ok(Some(Exact::TextLength {
                role: TextRole::EndCard,
                seconds,
            }));
        }
    }
    if let Some(shot) = &first_shot
        && !about_text
        && let Some(motion) = motion(bare)?
    {
        return Ok(Some(Exact::ShotMotion {
            shot: shot.clone(),
            motion,
        }));
    }
    if let Some(e) = text_look(bare) {
        // A style said about one shot's text would restyle every text of the role.
        if first_shot.is_some() {
            return Err(Refusal(
                "a style for the text on one shot needs that text's id: send {\"op\":\"set_text\",\"id\":\"<id from get_timeline>\",\"style\":{…}}".into(),
            ));
        }
        return Ok(Some(e));
    }
    if let Some(ShotWord::File(f)) = first_shot.as_ref().filter(|_| !about_text) {
        if MOVE.is_match(bare) {
            if RELATION.is_match(bare) {
                return Err(Refusal(format!(
                    "a place said as before/after another shot is not read from a prompt; send {{\"op\":\"move_shot\",\"shot\":\"{f}\",\"to\":<1-based position>}}"
                )));
            }
            if let Some(to) = target_after(bare, f) {
                return Ok(Some(Exact::MoveShot {
                    shot: ShotWord::File(f.clone()),
                    to,
                }));
            }
        }
        if REMOVE.is_match(bare) {
            return Ok(Some(Exact::RemoveShot(ShotWord::File(f.clone()))));
        }
    }
    if REMOVE.is_match(bare)
        && END_CARD.is_match(bare)
        && quote.is_none()
        && !OTHER_THING.is_match(bare)
    {
        return Ok(Some(Exact::RemoveEndCard));
    }
    Ok(None)
}

static ADD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(add|put|place|show|include|stick|write|insert)\b|加|添加|写上|显示|放")
});
static CHANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(change|replace|edit|rename|update|switch)\b|改成|改为|换成|替换"));
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(longer|shorter|more|less|extra|another|additional|start|starts|starting|begin|trim|cut off|transition|fade|crossfade|dissolve|at)\b|延长|缩短|多|少|开始|转场|裁",
    )
});
static EACH: LazyLock<Regex> = LazyLock::new(|| re(r"\b(each|per|every|all)\b|每"));
static RELATION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(after|before|behind|next to|in front of|following|ahead of)\b|之后|之前|[^最]后面|[^最]前面|旁边",
    )
});
static MOVE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(move|put|bring|place|make)\b|放到|移到|挪到|调到|放在|放|移"));
static REMOVE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(remove|delete|drop|cut out|take out|get rid of)\b|删掉|删除|去掉|拿掉|不要")
});
/// Things other than the end card a removal could be about ("remove the outro music").
static OTHER_THING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(music|song|bgm|audio|sound|photo|picture|image|shot|clip|logo|badge)s?\b|音乐|配乐|图|镜头|视频",
    )
});

fn history(p: &str) -> Option<Exact> {
    static UNDO: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^(?:please )?(?:undo|undo (?:the |that |my |this )?(?:last |previous )?(?:change|edit|step)s?|go back (?:one step|a step)|revert (?:the |that )?(?:last )?(?:change|edit))(?: please)?$|^(?:撤销|撤回|撤消|恢复上一步|回到上一步|返回上一步)",
        )
    });
    static REDO: LazyLock<Regex> = LazyLock::new(|| {
        re(r"^(?:please )?redo(?: (?:that|it|the change))?(?: please)?$|^重做|^恢复撤销")
    });
    static REVERT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(?:revert|go back|roll ?back|return|restore)(?: it)? to (?:revision|version|rev\.?) ?#?(\d+)\b|^(?:回到|恢复到|还原到)(?:第\s*(\d+)\s*个?版本|版本\s*(\d+))$",
        )
    });
    let p = p.trim().trim_end_matches(['.', '!']);
    if UNDO.is_match(p) {
        return Some(Exact::Undo);
    }
    if REDO.is_match(p) {
        return Some(Exact::Redo);
    }
    let c = REVERT.captures(p)?;
    c.get(1)
        .or(c.get(2))
        .or(c.get(3))?
        .as_str()
        .parse()
        .ok()
        .map(Exact::Revert)
}

/// Shots named in `p`, in order: by place ("the second photo", "第二张") or by file.
fn shot_words(p: &str) -> Vec<ShotWord> {
    let mut found: Vec<(usize, ShotWord)> = shot_refs(p)
        .into_iter()
        .filter(|(s, e, _)| {
            let span = &p[*s..*e];
            // A bare place word ("at the end", "最后") names no shot, nor "the whole video".
            !matches!(
                span,
                "最后面" | "最前面" | "开头" | "结尾" | "最前" | "最后" | "末尾"
            ) && !span.contains("video")
        })
        .map(|(s, _, r)| (s, ShotWord::At(r)))
        .collect();
    for c in FILE.captures_iter(p) {
        found.push((c.get(1).unwrap().start(), ShotWord::File(c[1].to_string())));
    }
    for c in NAMED_SHOT.captures_iter(p) {
        let word = &c[1];
        if !NOT_A_NAME.is_match(word) && !FILE.is_match(word) {
            found.push((c.get(1).unwrap().start(), ShotWord::File(word.to_string())));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, w)| w).collect()
}

/// Where a moved file goes: "to the front", "first", "to position 3", "到最前面".
fn target_after(p: &str, file: &str) -> Option<ShotRef> {
    static TO: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(?:to |at |in )?(?:the )?(start|beginning|front|end|back|first|last)\b|\b(?:position|slot|place) (\d+)\b|\bsecond\b|最前面|最前|开头|最后面|最后|末尾|结尾|第([一二三四五六七八九十\d]+)(?:个|张|位)?",
        )
    });
    let rest = &p[p.find(file).map_or(0, |i| i + file.len())..];
    let c = TO.captures(rest)?;
    if let Some(w) = c.get(1) {
        return Some(match w.as_str() {
            "end" | "back" | "last" => ShotRef::Last,
            _ => ShotRef::First,
        });
    }
    if let Some(n) = c.get(2).or(c.get(3)) {
        let n = super::numbers::number(n.as_str()).ok().flatten()? as usize;
        return Some(if n <= 1 {
            ShotRef::First
        } else {
            ShotRef::Nth(n)
        });
    }
    Some(match &c[0] {
        "second" => ShotRef::Nth(2),
        "最后面" | "最后" | "末尾" | "结尾" => ShotRef::Last,
        _ => ShotRef::First,
    })
}

fn swap(p: &str, shots: &[ShotWord]) -> Option<Exact> {
    static SWAP: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(swap|switch|exchange|trade)\b|交换|调换|互换|对调"));
    static FIRST_TWO: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(?:first|opening) (?:two|2)\b|前两张|前两个|头两张"));
    static LAST_TWO: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(?:last|final) (?:two|2)\b|最后两张|后两张|最后两个"));
    if !SWAP.is_match(p) {
        return None;
    }
    if FIRST_TWO.is_match(p) {
        return Some(Exact::SwapShots(
            ShotWord::At(ShotRef::First),
            ShotWord::At(ShotRef::Nth(2)),
        ));
    }
    if LAST_TWO.is_match(p) {
        return None; // needs the count of shots; said as not understood, with the op
    }
    match shots {
        [a, b] if a != b => Some(Exact::SwapShots(a.clone(), b.clone())),
        _ => None,
    }
}

/// A Ken Burns move said about a shot; a move said with "don't"/"不要" is refused, not done.
fn motion(p: &str) -> Result<Option<Motion>, Refusal> {
    static TABLE: LazyLock<Vec<(Regex, Motion)>> = LazyLock::new(|| {
        [
            (r"\bzoom(?:ing)?[- ]?out\b|\bpull(?:ing)? (?:back|out)\b|拉远|缩小", Motion::ZoomOut),
            (r"\bzoom(?:ing)?[- ]?in\b|\bpush(?:ing)? in\b|推近|放大", Motion::ZoomIn),
            (r"\bpan(?:ning)? (?:to the )?left\b|向左平移|左移", Motion::PanLeft),
            (r"\bpan(?:ning)? (?:to the )?right\b|向右平移|右移", Motion::PanRight),
            (r"\bpan(?:ning)? up\b|向上平移|上移", Motion::PanUp),
            (r"\bpan(?:ning)? down\b|向下平移|下移", Motion::PanDown),
            (
                r"\b(?:no (?:motion|movement|zoom|ken burns)|(?:keep|hold) (?:it )?(?:still|static)|static)\b|不要动|静止|不动",
                Motion::None,
            ),
        ]
        .into_iter()
        .map(|(pat, m)| (re(pat), m))
        .collect()
    });
    static NEGATED: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(don'?t|do not|no more|stop|without|never)\b|不要|别|不用"));
    // "instead of zoom-in": the move named after "instead of" is the one to drop.
    let said = p.split("instead of").next().unwrap_or(p);
    let said = said.split("而不是").next().unwrap_or(said);
    let Some(m) = TABLE
        .iter()
        .find(|(r, _)| r.is_match(said))
        .map(|(_, m)| *m)
    else {
        return Ok(None);
    };
    if m != Motion::None && NEGATED.is_match(said) {
        return Err(Refusal(
            "say the move the shot should have: send {\"op\":\"set_shot\",\"shot\":…,\"motion\":\"none\"|\"zoom_out\"|…}".into(),
        ));
    }
    Ok(Some(m))
}

/// Size or colour of a role's text, or of all text.
fn text_look(p: &str) -> Option<Exact> {
    static BIGGER: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(bigger|larger|enlarge|increase the size|more prominent)\b|大一点|大一些|大些|加大|放大|变大|大点",
        )
    });
    static SMALLER: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(smaller|shrink|reduce the size|less prominent|tinier)\b|小一点|小一些|小些|缩小|变小|小点",
        )
    });
    let which = if CAPTION.is_match(p) {
        TextWhich::Role(TextRole::Caption)
    } else if TITLE.is_match(p) {
        TextWhich::Role(TextRole::Title)
    } else if END_CARD.is_match(p) {
        TextWhich::Role(TextRole::EndCard)
    } else if ANY_TEXT.is_match(p) {
        TextWhich::All
    } else {
        return None;
    };
    if BIGGER.is_match(p) {
        return Some(Exact::TextSize {
            which,
            bigger: true,
        });
    }
    if SMALLER.is_match(p) {
        return Some(Exact::TextSize {
            which,
            bigger: false,
        });
    }
    static BOLD: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(bold|bolder|heavier)\b|加粗|粗体|粗一点"));
    static REGULAR: LazyLock<Regex> = LazyLock::new(|| {
        re(r"\b(not bold|no bold|unbold|regular weight|lighter|thinner)\b|不要加粗|细一点|常规字重")
    });
    static PUT: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(move|put|place|position|show|set|align)\b|放|移|挪|显示在|放在"));
    if REGULAR.is_match(p) {
        return Some(Exact::TextWeight { which, bold: false });
    }
    if BOLD.is_match(p) {
        return Some(Exact::TextWeight { which, bold: true });
    }
    if PUT.is_match(p)
        && let Some(place) = place(p)
    {
        return Some(Exact::TextPlace { which, place });
    }
    colour(p).map(|color| Exact::TextColor { which, color })
}

fn colour(p: &str) -> Option<String> {
    const ZH: &[(&str, &str)] = &[
        ("黄", "yellow"),
        ("红", "red"),
        ("白", "white"),
        ("黑", "black"),
        ("蓝", "blue"),
        ("绿", "green"),
        ("橙", "orange"),
        ("粉", "pink"),
        ("紫", "purple"),
        ("金", "gold"),
        ("灰", "gray"),
    ];
    static EN: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(white|black|yellow|red|green|blue|orange|pink|purple|gr[ae]y|gold|cyan)\b|(#[0-9a-f]{6})\b",
        )
    });
    let en: Vec<String> = EN
        .captures_iter(p)
        .filter_map(|c| Some(c.get(1).or(c.get(2))?.as_str().to_string()))
        .collect();
    let zh: Vec<String> = ZH
        .iter()
        .filter(|(z, _)| p.contains(&format!("{z}色")))
        .map(|(_, e)| e.to_string())
        .collect();
    // "white on a black box" names two colours for two things: not one colour change.
    match (en.as_slice(), zh.as_slice()) {
        ([c], []) | ([], [c]) => Some(c.clone()),
        _ => None,
    }
}

/// A word badge for the whole video ("put a 'SALE' badge top right"). Removing or moving one, or
/// a badge on one shot, needs its id: refused with the op.
fn badge(p: &str, quote: Option<&str>, names_shot: bool) -> Result<Option<Exact>, Refusal> {
    static BADGE: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(badge|sticker|tag|stamp|label)\b|角标|标签|贴纸"));
    let Some(text) = quote else {
        return Ok(None);
    };
    if !BADGE.is_match(p) {
        return Ok(None);
    }
    if REMOVE.is_match(p)
        || CHANGE.is_match(p)
        || MOVE_ONLY.is_match(p)
        || names_shot
        || !ADD.is_match(p)
    {
        return Err(Refusal(
            "a badge that exists, or one on a single shot, is changed by its id: send remove_text / set_text {\"id\":\"<id from get_timeline>\",…}, or add_text {\"role\":\"overlay\",\"shot\":…} for one shot".into(),
        ));
    }
    Ok(Some(Exact::Badge {
        text: text.to_string(),
        place: place(p).unwrap_or(Place::TopRight),
    }))
}

static MOVE_ONLY: LazyLock<Regex> = LazyLock::new(|| re(r"\b(move|shift|reposition)\b|移到|挪到"));

fn place(p: &str) -> Option<Place> {
    static TABLE: LazyLock<Vec<(Regex, Place)>> = LazyLock::new(|| {
        [
            (
                r"\btop[- ]?right\b|\bupper[- ]right\b|右上",
                Place::TopRight,
            ),
            (r"\btop[- ]?left\b|\bupper[- ]left\b|左上", Place::TopLeft),
            (
                r"\bbottom[- ]?right\b|\blower[- ]right\b|右下",
                Place::BottomRight,
            ),
            (
                r"\bbottom[- ]?left\b|\blower[- ]left\b|左下",
                Place::BottomLeft,
            ),
            (r"\b(?:centre|center|middle)\b|中间|中央", Place::Center),
            (r"\btop\b|顶部|上方", Place::Top),
            (r"\bbottom\b|底部|下方", Place::Bottom),
        ]
        .into_iter()
        .map(|(pat, pl)| (re(pat), pl))
        .collect()
    });
    TABLE.iter().find(|(r, _)| r.is_match(p)).map(|(_, pl)| *pl)
}

#[cfg(test)]
#[path = "exact_tests.rs"]
mod tests;
