//! Cutting an edit prompt into clauses, so each instruction is read (and answered for) on its
//! own: "make it 20 seconds, and make the second shot 5 seconds" is two requests, and the second
//! must not lend its number to the first.

use super::re;
use regex::Regex;
use std::sync::LazyLock;

/// Where one instruction ends and the next begins: sentence and list punctuation, "then", and
/// "and" when a verb follows it ("black and white" stays whole).
static SPLIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)[,;!?\n，；。！？]+\s*|\.+(?:\s+|$)|\s+(?:and\s+)?then\s+|\s+also\s+|\s+and\s+(?:also\s+)?(?P<verb>make|use|change|add|remove|delete|set|put|move|turn|swap|show|give|zoom|undo|drop|cut|lower|raise|mute)\b|然后|并且|同时|另外|再把",
    )
});

/// Words that ask for nothing ("please", "thanks"): a clause of only these is not reported.
static FILLER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:please|pls|thanks?(?: you)?|thx|ok(?:ay)?|great|cool|nice|perfect|and|also|now|then|hi|hey|谢谢|请|好的|好|麻烦了|辛苦了|可以吗|吗)$",
    )
});

/// The clauses of `prompt`, trimmed, in order; quoted text is never cut, and the verb that
/// starts a clause ("and make…") stays with it.
pub fn clauses(prompt: &str) -> Vec<String> {
    let quoted = quoted_spans(prompt);
    let inside = |i: usize| quoted.iter().any(|&(a, b)| a < i && i < b);
    let mut out = Vec::new();
    let mut start = 0;
    for m in SPLIT.find_iter(prompt) {
        if inside(m.start()) {
            continue;
        }
        // A comma between digits is inside a number ("1,5 seconds"), not between clauses.
        if m.as_str().starts_with(',')
            && prompt[..m.start()].ends_with(|c: char| c.is_ascii_digit())
            && prompt[m.end()..].starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        // "and make" splits before the verb: keep the verb in the next clause.
        let cut_end = match SPLIT
            .captures(&prompt[m.start()..])
            .and_then(|c| c.name("verb"))
        {
            Some(v) => m.start() + v.start(),
            None => m.end(),
        };
        push(&mut out, &prompt[start..m.start()]);
        start = cut_end;
    }
    push(&mut out, &prompt[start..]);
    out
}

/// True for a clause that asks for nothing.
pub fn is_filler(clause: &str) -> bool {
    FILLER.is_match(clause.trim().trim_end_matches(['.', '!', '！', '。']))
}

fn push(out: &mut Vec<String>, s: &str) {
    static JOINER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(?:and|then|also|so|but)\s+"));
    let s = s.trim();
    let s = JOINER.find(s).map_or(s, |m| &s[m.end()..]).trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

/// Byte spans of quoted text (both quote marks included).
fn quoted_spans(s: &str) -> Vec<(usize, usize)> {
    let pairs = [
        ('"', '"'),
        ('“', '”'),
        ('「', '」'),
        ('『', '』'),
        ('《', '》'),
        ('‘', '’'),
    ];
    let mut spans = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (i, c) in s.char_indices() {
        match open {
            Some((at, close)) if c == close => {
                spans.push((at, i + c.len_utf8()));
                open = None;
            }
            Some(_) => {}
            None => {
                if let Some(&(_, close)) = pairs.iter().find(|(o, _)| *o == c) {
                    open = Some((i, close));
                } else if c == '\'' && starts_word_quote(s, i) {
                    open = Some((i, '\''));
                }
            }
        }
    }
    spans
}

/// A straight single quote opens a quotation only at the start of a word ("'SALE'"), not in
/// "it's".
fn starts_word_quote(s: &str, i: usize) -> bool {
    let before = s[..i].chars().next_back();
    before.is_none_or(|c| c.is_whitespace() || "(:".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_instructions_not_words() {
        assert_eq!(
            clauses("make it 20 seconds, and make the second shot 5 seconds"),
            ["make it 20 seconds", "make the second shot 5 seconds"]
        );
        assert_eq!(
            clauses("use calmer music and make the captions bigger"),
            ["use calmer music", "make the captions bigger"]
        );
        assert_eq!(
            clauses("a black and white look"),
            ["a black and white look"]
        );
        assert_eq!(
            clauses(r#"set the title to "Hello, World" then remove the music"#),
            [r#"set the title to "Hello, World""#, "remove the music"]
        );
        // A full stop ends a clause; the dot of "2.5" or "chelsea.png" does not.
        assert_eq!(
            clauses("Move chelsea.png to the front. Make shot 2 2.5 seconds."),
            ["Move chelsea.png to the front", "Make shot 2 2.5 seconds"]
        );
        assert_eq!(clauses("改成15秒，然后去掉音乐"), ["改成15秒", "去掉音乐"]);
        assert_eq!(
            clauses("it's great, put 'SALE' top right"),
            ["it's great", "put 'SALE' top right"]
        );
        // Non-ASCII spaces never cut a character in two.
        assert_eq!(
            clauses("use calmer music and \u{a0}make the captions bigger"),
            ["use calmer music", "make the captions bigger"]
        );
        assert_eq!(
            clauses("make shot 2 1,5 seconds"),
            ["make shot 2 1,5 seconds"]
        );
        assert!(is_filler("thanks!") && is_filler("谢谢") && !is_filler("undo"));
    }
}
