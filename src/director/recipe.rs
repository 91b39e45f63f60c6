//! The recipe: the few decisions that define an edit, and how they become a timeline.

use super::intent::{Aspect, Edit, Intent, Resolution, ShotRef, frame_size};
use super::pace::pace;
use super::script::{is_call_to_action, split_sentences};
use super::{Brief, DirectorError, Options};
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::{
    Meta, Motion, Segment, TRANSITIONS, TT_AUDIO, TT_TEXT, TT_VIDEO, TextRole, Timeline, Track,
    Transition, is_known_transition,
};
use serde_json::{Map, Value, json};

/// Frame rate of every output: what all the platforms take.
const FPS: u32 = 30;
/// Title length on screen, in ms.
const TITLE_MS: u64 = 3000;
/// End card length on screen, in ms.
const END_CARD_MS: u64 = 3000;
/// Shortest shot we will cut to, in ms.
const MIN_SHOT_MS: u64 = 600;
/// Music level relative to clips' own sound (the seed's "BGM at 35%").
const MUSIC_VOLUME: f32 = 0.35;
/// A clip's own sound when music plays over it.
const CLIP_VOLUME_UNDER_MUSIC: f32 = 0.3;

/// Where the music comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Music {
    /// Synthesised offline in a mood.
    Generated {
        /// Mood word ("upbeat", "calm", …).
        mood: String,
    },
    /// A supplied audio file.
    Track {
        /// Its media id.
        media_id: String,
    },
}

/// The decisions that define an edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// Media ids of the shots, in order.
    pub shots: Vec<String>,
    /// Target length in ms.
    pub duration_ms: u64,
    /// Frame shape.
    pub aspect: Aspect,
    /// Output resolution.
    pub resolution: Resolution,
    /// Transition between shots; None for hard cuts.
    pub transition: Option<String>,
    /// Music, if any.
    pub music: Option<Music>,
    /// Music level, 0–1.
    pub music_volume: f32,
    /// Title over the opening.
    pub title: Option<String>,
    /// Script lines shown as captions (kept even while captions are off).
    pub caption_lines: Vec<String>,
    /// Whether captions are shown.
    pub captions: bool,
    /// Closing call to action.
    pub end_card: Option<String>,
}

