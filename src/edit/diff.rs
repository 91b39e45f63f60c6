//! What changed between two revisions, item by item (by stable id), in words an agent can read
//! back: "shot 2 (cat.jpg): 4 s → 5 s", "text cap-1: 'Hi' → 'Hello'".

use crate::timeline::{Segment, TT_OVERLAY, TT_TEXT, TT_VIDEO, Timeline, secs};
use serde_json::json;

/// One line per difference from `old` to `new`; `name` gives a shot's file name.
pub fn diff(old: &Timeline, new: &Timeline, name: &dyn Fn(&Segment) -> String) -> Vec<String> {
    let mut out = Vec::new();
    if (old.meta.width, old.meta.height) != (new.meta.width, new.meta.height) {
        out.push(format!(
            "frame {}x{} → {}x{}",
            old.meta.width, old.meta.height, new.meta.width, new.meta.height
        ));
    }
    if old.duration_ms != new.duration_ms {
        out.push(format!(
            "length {} → {}",
            secs(old.duration_ms),
            secs(new.duration_ms)
        ));
    }
    let (a, b) = (old.segments(TT_VIDEO), new.segments(TT_VIDEO));
    for (i, s) in b.iter().enumerate() {
        let label = format!("shot {} ({}, {})", i + 1, s.id, name(s));
        match a.iter().position(|o| o.id == s.id) {
            None => out.push(format!("{label}: added")),
            Some(j) => {
                let o = &a[j];
                let mut what = Vec::new();
                if j != i {
                    what.push(format!("moved from position {}", j + 1));
                }
                if o.duration_ms != s.duration_ms {
                    what.push(format!("{} → {}", secs(o.duration_ms), secs(s.duration_ms)));
                }
                for (field, x, y) in [
                    ("motion", json!(o.motion), json!(s.motion)),
                    ("focus", json!(o.focus), json!(s.focus)),
                    ("transition", json!(o.transition), json!(s.transition)),
                    ("volume", json!(o.volume), json!(s.volume)),
                    ("trim", json!(o.in_ms), json!(s.in_ms)),
                ] {
                    if x != y {
                        what.push(format!("{field} {} → {}", short(&x), short(&y)));
                    }
                }
                if !what.is_empty() {
                    out.push(format!("{label}: {}", what.join(", ")));
                }
            }
        }
    }
    for o in a.iter().filter(|o| !b.iter().any(|s| s.id == o.id)) {
        out.push(format!("shot {} ({}): removed", o.id, name(o)));
    }
    items(
        &mut out,
        "text",
        old.segments(TT_TEXT),
        new.segments(TT_TEXT),
    );
    items(
        &mut out,
        "overlay",
        old.segments(TT_OVERLAY),
        new.segments(TT_OVERLAY),
    );
    let (ma, mb) = (old.music().first(), new.music().first());
    match (ma, mb) {
        (Some(_), None) => out.push("music: removed".into()),
        (None, Some(m)) => out.push(format!("music: added ({})", music_name(m))),
        (Some(x), Some(y)) => {
            if music_name(x) != music_name(y) {
                out.push(format!("music: {} → {}", music_name(x), music_name(y)));
            }
            if x.volume != y.volume {
                out.push(format!(
                    "music volume: {:.0}% → {:.0}%",
                    x.volume.unwrap_or(1.0) * 100.0,
                    y.volume.unwrap_or(1.0) * 100.0
                ));
            }
        }
        (None, None) => {}
    }
    out
}

fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "none".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) if o.contains_key("kind") => {
            format!(
                "{} {}",
                short(&o["kind"]),
                secs(o["d"].as_u64().unwrap_or(0))
            )
        }
        other => other.to_string(),
    }
}

fn music_name(s: &Segment) -> String {
    s.generated
        .map(|m| m.to_string())
        .or_else(|| s.media_id.clone())
        .unwrap_or_else(|| "audio".into())
}

fn items(out: &mut Vec<String>, what: &str, a: &[Segment], b: &[Segment]) {
    for s in b {
        let Some(o) = a.iter().find(|o| o.id == s.id) else {
            out.push(format!(
                "{what} {}: added '{}' {}–{}",
                s.id,
                s.text.as_deref().unwrap_or(""),
                secs(s.start_ms),
                secs(s.end_ms())
            ));
            continue;
        };
        let mut w = Vec::new();
        if o.text != s.text {
            w.push(format!(
                "'{}' → '{}'",
                o.text.as_deref().unwrap_or(""),
                s.text.as_deref().unwrap_or("")
            ));
        }
        if (o.start_ms, o.duration_ms) != (s.start_ms, s.duration_ms) {
            w.push(format!(
                "{}–{} → {}–{}",
                secs(o.start_ms),
                secs(o.end_ms()),
                secs(s.start_ms),
                secs(s.end_ms())
            ));
        }
        if o.style != s.style {
            w.push(format!("style {} → {}", json!(o.style), json!(s.style)));
        }
        if (json!(o.position), o.size, o.opacity) != (json!(s.position), s.size, s.opacity) {
            w.push("placement changed".into());
        }
        if !w.is_empty() {
            out.push(format!("{what} {}: {}", s.id, w.join(", ")));
        }
    }
    for o in a.iter().filter(|o| !b.iter().any(|s| s.id == o.id)) {
        out.push(format!("{what} {}: removed", o.id));
    }
}
