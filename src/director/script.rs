//! Reading a script: sentences for captions, and which line is a call to action.

/// Split a script into sentences: one per line, and lines further at sentence-ending punctuation
/// (Latin `.`, `!`, `?` followed by a space; CJK `。`, `！`, `？` anywhere).
pub fn split_sentences(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines() {
        let mut cur = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            cur.push(c);
            let ends = match c {
                '。' | '！' | '？' => true,
                '.' | '!' | '?' => chars.peek().is_none_or(|n| n.is_whitespace()),
                _ => false,
            };
            // Keep runs like "?!" or "..." together.
            if ends
                && !chars
                    .peek()
                    .is_some_and(|n| matches!(n, '.' | '!' | '?' | '。' | '！' | '？'))
            {
                push_trimmed(&mut out, &cur);
                cur.clear();
            }
        }
        push_trimmed(&mut out, &cur);
    }
    out
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let t = s.trim().trim_start_matches(['-', '*', '•']).trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

/// Whether a line reads as a call to action (it belongs on the end card).
pub fn is_call_to_action(line: &str) -> bool {
    const WORDS: &[&str] = &[
        "buy",
        "order",
        "shop",
        "visit",
        "download",
        "subscribe",
        "follow",
        "sign up",
        "join",
        "learn more",
        "get yours",
        "get it",
        "book",
        "try",
        "today",
        "now",
        "link in bio",
        ".com",
        "立即",
        "马上",
        "关注",
        "购买",
        "订购",
        "下单",
        "点击",
        "了解更多",
        "现在",
    ];
    let l = line.to_lowercase();
    WORDS.iter().any(|w| l.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_sentences() {
        let s = "Meet Aurora. Light that follows your day!\nMade from recycled aluminium\n\n- Order today at aurora.shop.";
        assert_eq!(
            split_sentences(s),
            vec![
                "Meet Aurora.",
                "Light that follows your day!",
                "Made from recycled aluminium",
                "Order today at aurora.shop."
            ]
        );
    }

    #[test]
    fn splits_chinese() {
        assert_eq!(
            split_sentences("夏日新品上市。清爽一夏！快来选购吧"),
            vec!["夏日新品上市。", "清爽一夏！", "快来选购吧"]
        );
    }

    #[test]
    fn keeps_decimals_and_ellipses_together() {
        assert_eq!(
            split_sentences("Only 9.99 today... Wow?!"),
            vec!["Only 9.99 today...", "Wow?!"]
        );
    }

    #[test]
    fn spots_calls_to_action() {
        assert!(is_call_to_action("Order today at aurora.shop"));
        assert!(is_call_to_action("立即下单"));
        assert!(!is_call_to_action("Made from recycled aluminium"));
    }
}
