//! Text checked when an edit is made: characters no font can draw are refused, text that will be
//! drawn smaller (or cannot fit) is said at once.

use crate::backend::BackendError;
use crate::render::{self, fonts::FontSet, text::TextError};
use crate::timeline::{TT_TEXT, Timeline};

/// Refuse text no installed font can draw when it is set, naming the text, instead of failing
/// the export later. Without fonts there is nothing to check; the export says what to install.
pub(super) fn check_glyphs(tl: &Timeline) -> Result<(), BackendError> {
    let Ok(fonts) = FontSet::shared() else {
        return Ok(());
    };
    for seg in tl.segments(TT_TEXT) {
        let (Some(text), Some(role)) = (seg.text.as_deref(), seg.role) else {
            continue;
        };
        if let Err(e) = fonts.check_coverage(text) {
            return Err(BackendError::Unavailable(format!(
                "the {} \"{}\" ({}) cannot be drawn: {e}. Nothing was changed; change that text and try again",
                render::text::role_name(role),
                ellipsis(text, 40),
                seg.id
            )));
        }
    }
    Ok(())
}

/// Text the renderer will draw smaller than its usual size, or cannot fit at all, said at create
/// time rather than discovered in the export. Without fonts there is nothing to measure; the
/// preview and the export report that themselves.
pub(super) fn text_fit_notes(tl: &Timeline) -> Vec<String> {
    let Ok(fonts) = FontSet::shared() else {
        return Vec::new();
    };
    let (w, h) = (tl.meta.width, tl.meta.height);
    tl.segments(TT_TEXT)
        .iter()
        .filter_map(|s| {
            let (text, role) = (s.text.as_deref()?, s.role?);
            match render::text::fitted_scale(text, role, s.style.as_ref(), w, h, &fonts) {
                Ok(scale) if scale < 0.995 => Some(format!(
                    "The {} \"{}\" is drawn at {:.0}% of its usual size to fit the {w}x{h} frame",
                    render::text::role_name(role),
                    ellipsis(text, 40),
                    scale * 100.0
                )),
                Err(e @ TextError::TooLong { .. }) => Some(format!("{e}; the export will fail")),
                _ => None,
            }
        })
        .collect()
}

/// `s` on one line, cut after a word to at most `max` characters, with "…" when cut.
fn ellipsis(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let head: String = one_line.chars().take(max).collect();
    // Chinese has no spaces: cut anywhere.
    let cut = head.rfind(' ').map_or(head.as_str(), |i| &head[..i]);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}
