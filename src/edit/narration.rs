//! Narration ops (set_voiceover, set_captions, set_beat_sync) and settling a timeline on its
//! narration: the spoken take placed as the voice-over, shots changing between sentences, the
//! video's length following the voice, and captions made from the spoken words.
//!
//! Ops only record what is asked (in the timeline's metadata). Speaking is done by the backend
//! before the ops are applied (it needs the voice engine); the takes it made reach [`settle`]
//! through the [`Library`], and a take already on the timeline is reused while its settings
//! are unchanged. Everything here is pure, so it is cheap to test.

use super::common::{EditError, Err, Library, MIN_SHOT_MS, track_of};
use super::layout;
use crate::timeline::narration::{VOICE_CAPTION_PREFIX, VOICE_TRACK, VOICEOVER_ID, join_lines};
use crate::timeline::{
    CaptionStyle, Segment, TT_AUDIO, TT_TEXT, TT_VIDEO, TextRole, Timeline, VoiceoverSettings,
    Word, secs,
};

/// Silence before the voice starts (the title and the music open the video).
pub const LEAD_MS: u64 = 1200;
/// Music after the voice ends (at least; the end card stays for its whole length).
pub const TAIL_MS: u64 = 1500;
/// A shot changed inside a sentence is avoided unless shots would be shorter than this.
const GOOD_SHOT_MS: u64 = 1500;

pub use super::captions::join_words;
pub use super::common::Take;

/// The fields of a set_voiceover op.
pub(super) struct VoiceChange<'a> {
    pub(super) text: Option<&'a str>,
    pub(super) voice: Option<&'a str>,
    pub(super) speed: Option<f32>,
    pub(super) words_per_minute: Option<f32>,
    pub(super) media_id: Option<&'a str>,
    pub(super) file: Option<&'a str>,
    pub(super) off: bool,
}

/// Ask for a voice-over (or change or remove it); fields not given keep their current value.
pub(super) fn set_voiceover(
    tl: &mut Timeline,
    lib: &Library,
    err: Err,
    c: VoiceChange,
) -> Result<String, EditError> {
    if c.off {
        return Ok(match tl.meta.voiceover.take() {
            Some(_) => "removed the voice-over".into(),
            None => "there was no voice-over".into(),
        });
    }
    let mut s = tl.meta.voiceover.clone().unwrap_or_default();
    if let Some(t) = c.text {
        if t.trim().is_empty() {
            return Err(err("text", "is empty; give the words to speak".into()));
        }
        s.text = Some(t.trim().to_string());
    }
    if let Some(v) = c.voice {
        s.voice = Some(v.trim().to_string()).filter(|v| !v.is_empty());
    }
    if let Some(x) = c.speed {
        if !(0.5..=2.0).contains(&x) {
            return Err(err("speed", format!("{x} is out of range; give 0.5 to 2")));
        }
        s.speed = Some(x);
        s.words_per_minute = None;
    }
    if let Some(w) = c.words_per_minute {
        if !(60.0..=300.0).contains(&w) {
            return Err(err(
                "words_per_minute",
                format!("{w} is out of range; give 60 to 300"),
            ));
        }
        s.words_per_minute = Some(w);
        s.speed = None;
    }
    if c.media_id.is_some() || c.file.is_some() {
        let m = lib
            .find(c.media_id, c.file)
            .map_err(|e| err(if c.file.is_some() { "file" } else { "media_id" }, e))?;
        if !m.has_audio {
            return Err(err(
                "media_id",
                format!("{} has no sound to use as narration", m.file_name),
            ));
        }
        s.media_id = Some(m.id.clone());
    }
    // A recording cannot be both the voice and the music under it.
    let was_music = s.media_id.is_some()
        && tl.music().first().and_then(|m| m.media_id.as_ref()) == s.media_id.as_ref();
    if was_music {
        super::music::remove_music(tl, err)?;
    }
    if s.media_id.is_none() && crate::voice::script_words(&s.script(tl)).is_empty() {
        return Err(err(
            "text",
            "there is no script to read; give the words in text".into(),
        ));
    }
    let what = match &s.media_id {
        Some(id) => format!(
            "the recording {}",
            lib.by_id(id).map_or(id.as_str(), |m| m.file_name.as_str())
        ),
        None => format!(
            "{} reading \"{}\"",
            s.voice.as_deref().unwrap_or("the best installed voice"),
            ellipsis(&s.script(tl), 50)
        ),
    };
    let pace = match (s.speed, s.words_per_minute) {
        (Some(x), _) => format!(" at {:.0}% speed", x * 100.0),
        (_, Some(w)) => format!(" at {w:.0} words a minute"),
        _ => String::new(),
    };
    tl.meta.voiceover = Some(s);
    let music = match was_music {
        true => {
            " (it was the music; the video has no music now — ask for music to add a generated bed)"
        }
        false => "",
    };
    Ok(format!("voice-over: {what}{pace}{music}"))
}

