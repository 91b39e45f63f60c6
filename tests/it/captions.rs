//! Caption styles as drawn: a narrated video rendered in karaoke and in word style, checked in
//! its frames. Karaoke: at a time inside word k, exactly one word of the caption line sits on
//! the highlight colour, and it is word k (counted from the left among the line's words). Word
//! style: one to three words, centred across, well below the title, much bigger than line style.
//!
//! Frames are read at the middle of words (never at a word's edge) from the rendered MP4, so
//! the check is of the pixels people see. Needs the English voice (scripts/setup).

use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest, ExportRequest};
use reelsmith::director::Options;
use reelsmith::director::{Aspect, Resolution};
use reelsmith::edit::EditOp;
use reelsmith::media::Source;
use reelsmith::timeline::{CaptionStyle, TT_TEXT, TextRole, Timeline};
use std::path::{Path, PathBuf};

const SCRIPT: &str = "Corner Coffee\n\
Fresh coffee every single morning.\n\
Come and meet our friendly team.\n\
Warm bread is baked right here.\n\
See you soon.\n";
const W: u32 = 1280;
const H: u32 = 720;

/// The highlight colour (#FFD60A) after H.264's 4:2:0: strong red and green, little blue.
fn is_highlight(p: &[u8]) -> bool {
    p[0] > 190 && p[1] > 150 && p[2] < 110
}

/// Caption letters: near-white.
fn is_white(p: &[u8]) -> bool {
    p[0] > 200 && p[1] > 200 && p[2] > 200
}

/// Any light pixel (letters and their antialiased edges) on the dark stills and caption box.
fn is_ink(p: &[u8]) -> bool {
    u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2]) > 900
}

