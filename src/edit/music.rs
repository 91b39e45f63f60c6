//! Music ops: an uploaded track or a generated mood under the whole video, or none.

use super::common::{DEFAULT_MUSIC_VOLUME, EditError, Err, Library, seconds};
use crate::timeline::{Mood, Segment, TT_AUDIO, Timeline, secs};

/// The fields of a set_music op.
pub(super) struct MusicChange<'a> {
    pub(super) media_id: Option<&'a str>,
    pub(super) file: Option<&'a str>,
    pub(super) mood: Option<Mood>,
    pub(super) volume: Option<f32>,
    pub(super) fade_in_s: Option<f64>,
    pub(super) fade_out_s: Option<f64>,
}

/// Use a track or a mood as the music; volume and fades default to the current music's.
pub(super) fn set_music(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    c: MusicChange,
) -> Result<String, EditError> {
    let MusicChange {
        media_id,
        file,
        mood,
        volume,
        fade_in_s,
        fade_out_s,
    } = c;
    let current = tl.music().first().cloned();
    let (media, generated, what) = match (media_id.is_some() || file.is_some(), mood) {
        (true, None) => {
            let m = lib
                .find(media_id, file)
                .map_err(|e| err(if file.is_some() { "file" } else { "media_id" }, e))?;
            if !m.has_audio {
                return Err(err(
                    "media_id",
                    format!("{} has no sound to use as music", m.file_name),
                ));
            }
            (Some(m.id.clone()), None, m.file_name.clone())
        }
        (false, Some(mood)) => (None, Some(mood), format!("a generated {mood} bed")),
        (false, None) => match &current {
            Some(c) => (c.media_id.clone(), c.generated, "the current music".into()),
            None => {
                return Err(err(
                    "mood",
                    "there is no music yet; give media_id, file or mood".into(),
                ));
            }
        },
        (true, Some(_)) => {
            return Err(err(
                "mood",
                "give a track (media_id or file) or a mood, not both".into(),
            ));
        }
    };
    let volume = volume
        .or(current.as_ref().and_then(|c| c.volume))
        .unwrap_or(DEFAULT_MUSIC_VOLUME);
    if !(0.0..=1.0).contains(&volume) {
        return Err(err(
            "volume",
            format!("{volume} is out of range; give 0 to 1"),
        ));
    }
    let total = tl.duration_ms;
    let fade =
        |v: Option<f64>, field: &str, default: Option<u64>| -> Result<Option<u64>, EditError> {
            match v {
                Some(s) => {
                    let ms = seconds(s).map_err(|e| err(field, e))?;
                    if ms > total / 2 {
                        return Err(err(
                            field,
                            format!(
                                "{} is longer than half the video ({})",
                                secs(ms),
                                secs(total / 2)
                            ),
                        ));
                    }
                    Ok(Some(ms))
                }
                None => Ok(default),
            }
        };
    let fade_in = fade(
        fade_in_s,
        "fade_in_s",
        current
            .as_ref()
            .and_then(|c| c.fade_in_ms)
            .or(Some(500.min(total / 4))),
    )?;
    let fade_out = fade(
        fade_out_s,
        "fade_out_s",
        current
            .as_ref()
            .and_then(|c| c.fade_out_ms)
            .or(Some(1000.min(total / 4))),
    )?;
    if tl.music_track().is_none() {
        // The music track goes under the voice-over's.
        tl.tracks.push(crate::timeline::Track {
            id: "music".into(),
            tt: TT_AUDIO,
            segments: Vec::new(),
            extra: Default::default(),
        });
    }
    let track = tl.music_track_mut().expect("just added");
    track.segments = vec![Segment {
        id: "bgm".into(),
        start_ms: 0,
        duration_ms: total,
        media_id: media,
        generated,
        volume: Some(volume),
        fade_in_ms: fade_in,
        fade_out_ms: fade_out,
        ..Default::default()
    }];
    Ok(format!("music: {what} at {:.0}%", volume * 100.0))
}

/// Remove the music.
pub(super) fn remove_music(tl: &mut Timeline, err: Err) -> Result<String, EditError> {
    let had = tl.music().len();
    if had == 0 {
        return Err(err("op", "the video has no music".into()));
    }
    tl.tracks
        .retain(|t| t.tt != TT_AUDIO || t.id == crate::timeline::narration::VOICE_TRACK);
    Ok("removed the music".into())
}
