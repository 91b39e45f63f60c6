//! The edit operations an agent sends in `create_video {edits: [...]}`: exact changes to named
//! items of the timeline, typed so the schema tells the agent every field and value.

use crate::timeline::style::{Focus, Position, TextStyle};
use crate::timeline::{Aspect, Mood, Motion, Resolution, TextRole, TransitionChoice};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A shot, named by its stable id ("shot-ab12cd"), its 1-based position, or its file name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ShotRef {
    /// 1-based position on the timeline.
    Position(u32),
    /// Stable id or file name ("cat.jpg").
    Name(String),
}

impl std::fmt::Display for ShotRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShotRef::Position(p) => write!(f, "{p}"),
            ShotRef::Name(n) => write!(f, "'{n}'"),
        }
    }
}

/// A transition into a shot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    /// An xfade name, or "none" (or "cut") for a cut.
    pub name: TransitionChoice,
    /// Overlap with the previous shot in seconds (default 0.5).
    #[serde(default)]
    pub duration_s: Option<f64>,
}

/// What a text item is for; decides its default look and placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleArg {
    /// A line near the bottom.
    Caption,
    /// Free text placed anywhere (default centre).
    Overlay,
    /// The large opening title.
    Title,
    /// The closing call to action.
    EndCard,
}

impl From<RoleArg> for TextRole {
    fn from(r: RoleArg) -> TextRole {
        match r {
            RoleArg::Caption => TextRole::Caption,
            RoleArg::Overlay => TextRole::Overlay,
            RoleArg::Title => TextRole::Title,
            RoleArg::EndCard => TextRole::EndCard,
        }
    }
}

