//! The one timeline model both backends read and write.
//!
//! On the wire it uses the compact draft names of the NemoVideo cloud API (`t` tracks, `tt` track
//! type, `sg` segments, `d` duration in ms, `m` metadata) so a cloud draft can be decoded into it and
//! written back without loss: every struct keeps the fields it does not know in `extra`.
//! Everything the local engine needs beyond those five names is an optional field of our own.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt::Write as _;

pub mod meta;
pub mod narration;
pub mod style;
pub mod vocab;
pub use meta::{Meta, SnappedShot};
pub use narration::{CaptionStyle, VoiceTake, VoiceoverSettings, Word};
pub use style::{Focus, Position, TextStyle};
pub use vocab::{Aspect, Mood, Resolution, TransitionChoice, TransitionKind};

/// Track type code (`tt`) of a video track in the cloud draft.
pub const TT_VIDEO: u8 = 0;
/// Track type code (`tt`) of an audio (music, voice) track.
pub const TT_AUDIO: u8 = 1;
/// Track type code (`tt`) of a text (title, caption) track.
pub const TT_TEXT: u8 = 7;
/// Track type code of picture overlays (logos, badges). The cloud draft's code for them is not
/// known, so this one is ours; the cloud backend refuses overlay edits rather than guess.
pub const TT_OVERLAY: u8 = 20;

/// A whole edit: tracks of segments on one clock, plus the output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Timeline {
    /// Tracks, bottom to top (`t`).
    #[serde(rename = "t", default)]
    pub tracks: Vec<Track>,
    /// Total duration in ms (`d`).
    #[serde(rename = "d", default)]
    pub duration_ms: u64,
    /// Output format and title (`m`).
    #[serde(rename = "m", default)]
    pub meta: Meta,
    /// Revision number: bumped by every stored change, so exports and edits can tell versions apart.
    #[serde(default)]
    pub rev: u64,
    /// Fields this model does not know, kept for a lossless round-trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One track (`t[i]`): a type and its segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// Stable id, so edits can name a track.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Track type (`tt`): [`TT_VIDEO`], [`TT_AUDIO`], [`TT_TEXT`] or a cloud code we do not know.
    pub tt: u8,
    /// Segments in time order (`sg`).
    #[serde(rename = "sg", default)]
    pub segments: Vec<Segment>,
    /// Fields this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How a still moves while on screen (Ken Burns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Motion {
    /// Slowly push in toward the centre.
    ZoomIn,
    /// Slowly pull back from the centre.
    ZoomOut,
    /// Drift left while slightly zoomed.
    PanLeft,
    /// Drift right while slightly zoomed.
    PanRight,
    /// Drift up while slightly zoomed.
    PanUp,
    /// Drift down while slightly zoomed.
    PanDown,
    /// Hold still.
    None,
}

impl Motion {
    /// The cycle of motions given to consecutive stills so no two neighbours move alike.
    pub const CYCLE: [Motion; 6] = [
        Motion::ZoomIn,
        Motion::PanRight,
        Motion::ZoomOut,
        Motion::PanLeft,
        Motion::PanUp,
        Motion::PanDown,
    ];
}

/// What a text segment is for; it decides size, placement and style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextRole {
    /// Large title over the opening shot.
    Title,
    /// A line of the script near the bottom of the frame.
    Caption,
    /// Closing call to action over the last shot.
    EndCard,
    /// Free text placed by an edit (a label, a price, a badge's words).
    Overlay,
}

/// A transition into a segment from the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The ffmpeg xfade transition (see [`TransitionKind::ALL`]); a name this build does not
    /// know is kept, and refused by the renderer.
    pub kind: TransitionKind,
    /// Overlap with the previous segment in ms.
    #[serde(rename = "d")]
    pub duration_ms: u64,
}

