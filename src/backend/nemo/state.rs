//! Reading the session state: where the draft lives in the reply, and what changed between two
//! drafts when the agent's turn said nothing.

use crate::timeline::{TT_AUDIO, TT_TEXT, TT_VIDEO, TextRole, Timeline, secs};
use serde_json::Value;

/// The draft in a state reply (`data.state.draft`, tolerating flatter shapes); None when empty.
pub fn draft_of(data: &Value) -> Option<Value> {
    let candidates = [
        &data["state"]["draft"],
        &data["draft"],
        &data["state"],
        data,
    ];
    let d = candidates
        .into_iter()
        .find(|v| v.get("t").is_some_and(Value::is_array))?
        .clone();
    let mut d = d;
    // Size may live in canvas_config rather than the draft's metadata.
    let canvas = &data["state"]["canvas_config"];
    if let (Some(w), Some(h)) = (canvas["width"].as_u64(), canvas["height"].as_u64())
        && let Some(obj) = d.as_object_mut()
    {
        let m = obj
            .entry("m")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(m) = m.as_object_mut() {
            m.entry("width").or_insert(Value::from(w));
            m.entry("height").or_insert(Value::from(h));
        }
    }
    let has_content = d["t"].as_array().is_some_and(|t| {
        t.iter()
            .any(|tr| tr["sg"].as_array().is_some_and(|s| !s.is_empty()))
    });
    has_content.then_some(d)
}

/// Backend noise the contract says to drop ("I encountered a temporary issue" after real output).
pub fn is_noise(text: &str) -> bool {
    let t = text.to_lowercase();
    t.is_empty() || t.contains("encountered a temporary issue")
}

/// What changed from `before` to `after`, one line each, for a turn with no text.
pub fn describe_changes(before: Option<&Timeline>, after: &Timeline) -> Vec<String> {
    let Some(b) = before else {
        return if after.tracks.is_empty() {
            vec!["NemoVideo finished without text and the session has no timeline yet; call get_timeline in a moment, or describe the video again".into()]
        } else {
            vec![format!("NemoVideo made the first cut: {}", after.summary())]
        };
    };
    let mut out = Vec::new();
    if b.duration_ms != after.duration_ms {
        out.push(format!(
            "Length {} → {}",
            secs(b.duration_ms),
            secs(after.duration_ms)
        ));
    }
    if (b.meta.width, b.meta.height) != (after.meta.width, after.meta.height) {
        out.push(format!(
            "Frame {}x{} → {}x{}",
            b.meta.width, b.meta.height, after.meta.width, after.meta.height
        ));
    }
    let count = |t: &Timeline, tt| t.segments(tt).len();
    if count(b, TT_VIDEO) != count(after, TT_VIDEO) {
        out.push(format!(
            "Video segments {} → {}",
            count(b, TT_VIDEO),
            count(after, TT_VIDEO)
        ));
    }
    match (count(b, TT_AUDIO), count(after, TT_AUDIO)) {
        (0, n) if n > 0 => out.push("Added music / audio".into()),
        (n, 0) if n > 0 => out.push("Removed the music / audio".into()),
        (x, y) if x != y => out.push(format!("Audio segments {x} → {y}")),
        _ => {}
    }
    let texts = |t: &Timeline| -> Vec<String> {
        t.segments(TT_TEXT)
            .iter()
            .filter_map(|s| s.text.clone())
            .collect()
    };
    let (tb, ta) = (texts(b), texts(after));
    let title = |t: &Timeline| {
        t.segments(TT_TEXT)
            .iter()
            .find(|s| s.role == Some(TextRole::Title))
            .and_then(|s| s.text.clone())
            .or_else(|| t.meta.title.clone())
    };
    if title(b) != title(after) {
        out.push(format!(
            "Title '{}' → '{}'",
            title(b).unwrap_or_default(),
            title(after).unwrap_or_default()
        ));
    } else if tb != ta {
        let added: Vec<&String> = ta.iter().filter(|t| !tb.contains(t)).collect();
        let removed = tb.iter().filter(|t| !ta.contains(t)).count();
        if !added.is_empty() {
            out.push(format!(
                "Text added: {}",
                added
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if removed > 0 {
            out.push(format!("{removed} text(s) removed"));
        }
    }
    if out.is_empty() {
        if b == after {
            out.push("NemoVideo finished without text and the timeline is unchanged; rephrase the request if something should have changed".into());
        } else {
            out.push(format!("The timeline changed: {}", after.summary()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_draft_in_any_shape() {
        let d = json!({"t":[{"tt":0,"sg":[{"d":1000}]}],"d":1000});
        assert_eq!(
            draft_of(&json!({"state":{"draft":d.clone()}})),
            Some(d.clone())
        );
        assert_eq!(draft_of(&json!({"draft":d.clone()})), Some(d.clone()));
        assert_eq!(draft_of(&json!({"state":{"draft":{"t":[]}}})), None);
        let sized =
            draft_of(&json!({"state":{"draft":d,"canvas_config":{"width":1080,"height":1920}}}))
                .unwrap();
        assert_eq!(sized["m"]["height"], 1920);
    }

    #[test]
    fn silent_edits_are_described() {
        let a = Timeline::from_draft(json!({"t":[{"tt":0,"sg":[{"d":10000}]},{"tt":7,"sg":[{"d":3000,"text":"Old","role":"title"}]}],"d":10000})).unwrap();
        let b = Timeline::from_draft(json!({"t":[{"tt":0,"sg":[{"d":15000}]},{"tt":1,"sg":[{"d":15000}]},{"tt":7,"sg":[{"d":3000,"text":"New","role":"title"}]}],"d":15000})).unwrap();
        let c = describe_changes(Some(&a), &b);
        assert!(c.contains(&"Length 10 s → 15 s".to_string()), "{c:?}");
        assert!(c.contains(&"Added music / audio".to_string()), "{c:?}");
        assert!(c.contains(&"Title 'Old' → 'New'".to_string()), "{c:?}");
        assert!(describe_changes(Some(&a), &a)[0].contains("unchanged"));
        assert!(is_noise("Sorry, I encountered a temporary issue."));
    }
}