/// One exact change. Ops apply in order, all or nothing, and make one new revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum EditOp {
    /// Add an uploaded picture or clip as a new shot (at a 1-based position; default last).
    AddShot {
        /// Id of media already in the session (from upload_media or get_timeline).
        #[serde(default)]
        media_id: Option<String>,
        /// A file path or URL to add (uploaded on the way), or the name of a session file.
        #[serde(default)]
        file: Option<String>,
        /// 1-based position of the new shot.
        #[serde(default)]
        at: Option<u32>,
    },
    /// Remove a shot; later shots move up and text on it goes with it.
    RemoveShot {
        /// Shot id, 1-based position or file name.
        shot: ShotRef,
    },
    /// Move a shot to a 1-based position.
    MoveShot {
        /// Shot id, 1-based position or file name.
        shot: ShotRef,
        /// Its new 1-based position.
        to: u32,
    },
    /// Change one shot: length, trims, motion, focus, transition in, clip volume.
    SetShot {
        /// Shot id, 1-based position or file name.
        shot: ShotRef,
        /// How long the shot stays on screen, in seconds; the video's length changes with it.
        #[serde(default)]
        duration_s: Option<f64>,
        /// Clips: seconds cut from the start of the source.
        #[serde(default)]
        trim_start_s: Option<f64>,
        /// Clips: seconds cut from the end of the source.
        #[serde(default)]
        trim_end_s: Option<f64>,
        /// Ken Burns move for a picture.
        #[serde(default)]
        motion: Option<Motion>,
        /// The subject's position in the picture (0–1), kept in frame.
        #[serde(default)]
        focus: Option<Focus>,
        /// Transition into this shot from the one before.
        #[serde(default)]
        transition: Option<TransitionSpec>,
        /// Clips: volume of the clip's own sound, 0–2 (1 = as recorded).
        #[serde(default)]
        volume: Option<f32>,
    },
    /// Add text on a shot (for its whole length) or between start_s and end_s.
    AddText {
        /// The words, in any script.
        text: String,
        /// The shot to show it on (id, position or file name).
        #[serde(default)]
        shot: Option<ShotRef>,
        /// Start in seconds from the beginning of the video (with end_s, instead of shot).
        #[serde(default)]
        start_s: Option<f64>,
        /// End in seconds.
        #[serde(default)]
        end_s: Option<f64>,
        /// caption (default), overlay, title or end_card.
        #[serde(default)]
        role: Option<RoleArg>,
        /// How it looks.
        #[serde(default)]
        style: Option<TextStyle>,
    },
    /// Change a text item's words, timing or style (style fields merge with what is set).
    SetText {
        /// The text's id (from get_timeline), e.g. "title", "cap-2", "end".
        id: String,
        /// New words.
        #[serde(default)]
        text: Option<String>,
        /// New start in seconds.
        #[serde(default)]
        start_s: Option<f64>,
        /// New end in seconds.
        #[serde(default)]
        end_s: Option<f64>,
        /// Style fields to change.
        #[serde(default)]
        style: Option<TextStyle>,
    },
    /// Remove a text item.
    RemoveText {
        /// The text's id.
        id: String,
    },
    /// Restyle every text of a role (e.g. all captions bigger and yellow).
    SetStyle {
        /// caption, overlay, title or end_card.
        role: RoleArg,
        /// Style fields to change.
        style: TextStyle,
    },
    /// Put a picture (a PNG logo or badge, transparency kept) over the video.
    AddOverlay {
        /// Id of an uploaded picture.
        #[serde(default)]
        media_id: Option<String>,
        /// A file path or URL (uploaded on the way), or the name of a session file.
        #[serde(default)]
        file: Option<String>,
        /// Where its centre sits: a named place (e.g. top_right) or {x, y} in 0–1.
        position: Position,
        /// Width as a fraction of the frame's width (default 0.2).
        #[serde(default)]
        size: Option<f64>,
        /// 0–1 (default 1).
        #[serde(default)]
        opacity: Option<f64>,
        /// Start in seconds (default 0).
        #[serde(default)]
        start_s: Option<f64>,
        /// End in seconds (default the end of the video).
        #[serde(default)]
        end_s: Option<f64>,
    },
    /// Remove an overlay.
    RemoveOverlay {
        /// The overlay's id.
        id: String,
    },
    /// Use an uploaded track or a generated mood as the music.
    SetMusic {
        /// Id of an uploaded audio file.
        #[serde(default)]
        media_id: Option<String>,
        /// A file path or URL (uploaded on the way), or the name of a session file.
        #[serde(default)]
        file: Option<String>,
        /// A generated bed in this mood.
        #[serde(default)]
        mood: Option<Mood>,
        /// 0–1 (default: the current music's volume, else 0.35).
        #[serde(default)]
        volume: Option<f32>,
        /// Fade-in seconds.
        #[serde(default)]
        fade_in_s: Option<f64>,
        /// Fade-out seconds.
        #[serde(default)]
        fade_out_s: Option<f64>,
    },
    /// Remove the music.
    RemoveMusic {},
    /// Whole video: length (shots retimed in proportion, text moves with its shots), shape,
    /// resolution.
    SetVideo {
        /// New length in seconds.
        #[serde(default)]
        duration_s: Option<f64>,
        /// Frame shape.
        #[serde(default)]
        aspect: Option<Aspect>,
        /// Output resolution.
        #[serde(default)]
        resolution: Option<Resolution>,
    },
    /// Narration read by an offline voice (text, default the script) or an uploaded recording;
    /// off: true removes it. Captions then follow the spoken words.
    SetVoiceover {
        /// Words to speak (default: the script).
        #[serde(default)]
        text: Option<String>,
        /// Voice id, or "female"/"male".
        #[serde(default)]
        voice: Option<String>,
        /// Relative speed (1.2 = 20 % faster).
        #[serde(default)]
        speed: Option<f32>,
        /// Words per minute.
        #[serde(default)]
        words_per_minute: Option<f32>,
        /// Uploaded audio to use as the narration.
        #[serde(default)]
        media_id: Option<String>,
        /// A file path or URL (uploaded on the way) to use as the narration.
        #[serde(default)]
        file: Option<String>,
        /// Remove the voice-over.
        #[serde(default)]
        off: Option<bool>,
    },
    /// How captions show the words.
    SetCaptions {
        /// karaoke, word, line or off.
        style: crate::timeline::CaptionStyle,
    },
    /// Snap cuts to the music's beats (without narration).
    SetBeatSync {
        /// On or off.
        on: bool,
    },
    /// Go back to the revision before the current one.
    Undo {},
    /// Go forward again after an undo.
    Redo {},
    /// Make an earlier revision current again.
    Revert {
        /// The revision number (from get_timeline).
        revision: u64,
    },
}