/// How captions show the words.
pub(super) fn set_captions(tl: &mut Timeline, style: CaptionStyle) -> Result<String, EditError> {
    tl.meta.captions = Some(style);
    let voiced = tl.meta.voiceover.is_some();
    Ok(match style {
        CaptionStyle::Off => "captions off".into(),
        CaptionStyle::Line if !voiced => "captions: a line at a time".into(),
        _ if !voiced => format!(
            "captions: {} (they follow the words once there is a voice-over; until then they show a line at a time)",
            style.as_str()
        ),
        CaptionStyle::Karaoke => "captions: karaoke, the spoken word highlighted".into(),
        CaptionStyle::Word => "captions: a few words at a time, big and centred".into(),
        CaptionStyle::Line => "captions: a phrase at a time, timed to the voice".into(),
    })
}

/// Snap cuts to the music's beats, or not.
pub(super) fn set_beat_sync(tl: &mut Timeline, on: bool) -> Result<String, EditError> {
    tl.meta.beat_sync = Some(on);
    Ok(if on {
        if tl.meta.voiceover.is_some() {
            "cuts snap to the beat when there is no voice-over (shots change between sentences while there is one)".into()
        } else {
            "cuts snap to the beat".into()
        }
    } else if super::beat_sync::unsnap(tl) {
        "cuts no longer snap to the beat: the shots have their lengths from before".into()
    } else {
        "cuts no longer snap to the beat (the cuts stay where they are)".into()
    })
}

/// Bring the timeline in line with its narration settings: place the take (from `lib`, or the
/// one already on the timeline when its settings are unchanged), or remove a voice-over that is
/// no longer asked for; captions follow. Returns notes for the person.
pub fn settle(tl: &mut Timeline, lib: &Library) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(settings) = tl.meta.voiceover.clone() else {
        if tl.voiceover().is_some() {
            remove_voice(tl);
        }
        script_captions(tl);
        return notes;
    };
    let key = settings.key(tl);
    let current = tl
        .voiceover()
        .and_then(|s| {
            let take = s.voice.clone()?;
            Some(Take {
                media_id: s.media_id.clone()?,
                duration_ms: s.duration_ms,
                take,
            })
        })
        .filter(|t| t.take.key == key);
    let take = current.or_else(|| lib.takes.iter().find(|t| t.take.key == key).cloned());
    let Some(take) = take else {
        remove_voice(tl);
        script_captions(tl);
        if let Some(why) = lib.voice_missing {
            notes.push(why.to_string());
        }
        return notes;
    };
    place(tl, &take, &settings, &mut notes);
    notes
}

fn remove_voice(tl: &mut Timeline) {
    tl.tracks
        .retain(|t| !(t.tt == TT_AUDIO && t.id == VOICE_TRACK));
    if let Some(t) = tl.track_mut(TT_TEXT) {
        t.segments
            .retain(|s| !s.id.starts_with(VOICE_CAPTION_PREFIX));
    }
}

