//! The cloud agent writes for a person in front of its web editor ("click Export", "drag the clip
//! onto the timeline"). An agent driving MCP tools has no buttons, so those phrases are rewritten
//! into the tool calls that do the same thing. Table-driven; ordinary text passes untouched.

use regex::Regex;
use std::sync::LazyLock;

/// (pattern, replacement) pairs, applied in order.
const RULES: &[(&str, &str)] = &[
    (
        r#"(?i)\b(?:click|press|tap|hit|use)(?:ing)?\s+(?:on\s+)?(?:the\s+)?["“']?export["”']?(?:\s+button)?"#,
        "call export_video",
    ),
    (
        r"(?:点击|点|按)(?:一下)?(?:右上角的?)?[「“\x22]?导出[」”\x22]?(?:按钮)?",
        "调用 export_video",
    ),
    (
        r"(?i)\b(?:open|check|go to|look at)(?:ing)?\s+(?:the\s+)?[\w\s-]{0,30}?\s*panel\b",
        "call get_timeline",
    ),
    (
        r"打开[^，。,.!！\s]{0,12}?(?:面板|时间线|时间轴|轨道)",
        "调用 get_timeline",
    ),
    (
        r"(?i)\bpreview(?:\s+it)?\s+(?:in|on)\s+the\s+(?:timeline|editor|player)\b",
        "call get_timeline to see the preview",
    ),
    (r"在时间线(?:上|中)?预览", "调用 get_timeline 查看预览"),
    (
        r"(?i)\bdrag(?:ging)?(?:\s*(?:and|&|/|-|'n')\s*drop(?:ping)?)?\b",
        "describe the change to create_video (e.g. \"move the last clip first\") instead of dragging",
    ),
    (r"拖拽|拖动|拖放", "用 create_video 描述要做的修改"),
];

static COMPILED: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|(p, r)| (Regex::new(p).expect("static regex"), *r))
        .collect()
});

/// Rewrite GUI wording in `text` into tool actions.
pub fn rewrite(text: &str) -> String {
    let mut out = text.to_string();
    for (re, rep) in COMPILED.iter() {
        out = re.replace_all(&out, *rep).into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gui_phrases_become_tool_actions() {
        let cases = [
            (
                "Your video is ready! Click Export to download it.",
                "call export_video",
            ),
            (
                "Just click the \"Export\" button when you're happy.",
                "call export_video",
            ),
            ("视频已生成，点击导出即可下载。", "调用 export_video"),
            (
                "Open the text panel to adjust the title.",
                "call get_timeline",
            ),
            ("打开字幕面板查看。", "调用 get_timeline"),
            (
                "You can preview it in the timeline.",
                "call get_timeline to see the preview",
            ),
            (
                "Drag and drop the clip to reorder.",
                "describe the change to create_video",
            ),
            (
                "直接拖拽片段即可调整顺序。",
                "用 create_video 描述要做的修改",
            ),
        ];
        for (input, want) in cases {
            let out = rewrite(input);
            assert!(out.contains(want), "{input:?} → {out:?}");
        }
        assert!(
            !rewrite("Click Export to download it.")
                .to_lowercase()
                .contains("click")
        );
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for t in [
            "I added upbeat music and a title 'Urban Dreams' over the first 3 seconds.",
            "The export format is MP4 at 1080p.",
            "Exporting usually takes about a minute.",
            "我已经添加了背景音乐和标题。",
            "The dragon flies over the panel of judges.",
            "Your timeline has 10 shots.",
        ] {
            assert_eq!(rewrite(t), t, "changed ordinary text");
        }
    }
}