/// One segment (`sg[i]`): a span of time on a track and what fills it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Segment {
    /// Stable id, unique within the timeline.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Start on the timeline in ms.
    #[serde(rename = "st", default)]
    pub start_ms: u64,
    /// Duration in ms (`d`).
    #[serde(rename = "d", default)]
    pub duration_ms: u64,
    /// Local media item shown or played (content-hash id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Source URL or path, as the cloud draft names media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    /// In-point within the source in ms (clips and music).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_ms: Option<u64>,
    /// Ken Burns motion for stills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<Motion>,
    /// Transition into this segment from the previous one on the track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
    /// Text shown (text tracks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Role of a text segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<TextRole>,
    /// Linear gain for audio (music, or a clip's own sound); 1.0 is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f32>,
    /// Audio fade-in in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_in_ms: Option<u64>,
    /// Audio fade-out in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_out_ms: Option<u64>,
    /// Mood of a music bed synthesised offline (when no music file was supplied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Mood>,
    /// Segment metadata (`m`), kept as given.
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Text: how it looks, where set by an edit (unset fields follow the role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<TextStyle>,
    /// Text: the shot it belongs to, so it moves and retimes with that shot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// Shot: the subject's position in the picture, kept in frame by moves and crops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<Focus>,
    /// Overlay: where its centre sits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Overlay: width as a fraction of the frame's width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<f64>,
    /// Overlay: opacity, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opacity: Option<f64>,
    /// Voice-over: the take it plays and its word times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<VoiceTake>,
    /// Caption made from the narration: its words on the video's clock (karaoke highlights each
    /// while it is spoken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
    /// Fields this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Segment {
    /// End on the timeline in ms.
    pub fn end_ms(&self) -> u64 {
        // Saturating: drafts from the cloud are not ours to trust.
        self.start_ms.saturating_add(self.duration_ms)
    }
}

impl Timeline {
    /// The first track of type `tt`.
    pub fn track(&self, tt: u8) -> Option<&Track> {
        self.tracks.iter().find(|t| t.tt == tt)
    }

    /// The first track of type `tt`, mutable.
    pub fn track_mut(&mut self, tt: u8) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.tt == tt)
    }

    /// The segments of the first track of type `tt` (empty if there is none).
    pub fn segments(&self, tt: u8) -> &[Segment] {
        self.track(tt).map(|t| t.segments.as_slice()).unwrap_or(&[])
    }

    /// The title text segment, if any.
    pub fn title_segment(&self) -> Option<&Segment> {
        self.segments(TT_TEXT)
            .iter()
            .find(|s| s.role == Some(TextRole::Title))
    }

    /// Decode a cloud draft (or our own JSON) into a timeline.
    pub fn from_draft(value: Value) -> Result<Timeline, serde_json::Error> {
        serde_json::from_value(value)
    }

    /// Encode as a cloud draft with compact field names.
    pub fn to_draft(&self) -> Value {
        serde_json::to_value(self).expect("timeline serialises to JSON")
    }

    /// One line a person can read: what is on each track and when.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let video = self.segments(TT_VIDEO);
        if !video.is_empty() {
            let end = video.iter().map(Segment::end_ms).max().unwrap_or(0);
            let shots = if video.len() == 1 { "shot" } else { "shots" };
            let mut s = format!("Video: {} {shots} 0–{}", video.len(), secs(end));
            if let Some(t) = video.iter().find_map(|s| s.transition.as_ref()) {
                let _ = write!(s, " ({} transitions)", t.kind);
            }
            parts.push(s);
        }
        for seg in self.music() {
            let what = match (&seg.generated, &seg.media_id) {
                (Some(mood), _) => format!("generated '{mood}'"),
                (None, Some(id)) => format!("track {id}"),
                (None, None) => seg.src.clone().unwrap_or_else(|| "audio".into()),
            };
            let vol = seg.volume.unwrap_or(1.0) * 100.0;
            parts.push(format!(
                "BGM: {what} {}–{} at {:.0}%",
                secs_bare(seg.start_ms),
                secs(seg.end_ms()),
                vol
            ));
        }
        if let Some(v) = self.voiceover() {
            let who = v.voice.as_ref().map_or("supplied", |t| t.voice.as_str());
            parts.push(format!(
                "Voice-over: {who} {}–{}",
                secs_bare(v.start_ms),
                secs(v.end_ms())
            ));
        }
        let text = self.segments(TT_TEXT);
        for seg in text {
            let label = match seg.role {
                Some(TextRole::Title) => "Title",
                Some(TextRole::EndCard) => "End card",
                _ => continue,
            };
            parts.push(format!(
                "{label}: '{}' {}–{}",
                seg.text.as_deref().unwrap_or(""),
                secs_bare(seg.start_ms),
                secs(seg.end_ms())
            ));
        }
        let captions = text
            .iter()
            .filter(|s| s.role == Some(TextRole::Caption))
            .count();
        if captions > 0 {
            parts.push(format!("Captions: {captions}"));
        }
        parts.push(format!(
            "{}x{} {} fps, {}",
            self.meta.width,
            self.meta.height,
            self.meta.fps,
            secs(self.duration_ms)
        ));
        parts.join(" · ")
    }
}

