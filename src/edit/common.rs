//! What every op family shares: the limits, the error that names an op and field, the
//! session's media an op may name, and the checks and id-making used by more than one op.

use crate::media::MediaInfo;
use crate::timeline::style::Position;
use crate::timeline::{Segment, Timeline, Track, secs};

/// Shortest shot the renderer draws well.
pub const MIN_SHOT_MS: u64 = 600;
/// Longest video the local engine makes.
pub const MAX_VIDEO_MS: u64 = 600_000;
/// Music volume when nothing says otherwise.
pub(super) const DEFAULT_MUSIC_VOLUME: f32 = 0.35;
/// Transition length when an op names a transition without one.
pub(super) const DEFAULT_TRANSITION_MS: u64 = 500;

/// An op that cannot be applied, named by its index and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("edits[{index}].{field}: {message}")]
pub struct EditError {
    /// Index of the op in the request.
    pub index: usize,
    /// The field at fault (or the op's tag).
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// A narration the backend spoke (or aligned) for a settings key, ready to place.
#[derive(Debug, Clone, PartialEq)]
pub struct Take {
    /// The WAV, as session media.
    pub media_id: String,
    /// Its length.
    pub duration_ms: u64,
    /// The voice, timing and words.
    pub take: crate::timeline::VoiceTake,
}

/// Media an op may name: the session's files.
pub struct Library<'a> {
    /// The session's media.
    pub media: &'a [MediaInfo],
    /// Narrations the backend spoke for this request, by settings key.
    pub takes: &'a [Take],
    /// Why no take could be made (no voice installed…), said when a voice-over is asked for.
    pub voice_missing: Option<&'a str>,
    /// Beat grids of supplied music tracks, by media id, for cuts on the beat.
    pub beats: &'a [(String, crate::beats::BeatGrid)],
    /// The timeline was just paced by the director in this request, so its cuts may move to
    /// the beat (a timeline someone has timed by hand keeps its cuts unless they ask).
    pub fresh_cut: bool,
}

impl<'a> Library<'a> {
    /// The session's media, with no narration takes.
    pub fn of(media: &'a [MediaInfo]) -> Library<'a> {
        Library {
            media,
            takes: &[],
            voice_missing: None,
            beats: &[],
            fresh_cut: false,
        }
    }
}

impl Library<'_> {
    pub(super) fn by_id(&self, id: &str) -> Option<&MediaInfo> {
        self.media.iter().find(|m| m.id == id)
    }

    /// Media named by id, by file name, or by a path/URL that was uploaded.
    pub(super) fn find(
        &self,
        media_id: Option<&str>,
        file: Option<&str>,
    ) -> Result<&MediaInfo, String> {
        match (media_id, file) {
            (Some(id), None) => self
                .by_id(id)
                .ok_or_else(|| format!("no media '{id}' in this session; {}", self.listing())),
            (None, Some(f)) => {
                let name = f.rsplit(['/', '\\']).next().unwrap_or(f);
                let named: Vec<&MediaInfo> = self
                    .media
                    .iter()
                    .filter(|m| m.file_name.eq_ignore_ascii_case(name))
                    .collect();
                match named.as_slice() {
                    [m] => Ok(m),
                    [] => Err(format!("'{f}' is not in this session; {}", self.listing())),
                    many => Err(format!(
                        "{} files in this session are called '{name}'; name one by media_id: {}",
                        many.len(),
                        many.iter()
                            .map(|m| m.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
            (Some(_), Some(_)) => Err("give media_id or file, not both".into()),
            (None, None) => Err("give media_id (from upload_media) or file".into()),
        }
    }

    fn listing(&self) -> String {
        if self.media.is_empty() {
            return "upload files first".into();
        }
        let items: Vec<String> = self
            .media
            .iter()
            .map(|m| format!("{} ({})", m.id, m.file_name))
            .collect();
        format!("the session has {}", items.join(", "))
    }

    pub(super) fn name_of(&self, seg: &Segment) -> String {
        seg.media_id
            .as_deref()
            .and_then(|id| self.by_id(id))
            .map(|m| m.file_name.clone())
            .unwrap_or_else(|| seg.src.clone().unwrap_or_default())
    }
}

/// How an op reports an error in one of its fields.
pub(super) type Err<'a> = &'a dyn Fn(&str, String) -> EditError;

/// The track of type `tt`, added (with this id) if missing.
pub(super) fn track_of<'t>(tl: &'t mut Timeline, tt: u8, id: &str) -> &'t mut Track {
    if tl.track(tt).is_none() {
        tl.tracks.push(Track {
            id: id.into(),
            tt,
            segments: Vec::new(),
            extra: Default::default(),
        });
    }
    tl.track_mut(tt).expect("just added")
}

/// An id not used by any segment: `base`, or with its trailing number raised.
pub(super) fn unique_id(tl: &Timeline, base: &str) -> String {
    let taken = |id: &str| {
        tl.tracks
            .iter()
            .any(|t| t.segments.iter().any(|s| s.id == id))
    };
    if !taken(base) {
        return base.to_string();
    }
    let (stem, n) = match base.rsplit_once('-') {
        Some((s, n)) if n.parse::<u32>().is_ok() => (s.to_string(), n.parse::<u32>().unwrap_or(1)),
        _ => (base.to_string(), 1),
    };
    (n + 1..)
        .map(|k| format!("{stem}-{k}"))
        .find(|id| !taken(id))
        .expect("an unused id")
}

/// Seconds → ms, refusing what is not a plain, finite, non-negative number of seconds.
pub fn seconds(s: f64) -> Result<u64, String> {
    if !s.is_finite() || s < 0.0 {
        return Err(format!("{s} is not a number of seconds; give 0 or more"));
    }
    if s > MAX_VIDEO_MS as f64 / 1000.0 {
        return Err(format!(
            "{s} s is longer than the {} limit",
            secs(MAX_VIDEO_MS)
        ));
    }
    Ok((s * 1000.0).round() as u64)
}

/// Check that a..b is a span inside the video.
pub(super) fn check_span(tl: &Timeline, a: u64, b: u64) -> Result<(), (&'static str, String)> {
    let total = tl.duration_ms;
    if a >= b {
        return Err((
            "end_s",
            format!("{} is not after the start ({})", secs(b), secs(a)),
        ));
    }
    if b > total {
        return Err((
            "end_s",
            format!("{} is past the end of the video ({})", secs(b), secs(total)),
        ));
    }
    Ok(())
}

/// Check that a point is on the frame.
pub(super) fn check_position(p: &Position) -> Result<(), String> {
    if let Position::Point { x, y } = p
        && !((0.0..=1.0).contains(x) && (0.0..=1.0).contains(y))
    {
        return Err(format!(
            "({x}, {y}) is off the frame; x and y go from 0 to 1"
        ));
    }
    Ok(())
}
