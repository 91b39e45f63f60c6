//! Laying a recipe out as a timeline, one track at a time: the video track (shots paced to fill
//! the length exactly, in whole frames), the text track (title, captions, end card) and the music
//! track. Building is deterministic and ids are stable, so an edit keeps the ids it did not touch.

use super::length::{MAX_LENGTH_MS, MIN_SHOT_MS};
use super::{FPS, Music, Recipe};
use crate::director::brief::DirectorError;
use crate::director::format::frame_size;
use crate::director::pace::pace;
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::TransitionChoice;
use crate::timeline::{
    Meta, Motion, Segment, TT_AUDIO, TT_TEXT, TT_VIDEO, TextRole, Timeline, Track, Transition,
    fit_scale, secs,
};
use serde_json::Map;

/// Title length on screen, in ms.
const TITLE_MS: u64 = 3000;
/// End card length on screen, in ms.
const END_CARD_MS: u64 = 3000;
/// A clip's own sound when music plays over it.
const CLIP_VOLUME_UNDER_MUSIC: f32 = 0.3;
/// Enlarging a picture more than this visibly softens it, so the person is told.
const SOFT_ABOVE_SCALE: f64 = 1.25;

impl Recipe {
    /// Lay the recipe out as a timeline. Where the timeline differs from the recipe (a length
    /// too short for the shots, a clip held past its end) or a picture is enlarged enough to look
    /// soft, a line goes to `notes`.
    pub fn build(
        &self,
        media: &[MediaInfo],
        notes: &mut Vec<String>,
    ) -> Result<Timeline, DirectorError> {
        let find = |id: &String| media.iter().find(|m| &m.id == id);
        let shots: Vec<&MediaInfo> = self.shots.iter().filter_map(find).collect();
        if shots.is_empty() {
            return Err(DirectorError::NoVisuals);
        }
        let (width, height) = frame_size(self.aspect, self.resolution);
        let (video, duration_ms) = self.video_track(&shots, notes)?;
        notes.extend(enlarged(&shots, width, height));
        let text = self.text_track(video[0].end_ms(), duration_ms);

        let mut tracks = vec![Track {
            id: "video".into(),
            tt: TT_VIDEO,
            segments: video,
            extra: Map::new(),
        }];
        tracks.extend(self.music_track(duration_ms));
        if !text.is_empty() {
            tracks.push(Track {
                id: "text".into(),
                tt: TT_TEXT,
                segments: text,
                extra: Map::new(),
            });
        }
        Ok(Timeline {
            tracks,
            duration_ms,
            meta: Meta {
                title: self.title.clone(),
                width,
                height,
                fps: FPS,
                aspect: Some(self.aspect),
                transition: Some(TransitionChoice::from_kind(self.transition.clone())),
                caption_lines: self.caption_lines.clone(),
                voiceover: self.voiceover.clone(),
                captions: self.caption_style,
                beat_sync: self.beat_sync,
                unsnapped: Vec::new(),
                extra: Map::new(),
            },
            rev: 0,
            extra: Map::new(),
        })
    }

    /// The shots, paced to fill the length in whole frames; also the length it came to, in ms.
    /// A length too short for every shot to get [`MIN_SHOT_MS`] is lengthened.
    fn video_track(
        &self,
        shots: &[&MediaInfo],
        notes: &mut Vec<String>,
    ) -> Result<(Vec<Segment>, u64), DirectorError> {
        let n = shots.len() as u64;
        let min_total = n * ms_to_frames(MIN_SHOT_MS);
        if min_total > ms_to_frames(MAX_LENGTH_MS) {
            return Err(DirectorError::Impossible(format!(
                "{n} shots need at least {} ({} each), longer than the longest video ({}); use fewer pictures",
                secs(frames_to_ms(min_total)),
                secs(MIN_SHOT_MS),
                secs(MAX_LENGTH_MS)
            )));
        }
        let mut total = ms_to_frames(self.duration_ms);
        if total < min_total {
            total = min_total;
            notes.push(format!(
                "{n} shots need at least {} each, so the video is {} instead of {}",
                secs(MIN_SHOT_MS),
                secs(frames_to_ms(total)),
                secs(self.duration_ms)
            ));
        }
        let caps: Vec<Option<u64>> = shots
            .iter()
            .map(|m| (m.kind == MediaKind::Video).then(|| ms_to_frames(m.duration_ms).max(1)))
            .collect();
        let (frames, trans) = pace(total, &caps, FPS, self.transition.is_some());
        notes.extend(held_clips(shots, &caps, &frames, trans));

        let has_music = self.music.is_some();
        let mut video = Vec::with_capacity(shots.len());
        let mut start = 0u64;
        let mut still_no = 0usize;
        for (i, (m, f)) in shots.iter().zip(&frames).enumerate() {
            let st = if i == 0 { 0 } else { start - trans };
            let motion = (m.kind == MediaKind::Image).then(|| {
                still_no += 1;
                Motion::CYCLE[(still_no - 1) % Motion::CYCLE.len()]
            });
            let volume = (m.kind == MediaKind::Video && m.has_audio).then_some(if has_music {
                CLIP_VOLUME_UNDER_MUSIC
            } else {
                1.0
            });
            video.push(Segment {
                id: unique_id(&video, &format!("shot-{}", short_id(&m.id))),
                start_ms: frames_to_ms(st),
                duration_ms: frames_to_ms(st + f) - frames_to_ms(st),
                media_id: Some(m.id.clone()),
                motion,
                transition: (i > 0 && trans > 0).then(|| Transition {
                    kind: self
                        .transition
                        .clone()
                        .unwrap_or(crate::timeline::TransitionKind::Fade),
                    duration_ms: frames_to_ms(trans),
                }),
                volume,
                ..Default::default()
            });
            start = st + f;
        }
        Ok((video, frames_to_ms(total)))
    }

