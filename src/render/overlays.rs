//! What is laid over the shots: pictures (logos, badges) and text, each placed in frame and
//! time, text drawn to PNGs (and animation frames) first, so no user text reaches ffmpeg.

use super::graph::{self, OverlayImage};
use super::{RenderError, animate, fonts, text};
use crate::media::MediaInfo;
use crate::timeline::style::Animation;
use crate::timeline::{Segment, TT_TEXT, TextRole, Timeline, Word, ms_to_frames};
use std::collections::HashMap;
use std::path::Path;

/// Picture overlays (logos, badges) placed in frame and time, below the text.
pub(crate) fn pictures(
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
) -> Result<Vec<OverlayImage>, RenderError> {
    let (w, h, fps) = (tl.meta.width, tl.meta.height, tl.meta.fps);
    let total = ms_to_frames(tl.duration_ms, fps);
    let mut out = Vec::new();
    for seg in tl.segments(crate::timeline::TT_OVERLAY) {
        let Some(m) = seg.media_id.as_deref().and_then(|id| media.get(id)) else {
            return Err(RenderError::Invalid(format!(
                "overlay {} names a picture that is not in this session; remove it with remove_overlay",
                seg.id
            )));
        };
        let start = ms_to_frames(seg.start_ms, fps).min(total);
        let end = ms_to_frames(seg.end_ms(), fps).min(total);
        if end <= start || m.width == 0 || m.height == 0 {
            continue;
        }
        let ow = ((seg.size.unwrap_or(0.2) * f64::from(w)).round() as u32).clamp(2, w) & !1;
        let oh = ((f64::from(ow) * f64::from(m.height) / f64::from(m.width)).round() as u32)
            .clamp(2, h)
            & !1;
        let (cx, cy) = seg
            .position
            .unwrap_or(crate::timeline::Position::Named(
                crate::timeline::style::Place::TopRight,
            ))
            .centre();
        let place = |c: f64, frame: u32, size: u32| {
            ((c * f64::from(frame)).round() as i64 - i64::from(size / 2))
                .clamp(0, i64::from(frame - size)) as u32
        };
        out.push(OverlayImage {
            path: m.path.clone(),
            x: place(cx, w, ow),
            y: place(cy, h, oh),
            start_frame: start,
            frames: end - start,
            scale: Some((ow, oh)),
            opacity: seg.opacity.unwrap_or(1.0),
            entrance: graph::Entrance::Fade,
        });
    }
    Ok(out)
}

/// Where a text was drawn on the frame, for the export's safe-zone check.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    /// The text segment's id.
    pub id: String,
    /// Its image's place and size on the frame.
    pub placed: text::Placed,
}

/// Render every text segment to a PNG and place it in time; also says where each one sits.
pub(crate) async fn draw_text(
    tl: &Timeline,
    work: &Path,
) -> Result<(Vec<OverlayImage>, Vec<TextBox>), RenderError> {
    let segs: Vec<_> = tl
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
        .cloned()
        .collect();
    if segs.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let (w, h, fps) = (tl.meta.width, tl.meta.height, tl.meta.fps);
    let total = ms_to_frames(tl.duration_ms, fps);
    let work = work.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let fonts = fonts::FontSet::shared().map_err(text::TextError::from)?;
        let mut out = Vec::new();
        let mut boxes = Vec::new();
        let frames_of = |s: &Segment| {
            (
                ms_to_frames(s.start_ms, fps).min(total),
                ms_to_frames(s.end_ms(), fps).min(total),
            )
        };
        let captions: Vec<(u64, u64)> = segs
            .iter()
            .filter(|s| s.role.unwrap_or(TextRole::Caption) == TextRole::Caption)
            .map(frames_of)
            .collect();
        for (i, seg) in segs.iter().enumerate() {
            let (start, end) = frames_of(seg);
            if end <= start {
                continue;
            }
            let role = seg.role.unwrap_or(TextRole::Caption);
            let text = seg.text.as_deref().unwrap_or("");
            let style = seg.style.as_ref();
            let path = work.join(format!("text{i}.png"));
            let animation = style.and_then(|s| s.animation).unwrap_or(Animation::Fade);
            // A caption that takes over from the one before (or hands over to the next) cuts
            // there instead of dipping through a fade.
            let (follows, followed) = if role == TextRole::Caption {
                (
                    captions.iter().any(|c| c.1 == start && c.0 < start),
                    captions.iter().any(|c| c.0 == end && c.1 > end),
                )
            } else {
                (false, false)
            };
            let fade = match (animation, follows, followed) {
                (Animation::None, ..) | (_, true, true) => graph::Entrance::Cut,
                (_, true, false) => graph::Entrance::FadeOut,
                (_, false, true) => graph::Entrance::FadeIn,
                _ => graph::Entrance::Fade,
            };
            let words = seg.words.as_deref().filter(|w| !w.is_empty());
            if let (Some(words), Animation::Fade | Animation::None) = (words, animation) {
                let placed = karaoke(
                    KaraokeCaption {
                        seg,
                        words,
                        frames: (start, end),
                        fade,
                        name: &format!("text{i}"),
                    },
                    (w, h, fps),
                    &fonts,
                    &work,
                    &mut out,
                )?;
                boxes.push(TextBox {
                    id: seg.id.clone(),
                    placed,
                });
                continue;
            }
            let (placed, entrance) = match animation {
                Animation::Pop => {
                    let (placed, rgba) = text::render_styled_rgba(text, role, style, w, h, &fonts)?;
                    let run =
                        animate::pop(placed, &rgba, (w, h), fps, 0.3, &work, &format!("pop{i}"))?;
                    let entrance = graph::Entrance::Frames {
                        pattern: run.pattern,
                        count: run.count,
                        rate: run.rate,
                    };
                    (run.placed, entrance)
                }
                Animation::Typewriter => {
                    let frames = end - start;
                    let (placed, steps) = text::render_typewriter_rgba(
                        text,
                        role,
                        style,
                        w,
                        h,
                        &fonts,
                        animate::typewriter_steps(frames, fps),
                    )?;
                    let run = animate::typewriter(
                        placed,
                        &steps,
                        frames,
                        fps,
                        &work,
                        &format!("type{i}"),
                    )?;
                    let entrance = graph::Entrance::Frames {
                        pattern: run.pattern,
                        count: run.count,
                        rate: run.rate,
                    };
                    (run.placed, entrance)
                }
                _ => {
                    let placed = text::render_styled_png(text, role, style, w, h, &fonts, &path)?;
                    let entrance = match animation {
                        // Rise by half the text's height, at least 4% of the frame.
                        Animation::SlideUp => {
                            graph::Entrance::SlideUp((placed.height / 2).max(h / 25).max(2))
                        }
                        _ => fade,
                    };
                    (placed, entrance)
                }
            };
            out.push(OverlayImage {
                path,
                x: placed.x,
                y: placed.y,
                start_frame: start,
                frames: end - start,
                scale: None,
                opacity: 1.0,
                entrance,
            });
            boxes.push(TextBox {
                id: seg.id.clone(),
                placed,
            });
        }
        Ok((out, boxes))
    })
    .await
    .map_err(|e| RenderError::Io(std::io::Error::other(e)))?
}

