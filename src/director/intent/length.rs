//! Lengths: "30 seconds", "一分半", "3 seconds per photo", in digits, English words or Chinese.

use super::re;
use regex::Regex;
use std::sync::LazyLock;

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
pub(super) fn find_duration(p: &str) -> (Option<u64>, Option<u64>) {
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
pub(super) fn number(s: &str) -> Option<f64> {
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
