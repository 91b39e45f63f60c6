//! Speaking the narration a timeline asks for, when the edit is made: the take (a WAV kept as
//! session media, content-addressed like an upload, with its word times) is handed to the edit
//! layer, which places it; so pacing and caption timing are on the timeline before any render.

use super::LocalBackend;
use crate::edit::narration::Take;
use crate::media::{self, MediaInfo};
use crate::timeline::narration::Word;
use crate::timeline::{Timeline, VoiceTake, VoiceoverSettings};
use crate::voice::{self, Inventory, Pace, Voice};
use tokio_util::sync::CancellationToken;

/// What speaking a timeline's narration gave.
#[derive(Debug, Default)]
pub(super) struct Spoken {
    /// The take, when one was made.
    pub takes: Vec<Take>,
    /// Why none could be made (said in the result).
    pub missing: Option<String>,
    /// The supplied recording cannot narrate this script (its words are not heard in it): an
    /// edit asking for it is refused rather than made without it.
    pub unusable: Option<String>,
    /// How it was made (voice, pace, fitting), for the result.
    pub notes: Vec<String>,
}

/// Why no take was made.
pub(super) struct NoTake {
    why: String,
    /// The input cannot be used (not: something is missing on this machine).
    unusable: bool,
}

impl From<String> for NoTake {
    fn from(why: String) -> NoTake {
        NoTake {
            why,
            unusable: false,
        }
    }
}

/// Fastest the voice is pushed to fit a length that was asked for.
const MAX_FIT_SPEED: f32 = 1.3;

/// The known sex of a voice, from its id (Piper's voice names; the Mandarin voice is the Biaobei
/// female speaker).
fn voice_sex(v: &Voice) -> Option<&'static str> {
    let id = v.id.to_lowercase();
    const FEMALE: [&str; 8] = [
        "baker", "amy", "lessac", "kristin", "kathleen", "ljspeech", "jenny", "alba",
    ];
    const MALE: [&str; 6] = ["joe", "ryan", "john", "bryce", "kusal", "danny"];
    if FEMALE.iter().any(|n| id.contains(n)) {
        Some("female")
    } else if MALE.iter().any(|n| id.contains(n)) {
        Some("male")
    } else {
        None
    }
}

/// How to install voices, said whenever one is missing.
pub(super) const HOW_TO_ADD_A_VOICE: &str = "run scripts/setup (it installs the offline voices: Piper's en_US voice, a Mandarin voice and the word aligner), then ask for the voice-over again";

impl LocalBackend {
    /// Speak `tl`'s narration if it asks for one that is not on it yet.
    pub(super) async fn speak(&self, session: &str, tl: &Timeline) -> Spoken {
        let Some(settings) = tl.meta.voiceover.clone() else {
            return Spoken::default();
        };
        let key = settings.key(tl);
        if tl
            .voiceover()
            .and_then(|s| s.voice.as_ref())
            .is_some_and(|t| t.key == key)
        {
            return Spoken::default();
        }
        match self.make_take(session, tl, &settings, &key).await {
            Ok((take, notes)) => Spoken {
                takes: vec![take],
                notes,
                ..Default::default()
            },
            Err(NoTake { why, unusable }) => Spoken {
                takes: Vec::new(),
                missing: Some(format!("The video was made without a voice-over: {why}")),
                unusable: unusable.then_some(why),
                notes: Vec::new(),
            },
        }
    }

