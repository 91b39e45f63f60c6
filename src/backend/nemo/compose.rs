//! The chat message sent for a request: NemoVideo's agent reads words, so the prompt, the
//! files just uploaded, the script and the structured options are all said in words.

use crate::backend::{CreateRequest, MediaItem};

/// The chat message for a request: the prompt, then the script and options in words.
pub(super) fn compose(req: &CreateRequest, added: &[MediaItem]) -> String {
    let mut m = req.prompt.trim().to_string();
    if !added.is_empty() {
        m.push_str(&format!(
            "\n\n(I just uploaded: {}.)",
            added
                .iter()
                .map(|a| a.file_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(s) = req.script.as_deref().filter(|s| !s.trim().is_empty()) {
        m.push_str(&format!("\n\nScript:\n{}", s.trim()));
    }
    let o = &req.options;
    let mut wants = Vec::new();
    if let Some(d) = o.duration_s {
        wants.push(format!("length {d} seconds"));
    }
    if let Some(a) = &o.aspect {
        wants.push(format!("aspect ratio {a}"));
    }
    if let Some(r) = &o.resolution {
        wants.push(format!("resolution {r}"));
    }
    if let Some(t) = &o.transition {
        wants.push(format!("transitions: {t}"));
    }
    if let Some(t) = &o.title {
        wants.push(if t.is_empty() {
            "no title".into()
        } else {
            format!("title \"{t}\"")
        });
    }
    if let Some(mu) = o.music {
        wants.push(
            if mu {
                "with background music"
            } else {
                "no music"
            }
            .into(),
        );
    }
    if let Some(c) = o.captions {
        wants.push(if c { "with captions" } else { "no captions" }.into());
    }
    if !wants.is_empty() {
        m.push_str(&format!("\n\nSettings: {}.", wants.join(", ")));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_says_options_in_words() {
        let req = CreateRequest {
            prompt: "make a promo".into(),
            script: Some("Line one.".into()),
            options: crate::director::Options {
                duration_s: Some(15.0),
                aspect: Some(crate::timeline::Aspect::Portrait),
                music: Some(false),
                ..Default::default()
            },
            ..Default::default()
        };
        let m = compose(&req, &[]);
        assert!(m.starts_with("make a promo"));
        assert!(m.contains("Script:\nLine one."));
        assert!(
            m.contains("length 15 seconds")
                && m.contains("aspect ratio 9:16")
                && m.contains("no music")
        );
    }
}
