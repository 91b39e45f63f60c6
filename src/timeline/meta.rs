//! The timeline's metadata (`m`): the cloud's title and frame fields, plus the settings of our
//! own that an edit must keep (shape, transition, script lines, narration, captions, beat sync),
//! written under their own keys beside the cloud's so a draft round-trips without loss.

use super::narration::{CaptionStyle, VoiceoverSettings};
use super::vocab::{Aspect, TransitionChoice};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Timeline-wide metadata (`m`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "MetaWire", into = "MetaWire")]
pub struct Meta {
    /// The video's title, if it has one.
    pub title: Option<String>,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Output frame rate (frames per second); the renderer writes constant frame rate.
    pub fps: u32,
    /// The frame shape the video was made in (`aspect`), as the director or an edit chose it;
    /// None when not recorded (e.g. a cloud draft).
    pub aspect: Option<Aspect>,
    /// The whole video's transition choice (`transition`: an xfade name, or "none" for cuts),
    /// kept so a rebuild keeps it even while no shot shows it (one shot, or shots too short
    /// to blend); None when not recorded.
    pub transition: Option<TransitionChoice>,
    /// The script's caption lines (`caption_lines`), kept while captions are off so turning
    /// them back on restores them; empty when none.
    pub caption_lines: Vec<String>,
    /// The voice-over as asked (`voiceover`); None for none.
    pub voiceover: Option<VoiceoverSettings>,
    /// How captions show the words (`captions`); None for the default (line).
    pub captions: Option<CaptionStyle>,
    /// Whether cuts snap to the music's beats (`beat_sync`); None for the default (on for
    /// generated music without narration).
    pub beat_sync: Option<bool>,
    /// Each shot's length before and after the cuts were snapped to the beat (`unsnapped`), so
    /// turning beat sync off puts them back; empty when the cuts were not snapped.
    pub unsnapped: Vec<SnappedShot>,
    /// Fields this model does not know.
    pub extra: Map<String, Value>,
}

/// A shot's length before and after beat snapping moved its cuts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnappedShot {
    /// The shot's segment id.
    pub id: String,
    /// Its length as the director paced it (ms).
    pub before_ms: u64,
    /// Its length on the beat (ms).
    pub after_ms: u64,
}

/// [`Meta`] as written: the typed fields of our own live in the same object as the cloud's
/// fields, under the keys they always had. A value under one of those keys that does not read as
/// its type (a draft using the key for something else) stays in `extra`, untouched.
#[derive(Serialize, Deserialize)]
struct MetaWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default = "default_width")]
    width: u32,
    #[serde(default = "default_height")]
    height: u32,
    #[serde(default = "default_fps")]
    fps: u32,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// Take `key` out of `extra` when it reads as a `T`; otherwise leave it there.
fn take_typed<T: serde::de::DeserializeOwned>(
    extra: &mut Map<String, Value>,
    key: &str,
) -> Option<T> {
    let typed = serde_json::from_value(extra.get(key)?.clone()).ok()?;
    extra.remove(key);
    Some(typed)
}

impl From<MetaWire> for Meta {
    fn from(w: MetaWire) -> Meta {
        let mut extra = w.extra;
        Meta {
            title: w.title,
            width: w.width,
            height: w.height,
            fps: w.fps,
            aspect: take_typed(&mut extra, "aspect"),
            transition: take_typed(&mut extra, "transition"),
            caption_lines: take_typed(&mut extra, "caption_lines").unwrap_or_default(),
            voiceover: take_typed(&mut extra, "voiceover"),
            captions: take_typed(&mut extra, "captions"),
            beat_sync: take_typed(&mut extra, "beat_sync"),
            unsnapped: take_typed(&mut extra, "unsnapped").unwrap_or_default(),
            extra,
        }
    }
}

impl From<Meta> for MetaWire {
    fn from(m: Meta) -> MetaWire {
        let mut extra = m.extra;
        if let Some(a) = m.aspect {
            extra.insert("aspect".into(), Value::from(a.as_str()));
        }
        if let Some(t) = m.transition {
            extra.insert("transition".into(), Value::from(String::from(t)));
        }
        if !m.caption_lines.is_empty() {
            extra.insert("caption_lines".into(), Value::from(m.caption_lines));
        }
        if let Some(v) = m.voiceover {
            extra.insert(
                "voiceover".into(),
                serde_json::to_value(v).expect("settings serialise"),
            );
        }
        if let Some(c) = m.captions {
            extra.insert("captions".into(), Value::from(c.as_str()));
        }
        if let Some(b) = m.beat_sync {
            extra.insert("beat_sync".into(), Value::from(b));
        }
        if !m.unsnapped.is_empty() {
            extra.insert(
                "unsnapped".into(),
                serde_json::to_value(m.unsnapped).expect("lengths serialise"),
            );
        }
        MetaWire {
            title: m.title,
            width: m.width,
            height: m.height,
            fps: m.fps,
            extra,
        }
    }
}

fn default_width() -> u32 {
    1920
}
fn default_height() -> u32 {
    1080
}
fn default_fps() -> u32 {
    30
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            title: None,
            width: default_width(),
            height: default_height(),
            fps: default_fps(),
            aspect: None,
            transition: None,
            caption_lines: Vec::new(),
            voiceover: None,
            captions: None,
            beat_sync: None,
            unsnapped: Vec::new(),
            extra: Map::new(),
        }
    }
}