/// Convert ms to frames at `fps`, rounding to the nearest frame. The director lays shots out in
/// frames and the renderer cuts in frames; both must round the same way or shots drift apart.
pub fn ms_to_frames(ms: u64, fps: u32) -> u64 {
    (ms * fps as u64 + 500) / 1000
}

/// Convert frames at `fps` back to ms, rounding to the nearest ms.
pub fn frames_to_ms(frames: u64, fps: u32) -> u64 {
    let fps = u64::from(fps.max(1));
    (frames * 1000 + fps / 2) / fps
}

/// Whether a picture fills the frame by cover-cropping, because its shape (width/height) is within
/// a few percent of the frame's; other pictures are fitted whole over a blurred fill of themselves.
/// The renderer fits pictures by this rule, and the director uses it to tell how much a picture
/// is enlarged.
pub fn crops_to_fill(picture_aspect: f64, frame_aspect: f64) -> bool {
    (0.93..=1.075).contains(&(picture_aspect / frame_aspect))
}

/// How much a `w`×`h` picture is scaled to fit a `frame_w`×`frame_h` frame (above 1 = enlarged).
pub fn fit_scale(w: u32, h: u32, frame_w: u32, frame_h: u32) -> f64 {
    if w == 0 || h == 0 || frame_w == 0 || frame_h == 0 {
        return 1.0;
    }
    let (sx, sy) = (
        f64::from(frame_w) / f64::from(w),
        f64::from(frame_h) / f64::from(h),
    );
    let aspect = |a: u32, b: u32| f64::from(a) / f64::from(b);
    if crops_to_fill(aspect(w, h), aspect(frame_w, frame_h)) {
        sx.max(sy)
    } else {
        sx.min(sy)
    }
}

/// Seconds with a unit, e.g. "30 s" or "2.5 s".
pub fn secs(ms: u64) -> String {
    format!("{} s", secs_bare(ms))
}

