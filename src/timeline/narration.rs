//! Narration on the timeline: the voice-over as asked (kept in the metadata so edits and
//! rebuilds keep it), the spoken take (an audio segment with a stable id and its word times),
//! how captions show the words, and whether cuts snap to the beat.

use super::{Segment, TT_AUDIO, Timeline, Track};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Id of the voice-over's audio track.
pub const VOICE_TRACK: &str = "voice";
/// Id of the voice-over segment (role voiceover).
pub const VOICEOVER_ID: &str = "voiceover";
/// Id prefix of the captions made from the narration's words.
pub const VOICE_CAPTION_PREFIX: &str = "vo-";

/// How captions show the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CaptionStyle {
    /// A phrase at a time with the spoken word highlighted.
    Karaoke,
    /// One to three words at a time, big and centred (the short-form look).
    Word,
    /// A phrase at a time near the bottom (the classic look).
    #[default]
    Line,
    /// No captions.
    Off,
}

impl CaptionStyle {
    /// The name agents and prompts use.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptionStyle::Karaoke => "karaoke",
            CaptionStyle::Word => "word",
            CaptionStyle::Line => "line",
            CaptionStyle::Off => "off",
        }
    }
}

/// The voice-over as asked: what to say, with which voice and how fast (or a supplied recording).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VoiceoverSettings {
    /// The words to speak; None reads the script (its caption lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A voice id, or "female" / "male"; None picks the best voice for the language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// Speed relative to the voice's own (1.2 = 20 % faster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f32>,
    /// Words (CJK: characters) per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words_per_minute: Option<f32>,
    /// An uploaded recording used as the narration instead of a synthesized voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// The video length that was asked for (ms), which the narration is fitted into; None lets
    /// the video's length follow the narration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_ms: Option<u64>,
}

impl VoiceoverSettings {
    /// What is spoken for `tl`: the text given, else the script's caption lines, else the title
    /// and end card.
    pub fn script(&self, tl: &Timeline) -> String {
        if let Some(t) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            return t.trim().to_string();
        }
        if !tl.meta.caption_lines.is_empty() {
            return join_lines(&tl.meta.caption_lines);
        }
        let cards: Vec<String> = tl
            .segments(super::TT_TEXT)
            .iter()
            .filter(|s| {
                matches!(
                    s.role,
                    Some(super::TextRole::Title | super::TextRole::EndCard)
                )
            })
            .filter_map(|s| s.text.clone())
            .collect();
        join_lines(&cards)
    }

    /// A key naming the take these settings make of `tl`'s script: a take made for another key
    /// is stale.
    pub fn key(&self, tl: &Timeline) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        let fields = serde_json::json!([
            self.script(tl),
            self.voice,
            self.speed,
            self.words_per_minute,
            self.media_id,
            self.fit_ms,
        ]);
        h.update(fields.to_string().as_bytes());
        let d = h.finalize();
        d.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// Lines joined into one text, each ending like a sentence so the voice pauses between them.
pub fn join_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let ends = l.ends_with(['.', '!', '?', '…', '。', '！', '？', '"', '”', '」']);
            if ends {
                l.to_string()
            } else if l.chars().any(crate::voice::is_cjk_char) {
                format!("{l}。")
            } else {
                format!("{l}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One spoken word and when (ms): in the take's own audio on the voice segment, on the video's
/// clock on a caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Word {
    /// The word as written.
    #[serde(rename = "w")]
    pub text: String,
    /// Start (ms).
    #[serde(rename = "s")]
    pub start_ms: u64,
    /// End (ms).
    #[serde(rename = "e")]
    pub end_ms: u64,
}

/// What the voice segment was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceTake {
    /// The settings key it was made for ([`VoiceoverSettings::key`]).
    pub key: String,
    /// The voice id that spoke, or "supplied" for an uploaded recording.
    pub voice: String,
    /// Whether that voice sounds natural (neural) rather than robotic.
    #[serde(default)]
    pub natural: bool,
    /// Where the word times came from: engine, aligned or estimated.
    pub timing: String,
    /// The pace achieved, script words per minute.
    #[serde(default)]
    pub words_per_minute: f64,
    /// Every script word with its time in the take's audio.
    pub words: Vec<Word>,
}

impl Timeline {
    /// The voice-over segment, if the video has one.
    pub fn voiceover(&self) -> Option<&Segment> {
        self.tracks
            .iter()
            .find(|t| t.tt == TT_AUDIO && t.id == VOICE_TRACK)?
            .segments
            .first()
    }

    /// The music track (the first audio track that is not the voice-over's).
    pub fn music_track(&self) -> Option<&Track> {
        self.tracks
            .iter()
            .find(|t| t.tt == TT_AUDIO && t.id != VOICE_TRACK)
    }

    /// The music track, mutable.
    pub fn music_track_mut(&mut self) -> Option<&mut Track> {
        self.tracks
            .iter_mut()
            .find(|t| t.tt == TT_AUDIO && t.id != VOICE_TRACK)
    }

    /// The music segments (empty without music).
    pub fn music(&self) -> &[Segment] {
        self.music_track()
            .map(|t| t.segments.as_slice())
            .unwrap_or(&[])
    }

    /// Every audio segment: music and voice-over.
    pub fn audio_segments(&self) -> impl Iterator<Item = &Segment> {
        self.tracks
            .iter()
            .filter(|t| t.tt == TT_AUDIO)
            .flat_map(|t| t.segments.iter())
    }

    /// The spans (ms, on the video's clock) where the voice speaks: words closer than `gap_ms`
    /// run together.
    pub fn speech_spans(&self, gap_ms: u64) -> Vec<(u64, u64)> {
        let Some(seg) = self.voiceover() else {
            return Vec::new();
        };
        let Some(take) = &seg.voice else {
            return vec![(seg.start_ms, seg.end_ms())];
        };
        let offset = seg.start_ms;
        let mut spans: Vec<(u64, u64)> = Vec::new();
        for w in &take.words {
            let (a, b) = (offset + w.start_ms, offset + w.end_ms.max(w.start_ms));
            if b > seg.end_ms() + 50 {
                break;
            }
            match spans.last_mut() {
                Some(last) if a <= last.1 + gap_ms => last.1 = last.1.max(b),
                _ => spans.push((a, b)),
            }
        }
        spans
    }
}
