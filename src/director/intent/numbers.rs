//! Numbers as people write them: digits ("30", "2.5", "1,000", "100万"), English words ("twenty-five",
//! "a hundred and twenty") and Chinese numerals ("十五", "一万").
//!
//! A number is either read, not a number at all ("few", "last"), or written as a number but not
//! readable ("1e309", "infinite", "1.2.3"). The last kind is refused rather than guessed at:
//! reading "1e309" as 309 or "infinity" as the longest video would make a video nobody asked for.

/// A number in a prompt that is written as one but cannot be read; the request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read \"{said}\" as {}: {}; {}", .what.noun(), .why.as_str(), .what.hint())]
pub struct Unreadable {
    /// The words as written.
    pub said: String,
    /// What the number was for.
    pub what: Quantity,
    /// What is wrong with it.
    pub why: NotReadable,
}

/// What a number in a prompt measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The video's or a shot's length.
    Length,
    /// The music level in percent.
    MusicLevel,
}

impl Quantity {
    fn noun(self) -> &'static str {
        match self {
            Quantity::Length => "a length",
            Quantity::MusicLevel => "a music level",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Quantity::Length => {
                "give the length as a plain number from 1 second to 10 minutes, e.g. \"30 seconds\", \"1.5 minutes\" or \"30秒\""
            }
            Quantity::MusicLevel => {
                "give the level as a percentage from 0 to 100, e.g. \"music at 20%\""
            }
        }
    }
}

/// Why something written as a number cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReadable {
    /// Larger than any value we can hold ("1e309", a 30-digit number).
    TooLarge,
    /// An exponent so negative the value vanishes ("1e-400").
    TooSmall,
    /// Infinity, NaN and the like.
    NotFinite,
    /// Below zero.
    Negative,
    /// Digits run into other digits or dots ("1.2.3", "2..5").
    Malformed,
}

impl NotReadable {
    /// What is wrong, in words.
    pub fn as_str(self) -> &'static str {
        match self {
            NotReadable::TooLarge => "the number is too large to read",
            NotReadable::TooSmall => "the number is too small to read",
            NotReadable::NotFinite => "it is not a finite number",
            NotReadable::Negative => "it is below zero",
            NotReadable::Malformed => "it is not a well-formed number",
        }
    }
}

/// Read `s` as a number: `Ok(None)` when it is not a number at all.
pub(super) fn number(s: &str) -> Result<Option<f64>, NotReadable> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) && s.is_ascii() {
        return digits(s).map(Some);
    }
    if s.chars()
        .all(|c| c.is_ascii_digit() || is_chinese_numeral(c))
    {
        return Ok(chinese_number(s));
    }
    if matches!(
        s,
        "inf" | "infinity" | "infinite" | "nan" | "endless" | "unlimited"
    ) {
        return Err(NotReadable::NotFinite);
    }
    Ok(english_number(s))
}

/// Digits with an optional decimal part, thousands commas or exponent ("1,000", "2.5", "1e3").
fn digits(s: &str) -> Result<f64, NotReadable> {
    // Commas only as thousands separators: "1,000" is a thousand, "1,5" is not a number we read.
    let int_part = s.split(['.', 'e']).next().unwrap_or("");
    let mut groups = int_part.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) || !int_part.contains(','));
    if !first_ok
        || !groups.all(|g| g.len() == 3)
        || s.rsplit_once(['.', 'e'])
            .is_some_and(|(_, r)| r.contains(','))
    {
        return Err(NotReadable::Malformed);
    }
    let plain = s.replace(',', "");
    let (mantissa, exponent) = match plain.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (plain.as_str(), None),
    };
    let well_formed = mantissa.split('.').count() <= 2
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !mantissa.ends_with('.')
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
        });
    if !well_formed {
        return Err(NotReadable::Malformed);
    }
    let n: f64 = plain.parse().map_err(|_| NotReadable::Malformed)?;
    if !n.is_finite() {
        return Err(NotReadable::TooLarge);
    }
    let mantissa_is_zero = mantissa.chars().all(|c| c == '0' || c == '.');
    if n == 0.0 && !mantissa_is_zero {
        return Err(NotReadable::TooSmall);
    }
    Ok(n)
}

fn is_chinese_numeral(c: char) -> bool {
    "零〇一二两三四五六七八九十百千万亿半".contains(c)
}