impl Recipe {
    /// Decide everything for a first cut: options first, then the prompt, then defaults.
    pub fn from_brief(
        brief: &Brief,
        intent: &Intent,
    ) -> Result<(Recipe, Vec<String>), DirectorError> {
        let mut notes = Vec::new();
        let visuals: Vec<&MediaInfo> = brief
            .media
            .iter()
            .filter(|m| m.kind != MediaKind::Audio)
            .collect();
        let audio = brief.media.iter().find(|m| m.kind == MediaKind::Audio);
        let o = brief.options;

        let duration_ms = match (o.duration_s, intent.duration_ms, intent.per_shot_ms) {
            (Some(s), _, _) => secs_option(s)?,
            (None, Some(ms), _) => ms.clamp(1000, 600_000),
            (None, None, Some(each)) => {
                let d = each
                    .saturating_mul(visuals.len() as u64)
                    .clamp(1000, 600_000);
                notes.push(format!(
                    "Length {} ({} per shot × {} shots)",
                    crate::timeline::secs(d),
                    crate::timeline::secs(each),
                    visuals.len()
                ));
                d
            }
            (None, None, None) => {
                let natural: u64 = visuals
                    .iter()
                    .map(|m| {
                        if m.kind == MediaKind::Video {
                            m.duration_ms.clamp(2000, 8000)
                        } else {
                            3000
                        }
                    })
                    .sum();
                let d = natural.clamp(6000, 60_000);
                notes.push(format!(
                    "Length {} (no length was asked for; about 3 s per picture)",
                    crate::timeline::secs(d)
                ));
                d
            }
        };
        let aspect = match &o.aspect {
            Some(a) => parse_aspect(a)?,
            None => intent.aspect.unwrap_or(Aspect::Landscape),
        };
        let resolution = match &o.resolution {
            Some(r) => parse_resolution(r)?,
            None => intent.resolution.unwrap_or(Resolution::P1080),
        };
        let transition = match &o.transition {
            Some(t) => parse_transition(t)?,
            None => match intent.transition.as_deref() {
                Some(t) => parse_transition(t)?,
                None => Some("fade".into()),
            },
        };
        let wants_music = o.music.or(intent.music);
        let music = match (wants_music, audio) {
            (Some(false), _) => None,
            (_, Some(a)) => Some(Music::Track {
                media_id: a.id.clone(),
            }),
            (Some(true), None) => Some(Music::Generated {
                mood: intent.mood.clone().unwrap_or_else(|| "upbeat".into()),
            }),
            (None, None) => {
                let silent = visuals.iter().all(|m| !m.has_audio);
                if silent {
                    notes.push("Added an upbeat music bed, since the pictures have no sound (say \"no music\" to remove it)".into());
                    Some(Music::Generated {
                        mood: intent.mood.clone().unwrap_or_else(|| "upbeat".into()),
                    })
                } else {
                    None
                }
            }
        };

        let mut lines = brief.script.map(split_sentences).unwrap_or_default();
        let title = match (&o.title, &intent.title) {
            (Some(t), _) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
            (None, Some(t)) => Some(t.clone()),
            (None, None) if lines.len() >= 2 => {
                // A title reads without the full stop its script sentence had.
                let first = lines.remove(0);
                Some(first.trim_end_matches(['.', '。']).to_string())
            }
            _ => None,
        };
        let end_card = if lines.len() >= 2 || lines.last().is_some_and(|l| is_call_to_action(l)) {
            lines.pop()
        } else {
            None
        };
        let captions = o.captions.or(intent.captions).unwrap_or(true);

        let recipe = Recipe {
            shots: visuals.iter().map(|m| m.id.clone()).collect(),
            duration_ms,
            aspect,
            resolution,
            transition,
            music,
            music_volume: MUSIC_VOLUME,
            title,
            caption_lines: lines,
            captions,
            end_card,
        };
        Ok((recipe, notes))
    }

