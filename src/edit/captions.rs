//! Captions made from the narration's words: grouped by phrase in the chosen style, at most two
//! lines each, broken where the phrase breaks. Widths count CJK characters double (they are
//! about twice as wide as Latin letters), so Chinese captions get as much room, not as many
//! characters, as English ones.

use super::common::track_of;
use crate::timeline::narration::VOICE_CAPTION_PREFIX;
use crate::timeline::style::{Animation, Position, SizeStep, TextSize, TextStyle, Weight};
use crate::timeline::{CaptionStyle, Segment, TT_TEXT, TextRole, Timeline, Word};

/// Where word-style captions sit: centred across, a little below the middle so they clear the
/// title (which sits above the middle) when both are on screen.
const WORD_Y: f64 = 0.6;

/// The narration's words (times in the take, which starts at `lead_ms` on the video's clock),
/// grouped into captions in the chosen style, replacing the captions there were.
pub(super) fn voice_captions(tl: &mut Timeline, words: &[Word], lead_ms: u64) {
    let style = tl.meta.captions.unwrap_or_default();
    if let Some(t) = tl.track_mut(TT_TEXT) {
        t.segments.retain(|s| {
            !(s.id.starts_with(VOICE_CAPTION_PREFIX)
                || (s.role == Some(TextRole::Caption) && s.id.starts_with("cap-")))
        });
    }
    if style == CaptionStyle::Off || words.is_empty() {
        return;
    }
    let (w, h) = (tl.meta.width, tl.meta.height);
    let clocked: Vec<Word> = words
        .iter()
        .map(|x| Word {
            text: x.text.clone(),
            start_ms: lead_ms + x.start_ms,
            end_ms: lead_ms + x.end_ms.max(x.start_ms),
        })
        .collect();
    // One line's room, in Latin letters, at the size the caption is drawn.
    let (line, groups) = match style {
        CaptionStyle::Word => {
            let line = line_room(w, h, SizeStep::ExtraLarge.factor());
            (line, group(&clocked, 3, line.clamp(6, 18)))
        }
        _ => {
            let line = line_room(w, h, 1.0);
            (line, group(&clocked, 99, (2 * line * 9 / 10).clamp(12, 48)))
        }
    };
    let total = tl.duration_ms;
    let track = track_of(tl, TT_TEXT, "text");
    for (i, g) in groups.iter().enumerate() {
        let start = g[0].start_ms;
        let spoken_end = g[g.len() - 1].end_ms;
        let next = groups.get(i + 1).map_or(total, |n| n[0].start_ms);
        // Held until the next caption over a short pause, else a little past the last word.
        let end = if next.saturating_sub(spoken_end) < 700 {
            next
        } else {
            spoken_end + 400
        }
        .min(total);
        let style_of = match style {
            CaptionStyle::Word => Some(TextStyle {
                size: Some(TextSize::Named(SizeStep::ExtraLarge)),
                weight: Some(Weight::Bold),
                position: Some(Position::Point { x: 0.5, y: WORD_Y }),
                // The short-form look: big letters with an outline, no box, each group cut in
                // as it is spoken.
                background: Some(false),
                animation: Some(Animation::None),
                ..Default::default()
            }),
            _ => None,
        };
        track.segments.push(Segment {
            id: format!("{VOICE_CAPTION_PREFIX}{}", i + 1),
            start_ms: start,
            duration_ms: end.saturating_sub(start).max(1),
            text: Some(two_lines(g, line)),
            role: Some(TextRole::Caption),
            style: style_of,
            words: (style == CaptionStyle::Karaoke).then(|| g.to_vec()),
            ..Default::default()
        });
    }
    track.segments.sort_by_key(|s| s.start_ms);
}

/// About how many Latin letters fit on one caption line of a `w`×`h` frame at `factor` times the
/// caption size (the renderer's caption size and safe area; bold letters average 0.6 em).
fn line_room(w: u32, h: u32, factor: f64) -> usize {
    let portrait = h > w;
    let size = if portrait { 0.065 } else { 0.05 } * factor * f64::from(w.min(h));
    let safe = if portrait { 0.8 } else { 0.9 } * f64::from(w);
    ((safe - size) / (0.6 * size)).max(4.0) as usize
}

/// Width of a text in Latin letters: CJK characters count two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if crate::voice::is_cjk_char(c) || is_cjk_punct(c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The words as one line when they fit `room`, else as two lines broken between words: after a
/// phrase mark when there is one near the middle, else where the two lines are most even.
fn two_lines(words: &[Word], room: usize) -> String {
    let whole = join_words(words);
    if width(&whole) <= room || words.len() < 2 {
        return whole;
    }
    let total = width(&whole);
    let best = (1..words.len())
        .map(|k| {
            let (a, b) = (
                width(&join_words(&words[..k])),
                width(&join_words(&words[k..])),
            );
            let phrase = ends_phrase(&words[k - 1].text);
            // Unevenness, less a bonus for a phrase mark; a line past the room costs most.
            let over = a.saturating_sub(room) + b.saturating_sub(room);
            let cost = 1000 * over as i64 + a.abs_diff(b) as i64
                - if phrase { (total / 3) as i64 } else { 0 };
            (cost, k)
        })
        .min();
    match best {
        Some((_, k)) => format!("{}\n{}", join_words(&words[..k]), join_words(&words[k..])),
        None => whole,
    }
}

