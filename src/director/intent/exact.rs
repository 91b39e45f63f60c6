//! Edit prompts that only an exact edit can do right. A number of seconds said about one shot,
//! the title or a caption is not the video's length, and quoted words said about one shot are
//! not "captions on": such a prompt is refused, naming the `edits` op that does it, rather than
//! applied to the wrong thing.

use super::edits::shot_ref_in;
use super::{normalise, re};
use regex::Regex;
use std::sync::LazyLock;

static SECONDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s*(?:s\b|secs?\b|seconds?\b|秒)"));
static TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"\btitle\b|标题|片头"));
static CAPTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(caption|subtitle|text|label)s?\b|字幕|文字"));
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| re(r#"["“”'‘’「『《]([^"“”'‘’」』》]{1,120})["“”'‘’」』》]"#));
static VIDEO: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(video|whole|total|overall|it)\b|视频|整个|总"));

/// Why `prompt` must be an exact edit instead, with the op to send; None when the prompt is fine.
pub fn needs_exact_edit(prompt: &str) -> Option<String> {
    let p = normalise(prompt);
    let secs = SECONDS.captures(&p).map(|c| c[1].to_string());
    let shot = shot_ref_in(&p);
    let quoted = QUOTED.captures(prompt).map(|c| c[1].trim().to_string());
    let op = match (&secs, &shot, TITLE.is_match(&p), CAPTION.is_match(&p)) {
        (Some(s), Some(n), _, false) => {
            format!(r#"{{"op":"set_shot","shot":{n},"duration_s":{s}}}"#)
        }
        (Some(s), _, true, _) if !VIDEO.is_match(&p) || shot.is_none() => {
            format!(
                r#"{{"op":"set_text","id":"title","end_s":{s}}} (the title's id is in get_timeline)"#
            )
        }
        (None, Some(n), _, true) if quoted.is_some() => format!(
            r#"{{"op":"add_text","text":"{}","shot":{n}}}"#,
            quoted.unwrap_or_default().replace('"', "\\\"")
        ),
        _ => return None,
    };
    Some(op)
}

#[cfg(test)]
mod tests {
    use super::needs_exact_edit;

    #[test]
    fn parts_of_the_video_need_exact_edits() {
        let op = needs_exact_edit("make the second shot 5 seconds").unwrap();
        assert!(
            op.contains(r#""op":"set_shot","shot":2,"duration_s":5"#),
            "{op}"
        );
        let op = needs_exact_edit("show the title for 5 seconds").unwrap();
        assert!(
            op.contains("set_text") && op.contains(r#""end_s":5"#),
            "{op}"
        );
        let op =
            needs_exact_edit("add the caption 'Now with oat milk' on the first photo").unwrap();
        assert!(
            op.contains(r#""text":"Now with oat milk","shot":1"#),
            "{op}"
        );
        let op = needs_exact_edit("第二个镜头5秒").unwrap();
        assert!(op.contains(r#""shot":2"#), "{op}");
    }

    #[test]
    fn the_video_itself_is_not_refused() {
        for p in [
            "make it 20 seconds",
            "make the video 15 seconds",
            "做成15秒",
            "move the last photo first",
            "change the title to 'Summer Sale'",
            "use calmer music",
        ] {
            assert_eq!(needs_exact_edit(p), None, "{p}");
        }
    }
}
