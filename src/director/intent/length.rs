//! Lengths: "30 seconds", "一分半", "3 seconds per photo", in digits, English words or Chinese.
//!
//! Lengths are returned as asked, not clamped: the recipe decides what it can make and says
//! what it changed. A length written as a number that cannot be read ("1e309 seconds") is an
//! error, never a guess.

use super::numbers::{NotReadable, Quantity, Unreadable, number};
use super::re;
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// A number in digits: greedy over dots and commas so "1.2.3" is read whole (and refused), with
/// an optional exponent so "1e309" is not read as 309.
const NUM: &str = r"\d[\d.,]*(?:e[+-]?\d+)?";
/// Up to five words before a unit; the longest tail of them that is a number is the number.
const WORDS: &str = r"(?:[a-z]+[\s-]+){0,4}?[a-z]+";
/// Chinese numerals, digits mixed in ("100万").
const ZH: &str = r"[\d零〇一二两三四五六七八九十百千万亿]+";

static SECONDS: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(-?)({NUM})\s*-?\s*(?:seconds?|secs?|s\b|秒钟?)|({WORDS})[\s-]+(?:seconds?|secs?)\b|({ZH})\s*秒"
    ))
});
static MIN_SEC_ZH: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"({ZH})\s*分\s*({ZH})\s*秒")));
static MINUTES: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(-?)({NUM})\s*-?\s*(?:minutes?|mins?\b|分钟|分半)|({WORDS})[\s-]+(?:minutes?|mins?\b)|({ZH}|半)\s*(?:分钟|分半)"
    ))
});
static HALF_MINUTE: LazyLock<Regex> = LazyLock::new(|| re(r"half (?:a )?-?minute|半分钟"));
static PER_SHOT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(each|apiece|per (photo|image|picture|shot|slide|clip|still|pic)|a (photo|image|picture|shot|slide|clip|still|pic))",
    )
});
static PER_SHOT_ZH: LazyLock<Regex> = LazyLock::new(|| re(r"每张(图片|照片|图)?\s*$"));

/// Words that stand where a number should and name none.
const VAGUE: &[&str] = &[
    "few", "several", "some", "many", "couple", "more", "fewer", "less", "extra", "handful",
];

/// The lengths a prompt asks for, in ms, as asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Lengths {
    /// Total length.
    pub total_ms: Option<u64>,
    /// Length of each shot.
    pub per_shot_ms: Option<u64>,
    /// Where a length was asked for without a number ("a few seconds"), the words.
    pub vague: Option<String>,
}

/// One number read before a unit.
enum Read {
    /// The number.
    Number(f64),
    /// No number, but a vague amount ("few seconds").
    Vague(String),
    /// Not a length at all ("the seconds").
    Nothing,
}