    async fn make_take(
        &self,
        session: &str,
        tl: &Timeline,
        s: &VoiceoverSettings,
        key: &str,
    ) -> Result<(Take, Vec<String>), NoTake> {
        let tools = self.tools().map_err(|e| e.to_string())?.clone();
        let inv = Inventory::discover();
        let cancel = CancellationToken::new();
        let script = s.script(tl);
        let chinese = script.chars().any(voice::is_cjk_char);
        let lang = if chinese { "zh" } else { "en" };
        let mut notes = Vec::new();

        if let Some(id) = &s.media_id {
            // A supplied recording: time the script's words in it.
            let media = self.store.media(session).map_err(|e| e.to_string())?;
            let m = media
                .iter()
                .find(|m| &m.id == id)
                .ok_or_else(|| format!("the narration {id} is not in this session"))?;
            let (words, timing) = if voice::script_words(&script).is_empty() {
                (Vec::new(), voice::Timing::Estimated)
            } else {
                voice::align(&m.path, &script, lang, &inv, &tools, &cancel)
                    .await
                    .map_err(|e| match e {
                        voice::VoiceError::Refused(why) => NoTake {
                            why: format!("{why} ({})", m.file_name),
                            unusable: true,
                        },
                        e => format!("{e}; {HOW_TO_ADD_A_VOICE}").into(),
                    })?
            };
            let n = words.len();
            notes.push(format!(
                "The narration is {} ({}); its {n} words are timed by {}",
                m.file_name,
                crate::timeline::secs(m.duration_ms),
                timing_words(timing)
            ));
            return Ok((
                Take {
                    media_id: m.id.clone(),
                    duration_ms: m.duration_ms,
                    take: VoiceTake {
                        key: key.to_string(),
                        voice: "supplied".into(),
                        natural: true,
                        timing: timing_name(timing),
                        words_per_minute: n as f64 / (m.duration_ms.max(1) as f64 / 60_000.0),
                        words: words.into_iter().map(to_word).collect(),
                    },
                },
                notes,
            ));
        }

        let voice = pick_voice(&inv, s.voice.as_deref(), lang, &mut notes).ok_or_else(|| {
            format!(
                "no {} voice is installed; {HOW_TO_ADD_A_VOICE}",
                if chinese { "Chinese" } else { "English" }
            )
        })?;
        if !voice.natural {
            notes.push(format!(
                "The voice {} is robotic (espeak-ng): no natural {} voice is installed",
                voice.id, voice.language
            ));
        }
        let pace = match (s.speed, s.words_per_minute) {
            (Some(x), _) => Pace::Speed(x),
            (_, Some(w)) => Pace::WordsPerMinute(w),
            _ => Pace::Natural,
        };
        let dir = self.ws.media_dir();
        let wav = dir.join(format!(".voice-{key}.wav"));
        let mut n = voice::synthesize(&script, &voice, pace, &wav, &inv, &tools, &cancel)
            .await
            .map_err(|e| e.to_string())?;
        // A length was asked: read faster to fit it (up to a limit), and say so.
        if let Some(fit) = s.fit_ms {
            let room = fit
                .saturating_sub(crate::edit::narration::LEAD_MS + crate::edit::narration::TAIL_MS);
            if room > 0 && n.duration_ms > room {
                let base = match pace {
                    Pace::Speed(x) => x,
                    _ => 1.0,
                };
                let speed = (base * n.duration_ms as f32 / room as f32).min(MAX_FIT_SPEED);
                n = voice::synthesize(
                    &script,
                    &voice,
                    Pace::Speed(speed),
                    &wav,
                    &inv,
                    &tools,
                    &cancel,
                )
                .await
                .map_err(|e| e.to_string())?;
                notes.push(format!(
                    "The narration is read {:.0}% faster ({:.0} words a minute) to fit the {} asked",
                    (speed - 1.0) * 100.0,
                    n.words_per_minute,
                    crate::timeline::secs(fit)
                ));
            } else if n.duration_ms < room {
                notes.push(format!(
                    "The narration takes {} of the {} asked; the shots fill the rest",
                    crate::timeline::secs(n.duration_ms),
                    crate::timeline::secs(fit)
                ));
            }
        }
        let mut info = media::intake(&wav, &tools)
            .await
            .map_err(|e| e.to_string())?;
        media::keep_fetched(&wav, &dir, format!("voiceover-{}.wav", voice.id), &mut info)
            .map_err(|e| e.to_string())?;
        self.store
            .add_media(session, &info)
            .map_err(|e| e.to_string())?;
        notes.push(format!(
            "Voice-over: {} ({}), {} at {:.0} words a minute; word times from {}",
            voice.id,
            if voice.natural { "natural" } else { "robotic" },
            crate::timeline::secs(n.duration_ms),
            n.words_per_minute,
            timing_words(n.timing)
        ));
        Ok((take_of(&info, &n, key), notes))
    }
}

fn take_of(info: &MediaInfo, n: &voice::Narration, key: &str) -> Take {
    Take {
        media_id: info.id.clone(),
        duration_ms: n.duration_ms,
        take: VoiceTake {
            key: key.to_string(),
            voice: n.voice.id.clone(),
            natural: n.voice.natural,
            timing: timing_name(n.timing),
            words_per_minute: n.words_per_minute,
            words: n.words.iter().cloned().map(to_word).collect(),
        },
    }
}

fn to_word(w: voice::WordTiming) -> Word {
    Word {
        text: w.text,
        start_ms: w.start_ms,
        end_ms: w.end_ms,
    }
}

fn timing_name(t: voice::Timing) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn timing_words(t: voice::Timing) -> &'static str {
    match t {
        voice::Timing::Engine => "the voice engine",
        voice::Timing::Aligned => "forced alignment",
        voice::Timing::Estimated => "an estimate over the speech (no aligner for this language)",
    }
}

/// The voice asked for (an id, or "female"/"male" for the language), else the best one.
fn pick_voice(
    inv: &Inventory,
    asked: Option<&str>,
    lang: &str,
    notes: &mut Vec<String>,
) -> Option<Voice> {
    let best = inv.voice_for(lang).cloned();
    match asked {
        None => best,
        Some(id) if inv.voice(id).is_some() => inv.voice(id).cloned(),
        Some(sex @ ("female" | "male")) => {
            let found = inv
                .voices
                .iter()
                .find(|v| v.speaks(lang) && voice_sex(v) == Some(sex))
                .cloned();
            if found.is_none()
                && let Some(b) = &best
            {
                notes.push(format!(
                    "No {sex} {lang} voice is installed; {} reads it",
                    b.id
                ));
            }
            found.or(best)
        }
        Some(other) => {
            if let Some(b) = &best {
                notes.push(format!(
                    "No voice '{other}' is installed ({}); {} reads it",
                    inv.voices
                        .iter()
                        .map(|v| v.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    b.id
                ));
            }
            best
        }
    }
}