/// English number words: "five", "twenty-five", "a hundred and twenty", "two thousand", "a dozen".
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
    const BIG: [(&str, f64); 4] = [
        ("thousand", 1e3),
        ("million", 1e6),
        ("billion", 1e9),
        ("trillion", 1e12),
    ];
    let words: Vec<&str> = s
        .split([' ', '-'])
        .filter(|w| !w.is_empty() && *w != "and")
        .collect();
    if let ["a" | "an"] = words[..] {
        return Some(1.0);
    }
    let mut total = 0.0;
    let mut cur = 0.0;
    let mut any = false;
    for (i, w) in words.iter().enumerate() {
        let next_is_scale = words
            .get(i + 1)
            .is_some_and(|n| *n == "hundred" || *n == "dozen" || BIG.iter().any(|(b, _)| b == n));
        if let Some(k) = ONES.iter().position(|o| o == w) {
            cur += k as f64;
        } else if let Some(k) = TENS.iter().position(|t| t == w) {
            cur += (k as f64 + 2.0) * 10.0;
        } else if (*w == "a" || *w == "an") && i == 0 && next_is_scale {
            cur = 1.0;
        } else if *w == "hundred" {
            cur = cur.max(1.0) * 100.0;
        } else if *w == "dozen" {
            cur = cur.max(1.0) * 12.0;
        } else if let Some((_, b)) = BIG.iter().find(|(b, _)| b == w) {
            total += cur.max(1.0) * b;
            cur = 0.0;
        } else {
            return None;
        }
        any = true;
    }
    any.then_some(total + cur)
}

/// Chinese numerals, digits allowed in place of a numeral ("十五", "一百二十", "一万", "100万").
fn chinese_number(s: &str) -> Option<f64> {
    if s == "半" {
        return Some(0.5);
    }
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as f64);
    // `section` is the part below 10 000 being built; `total` the 万/亿 parts already closed.
    let (mut total, mut section, mut cur) = (0.0f64, 0.0f64, 0.0f64);
    let mut run = String::new();
    let flush_run = |run: &mut String, cur: &mut f64| {
        if !run.is_empty() {
            *cur = run.parse().unwrap_or(0.0);
            run.clear();
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        flush_run(&mut run, &mut cur);
        match c {
            '两' => cur = 2.0,
            '〇' => cur = 0.0,
            '十' => {
                section += cur.max(1.0) * 10.0;
                cur = 0.0;
            }
            '百' => {
                section += cur.max(1.0) * 100.0;
                cur = 0.0;
            }
            '千' => {
                section += cur.max(1.0) * 1000.0;
                cur = 0.0;
            }
            '万' | '亿' => {
                let unit = if c == '万' { 1e4 } else { 1e8 };
                let part = (section + cur).max(1.0);
                // 一亿 closes everything before it; 一万 only its own section.
                total = if c == '亿' {
                    (total + part) * unit
                } else {
                    total + part * unit
                };
                section = 0.0;
                cur = 0.0;
            }
            '半' => return None,
            c => cur = digit(c)?,
        }
    }
    flush_run(&mut run, &mut cur);
    let n = total + section + cur;
    (n > 0.0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_digits_words_and_numerals() {
        assert_eq!(number("30"), Ok(Some(30.0)));
        assert_eq!(number("2.5"), Ok(Some(2.5)));
        assert_eq!(number("1,000"), Ok(Some(1000.0)));
        assert_eq!(number("1e3"), Ok(Some(1000.0)));
        assert_eq!(number("twenty-five"), Ok(Some(25.0)));
        assert_eq!(number("a hundred and twenty"), Ok(Some(120.0)));
        assert_eq!(number("two thousand"), Ok(Some(2000.0)));
        assert_eq!(number("a dozen"), Ok(Some(12.0)));
        assert_eq!(number("an"), Ok(Some(1.0)));
        assert_eq!(number("十五"), Ok(Some(15.0)));
        assert_eq!(number("一百二十"), Ok(Some(120.0)));
        assert_eq!(number("一万"), Ok(Some(10_000.0)));
        assert_eq!(number("100万"), Ok(Some(1_000_000.0)));
        assert_eq!(number("999999"), Ok(Some(999_999.0)));
    }

    #[test]
    fn words_that_are_not_numbers_are_none() {
        assert_eq!(number("few"), Ok(None));
        assert_eq!(number("last"), Ok(None));
        assert_eq!(number("make it thirty"), Ok(None));
    }

    #[test]
    fn refuses_what_is_written_as_a_number_but_cannot_be_read() {
        assert_eq!(number("1e309"), Err(NotReadable::TooLarge));
        assert_eq!(number(&"9".repeat(400)), Err(NotReadable::TooLarge));
        assert_eq!(number("1e-400"), Err(NotReadable::TooSmall));
        assert_eq!(number("nan"), Err(NotReadable::NotFinite));
        assert_eq!(number("inf"), Err(NotReadable::NotFinite));
        assert_eq!(number("infinity"), Err(NotReadable::NotFinite));
        assert_eq!(number("1.2.3"), Err(NotReadable::Malformed));
        assert_eq!(number("1e"), Err(NotReadable::Malformed));
        assert_eq!(number("1,5"), Err(NotReadable::Malformed));
        assert_eq!(number("1,000.5"), Ok(Some(1000.5)));
    }
}
