//! Caption files: the video's captions as SubRip (.srt) and WebVTT (.vtt), written beside the
//! MP4 when an export asks for them, from the same caption segments the video draws.

use crate::timeline::{TT_TEXT, TextRole, Timeline};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One caption: when it shows and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// Start (ms on the video's clock).
    pub start_ms: u64,
    /// End (ms).
    pub end_ms: u64,
    /// The words.
    pub text: String,
}

/// The captions of `tl`, in time order.
pub fn cues(tl: &Timeline) -> Vec<Cue> {
    let mut c: Vec<Cue> = tl
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.role == Some(TextRole::Caption))
        .filter_map(|s| {
            Some(Cue {
                start_ms: s.start_ms,
                end_ms: s.end_ms().min(tl.duration_ms),
                text: s.text.clone()?.trim().to_string(),
            })
        })
        .filter(|c| !c.text.is_empty() && c.end_ms > c.start_ms)
        .collect();
    c.sort_by_key(|c| c.start_ms);
    c
}

fn stamp(ms: u64, sep: char) -> String {
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// SubRip text.
pub fn srt(cues: &[Cue]) -> String {
    let mut s = String::new();
    for (i, c) in cues.iter().enumerate() {
        let _ = write!(
            s,
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            stamp(c.start_ms, ','),
            stamp(c.end_ms, ','),
            c.text
        );
    }
    s
}

/// WebVTT text.
pub fn vtt(cues: &[Cue]) -> String {
    let mut s = String::from("WEBVTT\n\n");
    for c in cues {
        let _ = write!(
            s,
            "{} --> {}\n{}\n\n",
            stamp(c.start_ms, '.'),
            stamp(c.end_ms, '.'),
            c.text.replace("-->", "→")
        );
    }
    s
}

/// Write `<mp4 stem>.srt` and `.vtt` beside `mp4`; returns their paths.
pub fn write_beside(tl: &Timeline, mp4: &Path) -> std::io::Result<Vec<PathBuf>> {
    let c = cues(tl);
    let (srt_path, vtt_path) = (mp4.with_extension("srt"), mp4.with_extension("vtt"));
    std::fs::write(&srt_path, srt(&c))?;
    std::fs::write(&vtt_path, vtt(&c))?;
    Ok(vec![srt_path, vtt_path])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srt_and_vtt_stamp_times() {
        let c = [Cue {
            start_ms: 3_723_045,
            end_ms: 3_724_500,
            text: "Hello there.".into(),
        }];
        assert_eq!(
            srt(&c),
            "1\n01:02:03,045 --> 01:02:04,500\nHello there.\n\n"
        );
        assert!(vtt(&c).starts_with("WEBVTT\n\n01:02:03.045 --> 01:02:04.500\nHello"));
    }
}
