//! The recipe: the few decisions that define an edit — decided from a brief, read back from a
//! timeline, changed by edits — and ([`build`]) how they become a timeline.

mod build;
mod length;

use super::brief::{Brief, DirectorError, Options, transition_of};
use super::format::{Aspect, Resolution, frame_size};
use super::intent::{Edit, Intent, ShotRef};
use super::script::{is_call_to_action, split_sentences};
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::{
    Mood, TT_TEXT, TT_VIDEO, TextRole, Timeline, TransitionChoice, TransitionKind,
};

/// Frame rate of every output: what all the platforms take.
const FPS: u32 = 30;
/// Music level relative to clips' own sound (the seed's "BGM at 35%").
const MUSIC_VOLUME: f32 = 0.35;
/// Quietest "quieter" goes: below this the music is inaudible, and "remove the music" says that.
const MIN_MUSIC_VOLUME: f32 = 0.05;

/// Where the music comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Music {
    /// Synthesised offline in a mood.
    Generated {
        /// Its mood.
        mood: Mood,
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
    pub transition: Option<TransitionKind>,
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
    /// The voice-over as asked, if any.
    pub voiceover: Option<crate::timeline::VoiceoverSettings>,
    /// How captions show the words, when set.
    pub caption_style: Option<crate::timeline::CaptionStyle>,
    /// Whether cuts snap to the beat, when set.
    pub beat_sync: Option<bool>,
}