/// Without narration: the script's lines as captions spread between the title and the end card
/// (as the director lays them out), unless captions are off or already there.
fn script_captions(tl: &mut Timeline) {
    let text = tl.segments(TT_TEXT);
    let off = tl.meta.captions == Some(CaptionStyle::Off);
    if off {
        if let Some(t) = tl.track_mut(TT_TEXT) {
            t.segments
                .retain(|s| s.role != Some(TextRole::Caption) || s.id.starts_with("txt-"));
        }
        return;
    }
    let has = text
        .iter()
        .any(|s| s.role == Some(TextRole::Caption) && s.id.starts_with("cap-"));
    if has || tl.meta.caption_lines.is_empty() {
        return;
    }
    let title_end = text
        .iter()
        .find(|s| s.role == Some(TextRole::Title))
        .map_or(0, Segment::end_ms);
    let end_start = text
        .iter()
        .find(|s| s.role == Some(TextRole::EndCard))
        .map_or(tl.duration_ms, |s| s.start_ms);
    if end_start <= title_end {
        return;
    }
    let n = tl.meta.caption_lines.len() as u64;
    let slot = (end_start - title_end) / n;
    let gap = (slot / 10).min(300);
    let lines = tl.meta.caption_lines.clone();
    let track = track_of(tl, TT_TEXT, "text");
    for (i, line) in lines.iter().enumerate() {
        let st = title_end + slot * i as u64 + if i == 0 { 0 } else { gap / 2 };
        let end = title_end + slot * (i as u64 + 1) - gap / 2;
        track.segments.push(Segment {
            id: format!("cap-{}", i + 1),
            start_ms: st,
            duration_ms: end - st,
            text: Some(line.clone()),
            role: Some(TextRole::Caption),
            ..Default::default()
        });
    }
    track.segments.sort_by_key(|s| s.start_ms);
}

/// Place `take` as the voice-over: the video's length, the shots and the captions follow it.
fn place(tl: &mut Timeline, take: &Take, settings: &VoiceoverSettings, notes: &mut Vec<String>) {
    let end_card = tl
        .segments(TT_TEXT)
        .iter()
        .find(|s| s.role == Some(TextRole::EndCard))
        .map_or(0, |s| s.duration_ms);
    let needed = LEAD_MS + take.duration_ms + TAIL_MS.max(end_card.min(3000));
    let total = match settings.fit_ms {
        Some(asked) if asked >= needed => asked,
        Some(asked) => {
            notes.push(format!(
                "the narration needs {} with its lead-in and end card, so the video is {} instead of the {} asked",
                secs(needed),
                secs(needed),
                secs(asked)
            ));
            needed
        }
        None => needed,
    };
    // The voice segment.
    tl.tracks
        .retain(|t| !(t.tt == TT_AUDIO && t.id == VOICE_TRACK));
    tl.tracks.push(crate::timeline::Track {
        id: VOICE_TRACK.into(),
        tt: TT_AUDIO,
        segments: vec![Segment {
            id: VOICEOVER_ID.into(),
            start_ms: LEAD_MS,
            duration_ms: take.duration_ms,
            media_id: Some(take.media_id.clone()),
            volume: Some(1.0),
            voice: Some(take.take.clone()),
            ..Default::default()
        }],
        extra: Default::default(),
    });
    pace_shots(tl, &take.take.words, total, notes);
    super::captions::voice_captions(tl, &take.take.words, LEAD_MS);
}

/// Boundaries between sentences (and, failing those, phrases and words) in the video's clock,
/// each with a cost: a cut between sentences is free, inside one is not.
fn boundaries(words: &[Word]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for w in words.windows(2) {
        let at = LEAD_MS + (w[0].end_ms + w[1].start_ms) / 2;
        let t = w[0]
            .text
            .trim_end_matches(['"', '\'', ')', '”', '’', '」', '』', '》', '）']);
        let cost = if t.ends_with(['.', '!', '?', '…', '。', '！', '？']) {
            0
        } else if t.ends_with([',', ';', ':', '，', '；', '：', '、', '—']) {
            2000
        } else {
            5000
        };
        out.push((at, cost));
    }
    out
}