fn secs_bare(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        let s = format!("{:.2}", ms as f64 / 1000.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn draft_round_trip_keeps_unknown_fields() {
        let draft = json!({
            "t": [
                {"tt": 0, "sg": [{"d": 10000, "src": "https://cdn/x.mp4", "speed": 1.5}], "locked": true},
                {"tt": 1, "sg": [{"d": 10000}]},
                {"tt": 7, "sg": [{"d": 3000, "text": "Urban Dreams"}]},
                {"tt": 4, "sg": []}
            ],
            "d": 10000,
            "m": {"title": "Urban Dreams", "width": 1920, "height": 1080, "bg": "#000"},
            "canvas": {"ratio": "16:9"}
        });
        let tl = Timeline::from_draft(draft.clone()).unwrap();
        assert_eq!(tl.tracks.len(), 4);
        assert_eq!(tl.tracks[3].tt, 4);
        assert_eq!(tl.segments(TT_VIDEO)[0].duration_ms, 10000);
        assert_eq!(tl.meta.title.as_deref(), Some("Urban Dreams"));
        let back = tl.to_draft();
        assert_eq!(back["t"][0]["sg"][0]["speed"], json!(1.5));
        assert_eq!(back["t"][0]["locked"], json!(true));
        assert_eq!(back["m"]["bg"], json!("#000"));
        assert_eq!(back["canvas"], json!({"ratio": "16:9"}));
        assert_eq!(Timeline::from_draft(back).unwrap(), tl);
    }

    #[test]
    fn meta_reads_its_typed_fields_from_the_keys_stored_before() {
        let stored = json!({
            "d": 1000,
            "m": {
                "width": 1080, "height": 1920, "fps": 30,
                "aspect": "9:16", "transition": "none", "caption_lines": ["One.", "Two."],
                "bg": "#000"
            }
        });
        let tl = Timeline::from_draft(stored.clone()).unwrap();
        assert_eq!(tl.meta.aspect, Some(Aspect::Portrait));
        assert_eq!(tl.meta.transition, Some(TransitionChoice::Cut));
        assert_eq!(tl.meta.caption_lines, ["One.", "Two."]);
        assert_eq!(tl.meta.extra.keys().collect::<Vec<_>>(), ["bg"]);
        // Written back under the same keys, with the same values.
        assert_eq!(tl.to_draft()["m"], stored["m"]);
        let mut m = tl.meta.clone();
        m.transition = Some(TransitionChoice::Kind(TransitionKind::WipeUp));
        assert_eq!(serde_json::to_value(&m).unwrap()["transition"], "wipeup");
    }

    #[test]
    fn a_draft_using_our_keys_otherwise_keeps_them_as_they_were() {
        // An aspect we cannot read, or a transition that is not a string, is not ours: it stays
        // in `extra` and goes back out unchanged.
        let draft = json!({"m": {"aspect": "21:9", "transition": {"type": 3}, "caption_lines": 2}});
        let tl = Timeline::from_draft(draft.clone()).unwrap();
        assert_eq!(tl.meta.aspect, None);
        assert_eq!(tl.meta.transition, None);
        assert!(tl.meta.caption_lines.is_empty());
        assert_eq!(tl.meta.extra.len(), 3);
        assert_eq!(tl.to_draft()["m"], {
            let mut m = draft["m"].clone();
            m["width"] = json!(1920);
            m["height"] = json!(1080);
            m["fps"] = json!(30);
            m
        });
    }

    #[test]
    fn segments_keep_transition_names_and_moods_as_strings() {
        let draft = json!({"t": [
            {"tt": 0, "sg": [{"d": 1000}, {"d": 1000, "transition": {"kind": "cloudspin", "d": 400}}]},
            {"tt": 0, "sg": [{"d": 1000}, {"d": 1000, "transition": {"kind": "slideup", "d": 400}}]},
            {"tt": 1, "sg": [{"d": 2000, "generated": "lofi"}]}
        ]});
        let tl = Timeline::from_draft(draft.clone()).unwrap();
        let kind = |t: usize| {
            tl.tracks[t].segments[1]
                .transition
                .as_ref()
                .unwrap()
                .kind
                .clone()
        };
        assert_eq!(kind(0), TransitionKind::Other("cloudspin".into()));
        assert_eq!(kind(1), TransitionKind::SlideUp);
        assert_eq!(tl.segments(TT_AUDIO)[0].generated, Some(Mood::Lofi));
        let back = tl.to_draft();
        for t in 0..2 {
            assert_eq!(
                back["t"][t]["sg"][1]["transition"],
                draft["t"][t]["sg"][1]["transition"]
            );
        }
        assert_eq!(back["t"][2]["sg"][0]["generated"], "lofi");
    }

    #[test]
    fn summary_reads_like_the_seed() {
        let tl = Timeline {
            tracks: vec![
                Track {
                    id: "v".into(),
                    tt: TT_VIDEO,
                    segments: vec![Segment {
                        duration_ms: 10_000,
                        media_id: Some("m1".into()),
                        ..Default::default()
                    }],
                    extra: Map::new(),
                },
                Track {
                    id: "a".into(),
                    tt: TT_AUDIO,
                    segments: vec![Segment {
                        duration_ms: 10_000,
                        generated: Some(Mood::Lofi),
                        volume: Some(0.35),
                        ..Default::default()
                    }],
                    extra: Map::new(),
                },
                Track {
                    id: "x".into(),
                    tt: TT_TEXT,
                    segments: vec![Segment {
                        duration_ms: 3000,
                        text: Some("Urban Dreams".into()),
                        role: Some(TextRole::Title),
                        ..Default::default()
                    }],
                    extra: Map::new(),
                },
            ],
            duration_ms: 10_000,
            ..Default::default()
        };
        let s = tl.summary();
        assert!(s.starts_with("Video: 1 shot 0–10 s"), "{s}");
        assert!(s.contains("BGM: generated 'lofi' 0–10 s at 35%"), "{s}");
        assert!(s.contains("Title: 'Urban Dreams' 0–3 s"), "{s}");
    }
}