    /// Title over the opening, end card over the close, captions spread evenly between them.
    fn text_track(&self, first_shot_end: u64, duration_ms: u64) -> Vec<Segment> {
        let mut text = Vec::new();
        let title_end = if let Some(t) = &self.title {
            let end = TITLE_MS
                .min(duration_ms * 2 / 5)
                .max(first_shot_end.min(TITLE_MS));
            text.push(text_seg("title", t, 0, end, TextRole::Title));
            end
        } else {
            0
        };
        let end_start = if let Some(t) = &self.end_card {
            let st = duration_ms
                .saturating_sub(END_CARD_MS.min(duration_ms / 4))
                .max(title_end);
            text.push(text_seg("end", t, st, duration_ms, TextRole::EndCard));
            st
        } else {
            duration_ms
        };
        if self.captions && !self.caption_lines.is_empty() && end_start > title_end {
            let n = self.caption_lines.len() as u64;
            let slot = (end_start - title_end) / n;
            let gap = (slot / 10).min(300);
            for (i, line) in self.caption_lines.iter().enumerate() {
                let st = title_end + slot * i as u64 + if i == 0 { 0 } else { gap / 2 };
                let end = title_end + slot * (i as u64 + 1) - gap / 2;
                text.push(text_seg(
                    &format!("cap-{}", i + 1),
                    line,
                    st,
                    end,
                    TextRole::Caption,
                ));
            }
        }
        text.sort_by_key(|s| s.start_ms);
        text
    }

    /// One music bed under the whole video, faded in and out; None without music.
    fn music_track(&self, duration_ms: u64) -> Option<Track> {
        let (generated, media_id) = match self.music.as_ref()? {
            Music::Generated { mood } => (Some(*mood), None),
            Music::Track { media_id } => (None, Some(media_id.clone())),
        };
        Some(Track {
            id: "music".into(),
            tt: TT_AUDIO,
            segments: vec![Segment {
                id: "bgm".into(),
                start_ms: 0,
                duration_ms,
                media_id,
                generated,
                volume: Some(self.music_volume),
                fade_in_ms: Some(500.min(duration_ms / 4)),
                fade_out_ms: Some(1000.min(duration_ms / 4)),
                ..Default::default()
            }],
            extra: Map::new(),
        })
    }
}

/// Clips whose shot outlasts them: their last frame holds (the renderer pads with it).
fn held_clips(
    shots: &[&MediaInfo],
    caps: &[Option<u64>],
    frames: &[u64],
    trans: u64,
) -> Vec<String> {
    shots
        .iter()
        .zip(caps.iter().zip(frames))
        .filter_map(|(m, (cap, f))| {
            let cap = (*cap)?;
            (*f > cap).then(|| {
                let why = if cap < trans * 2 + 1 {
                    format!(
                        "a shot must outlast its {} transitions",
                        secs(frames_to_ms(trans))
                    )
                } else {
                    "the clips are shorter than the video".to_string()
                };
                format!(
                    "{} is {} long but its shot lasts {} ({why}), so its last frame holds for {}",
                    m.file_name,
                    secs(frames_to_ms(cap)),
                    secs(frames_to_ms(*f)),
                    secs(frames_to_ms(f - cap))
                )
            })
        })
        .collect()
}

/// Pictures enlarged past [`SOFT_ABOVE_SCALE`] to fit the frame, with their factor.
fn enlarged(shots: &[&MediaInfo], width: u32, height: u32) -> Vec<String> {
    let mut seen = Vec::new();
    shots
        .iter()
        .filter(|m| {
            let first = !seen.contains(&&m.id);
            seen.push(&m.id);
            first
        })
        .filter_map(|m| {
            let scale = fit_scale(m.width, m.height, width, height);
            (scale > SOFT_ABOVE_SCALE).then(|| {
                format!(
                    "{} ({}x{}) is enlarged {scale:.1}× to fit the {width}x{height} frame and may look soft; use a larger original or a lower resolution",
                    m.file_name, m.width, m.height
                )
            })
        })
        .collect()
}

fn text_seg(id: &str, text: &str, st: u64, end: u64, role: TextRole) -> Segment {
    Segment {
        id: id.into(),
        start_ms: st,
        duration_ms: end.saturating_sub(st),
        text: Some(text.to_string()),
        role: Some(role),
        ..Default::default()
    }
}

fn ms_to_frames(ms: u64) -> u64 {
    crate::timeline::ms_to_frames(ms, FPS)
}

fn frames_to_ms(f: u64) -> u64 {
    crate::timeline::frames_to_ms(f, FPS)
}

fn short_id(id: &str) -> &str {
    let s = id.strip_prefix("med_").unwrap_or(id);
    &s[..s.len().min(8)]
}

fn unique_id(existing: &[Segment], base: &str) -> String {
    let mut id = base.to_string();
    let mut k = 2;
    while existing.iter().any(|s| s.id == id) {
        id = format!("{base}-{k}");
        k += 1;
    }
    id
}