    /// Read the recipe back out of a timeline this module built (or one shaped like it).
    pub fn from_timeline(tl: &Timeline, media: &[MediaInfo]) -> Recipe {
        let known = |id: &String| media.iter().any(|m| &m.id == id);
        let shots: Vec<String> = tl
            .segments(TT_VIDEO)
            .iter()
            .filter_map(|s| s.media_id.clone())
            .filter(known)
            .collect();
        let (w, h) = (tl.meta.width.max(1), tl.meta.height.max(1));
        let ratio = w as f64 / h as f64;
        let aspect = [
            Aspect::Landscape,
            Aspect::Portrait,
            Aspect::Square,
            Aspect::Vertical4x5,
        ]
        .into_iter()
        .min_by(|a, b| {
            let r = |x: Aspect| {
                let (p, q) = x.ratio();
                (p as f64 / q as f64 - ratio).abs()
            };
            r(*a).total_cmp(&r(*b))
        })
        .unwrap_or(Aspect::Landscape);
        let short = w.min(h);
        let resolution = if short >= 1800 {
            Resolution::P2160
        } else if short >= 900 {
            Resolution::P1080
        } else {
            Resolution::P720
        };
        let transition = tl
            .segments(TT_VIDEO)
            .iter()
            .find_map(|s| s.transition.as_ref().map(|t| t.kind.clone()));
        let transition = if tl.segments(TT_VIDEO).len() > 1 && transition.is_none() {
            tl.meta
                .extra
                .get("transition")
                .and_then(Value::as_str)
                .map(str::to_string)
                .filter(|t| t != "none")
        } else {
            transition.or_else(|| {
                tl.meta
                    .extra
                    .get("transition")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
        };
        let bgm = tl.segments(TT_AUDIO).first();
        let music = bgm.and_then(|s| match (&s.generated, &s.media_id) {
            (Some(mood), _) => Some(Music::Generated { mood: mood.clone() }),
            (None, Some(id)) => Some(Music::Track {
                media_id: id.clone(),
            }),
            _ => None,
        });
        let text = tl.segments(TT_TEXT);
        let by_role = |r: TextRole| {
            text.iter()
                .find(|s| s.role == Some(r))
                .and_then(|s| s.text.clone())
        };
        let shown: Vec<String> = text
            .iter()
            .filter(|s| s.role == Some(TextRole::Caption))
            .filter_map(|s| s.text.clone())
            .collect();
        let stored: Vec<String> = tl
            .meta
            .extra
            .get("caption_lines")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        Recipe {
            shots,
            duration_ms: tl.duration_ms,
            aspect,
            resolution,
            transition,
            music,
            music_volume: bgm.and_then(|s| s.volume).unwrap_or(MUSIC_VOLUME),
            title: by_role(TextRole::Title),
            captions: !shown.is_empty() || stored.is_empty(),
            caption_lines: if shown.is_empty() { stored } else { shown },
            end_card: by_role(TextRole::EndCard),
        }
    }

    /// Apply one edit; returns what changed, in words.
    pub fn apply(&mut self, e: &Edit, media: &[MediaInfo]) -> Result<String, DirectorError> {
        Ok(match e {
            Edit::Duration(ms) => {
                let ms = (*ms).clamp(1000, 600_000);
                let note = format!(
                    "Length {} → {}",
                    crate::timeline::secs(self.duration_ms),
                    crate::timeline::secs(ms)
                );
                self.duration_ms = ms;
                note
            }
            Edit::Title(t) => {
                let note = format!("Title '{}' → '{t}'", self.title.as_deref().unwrap_or(""));
                self.title = Some(t.clone());
                note
            }
            Edit::RemoveTitle => {
                self.title = None;
                "Removed the title".into()
            }
            Edit::Transition(kind) => {
                let kind = parse_transition(kind)?;
                let note = format!(
                    "Transitions {} → {}",
                    self.transition.as_deref().unwrap_or("cuts"),
                    kind.as_deref().unwrap_or("cuts")
                );
                self.transition = kind;
                note
            }
            Edit::Music(false) => {
                self.music = None;
                "Removed the music".into()
            }
            Edit::Music(true) => {
                if self.music.is_none() {
                    self.music = Some(Music::Generated {
                        mood: "upbeat".into(),
                    });
                    "Added an upbeat music bed".into()
                } else {
                    "Music was already on".into()
                }
            }
            Edit::Mood(m) => {
                self.music = Some(Music::Generated { mood: m.clone() });
                format!("Music is now a generated '{m}' bed")
            }
            Edit::MusicVolume(v) => {
                let v = v.clamp(0.0, 1.0);
                let note = format!(
                    "Music level {:.0}% → {:.0}%",
                    self.music_volume * 100.0,
                    v * 100.0
                );
                self.music_volume = v;
                note
            }
            Edit::MusicVolumeBy(f) => {
                if self.music.is_none() {
                    return Err(DirectorError::Impossible(
                        "there is no music to make louder or quieter; say \"add music\" first"
                            .into(),
                    ));
                }
                let v = (self.music_volume * f).clamp(0.05, 1.0);
                let note = format!(
                    "Music level {:.0}% → {:.0}%",
                    self.music_volume * 100.0,
                    v * 100.0
                );
                self.music_volume = v;
                note
            }
            Edit::Aspect(a) => {
                let (w0, h0) = frame_size(self.aspect, self.resolution);
                let (w1, h1) = frame_size(*a, self.resolution);
                self.aspect = *a;
                format!("Frame {w0}x{h0} → {w1}x{h1} ({})", a.as_str())
            }
            Edit::Resolution(r) => {
                let (w1, h1) = frame_size(self.aspect, *r);
                self.resolution = *r;
                format!("Resolution {} ({w1}x{h1})", r.as_str())
            }
            Edit::Captions(on) => {
                self.captions = *on;
                if *on {
                    "Captions on".into()
                } else {
                    "Captions off".into()
                }
            }
            Edit::MoveShot { from, to } => {
                let n = self.shots.len();
                let f = resolve(*from, n)?;
                let t = resolve(*to, n)?;
                let id = self.shots.remove(f);
                self.shots.insert(t.min(self.shots.len()), id.clone());
                format!(
                    "Moved {} from shot {} to shot {}",
                    name_of(&id, media),
                    f + 1,
                    t + 1
                )
            }
            Edit::RemoveShot(r) => {
                let i = resolve(*r, self.shots.len())?;
                if self.shots.len() == 1 {
                    return Err(DirectorError::Impossible(
                        "that is the only shot; a video needs at least one".into(),
                    ));
                }
                let id = self.shots.remove(i);
                format!("Removed shot {} ({})", i + 1, name_of(&id, media))
            }
            Edit::EndCard(t) => {
                self.end_card = Some(t.clone());
                format!("End card '{t}'")
            }
        })
    }

    /// Apply structured options to an existing recipe; returns the changes made.
    pub fn apply_options(&mut self, o: &Options) -> Result<Vec<String>, DirectorError> {
        let mut edits = Vec::new();
        if let Some(s) = o.duration_s {
            edits.push(Edit::Duration(secs_option(s)?));
        }
        if let Some(a) = &o.aspect {
            edits.push(Edit::Aspect(parse_aspect(a)?));
        }
        if let Some(r) = &o.resolution {
            edits.push(Edit::Resolution(parse_resolution(r)?));
        }
        if let Some(t) = &o.transition {
            edits.push(Edit::Transition(t.clone()));
        }
        match o.title.as_deref().map(str::trim) {
            Some("") => edits.push(Edit::RemoveTitle),
            Some(t) => edits.push(Edit::Title(t.to_string())),
            None => {}
        }
        if let Some(m) = o.music {
            edits.push(Edit::Music(m));
        }
        if let Some(c) = o.captions {
            edits.push(Edit::Captions(c));
        }
        edits.iter().map(|e| self.apply(e, &[])).collect()
    }

    /// Lay the recipe out as a timeline.
    pub fn build(&self, media: &[MediaInfo]) -> Result<Timeline, DirectorError> {
        let find = |id: &String| media.iter().find(|m| &m.id == id);
        let shots: Vec<&MediaInfo> = self.shots.iter().filter_map(find).collect();
        if shots.is_empty() {
            return Err(DirectorError::NoVisuals);
        }
        let (width, height) = frame_size(self.aspect, self.resolution);
        let total = ms_to_frames(self.duration_ms);
        let min_total = shots.len() as u64 * ms_to_frames(MIN_SHOT_MS);
        if total < min_total {
            return Err(DirectorError::Impossible(format!(
                "{} shots need at least {} ({:.1} s each); ask for a longer video or use fewer pictures",
                shots.len(),
                crate::timeline::secs(frames_to_ms(min_total)),
                MIN_SHOT_MS as f64 / 1000.0
            )));
        }
        let caps: Vec<Option<u64>> = shots
            .iter()
            .map(|m| (m.kind == MediaKind::Video).then(|| ms_to_frames(m.duration_ms).max(1)))
            .collect();
        let (frames, trans) = pace(total, &caps, FPS, self.transition.is_some());

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
                    kind: self.transition.clone().unwrap_or_else(|| "fade".into()),
                    duration_ms: frames_to_ms(trans),
                }),
                volume,
                ..Default::default()
            });
            start = st + f;
        }
        let duration_ms = frames_to_ms(total);

        let mut text = Vec::new();
        let first_end = video[0].end_ms();
        let title_end = if let Some(t) = &self.title {
            let end = TITLE_MS
                .min(duration_ms * 2 / 5)
                .max(first_end.min(TITLE_MS));
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

        let mut tracks = vec![Track {
            id: "video".into(),
            tt: TT_VIDEO,
            segments: video,
            extra: Map::new(),
        }];
        if let Some(music) = &self.music {
            let (generated, media_id) = match music {
                Music::Generated { mood } => (Some(mood.clone()), None),
                Music::Track { media_id } => (None, Some(media_id.clone())),
            };
            tracks.push(Track {
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
            });
        }
        if !text.is_empty() {
            tracks.push(Track {
                id: "text".into(),
                tt: TT_TEXT,
                segments: text,
                extra: Map::new(),
            });
        }
        let mut extra = Map::new();
        extra.insert("aspect".into(), json!(self.aspect.as_str()));
        extra.insert(
            "transition".into(),
            json!(self.transition.as_deref().unwrap_or("none")),
        );
        if !self.caption_lines.is_empty() {
            extra.insert("caption_lines".into(), json!(self.caption_lines));
        }
        Ok(Timeline {
            tracks,
            duration_ms,
            meta: Meta {
                title: self.title.clone(),
                width,
                height,
                fps: FPS,
                extra,
            },
            rev: 0,
            extra: Map::new(),
        })
    }
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
    crate::render::graph::ms_to_frames(ms, FPS)
}

