//! Narration phrases, in English and Chinese: a voice-over (with a female or male voice, slower
//! or faster), how captions show the words, and cuts on the beat.

use super::re;
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::CaptionStyle;
use regex::Regex;
use std::sync::LazyLock;

/// What a prompt says about narration, captions' style and beat sync.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NarrationAsk {
    /// A voice-over wanted (true) or removed (false).
    pub voiceover: Option<bool>,
    /// "female" or "male".
    pub voice: Option<String>,
    /// Relative speed asked ("slower": 0.85, "faster": 1.15).
    pub speed: Option<f32>,
    /// Caption style.
    pub captions: Option<CaptionStyle>,
    /// Cuts on the beat (true) or not.
    pub beat_sync: Option<bool>,
    /// An uploaded recording to use as the voice-over instead of a synthesized voice.
    pub recording: Option<Recording>,
}

/// Which uploaded recording a prompt makes the voice-over.
#[derive(Debug, Clone, PartialEq)]
pub enum Recording {
    /// "my recording", "我的录音": the session's recording, whichever audio that is.
    Yours,
    /// A file named in the prompt ("use take2.wav as the narration").
    Named(String),
}

impl NarrationAsk {
    /// True when nothing was said.
    pub fn is_empty(&self) -> bool {
        *self == NarrationAsk::default()
    }
}

static VOICE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bvoice[- ]?overs?\b|\bnarrat\w*|\bread (?:out )?(?:the|my) script\b|\bvoice\b|配音|旁白|朗读|解说|女声|男声",
    )
});
static VOICE_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(no|without|remove|drop|delete|turn off|disable|mute)( the| any)? (voice[- ]?overs?|narration|narrator|voice)\b|不要配音|去掉配音|删除配音|关闭配音|不要旁白|去掉旁白",
    )
});
/// A recording of the person's own: "my recording", "the voice memo", "my own voice".
static RECORDING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:my|our|the|this|uploaded) (?:own |uploaded |voice |audio )?(?:recording|recorded (?:voice|audio|narration|track)|voice (?:memo|note|track)|audio (?:file|track)|narration (?:file|track))s?\b|\bmy (?:own )?voice(?:$|[^-o\w])|\b(?:i|we) recorded\b|录音|我录的|我的声音|我自己的声音",
    )
});
/// A file name that says it holds speech ("voiceover.m4a", "narration take 2.wav", "录音.m4a").
static SPOKEN_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"voice|narrat|record|speech|spoken|memo|take|\bvo\b|录音|旁白|配音|解说"));
/// An audio file named in the prompt.
static AUDIO_FILE: LazyLock<Regex> = LazyLock::new(|| re(r"([\w.-]+\.(?:mp3|wav|m4a|aac))\b"));
/// The recording is wanted as music, not as the voice ("use my recording as the music").
static AS_MUSIC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bas (?:the )?(?:background )?(?:music|soundtrack|song)\b|(?:做|当|作为)(?:背景)?音乐|当配乐|做配乐",
    )
});
static FEMALE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(female|woman|woman's|women's|girl|lady)\b|女声|女生|女性|女的"));
static MALE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(male|man|man's|men's|guy)\b|男声|男生|男性|男的"));
static SLOWER: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(slower|slow(?:ly)?|calmer pace)\b|慢一点|慢一些|放慢|慢点|语速慢"));
static FASTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(faster|quicker|speed (?:it )?up)\b|快一点|快一些|加快|快点|语速快"));
static CAPTION: LazyLock<Regex> = LazyLock::new(|| re(r"\b(captions?|subtitles?|subs)\b|字幕"));
static WORD_BY_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bword[- ]by[- ]word\b|\bone word at a time\b|\bfew words at a time\b|\bbig words\b|逐字|一个词一个词|一个字一个字",
    )
});
static KARAOKE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\bkaraoke\b|\bhighlight(?:ed|s|ing)? (?:the |each )?(?:spoken )?words?\b|卡拉ok|高亮")
});
static LINES: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(line by line|a line at a time|one line at a time)\b|逐行|一行一行"));
static CAPTIONS_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(no|without|remove|hide|turn off|disable|drop|delete)( the| any)? (captions?|subtitles?|subs)\b|\b(captions?|subtitles?) off\b|不要字幕|无字幕|去掉字幕|删除字幕|关闭字幕|隐藏字幕|不加字幕",
    )
});
static BEAT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(on|to|with) the (beat|beats|rhythm|music)\b|\bbeat[- ]?(sync|synced|matched)\b|\bmusic video\b|卡点|踩点|跟着节奏|跟着节拍|配合节拍",
    )
});
static BEAT_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(don't|do not|no|stop|without)\b.*\b(beat|beats|rhythm)\b|不要卡点|不卡点|不要踩点")
});