/// Render the script narrated with captions in `style` at 720p; the timeline and the MP4.
async fn render(dir: &Path, style: CaptionStyle) -> (Timeline, PathBuf) {
    let inv = reelsmith::voice::Inventory::discover();
    assert!(
        inv.voice_for("en").is_some(),
        "the English voice is not installed in {}; run scripts/setup",
        inv.dir.display()
    );
    // Plain dark stills: white letters and the yellow highlight stand out from any of them.
    let shots: Vec<Source> = (0..3)
        .map(|k| {
            let p = dir.join(format!("s{k}.png"));
            ffmpeg(&[
                "-f",
                "lavfi",
                "-i",
                &format!("color=c=0x1e2a44:s={W}x{H}"),
                "-frames:v",
                "1",
                p.to_str().unwrap(),
            ]);
            Source::Path(p)
        })
        .collect();
    let b = LocalBackend::open(&dir.join("home")).unwrap();
    let made = b
        .create(CreateRequest {
            prompt: "a promo video".into(),
            script: Some(SCRIPT.into()),
            files: shots,
            options: Options {
                resolution: Some(Resolution::P720),
                aspect: Some(Aspect::Landscape),
                music: Some(false),
                ..Default::default()
            },
            edits: vec![
                EditOp::SetVoiceover {
                    text: None,
                    voice: None,
                    speed: None,
                    words_per_minute: None,
                    media_id: None,
                    file: None,
                    off: None,
                },
                EditOp::SetCaptions { style },
            ],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        made.timeline.voiceover().is_some(),
        "no voice-over: {:?}",
        made.notes
    );
    let out = dir.join(format!("{}.mp4", style.as_str()));
    crate::support::speech::export_done(
        &b,
        ExportRequest {
            session_id: made.session_id.clone(),
            output: Some(out.clone()),
            ..Default::default()
        },
    )
    .await;
    (made.timeline, out)
}

/// Runs of columns (first, last) in `cols` (sorted) with gaps of at least `gap` between runs.
fn clusters(cols: &[usize], gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &c in cols {
        match out.last_mut() {
            Some(last) if c < last.1 + gap => last.1 = c,
            _ => out.push((c, c)),
        }
    }
    out
}

/// Columns (sorted, distinct) in rows `rows` where `pick` holds.
fn columns(frame: &[u8], rows: std::ops::Range<usize>, pick: fn(&[u8]) -> bool) -> Vec<usize> {
    let w = W as usize;
    let mut cols: Vec<usize> = rows
        .flat_map(|y| (0..w).filter(move |&x| pick(&frame[(y * w + x) * 3..][..3])))
        .collect();
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// Rows (first, last) where `pick` holds in at least 3 pixels, within `rows`.
fn row_extent(
    frame: &[u8],
    rows: std::ops::Range<usize>,
    pick: fn(&[u8]) -> bool,
) -> Option<(usize, usize)> {
    let w = W as usize;
    let hit: Vec<usize> = rows
        .filter(|&y| {
            frame[y * w * 3..(y + 1) * w * 3]
                .chunks_exact(3)
                .filter(|p| pick(p))
                .count()
                >= 3
        })
        .collect();
    Some((*hit.first()?, *hit.last()?))
}

/// When the title and end card are on screen (ms): caption frames are read outside them.
fn cards(tl: &Timeline) -> Vec<(u64, u64)> {
    tl.segments(TT_TEXT)
        .iter()
        .filter(|s| matches!(s.role, Some(TextRole::Title | TextRole::EndCard)))
        .map(|s| (s.start_ms, s.end_ms()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn karaoke_highlights_the_spoken_word_and_word_style_is_big_and_centred() {
    let dir = tempfile::tempdir().unwrap();

    // Karaoke.
    let (tl, mp4) = render(dir.path(), CaptionStyle::Karaoke).await;
    let caps: Vec<_> = tl
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.role == Some(TextRole::Caption))
        .cloned()
        .collect();
    assert!(caps.len() >= 3, "{}", tl.summary());
    let mut checked = 0;
    let mut line_letters = 0usize;
    for cap in &caps {
        let words = cap
            .words
            .as_ref()
            .expect("karaoke captions carry their words");
        let text = cap.text.as_deref().unwrap();
        assert!(
            !text.contains('\n'),
            "short lines stay on one line: {text:?}"
        );
        for (k, word) in words.iter().enumerate() {
            // The middle of a word long enough to hit, clear of the caption's fades (a caption
            // that takes over from another, or hands over, cuts instead).
            let fades_in = !caps.iter().any(|c| c.end_ms() == cap.start_ms);
            let fades_out = !caps.iter().any(|c| c.start_ms == cap.end_ms());
            if word.end_ms < word.start_ms + 160
                || (fades_in && word.start_ms < cap.start_ms + 350)
                || (fades_out && word.end_ms + 350 > cap.end_ms())
            {
                continue;
            }
            let t = (word.start_ms + word.end_ms) / 2;
            let frame = frame_rgb(&mp4, t as f64 / 1000.0);
            assert_eq!(frame.len(), (W * H * 3) as usize);
            let rows = row_extent(&frame, 0..H as usize, is_highlight)
                .unwrap_or_else(|| panic!("no highlight at {t} ms (word {k} of {text:?})"));
            let band = rows.0..rows.1 + 1;
            let yellow = columns(&frame, band.clone(), is_highlight);
            // One box: a single run of highlighted columns.
            let runs = clusters(&yellow, 3);
            assert_eq!(
                runs.len(),
                1,
                "at {t} ms the highlight is in pieces: {runs:?}"
            );
            // The line's extent: its letters and the highlight.
            let mut ink = columns(&frame, band.clone(), is_ink);
            ink.extend(&yellow);
            let (left, right) = (
                *ink.iter().min().unwrap() as f64,
                *ink.iter().max().unwrap() as f64,
            );
            let lit = ((runs[0].0 + runs[0].1) as f64 / 2.0 - left) / (right - left);
            // Where each word's middle falls along the line, counting characters; the highlight
            // must sit nearest word k's.
            let total = text.chars().count() as f64;
            let mut before = 0usize;
            let middles: Vec<f64> = words
                .iter()
                .map(|w| {
                    let n = w.text.chars().count();
                    let m = (before as f64 + n as f64 / 2.0) / total;
                    before += n + 1;
                    m
                })
                .collect();
            let nearest = (0..words.len())
                .min_by(|&a, &b| {
                    (middles[a] - lit)
                        .abs()
                        .total_cmp(&(middles[b] - lit).abs())
                })
                .unwrap();
            assert_eq!(
                nearest, k,
                "at {t} ms (inside '{}') the highlight sits at {lit:.2} of {text:?}, over '{}' \
                 (word middles {middles:.2?})",
                word.text, words[nearest].text
            );
            // The box spans about one word: not the line, not a sliver.
            let share = (runs[0].1 - runs[0].0) as f64 / (right - left);
            let expect = word.text.chars().count() as f64 / total;
            assert!(
                share > expect * 0.5 && share < expect * 2.0 + 0.05,
                "at {t} ms the highlight covers {share:.2} of the line for '{}'",
                word.text
            );
            if let Some((a, b)) = row_extent(&frame, band.clone(), is_white) {
                line_letters = line_letters.max(b - a + 1);
            }
            checked += 1;
        }
    }
    eprintln!("karaoke: {checked} words checked mid-word");
    assert!(
        checked >= 8,
        "too few words long enough to check: {checked}"
    );

    // Word style.
    let (tl, mp4) = render(dir.path(), CaptionStyle::Word).await;
    let busy = cards(&tl);
    let mut checked = 0;
    let mut word_letters = 0usize;
    for cap in tl
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.role == Some(TextRole::Caption))
    {
        let text = cap.text.as_deref().unwrap();
        let n = text.split_whitespace().count();
        assert!((1..=3).contains(&n), "{text:?}");
        let t = cap.start_ms + cap.duration_ms / 2;
        if cap.duration_ms < 200 || busy.iter().any(|&(a, b)| t + 400 > a && t < b + 400) {
            continue;
        }
        let frame = frame_rgb(&mp4, t as f64 / 1000.0);
        let (top, bottom) = row_extent(&frame, 0..H as usize, is_white)
            .unwrap_or_else(|| panic!("no caption at {t} ms ({text:?})"));
        let cols = columns(&frame, top..bottom + 1, is_white);
        let (left, right) = (cols[0], *cols.last().unwrap());
        let (cx, cy) = (
            (left + right) as f64 / 2.0 / W as f64,
            (top + bottom) as f64 / 2.0 / H as f64,
        );
        assert!((cx - 0.5).abs() < 0.02, "{text:?} centred at x {cx:.3}");
        assert!((0.45..=0.75).contains(&cy), "{text:?} centred at y {cy:.3}");
        // Words are a space apart (a third of the letters' height); letters much closer.
        let runs = clusters(&cols, (bottom - top) * 3 / 10);
        assert!(
            (1..=3).contains(&runs.len()),
            "{text:?} at {t} ms shows {} word shapes: {runs:?}",
            runs.len()
        );
        assert!(
            no_highlight(&frame),
            "word style has no karaoke highlight ({text:?})"
        );
        word_letters = word_letters.max(bottom - top + 1);
        checked += 1;
    }
    eprintln!(
        "word style: {checked} captions checked; letters {word_letters} px tall vs {line_letters} px in a line caption"
    );
    assert!(checked >= 3, "too few word captions clear of the cards");
    assert!(
        word_letters * 10 >= line_letters * 14,
        "word captions ({word_letters} px) are not much bigger than line captions ({line_letters} px)"
    );
}

fn no_highlight(frame: &[u8]) -> bool {
    frame.chunks_exact(3).filter(|p| is_highlight(p)).count() < 20
}
