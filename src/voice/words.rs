//! A script's words, as captions show them, and their times in the speech.
//!
//! A word is a whitespace-separated token with its punctuation kept ("store.", "30%", "Smith's"),
//! or one Han/kana character in CJK text (with the punctuation after it: "店，"). No offline
//! Chinese word segmenter is at hand, and per character is what karaoke captions of Chinese show
//! anyway. Engines and aligners are told these words and answer one time per word, so the
//! timed words always equal the script's words, whatever the engine read "30%" as.

/// Where word times came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timing {
    /// The engine's own phoneme durations (Piper alignments, FastSpeech2 durations).
    Engine,
    /// Forced alignment of the script to the audio (PocketSphinx).
    Aligned,
    /// Spread over the detected speech in proportion to word length (no aligner for this
    /// language): roughly right, not word-accurate.
    Estimated,
}

/// One script word and when it is spoken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WordTiming {
    /// The word as written in the script, punctuation included.
    pub text: String,
    /// When it starts, ms from the start of the audio.
    pub start_ms: u64,
    /// When it ends.
    pub end_ms: u64,
}

/// CJK ideographs and kana: each is a word of its own.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn has_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// The script's words in order (see the module doc).
pub fn script_words(script: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    // Punctuation met before any word (an opening quote) goes in front of the next word.
    let mut carry = String::new();
    for chunk in script.split_whitespace() {
        let mut cur = std::mem::take(&mut carry);
        let mut in_chunk = 0usize;
        for c in chunk.chars() {
            if is_cjk(c) {
                if has_word(&cur) {
                    words.push(std::mem::take(&mut cur));
                    in_chunk += 1;
                }
                let mut w = std::mem::take(&mut cur);
                w.push(c);
                words.push(w);
                in_chunk += 1;
            } else if !c.is_alphanumeric() && cur.is_empty() && in_chunk > 0 {
                // Punctuation right after a CJK character belongs to it ("店，").
                words.last_mut().expect("a word in this chunk").push(c);
            } else {
                cur.push(c);
            }
        }
        if has_word(&cur) {
            words.push(cur);
        } else if !cur.is_empty() {
            match words.last_mut() {
                Some(last) if in_chunk > 0 => last.push_str(&cur),
                Some(last) if !is_opening(&cur) => {
                    last.push(' ');
                    last.push_str(&cur);
                }
                _ => carry = cur,
            }
        }
    }
    if !carry.is_empty()
        && let Some(last) = words.last_mut()
    {
        last.push_str(&carry);
    }
    words
}

/// Punctuation that opens what follows (quotes, brackets) rather than closing what went before.
fn is_opening(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(
            c,
            '"' | '\'' | '(' | '[' | '{' | '“' | '‘' | '「' | '『' | '《' | '（'
        )
    })
}

/// Words grouped into sentences: a sentence ends after a word ending in . ! ? … (or their CJK
/// forms), closing quotes aside; common abbreviations ("Dr.", "e.g.") do not end one.
pub(crate) fn sentences(words: &[String]) -> Vec<Vec<String>> {
    const ABBREV: [&str; 12] = [
        "dr.", "mr.", "mrs.", "ms.", "st.", "vs.", "e.g.", "i.e.", "etc.", "no.", "jr.", "sr.",
    ];
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    for w in words {
        cur.push(w.clone());
        let trimmed = w.trim_end_matches(['"', '\'', ')', '”', '’', '」', '』', '》', '）']);
        let ends = trimmed.ends_with(['.', '!', '?', '…', '。', '！', '？'])
            && !ABBREV.contains(&trimmed.to_lowercase().as_str());
        if ends {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Times for `words` from per-word `(start_s, end_s)` spans, filling words without one (an
/// emoji, a word the aligner skipped) between their neighbours, and keeping onsets monotonic
/// inside `[0, total_ms]`.
pub(crate) fn fill(
    words: &[String],
    spans: &[Option<(f64, f64)>],
    total_ms: u64,
) -> Vec<WordTiming> {
    let n = words.len();
    let ms = |s: f64| (s * 1000.0).round().max(0.0) as u64;
    let mut start: Vec<Option<u64>> = spans.iter().map(|s| s.map(|s| ms(s.0))).collect();
    let mut end: Vec<Option<u64>> = spans.iter().map(|s| s.map(|s| ms(s.1))).collect();
    start.resize(n, None);
    end.resize(n, None);
    let mut i = 0;
    while i < n {
        if start[i].is_some() {
            i += 1;
            continue;
        }
        // A run of untimed words [i, j): share the gap between the neighbours.
        let j = (i..n).find(|&k| start[k].is_some()).unwrap_or(n);
        let from = if i == 0 { 0 } else { end[i - 1].unwrap_or(0) };
        let to = if j == n {
            total_ms
        } else {
            start[j].unwrap_or(total_ms)
        };
        let step = to.saturating_sub(from) / (j - i) as u64;
        for k in i..j {
            start[k] = Some(from + step * (k - i) as u64);
            end[k] = Some(from + step * (k - i + 1) as u64);
        }
        i = j;
    }
    let mut last = 0u64;
    words
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let s = start[k].unwrap_or(last).clamp(last, total_ms);
            let e = end[k].unwrap_or(s).clamp(s, total_ms);
            last = s;
            WordTiming {
                text: w.clone(),
                start_ms: s,
                end_ms: e,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_punctuation_and_cjk_splits_per_character() {
        assert_eq!(
            script_words("Today, everything is 30% off! — \"Come\" and see."),
            [
                "Today,",
                "everything",
                "is",
                "30%",
                "off! —",
                "\"Come\"",
                "and",
                "see."
            ]
        );
        assert_eq!(
            script_words("欢迎来到新店，今天八折。iPhone 15 很好"),
            [
                "欢", "迎", "来", "到", "新", "店，", "今", "天", "八", "折。", "iPhone", "15",
                "很", "好"
            ]
        );
        assert_eq!(script_words("“好”"), ["“好”"]);
        assert!(script_words(" … ").is_empty());
    }

    #[test]
    fn sentences_end_at_terminal_punctuation_not_abbreviations() {
        let w = script_words("Meet Dr. Smith. He's here! 你好。再见");
        let s = sentences(&w);
        assert_eq!(s.len(), 4, "{s:?}");
        assert_eq!(s[0], ["Meet", "Dr.", "Smith."]);
    }

    #[test]
    fn untimed_words_are_spread_between_neighbours() {
        let w: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let t = fill(&w, &[Some((0.1, 0.2)), None, None, Some((0.8, 0.9))], 1000);
        let starts: Vec<u64> = t.iter().map(|t| t.start_ms).collect();
        assert_eq!(starts, [100, 200, 500, 800]);
    }
}
