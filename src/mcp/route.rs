//! Routing: whether a create_video prompt is really another request (export, credits, status).
//!
//! This is the MCP layer's decision, not the director's: the director only knows how to make and
//! edit videos. A prompt is routed only when it asks for nothing else.

use crate::director::{normalise, parse_edits};
use regex::Regex;
use std::sync::LazyLock;

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// What a create_video prompt really asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Render and hand over the file.
    Export,
    /// Show the credit balance.
    Credits,
    /// Show the current timeline.
    Status,
    /// Make or edit a video.
    Create,
}

/// Route a prompt the way the seed's keyword routing does, but only when the prompt asks for
/// nothing else: "make a promo and export it" is a create, "export it" is an export.
pub fn route(prompt: &str) -> Route {
    let p = normalise(prompt);
    if p.trim().is_empty() {
        return Route::Create;
    }
    // "export the 30-second video" names a property of what exists, not a change to make; a
    // prompt that asks to export and to change something ("make it 4K and export") is a create.
    let exports = EXPORT_WORDS.is_match(&p);
    // A number that cannot be read is for create_video to refuse, with its reason.
    let asks_to_edit = || parse_edits(prompt).map_or(true, |e| !e.is_empty());
    let asks_to_make = MAKE_WORDS.is_match(&p) || (!exports && asks_to_edit());
    if asks_to_make {
        return Route::Create;
    }
    if EXPORT_WORDS.is_match(&p) {
        Route::Export
    } else if CREDIT_WORDS.is_match(&p) {
        Route::Credits
    } else if STATUS_WORDS.is_match(&p) {
        Route::Status
    } else {
        Route::Create
    }
}

static EXPORT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bexport|\bdownload|\brender (it|the video|now)|send (me )?(the|my) (video|file|mp4)|give me the (video|file|mp4)|导出|下载|渲染|发给我",
    )
});
static CREDIT_WORDS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bcredits?\b|\bbalance\b|积分|余额|点数"));
static STATUS_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bstatus\b|show (me )?(the )?(tracks|timeline)|what('s| is) on the timeline|\bprogress\b|状态|进度|时间线|轨道",
    )
});
static MAKE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(make|create|turn|generate|build|produce|edit|change|add|remove|use|put|move)\b|做成|制作|生成|剪辑|改成|加上|添加|去掉|删除",
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_only_single_purpose_prompts() {
        assert_eq!(route("export"), Route::Export);
        assert_eq!(route("导出"), Route::Export);
        assert_eq!(route("please send me the video"), Route::Export);
        assert_eq!(route("download it"), Route::Export);
        assert_eq!(route("how many credits do I have?"), Route::Credits);
        assert_eq!(route("查一下积分"), Route::Credits);
        assert_eq!(route("余额"), Route::Credits);
        assert_eq!(route("status"), Route::Status);
        assert_eq!(route("show tracks"), Route::Status);
        assert_eq!(route("状态"), Route::Status);
        assert_eq!(route("make a 30 second promo and export it"), Route::Create);
        assert_eq!(route("make it vertical"), Route::Create);
        assert_eq!(route("export the 30-second video"), Route::Export);
        assert_eq!(route("send me the video with music"), Route::Export);
        assert_eq!(route("make it 4K and export it"), Route::Create);
        assert_eq!(route("a calm video of the beach"), Route::Create);
        // An unreadable number goes to create_video, which refuses it with the reason.
        assert_eq!(route("1e309 seconds"), Route::Create);
    }
}