/// The total and per-shot lengths a (normalised) prompt asks for.
pub(super) fn find_duration(p: &str) -> Result<Lengths, Unreadable> {
    let mut out = Lengths::default();
    if let Some(c) = MIN_SEC_ZH.captures(p) {
        let whole = c.get(0).map_or("", |m| m.as_str());
        let read = |s: &str| number(s).map_err(|why| refuse(whole, why));
        if let (Some(m), Some(s)) = (read(&c[1])?, read(&c[2])?) {
            out.total_ms = Some(to_ms(checked(m * 60.0 + s, whole)?));
            return Ok(out);
        }
    }
    let mut total: Option<f64> = None;
    let half = HALF_MINUTE.is_match(p);
    if half {
        total = Some(30.0);
    }
    let mut minutes_end = None;
    for c in MINUTES.captures_iter(p).filter(|_| !half) {
        let n = match read(&c, p)? {
            Read::Number(n) if c[0].contains("分半") => n + 0.5,
            Read::Number(n) => n,
            Read::Vague(w) => {
                out.vague.get_or_insert(w);
                continue;
            }
            Read::Nothing => continue,
        };
        total = Some(checked(n * 60.0, &c[0])?);
        minutes_end = c.get(0).map(|m| m.end());
        break;
    }
    let mut per_shot: Option<f64> = None;
    for c in SECONDS.captures_iter(p) {
        let n = match read(&c, p)? {
            Read::Number(n) => checked(n, &c[0])?,
            Read::Vague(w) => {
                out.vague.get_or_insert(w);
                continue;
            }
            Read::Nothing => continue,
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
    if total.is_some() || per_shot.is_some() {
        out.vague = None;
    }
    out.total_ms = total.map(to_ms);
    out.per_shot_ms = per_shot.map(to_ms);
    Ok(out)
}

/// The number in a SECONDS or MINUTES match: group 1 a minus sign, 2 digits, 3 words, 4 Chinese.
fn read(c: &Captures, p: &str) -> Result<Read, Unreadable> {
    let whole = c.get(0).expect("match");
    let unit_from = |g: regex::Match| &p[g.start()..whole.end()];
    if let Some(g) = c.get(2) {
        let said = unit_from(g);
        // A minus right after a digit is a range ("5-10 seconds"), not a sign.
        let signed = c.get(1).is_some_and(|m| !m.is_empty())
            && !p[..whole.start()].ends_with(|ch: char| ch.is_ascii_alphanumeric());
        if signed {
            return Err(refuse(whole.as_str(), NotReadable::Negative));
        }
        return match number(g.as_str()) {
            Ok(Some(n)) => Ok(Read::Number(n)),
            Ok(None) => Ok(Read::Nothing),
            Err(why) => Err(refuse(said, why)),
        };
    }
    if let Some(g) = c.get(3) {
        // The longest tail of the words that reads as a number: "make it thirty" → "thirty".
        let words = g.as_str();
        let starts = std::iter::once(0).chain(
            words
                .char_indices()
                .filter(|(_, ch)| *ch == ' ' || *ch == '-')
                .map(|(i, _)| i + 1),
        );
        for at in starts {
            let tail = &words[at..];
            match number(tail) {
                Ok(Some(n)) => return Ok(Read::Number(n)),
                Ok(None) => {}
                Err(why) => return Err(refuse(&p[g.start() + at..whole.end()], why)),
            }
        }
        let last = words.rsplit([' ', '-']).next().unwrap_or(words);
        if VAGUE.contains(&last) {
            let from = g.start() + words.len() - last.len();
            return Ok(Read::Vague(p[from..whole.end()].to_string()));
        }
        return Ok(Read::Nothing);
    }
    let g = c.get(4).expect("one group matches");
    match number(g.as_str()) {
        Ok(Some(n)) => Ok(Read::Number(n)),
        Ok(None) => Ok(Read::Nothing),
        Err(why) => Err(refuse(unit_from(g), why)),
    }
}

fn refuse(said: &str, why: NotReadable) -> Unreadable {
    Unreadable {
        said: said.trim().to_string(),
        what: Quantity::Length,
        why,
    }
}

/// A length in seconds past what a u64 of ms holds is not a number we could read.
fn checked(secs: f64, said: &str) -> Result<f64, Unreadable> {
    if secs * 1000.0 >= u64::MAX as f64 / 2.0 {
        return Err(refuse(said, NotReadable::TooLarge));
    }
    Ok(secs)
}

/// Seconds → ms (saturating; [`checked`] keeps lengths far below the limit).
fn to_ms(secs: f64) -> u64 {
    (secs * 1000.0).round().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(p: &str) -> Option<u64> {
        find_duration(p).unwrap().total_ms
    }

    #[test]
    fn lengths_are_returned_as_asked() {
        assert_eq!(total("make a 0 second video"), Some(0));
        assert_eq!(total("做一个999999秒的视频"), Some(999_999_000));
        assert_eq!(total("a 1,000 second video"), Some(1_000_000));
        assert_eq!(total("a hundred and twenty seconds"), Some(120_000));
        assert_eq!(total("一万秒"), Some(10_000_000));
        assert_eq!(total("100万秒"), Some(1_000_000_000));
        assert_eq!(total("5-10 seconds"), Some(10_000));
        assert_eq!(total("two minutes"), Some(120_000));
    }

    #[test]
    fn vague_lengths_are_kept_as_words() {
        let l = find_duration("a few seconds of my holiday").unwrap();
        assert_eq!(l.total_ms, None);
        assert_eq!(l.vague.as_deref(), Some("few seconds"));
        assert_eq!(find_duration("the last seconds").unwrap().vague, None);
        // A readable length wins over a vague one.
        assert_eq!(
            find_duration("a few seconds, say 20 seconds").unwrap(),
            Lengths {
                total_ms: Some(20_000),
                ..Default::default()
            }
        );
    }

    #[test]
    fn unreadable_lengths_are_refused_not_guessed() {
        let err = |p: &str| find_duration(p).unwrap_err();
        let e = err("make it 1e309 seconds");
        assert_eq!(e.said, "1e309 seconds");
        assert_eq!(e.why, NotReadable::TooLarge);
        assert_eq!(err("a 1e400 minute video").why, NotReadable::TooLarge);
        assert_eq!(err("1e-400 seconds").why, NotReadable::TooSmall);
        assert_eq!(err("nan seconds").why, NotReadable::NotFinite);
        assert_eq!(err("make it infinite seconds").why, NotReadable::NotFinite);
        assert_eq!(err("a -5 second video").why, NotReadable::Negative);
        assert_eq!(err("1.2.3 seconds").why, NotReadable::Malformed);
        assert_eq!(
            err(&format!("{} seconds", "9".repeat(30))).why,
            NotReadable::TooLarge
        );
        assert_eq!(
            err(&format!("{}秒", "9".repeat(400))).why,
            NotReadable::TooLarge
        );
    }
}