/// A caption whose spoken words are highlighted one after the other.
struct KaraokeCaption<'a> {
    seg: &'a Segment,
    words: &'a [Word],
    /// Its first frame and one past its last.
    frames: (u64, u64),
    /// How the whole caption enters and leaves.
    fade: graph::Entrance,
    /// File name stem for its images.
    name: &'a str,
}

/// Draw a karaoke caption as one image per spoken word, each shown from its word's start to the
/// next word's (the first from the caption's start, the last to its end), so the highlight
/// changes on the frame each word begins. Only the first state fades in and the last fades out.
fn karaoke(
    k: KaraokeCaption,
    (w, h, fps): (u32, u32, u32),
    fonts: &fonts::FontSet,
    work: &Path,
    out: &mut Vec<OverlayImage>,
) -> Result<text::Placed, RenderError> {
    let seg = k.seg;
    let role = seg.role.unwrap_or(TextRole::Caption);
    let texts: Vec<&str> = k.words.iter().map(|w| w.text.as_str()).collect();
    let (placed, states) = text::render_karaoke_rgba(
        seg.text.as_deref().unwrap_or(""),
        &texts,
        role,
        seg.style.as_ref(),
        w,
        h,
        fonts,
    )?;
    let (start, end) = k.frames;
    let mut edges: Vec<u64> = k
        .words
        .iter()
        .map(|x| ms_to_frames(x.start_ms, fps).clamp(start, end))
        .collect();
    edges[0] = start;
    edges.push(end);
    let (fade_in, fade_out) = match k.fade {
        graph::Entrance::Fade => (true, true),
        graph::Entrance::FadeIn => (true, false),
        graph::Entrance::FadeOut => (false, true),
        _ => (false, false),
    };
    let shown: Vec<usize> = (0..states.len())
        .filter(|&j| edges[j + 1] > edges[j])
        .collect();
    for (n, &j) in shown.iter().enumerate() {
        let path = work.join(format!("{}_w{j}.png", k.name));
        text::write_rgba_png(&path, &placed, &states[j])?;
        let (first, last) = (n == 0, n + 1 == shown.len());
        let entrance = match (first && fade_in, last && fade_out) {
            (true, true) => graph::Entrance::Fade,
            (true, false) => graph::Entrance::FadeIn,
            (false, true) => graph::Entrance::FadeOut,
            (false, false) => graph::Entrance::Cut,
        };
        out.push(OverlayImage {
            path,
            x: placed.x,
            y: placed.y,
            start_frame: edges[j],
            frames: edges[j + 1] - edges[j],
            scale: None,
            opacity: 1.0,
            entrance,
        });
    }
    Ok(placed)
}