/// Lay the shots so each change falls between sentences, as near an even spread as it can.
fn pace_shots(tl: &mut Timeline, words: &[Word], total: u64, notes: &mut Vec<String>) {
    let n = tl.segments(TT_VIDEO).len();
    if n == 0 {
        return;
    }
    let candidates = boundaries(words);
    let cuts = choose_cuts(&candidates, n, total);
    let inside = cuts.iter().filter(|(_, c)| *c > 0).count();
    let cuts: Vec<u64> = cuts.iter().map(|(t, _)| *t).collect();
    if n > 1 && inside > 0 {
        notes.push(format!(
            "{inside} of {} shot changes fall inside a sentence: there are more shots than sentences to change on",
            n - 1
        ));
    }
    let overlaps: Vec<u64> = tl
        .segments(TT_VIDEO)
        .iter()
        .map(|s| s.transition.as_ref().map_or(0, |t| t.duration_ms))
        .collect();
    // Shot i runs from its transition's start to the end of the next one; a transition's middle
    // is the cut.
    let mut edges = vec![0u64];
    edges.extend(cuts.iter().copied());
    edges.push(total);
    let track = tl.track_mut(TT_VIDEO).expect("shots");
    for (i, seg) in track.segments.iter_mut().enumerate() {
        let o_in = if i == 0 { 0 } else { overlaps[i] };
        let o_out = overlaps.get(i + 1).copied().unwrap_or(0);
        let start = edges[i].saturating_sub(o_in / 2);
        let end = if i + 1 == n {
            total
        } else {
            edges[i + 1] + o_out - o_out / 2
        };
        seg.duration_ms = end.saturating_sub(start).max(MIN_SHOT_MS);
    }
    layout::relayout_shots(tl);
}

/// The n−1 cut times from the candidate boundaries (time, cost), as near `k·total/n` as their
/// costs allow, in order, no shot shorter than it must be; even times when there are too few.
fn choose_cuts(cands: &[(u64, u64)], n: usize, total: u64) -> Vec<(u64, u64)> {
    if n <= 1 {
        return Vec::new();
    }
    let min_shot = GOOD_SHOT_MS.min(total / n as u64).max(MIN_SHOT_MS);
    let target = |k: usize| total * k as u64 / n as u64;
    let usable: Vec<(u64, u64)> = cands
        .iter()
        .copied()
        .filter(|(t, _)| *t >= min_shot && *t + min_shot <= total)
        .collect();
    let m = usable.len();
    if m < n - 1 {
        return (1..n).map(|k| (target(k), 1)).collect();
    }
    // dp[k][j]: best cost with cut k (1-based) at candidate j.
    const INF: u64 = u64::MAX / 4;
    let cost = |k: usize, j: usize| usable[j].0.abs_diff(target(k)) + usable[j].1;
    let mut dp = vec![vec![INF; m]; n];
    let mut from = vec![vec![usize::MAX; m]; n];
    for (j, d) in dp[1].iter_mut().enumerate() {
        *d = cost(1, j);
    }
    for k in 2..n {
        for j in 0..m {
            for i in 0..j {
                if dp[k - 1][i] >= INF || usable[j].0 < usable[i].0 + min_shot {
                    continue;
                }
                let c = dp[k - 1][i] + cost(k, j);
                if c < dp[k][j] {
                    dp[k][j] = c;
                    from[k][j] = i;
                }
            }
        }
    }
    let last = (0..m)
        .min_by_key(|&j| dp[n - 1][j])
        .filter(|&j| dp[n - 1][j] < INF);
    let Some(mut j) = last else {
        return (1..n).map(|k| (target(k), 1)).collect();
    };
    let mut out = vec![usable[j]];
    for k in (2..n).rev() {
        j = from[k][j];
        out.push(usable[j]);
    }
    out.reverse();
    out
}

fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{}…", head.trim_end())
}

/// The script the narration reads, given its lines (for callers without a timeline).
pub fn script_of(lines: &[String]) -> String {
    join_lines(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(spec: &[(&str, u64, u64)]) -> Vec<Word> {
        spec.iter()
            .map(|(t, s, e)| Word {
                text: t.to_string(),
                start_ms: *s,
                end_ms: *e,
            })
            .collect()
    }

    #[test]
    fn cuts_fall_between_sentences() {
        let w = words(&[
            ("One", 0, 300),
            ("two.", 300, 700),
            ("Three", 1200, 1500),
            ("four,", 1500, 1900),
            ("five", 2000, 2300),
            ("six.", 2300, 2800),
            ("Seven", 3300, 3600),
            ("eight.", 3600, 4000),
        ]);
        let c = choose_cuts(&boundaries(&w), 3, 6700);
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|(_, cost)| *cost == 0), "{c:?}");
        assert_eq!(c[0].0, LEAD_MS + 950);
        assert_eq!(c[1].0, LEAD_MS + 3050);
    }
}