fn ends_phrase(word: &str) -> bool {
    trimmed(word).ends_with([
        ',', ';', ':', '，', '；', '：', '、', '—', '.', '!', '?', '。', '！', '？',
    ])
}

fn trimmed(word: &str) -> &str {
    word.trim_end_matches(['"', '\'', ')', '”', '’', '」', '』', '》', '）'])
}

/// Words run together as written: a space between words unless both sides are CJK.
pub fn join_words(words: &[Word]) -> String {
    let mut s = String::new();
    for w in words {
        let cjk_join = s.chars().last().is_some_and(crate::voice::is_cjk_char)
            || s.chars().last().is_some_and(is_cjk_punct);
        let starts_cjk = w.text.chars().next().is_some_and(crate::voice::is_cjk_char);
        if !(s.is_empty() || cjk_join && starts_cjk) {
            s.push(' ');
        }
        s.push_str(&w.text);
    }
    s
}

fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '！' | '？' | '、' | '；' | '：' | '」' | '』' | '》' | '）'
    )
}

/// Group words into captions: a group ends after a sentence, at a phrase mark once it has a few
/// words, at `max_words`, or before it would pass `max_width` (Latin letters; CJK count two).
fn group(words: &[Word], max_words: usize, max_width: usize) -> Vec<Vec<Word>> {
    let mut out: Vec<Vec<Word>> = Vec::new();
    let mut cur: Vec<Word> = Vec::new();
    for w in words {
        if !cur.is_empty() {
            let mut with = cur.clone();
            with.push(w.clone());
            if width(&join_words(&with)) > max_width {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(w.clone());
        let t = trimmed(&w.text);
        let sentence = t.ends_with(['.', '!', '?', '…', '。', '！', '？']);
        let phrase = t.ends_with([',', ';', ':', '，', '；', '：', '、', '—']);
        let min_phrase = if max_words <= 3 { 1 } else { 4 };
        if sentence || (phrase && cur.len() >= min_phrase) || cur.len() >= max_words {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(spec: &[(&str, u64, u64)]) -> Vec<Word> {
        spec.iter()
            .map(|(t, s, e)| Word {
                text: t.to_string(),
                start_ms: *s,
                end_ms: *e,
            })
            .collect()
    }

    #[test]
    fn word_groups_stay_short_and_lines_break_at_phrases() {
        let w = words(&[
            ("Welcome", 0, 1),
            ("to", 1, 2),
            ("our", 2, 3),
            ("new", 3, 4),
            ("store.", 4, 5),
            ("Today,", 5, 6),
            ("everything", 6, 7),
            ("is", 7, 8),
            ("off!", 8, 9),
        ]);
        let g = group(&w, 3, 18);
        assert!(g.iter().all(|g| (1..=3).contains(&g.len())), "{g:?}");
        let lines: Vec<String> = group(&w, 99, 48).iter().map(|g| join_words(g)).collect();
        assert_eq!(
            lines,
            ["Welcome to our new store.", "Today, everything is off!"]
        );
        let zh = words(&[("欢", 0, 1), ("迎", 1, 2), ("店，", 2, 3), ("好", 3, 4)]);
        assert_eq!(join_words(&zh), "欢迎店，好");
    }

    #[test]
    fn long_captions_break_in_two_at_the_phrase() {
        let w = words(&[
            ("Come", 0, 1),
            ("in", 1, 2),
            ("today,", 2, 3),
            ("and", 3, 4),
            ("bring", 4, 5),
            ("a", 5, 6),
            ("friend", 6, 7),
            ("along", 7, 8),
        ]);
        assert_eq!(two_lines(&w, 60), "Come in today, and bring a friend along");
        assert_eq!(
            two_lines(&w, 24),
            "Come in today,\nand bring a friend along"
        );
        // Portrait 1080×1920 has room for fewer letters than landscape 1920×1080.
        assert!(line_room(1080, 1920, 1.0) < line_room(1920, 1080, 1.0));
    }

    #[test]
    fn cjk_counts_double_and_breaks_between_words() {
        let zh = words(&[
            ("欢迎", 0, 1),
            ("来到", 1, 2),
            ("我们的", 2, 3),
            ("新店，", 3, 4),
            ("今天", 4, 5),
            ("全场", 5, 6),
            ("半价。", 6, 7),
        ]);
        assert_eq!(width("欢迎ab"), 6);
        // 16 characters are 32 letters wide: two groups at 20, broken at words.
        let g = group(&zh, 99, 20);
        assert_eq!(g.len(), 2, "{g:?}");
        assert_eq!(join_words(&g[0]), "欢迎来到我们的新店，");
        assert_eq!(two_lines(&zh, 18), "欢迎来到我们的新店，\n今天全场半价。");
    }
}