/// The uploaded audio `r` means among `media` (upload order). `music` is the track playing
/// now: "my recording" prefers audio that is not the music, the newest first (said in the
/// result, which names the file). Err says what to do when there is none.
pub fn pick_recording<'a>(
    r: &Recording,
    media: &'a [MediaInfo],
    music: Option<&str>,
) -> Result<&'a MediaInfo, String> {
    let audio: Vec<&MediaInfo> = media
        .iter()
        .filter(|m| m.kind == MediaKind::Audio && m.has_audio)
        .collect();
    let names = || {
        audio
            .iter()
            .map(|m| m.file_name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match r {
        Recording::Named(n) => audio
            .iter()
            .find(|m| m.file_name.eq_ignore_ascii_case(n))
            .copied()
            .ok_or_else(|| match audio.is_empty() {
                true => format!("there is no recording called {n} in this session; upload it with upload_media first"),
                false => format!("there is no recording called {n} in this session; its audio files are {}", names()),
            }),
        // A name that says narration first, then the newest upload; the music last.
        Recording::Yours => audio
            .iter()
            .rev()
            .filter(|m| Some(m.id.as_str()) != music)
            .find(|m| SPOKEN_NAME.is_match(&m.file_name.to_lowercase()))
            .or_else(|| audio.iter().rev().find(|m| Some(m.id.as_str()) != music))
            .or(audio.first())
            .copied()
            .ok_or_else(|| {
                "there is no uploaded recording in this session: upload the audio file with upload_media, then ask again (or send set_voiceover with its media_id)".into()
            }),
    }
}

/// Read narration phrases from a normalised clause or prompt.
pub fn find_narration(p: &str) -> NarrationAsk {
    let mut a = NarrationAsk::default();
    if VOICE_OFF.is_match(p) {
        a.voiceover = Some(false);
    } else if AS_MUSIC.is_match(p) {
        // "use my voice recording as the music" is about the music.
    } else if VOICE.is_match(p) {
        a.voiceover = Some(true);
        if let Some(f) = AUDIO_FILE.captures(p) {
            a.recording = Some(Recording::Named(f[1].to_string()));
        } else if RECORDING.is_match(p) {
            a.recording = Some(Recording::Yours);
        }
        if FEMALE.is_match(p) {
            a.voice = Some("female".into());
        } else if MALE.is_match(p) {
            a.voice = Some("male".into());
        }
        if SLOWER.is_match(p) {
            a.speed = Some(0.85);
        } else if FASTER.is_match(p) {
            a.speed = Some(1.15);
        }
    }
    if CAPTIONS_OFF.is_match(p) {
        a.captions = Some(CaptionStyle::Off);
    } else if CAPTION.is_match(p) || WORD_BY_WORD.is_match(p) || KARAOKE.is_match(p) {
        if KARAOKE.is_match(p) {
            a.captions = Some(CaptionStyle::Karaoke);
        } else if WORD_BY_WORD.is_match(p) {
            a.captions = Some(CaptionStyle::Word);
        } else if LINES.is_match(p) {
            a.captions = Some(CaptionStyle::Line);
        }
    }
    if BEAT_OFF.is_match(p) {
        a.beat_sync = Some(false);
    } else if BEAT.is_match(p) {
        a.beat_sync = Some(true);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::director::normalise;

    fn read(s: &str) -> NarrationAsk {
        find_narration(&normalise(s))
    }

    #[test]
    fn reads_the_issue_phrases() {
        assert_eq!(read("add a voice-over").voiceover, Some(true));
        let zh = read("用女声配音");
        assert_eq!(
            (zh.voiceover, zh.voice.as_deref()),
            (Some(true), Some("female"))
        );
        let slow = read("slower narration");
        assert_eq!((slow.voiceover, slow.speed), (Some(true), Some(0.85)));
        assert_eq!(
            read("captions word by word").captions,
            Some(CaptionStyle::Word)
        );
        assert_eq!(read("no captions").captions, Some(CaptionStyle::Off));
        assert_eq!(read("snap cuts to the beat").beat_sync, Some(true));
        assert_eq!(read("remove the voice-over").voiceover, Some(false));
        assert_eq!(
            read("karaoke captions").captions,
            Some(CaptionStyle::Karaoke)
        );
        assert_eq!(read("逐字字幕").captions, Some(CaptionStyle::Word));
        assert_eq!(read("卡点剪辑").beat_sync, Some(true));
        assert!(read("make it 20 seconds").is_empty());
        assert_eq!(read("add a voice-over").recording, None);
        assert!(read("make the captions bigger").is_empty());
    }

    #[test]
    fn reads_a_recording_as_the_voice_over() {
        let yours = Some(Recording::Yours);
        for p in [
            "use my recording as the voice-over",
            "my voice memo is the narration",
            "narrate it with my own voice",
            "I recorded the voiceover, use it",
            "用我的录音配音",
            "用我录的旁白",
        ] {
            let a = read(p);
            assert_eq!((a.voiceover, &a.recording), (Some(true), &yours), "{p}");
        }
        let named = read("use Take-2.WAV as the narration");
        assert_eq!(named.recording, Some(Recording::Named("take-2.wav".into())));
        // A synthesized voice-over, or a recording wanted as music, is not a recording voice-over.
        for p in [
            "add a voice-over in a female voice",
            "make my voice-over slower",
            "read my script aloud",
        ] {
            assert_eq!(read(p).recording, None, "{p}");
        }
        let music = read("use my voice recording as the background music");
        assert_eq!((music.voiceover, music.recording), (None, None));
    }
}