impl Recipe {
    /// Decide everything for a first cut: options first, then the prompt, then defaults.
    /// Decisions worth saying go to the returned list; values changed from what was asked to
    /// `notes`.
    pub fn from_brief(
        brief: &Brief,
        intent: &Intent,
        notes: &mut Vec<String>,
    ) -> Result<(Recipe, Vec<String>), DirectorError> {
        let mut changes = Vec::new();
        let visuals: Vec<&MediaInfo> = brief
            .media
            .iter()
            .filter(|m| m.kind != MediaKind::Audio)
            .collect();
        // An uploaded recording the prompt makes the voice-over is not the music.
        let recording = match &intent.narration.recording {
            Some(r) => Some(
                super::intent::narration::pick_recording(r, brief.media, None)
                    .map_err(DirectorError::Impossible)?,
            ),
            None => None,
        };
        let audio = brief
            .media
            .iter()
            .find(|m| m.kind == MediaKind::Audio && Some(&m.id) != recording.map(|r| &r.id));
        let o = brief.options;

        let duration_ms = length::first_cut(o, intent, &visuals, &mut changes, notes)?;
        let aspect = o.aspect.or(intent.aspect).unwrap_or(Aspect::Landscape);
        let resolution = o
            .resolution
            .or(intent.resolution)
            .unwrap_or(Resolution::P1080);
        let transition = match o.transition.as_ref().or(intent.transition.as_ref()) {
            Some(t) => transition_of(t)?,
            None => Some(TransitionKind::Fade),
        };
        let wants_music = o.music.or(intent.music);
        let music = match (wants_music, audio) {
            (Some(false), _) => None,
            (_, Some(a)) => Some(Music::Track {
                media_id: a.id.clone(),
            }),
            (Some(true), None) => Some(Music::Generated {
                mood: intent.mood.unwrap_or_default(),
            }),
            (None, None) => {
                let silent = visuals.iter().all(|m| !m.has_audio);
                if silent {
                    changes.push("Added an upbeat music bed, since the pictures have no sound (say \"no music\" to remove it)".into());
                    Some(Music::Generated {
                        mood: intent.mood.unwrap_or_default(),
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
            voiceover: None,
            caption_style: intent.narration.captions,
            beat_sync: intent.narration.beat_sync,
        };
        let mut recipe = recipe;
        if intent.narration.voiceover == Some(true) {
            let asked = o
                .duration_s
                .map(|s| (s * 1000.0).round() as u64)
                .or(intent.duration_ms);
            recipe.voiceover = Some(crate::timeline::VoiceoverSettings {
                voice: intent.narration.voice.clone(),
                speed: intent.narration.speed,
                media_id: recording.map(|r| r.id.clone()),
                fit_ms: asked,
                ..Default::default()
            });
            changes.push(match recording {
                Some(r) => {
                    // The music is the first other audio (see `audio` above).
                    let which = match audio.map(|m| m.file_name.as_str()) {
                        None => String::new(),
                        Some(o) => format!(
                            " ({o} is the music; say \"use {o} as the voice-over\" if it is the other way round)"
                        ),
                    };
                    format!(
                        "Your recording {} is the voice-over; captions follow its words{which}",
                        r.file_name
                    )
                }
                None => "A voice reads the script; captions follow its words".into(),
            });
        }
        Ok((recipe, changes))
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
        let aspect = Aspect::ALL
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
        // The shots' transition, else the one recorded for the whole video (kept while no shot
        // shows it: one shot, or shots too short to blend).
        let transition = tl
            .segments(TT_VIDEO)
            .iter()
            .find_map(|s| s.transition.as_ref().map(|t| t.kind.clone()))
            .or_else(|| {
                tl.meta
                    .transition
                    .as_ref()
                    .and_then(TransitionChoice::kind)
                    .cloned()
            });
        let bgm = tl.music().first();
        let music = bgm.and_then(|s| match (&s.generated, &s.media_id) {
            (Some(mood), _) => Some(Music::Generated { mood: *mood }),
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
            // Captions made from the narration's words are the narration's, not script lines.
            .filter(|s| {
                !s.id
                    .starts_with(crate::timeline::narration::VOICE_CAPTION_PREFIX)
            })
            .filter_map(|s| s.text.clone())
            .collect();
        let stored = tl.meta.caption_lines.clone();
        let voiced = tl.voiceover().is_some()
            && tl.meta.captions != Some(crate::timeline::CaptionStyle::Off);
        Recipe {
            shots,
            duration_ms: tl.duration_ms,
            aspect,
            resolution,
            transition,
            music,
            music_volume: bgm.and_then(|s| s.volume).unwrap_or(MUSIC_VOLUME),
            title: by_role(TextRole::Title),
            captions: !shown.is_empty() || stored.is_empty() || voiced,
            caption_lines: if shown.is_empty() { stored } else { shown },
            end_card: by_role(TextRole::EndCard),
            voiceover: tl.meta.voiceover.clone(),
            caption_style: tl.meta.captions,
            beat_sync: tl.meta.beat_sync,
        }
    }

    /// Apply one edit; returns what changed, in words.
    /// Values changed from what was asked go to `notes`.
    pub fn apply(
        &mut self,
        e: &Edit,
        media: &[MediaInfo],
        notes: &mut Vec<String>,
    ) -> Result<String, DirectorError> {
        Ok(match e {
            Edit::Duration(ms) => {
                let ms = length::clamp(*ms, notes);
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
            Edit::Transition(choice) => {
                let kind = transition_of(choice)?;
                let name = |k: &Option<TransitionKind>| {
                    k.as_ref().map_or("cuts".to_string(), ToString::to_string)
                };
                let note = format!("Transitions {} → {}", name(&self.transition), name(&kind));
                self.transition = kind;
                note
            }
            Edit::Music(false) => {
                self.music = None;
                "Removed the music".into()
            }
            Edit::Music(true) => {
                if self.music.is_none() {
                    self.music = Some(Music::Generated { mood: Mood::Upbeat });
                    "Added an upbeat music bed".into()
                } else {
                    "Music was already on".into()
                }
            }
            Edit::Mood(m) => {
                self.music = Some(Music::Generated { mood: *m });
                format!("Music is now a generated '{m}' bed")
            }
            Edit::MusicVolume(asked) => {
                let v = asked.clamp(0.0, 1.0);
                if v < *asked {
                    notes.push(format!(
                        "Music at {:.0}% was asked for, but 100% is the loudest, so it is 100%",
                        asked * 100.0
                    ));
                }
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
                let asked = self.music_volume * f;
                let v = asked.clamp(MIN_MUSIC_VOLUME, 1.0);
                if v != asked {
                    notes.push(format!(
                        "The music cannot go {} than {:.0}%, so it stays at {:.0}%",
                        if *f > 1.0 { "louder" } else { "quieter" },
                        v * 100.0,
                        v * 100.0
                    ));
                }
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
                use crate::timeline::CaptionStyle;
                match (on, self.caption_style) {
                    (true, Some(CaptionStyle::Off)) => self.caption_style = None,
                    (false, _) => self.caption_style = Some(CaptionStyle::Off),
                    _ => {}
                }
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
    pub fn apply_options(
        &mut self,
        o: &Options,
        notes: &mut Vec<String>,
    ) -> Result<Vec<String>, DirectorError> {
        let mut edits = Vec::new();
        if let Some(s) = o.duration_s {
            edits.push(Edit::Duration(length::secs_option(s)?));
        }
        if let Some(a) = o.aspect {
            edits.push(Edit::Aspect(a));
        }
        if let Some(r) = o.resolution {
            edits.push(Edit::Resolution(r));
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
        edits.iter().map(|e| self.apply(e, &[], notes)).collect()
    }
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
