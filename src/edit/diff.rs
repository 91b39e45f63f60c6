//! What changed between two revisions, item by item (by stable id), in words an agent can read
//! back: "shot 2 (cat.jpg): 4 s → 5 s", "text cap-1: 'Hi' → 'Hello'".

use crate::timeline::{
    Segment, TT_OVERLAY, TT_TEXT, TT_VIDEO, Timeline, VoiceTake, VoiceoverSettings, secs,
};
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
    out.extend(voiceover(old, new));
    let style = |tl: &Timeline| tl.meta.captions.unwrap_or_default().as_str();
    if style(old) != style(new) {
        out.push(format!("captions: {} → {}", style(old), style(new)));
    }
    out
}

/// The voice-over's difference, in one line: added or removed, another voice or recording, other
/// words, a new pace or length. An edit's result says it too, since the take is made by the edit
/// and its length and pace are only known then.
pub fn voiceover(old: &Timeline, new: &Timeline) -> Option<String> {
    let who = |t: &Option<VoiceTake>| {
        t.as_ref()
            .map_or("a voice", |t| t.voice.as_str())
            .to_string()
    };
    match (voice_of(old), voice_of(new)) {
        (Some(_), None) => Some("voice-over: removed".into()),
        (None, Some((s, t, _))) => Some(format!(
            "voice-over: added ({}, {}{})",
            who(&t),
            secs(s.duration_ms),
            t.as_ref().map_or(String::new(), |t| format!(
                ", {:.0} words a minute",
                t.words_per_minute
            ))
        )),
        (Some((a, ta, sa)), Some((b, tb, sb))) => {
            let mut what = Vec::new();
            if who(&ta) != who(&tb) {
                what.push(format!("voice {} → {}", who(&ta), who(&tb)));
            } else if a.media_id != b.media_id && who(&tb) == "supplied" {
                what.push("another recording".into());
            }
            let (xa, xb) = (sa.script(old), sb.script(new));
            if xa != xb {
                what.push(format!("words '{}' → '{}'", clip(&xa), clip(&xb)));
            }
            let pace = |s: &VoiceoverSettings| match (s.speed, s.words_per_minute) {
                (Some(x), _) => format!("{:.0}% speed", x * 100.0),
                (_, Some(w)) => format!("{w:.0} words a minute asked"),
                _ => "natural pace".into(),
            };
            if pace(&sa) != pace(&sb) {
                let wpm = |t: &Option<VoiceTake>| t.as_ref().map_or(0.0, |t| t.words_per_minute);
                what.push(format!(
                    "pace {} → {} ({:.0} → {:.0} words a minute)",
                    pace(&sa),
                    pace(&sb),
                    wpm(&ta),
                    wpm(&tb)
                ));
            }
            if a.duration_ms != b.duration_ms {
                what.push(format!("{} → {}", secs(a.duration_ms), secs(b.duration_ms)));
            }
            (!what.is_empty()).then(|| format!("voice-over: {}", what.join(", ")))
        }
        (None, None) => None,
    }
}

/// The voice-over segment, its take and the settings it was made with.
fn voice_of(tl: &Timeline) -> Option<(&Segment, Option<VoiceTake>, VoiceoverSettings)> {
    let s = tl.voiceover()?;
    Some((
        s,
        s.voice.clone(),
        tl.meta.voiceover.clone().unwrap_or_default(),
    ))
}

/// A text cut to 40 characters for a one-line diff.
fn clip(s: &str) -> String {
    let mut c: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        c.push('…');
    }
    c
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::narration::{VOICE_TRACK, VOICEOVER_ID};
    use crate::timeline::{TT_AUDIO, Track};

    fn voiced(voice: &str, text: &str, speed: Option<f32>, wpm: f64, ms: u64) -> Timeline {
        let mut tl = Timeline::default();
        tl.meta.voiceover = Some(VoiceoverSettings {
            text: Some(text.into()),
            speed,
            ..Default::default()
        });
        tl.tracks.push(Track {
            id: VOICE_TRACK.into(),
            tt: TT_AUDIO,
            segments: vec![Segment {
                id: VOICEOVER_ID.into(),
                start_ms: 1200,
                duration_ms: ms,
                media_id: Some(format!("med_{voice}_{ms}")),
                voice: Some(VoiceTake {
                    key: "k".into(),
                    voice: voice.into(),
                    natural: true,
                    timing: "engine".into(),
                    words_per_minute: wpm,
                    words: Vec::new(),
                }),
                ..Default::default()
            }],
            extra: Default::default(),
        });
        tl
    }

    #[test]
    fn a_voice_over_change_says_what_changed() {
        let joe = voiced("joe", "Hello there.", None, 165.0, 10_000);
        let slower = voiced("joe", "Hello there.", Some(0.8), 132.0, 12_500);
        let line = voiceover(&joe, &slower).unwrap();
        assert!(
            line.contains("natural pace → 80% speed (165 → 132 words a minute)")
                && line.contains("10 s → 12.5 s"),
            "{line}"
        );
        let amy = voiced("amy", "Hello again.", None, 170.0, 10_000);
        let line = voiceover(&joe, &amy).unwrap();
        assert!(
            line.contains("voice joe → amy") && line.contains("'Hello there.' → 'Hello again.'"),
            "{line}"
        );
        assert_eq!(voiceover(&joe, &joe.clone()), None);
        assert_eq!(
            voiceover(&joe, &Timeline::default()).as_deref(),
            Some("voice-over: removed")
        );
        let added = voiceover(&Timeline::default(), &joe).unwrap();
        assert!(added.starts_with("voice-over: added (joe"), "{added}");
    }
}