impl EditOp {
    /// The op's tag, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            EditOp::AddShot { .. } => "add_shot",
            EditOp::RemoveShot { .. } => "remove_shot",
            EditOp::MoveShot { .. } => "move_shot",
            EditOp::SetShot { .. } => "set_shot",
            EditOp::AddText { .. } => "add_text",
            EditOp::SetText { .. } => "set_text",
            EditOp::RemoveText { .. } => "remove_text",
            EditOp::SetStyle { .. } => "set_style",
            EditOp::AddOverlay { .. } => "add_overlay",
            EditOp::RemoveOverlay { .. } => "remove_overlay",
            EditOp::SetMusic { .. } => "set_music",
            EditOp::RemoveMusic {} => "remove_music",
            EditOp::SetVideo { .. } => "set_video",
            EditOp::SetVoiceover { .. } => "set_voiceover",
            EditOp::SetCaptions { .. } => "set_captions",
            EditOp::SetBeatSync { .. } => "set_beat_sync",
            EditOp::Undo {} => "undo",
            EditOp::Redo {} => "redo",
            EditOp::Revert { .. } => "revert",
        }
    }

    /// A set_shot op for `shot` that changes nothing yet: callers fill in what they set.
    pub fn set_shot(shot: ShotRef) -> EditOp {
        EditOp::SetShot {
            shot,
            duration_s: None,
            trim_start_s: None,
            trim_end_s: None,
            motion: None,
            focus: None,
            transition: None,
            volume: None,
        }
    }

    /// Undo, redo and revert move through history instead of changing the timeline.
    pub fn is_history(&self) -> bool {
        matches!(
            self,
            EditOp::Undo {} | EditOp::Redo {} | EditOp::Revert { .. }
        )
    }

    /// Name the uploaded media for this op's file: once a path or URL is uploaded, the op
    /// refers to what the upload made of it (its content id), not to a name to look up again.
    pub fn bind_file(&mut self, id: &str) {
        match self {
            EditOp::AddShot { file, media_id, .. }
            | EditOp::AddOverlay { file, media_id, .. }
            | EditOp::SetMusic { file, media_id, .. }
            | EditOp::SetVoiceover { file, media_id, .. } => {
                *file = None;
                *media_id = Some(id.to_string());
            }
            _ => {}
        }
    }

    /// A file this op names that may need uploading first.
    pub fn file(&self) -> Option<&str> {
        match self {
            EditOp::AddShot { file, .. }
            | EditOp::AddOverlay { file, .. }
            | EditOp::SetMusic { file, .. }
            | EditOp::SetVoiceover { file, .. } => file.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ops_read_as_agents_write_them() {
        let ops: Vec<EditOp> = serde_json::from_value(json!([
            {"op": "set_shot", "shot": 2, "duration_s": 5},
            {"op": "move_shot", "shot": "chelsea.png", "to": 1},
            {"op": "set_style", "role": "caption", "style": {"size": "large"}},
            {"op": "add_overlay", "file": "/tmp/sale.png", "position": "top_right"},
            {"op": "set_video", "aspect": "9:16"},
            {"op": "undo"}
        ]))
        .unwrap();
        assert_eq!(ops.len(), 6);
        assert!(
            matches!(&ops[0], EditOp::SetShot { shot: ShotRef::Position(2), duration_s: Some(d), .. } if *d == 5.0)
        );
        assert!(ops[5].is_history());
        let bad =
            serde_json::from_value::<EditOp>(json!({"op": "set_shot", "shot": 1, "colour": 1}));
        assert!(bad.is_err());
        let unknown = serde_json::from_value::<EditOp>(json!({"op": "explode"}));
        assert!(unknown.is_err());
    }

    #[test]
    fn vocab_fields_are_typed_and_a_cut_is_spelled_none_or_cut() {
        use crate::timeline::TransitionKind;
        let ops: Vec<EditOp> = serde_json::from_value(json!([
            {"op": "set_shot", "shot": 2, "transition": {"name": "none"}},
            {"op": "set_shot", "shot": 2, "transition": {"name": "cut"}},
            {"op": "set_shot", "shot": 2, "transition": {"name": "slideup", "duration_s": 0.4}},
            {"op": "set_music", "mood": "lofi"},
            {"op": "set_video", "aspect": "4:5", "resolution": "4k"}
        ]))
        .unwrap();
        let name = |op: &EditOp| match op {
            EditOp::SetShot {
                transition: Some(t),
                ..
            } => t.name.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(name(&ops[0]), TransitionChoice::Cut);
        assert_eq!(name(&ops[1]), TransitionChoice::Cut);
        assert_eq!(
            name(&ops[2]),
            TransitionChoice::Kind(TransitionKind::SlideUp)
        );
        assert!(matches!(
            ops[3],
            EditOp::SetMusic {
                mood: Some(Mood::Lofi),
                ..
            }
        ));
        assert!(matches!(
            ops[4],
            EditOp::SetVideo {
                aspect: Some(Aspect::Vertical4x5),
                resolution: Some(Resolution::P2160),
                ..
            }
        ));
        // Written back as agents write them.
        assert_eq!(
            serde_json::to_value(&ops[1]).unwrap()["transition"]["name"],
            "none"
        );
        assert_eq!(serde_json::to_value(&ops[4]).unwrap()["aspect"], "4:5");
        let bad = serde_json::from_value::<EditOp>(json!({"op": "set_music", "mood": "polka"}));
        assert!(bad.unwrap_err().to_string().contains("upbeat"));
    }

    #[test]
    fn the_schema_lists_the_allowed_values() {
        let schema = serde_json::to_value(schemars::schema_for!(EditOp)).unwrap();
        let defs = &schema["$defs"];
        assert_eq!(
            defs["Aspect"]["enum"],
            json!(["16:9", "9:16", "1:1", "4:5"])
        );
        assert_eq!(defs["Resolution"]["enum"], json!(["720p", "1080p", "4k"]));
        let transitions = defs["TransitionChoice"]["enum"].as_array().unwrap();
        assert!(transitions.contains(&json!("none")) && transitions.contains(&json!("hlslice")));
        let moods = serde_json::to_string(&defs["Mood"]).unwrap();
        assert!(moods.contains("\"corporate\""), "{moods}");
    }

    #[test]
    fn the_schema_names_every_op() {
        let schema = serde_json::to_string(&schemars::schema_for!(EditOp)).unwrap();
        for op in [
            "add_shot",
            "set_text",
            "add_overlay",
            "set_music",
            "set_video",
            "revert",
        ] {
            assert!(schema.contains(op), "{op} missing");
        }
    }
}