fn frames_to_ms(f: u64) -> u64 {
    (f * 1000 + FPS as u64 / 2) / FPS as u64
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

fn name_of(id: &str, media: &[MediaInfo]) -> String {
    media
        .iter()
        .find(|m| m.id == id)
        .map(|m| m.file_name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn resolve(r: ShotRef, n: usize) -> Result<usize, DirectorError> {
    match r {
        ShotRef::First if n > 0 => Ok(0),
        ShotRef::Last if n > 0 => Ok(n - 1),
        ShotRef::Nth(k) if k >= 1 && k <= n => Ok(k - 1),
        _ => Err(DirectorError::Impossible(format!(
            "there is no such shot; the video has {n} shot{}",
            if n == 1 { "" } else { "s" }
        ))),
    }
}

fn secs_option(s: f64) -> Result<u64, DirectorError> {
    if !(1.0..=600.0).contains(&s) {
        return Err(DirectorError::BadOption {
            field: "duration_s",
            value: s.to_string(),
            accepted: "a length from 1 to 600 seconds".into(),
        });
    }
    Ok((s * 1000.0).round() as u64)
}

fn parse_aspect(a: &str) -> Result<Aspect, DirectorError> {
    Aspect::parse(a).ok_or_else(|| DirectorError::BadOption {
        field: "aspect",
        value: a.into(),
        accepted: "16:9, 9:16, 1:1, 4:5, landscape, portrait, vertical or square".into(),
    })
}

fn parse_resolution(r: &str) -> Result<Resolution, DirectorError> {
    Resolution::parse(r).ok_or_else(|| DirectorError::BadOption {
        field: "resolution",
        value: r.into(),
        accepted: "720p, 1080p or 4k".into(),
    })
}

/// A transition name (or a word for one) → its xfade name; "none"/"cut" → hard cuts.
fn parse_transition(t: &str) -> Result<Option<String>, DirectorError> {
    let t = t.trim().to_lowercase();
    if matches!(t.as_str(), "none" | "cut" | "cuts" | "hard cut") {
        return Ok(None);
    }
    if is_known_transition(&t) {
        return Ok(Some(t));
    }
    if let Some(k) = super::intent::parse_intent(&format!("{t} transition")).transition
        && is_known_transition(&k)
    {
        return Ok(Some(k));
    }
    Err(DirectorError::BadOption {
        field: "transition",
        value: t,
        accepted: format!(
            "none, or one of {}",
            TRANSITIONS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}
