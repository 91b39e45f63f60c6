//! Paragraphs and our line-break policy, written into the text as marks before cosmic-text lays
//! it out (it follows UAX #14, which allows a few breaks we do not want).

use crate::render::fonts::is_invisible;
use unicode_linebreak::{BreakOpportunity, linebreaks};

/// Binds two characters so no line breaks between them; zero-width and invisible.
pub(super) const WORD_JOINER: char = '\u{2060}';
/// A space no line breaks at.
pub(super) const NO_BREAK_SPACE: char = '\u{00A0}';

/// Splits text into paragraphs at explicit line breaks, with whitespace runs collapsed to one
/// space and invisible characters dropped; empty paragraphs vanish.
///
/// Joiners (ZWJ/ZWNJ) and variation selectors are kept: they change how emoji and Indic text
/// are shaped, unlike the other invisible characters.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .map(|line| {
            let visible: String = line
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .filter(|&c| c == ' ' || shapes(c) || !is_invisible(c))
                .collect();
            visible.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|p| p.chars().any(|c| !is_invisible(c)))
        .collect()
}

/// Invisible characters that still matter to shaping: joiners and variation selectors.
fn shapes(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}')
}

/// Closing punctuation and small kana, which must not start a line.
fn no_break_before(c: char) -> bool {
    "，。、！？：；）」』】》〉〕］｝〗〙〟…‥・ー々〆ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ,.!?:;)]}%”’"
        .contains(c)
}

/// Opening brackets and quotes, which must not end a line.
fn no_break_after(c: char) -> bool {
    "（「『【《〈〔［｛〖〘〝“‘([{".contains(c)
}

/// Dashes that, standing alone between spaces, belong to the words before them.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// The paragraph with our line-break policy written into it, where the Unicode line-breaking
/// algorithm (UAX #14, which cosmic-text follows) allows a break we do not want:
/// - a dash standing alone ("Main Street - first cup") stays at the end of its line: the space
///   before it becomes a no-break space, so no line starts with "- first cup";
/// - closing punctuation and small kana never start a line and opening brackets never end one
///   (kinsoku), by a word joiner where UAX #14's default rules would still allow the break.
pub(super) fn with_break_policy(para: &str) -> String {
    let allowed: Vec<usize> = linebreaks(para)
        .filter(|&(_, o)| o == BreakOpportunity::Allowed)
        .map(|(i, _)| i)
        .collect();
    let mut out = String::with_capacity(para.len() + 8);
    let mut prev: Option<char> = None;
    for (i, c) in para.char_indices() {
        if let Some(p) = prev
            && allowed.binary_search(&i).is_ok()
        {
            let word = para[i..].split(' ').next().unwrap_or("");
            let lone_dash = !word.is_empty() && word.chars().all(is_dash);
            if p == ' ' && lone_dash && out.trim_end().chars().next_back().is_some() {
                out.pop();
                out.push(NO_BREAK_SPACE);
            } else if no_break_before(c) || no_break_after(p) {
                out.push(WORD_JOINER);
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// A wrapped line's text as written (our break marks taken out).
pub(super) fn plain(line: &str) -> String {
    line.chars()
        .filter(|&c| c != WORD_JOINER)
        .map(|c| if c == NO_BREAK_SPACE { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}
