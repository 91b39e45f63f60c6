//! Timeline → the arguments of the ffmpeg run that draws and encodes one window of the video
//! (see [`super::segments`]).
//!
//! The graph is built for speed on small machines: every still is fitted over its blurred fill
//! once (on its single decoded frame), and only then multiplied into frames (see
//! [`super::motion`]); shots are joined so that only transition frames are blended (see
//! [`super::join`]). Text arrives as pre-rendered PNGs, so no user text ever appears in the
//! filter graph; file paths are separate `-i` arguments.

use super::RenderError;
use super::encode::EncodeSettings;
use super::framing::{choose_fit, fit_filters, picture_to_frame};
use super::join::{Part, join};
use super::motion::{ShotFrames, still_motion};
use super::segments::Window;
use super::shots::{Shot, layout_shots};
use crate::media::subject::Subject;
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::{Motion, Segment, TT_VIDEO, Timeline};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A text image ready to overlay: where, and when.
#[derive(Debug, Clone)]
pub struct OverlayImage {
    /// RGBA PNG file.
    pub path: PathBuf,
    /// Left edge on the frame.
    pub x: u32,
    /// Top edge on the frame.
    pub y: u32,
    /// First frame shown.
    pub start_frame: u64,
    /// Frames shown.
    pub frames: u64,
    /// Size to draw it at (width, height), when it is not drawn at its own size.
    pub scale: Option<(u32, u32)>,
    /// Opacity, 0–1.
    pub opacity: f64,
    /// How it enters and leaves.
    pub entrance: Entrance,
}

/// How an overlay enters (and leaves) the frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Entrance {
    /// Appears and disappears at once.
    Cut,
    /// Fades in and out.
    Fade,
    /// Fades in, leaves at once (the next caption takes its place).
    FadeIn,
    /// Appears at once (taking a caption's place), fades out.
    FadeOut,
    /// Rises this many pixels into place while fading in; fades out.
    SlideUp(u32),
    /// Plays pre-drawn frames (a pattern numbered from 0) at `rate` per second, then holds the
    /// last; fades out.
    Frames {
        /// printf-style file pattern.
        pattern: PathBuf,
        /// Frames drawn.
        count: u64,
        /// Frames per second they play at.
        rate: f64,
    },
}

/// Everything the video pass needs.
pub struct VideoPass<'a> {
    /// The edit.
    pub timeline: &'a Timeline,
    /// Media by id.
    pub media: &'a HashMap<String, MediaInfo>,
    /// Text images to lay over the video.
    pub overlays: &'a [OverlayImage],
    /// Encoder settings.
    pub encode: &'a EncodeSettings,
    /// The subjects found in the stills, by media id (see [`crate::media::subject`]).
    pub subjects: &'a HashMap<String, Subject>,
}

/// One ffmpeg run that draws and encodes one window of the video.
#[derive(Debug, Clone)]
pub struct WindowJob {
    /// Arguments up to (not including) the output path.
    pub args: Vec<OsString>,
    /// Frames it makes.
    pub frames: u64,
    /// The files it reads, in argument order; a frame pattern stands for its numbered files.
    pub inputs: Vec<InputFile>,
}

/// A file (or numbered run of files) a window's render reads.
#[derive(Debug, Clone, PartialEq)]
pub enum InputFile {
    /// One file.
    File(PathBuf),
    /// A printf-style pattern numbered from 0, `count` files.
    Pattern(PathBuf, u64),
}

impl InputFile {
    /// The argument ffmpeg is given for it.
    pub fn arg(&self) -> &Path {
        match self {
            InputFile::File(p) | InputFile::Pattern(p, _) => p,
        }
    }
}

/// Check the output size and lay out the shots.
pub fn check_frame(tl: &Timeline) -> Result<Vec<Shot>, RenderError> {
    let (w, h, fps) = (tl.meta.width, tl.meta.height, tl.meta.fps);
    if w == 0 || h == 0 || w % 2 == 1 || h % 2 == 1 || fps == 0 {
        return Err(RenderError::Invalid(format!(
            "output size {w}x{h} at {fps} fps is not renderable; width and height must be even"
        )));
    }
    layout_shots(tl)
}

/// Build the ffmpeg run that draws and encodes frames `win` of the video (`shots` from
/// [`check_frame`]). `threads` bounds the encoder's threads, so windows rendered side by side
/// share the cores instead of fighting over them.
pub fn window_job(
    p: &VideoPass,
    shots: &[Shot],
    win: Window,
    threads: usize,
) -> Result<WindowJob, RenderError> {
    let tl = p.timeline;
    let (w, h, fps) = (tl.meta.width, tl.meta.height, tl.meta.fps);
    let segs = tl.segments(TT_VIDEO);
    let mut args: Vec<OsString> = Vec::new();
    let mut inputs = Vec::new();
    let mut graph = String::new();
    let mut input = 0usize;

    // The shots on screen in this window, each cut to the part inside it.
    let mut parts = Vec::new();
    for shot in shots {
        let (from, to) = (
            shot.start.max(win.start),
            (shot.start + shot.frames).min(win.end()),
        );
        if to <= from {
            continue;
        }
        parts.push((shot, from - shot.start, to - from));
    }
    if parts.is_empty() {
        return Err(RenderError::Invalid(format!(
            "no shot covers frames {}–{}",
            win.start,
            win.end()
        )));
    }
    for &(shot, skip, frames) in &parts {
        let seg = &segs[shot.index];
        let m = media_for(seg, p.media, shot.index)?;
        match m.kind {
            MediaKind::Image => {
                args.push("-i".into());
                args.push(m.path.clone().into_os_string());
                inputs.push(InputFile::File(m.path.clone()));
                let _ = write!(
                    graph,
                    "[{input}:v]trim=end_frame=1,setsar=1,{}",
                    m.upright_filter()
                );
                let subject = p.subjects.get(&m.id).copied();
                let fit = choose_fit(m.aspect(), w, h, seg.focus, subject);
                fit_filters(&mut graph, fit, w, h, shot.index);
                // Motion centres on the subject, wherever the fit put it in the frame.
                let centre = seg
                    .focus
                    .map(|f| (f.x, f.y))
                    .or(subject.map(|s| (s.cx, s.cy)))
                    .map(|(x, y)| {
                        let (x, y) = picture_to_frame(m.aspect(), w, h, fit, x, y);
                        crate::timeline::Focus { x, y }
                    });
                let motion = seg.motion.unwrap_or(Motion::None);
                let _ = write!(
                    graph,
                    "{},setsar=1[v{i}];",
                    still_motion(
                        motion,
                        centre,
                        ShotFrames {
                            shot: shot.frames,
                            skip,
                            count: frames,
                            w,
                            h,
                            fps,
                        }
                    ),
                    i = shot.index
                );
            }
            MediaKind::Video => {
                let in_s = seg.in_ms.unwrap_or(0) as f64 / 1000.0 + skip as f64 / fps as f64;
                let dur_s = frames as f64 / fps as f64;
                args.extend(
                    [
                        "-ss".to_string(),
                        format!("{in_s:.4}"),
                        "-t".to_string(),
                        format!("{:.3}", dur_s + 1.0),
                        "-i".to_string(),
                    ]
                    .map(OsString::from),
                );
                args.push(m.path.clone().into_os_string());
                inputs.push(InputFile::File(m.path.clone()));
                let _ = write!(graph, "[{input}:v]fps={fps},setpts=PTS-STARTPTS,setsar=1,");
                let fit = choose_fit(m.aspect(), w, h, seg.focus, None);
                fit_filters(&mut graph, fit, w, h, shot.index);
                let _ = write!(
                    graph,
                    "tpad=stop_mode=clone:stop_duration={dur_s:.3},trim=end_frame={frames},setpts=PTS-STARTPTS,format=yuv420p,settb=1/{fps}[v{i}];",
                    i = shot.index
                );
            }
            MediaKind::Audio => {
                return Err(RenderError::Invalid(format!(
                    "shot {} uses audio file {} as a picture",
                    shot.index + 1,
                    m.file_name
                )));
            }
        }
        input += 1;
    }

    // Join shots: xfade where they overlap, concat where they cut. A window never starts inside
    // a transition, so every overlap here is whole.
    let joined: Vec<Part> = parts
        .iter()
        .enumerate()
        .map(|(j, &(shot, _, frames))| Part {
            index: shot.index,
            label: format!("v{}", shot.index),
            frames,
            overlap_in: if j == 0 { 0 } else { shot.overlap },
            transition: shot.transition.as_ref(),
        })
        .collect();
    let mut cur = join(&mut graph, &joined, fps);

    for (k, o) in p.overlays.iter().enumerate() {
        let (from, to) = (
            o.start_frame.max(win.start),
            (o.start_frame + o.frames).min(win.end()),
        );
        if to <= from {
            continue;
        }
        overlay_filters(
            &mut graph,
            &mut args,
            &mut inputs,
            o,
            k,
            input,
            &cur,
            win,
            fps,
        );
        cur = format!("o{k}");
        input += 1;
    }
    let _ = write!(
        graph,
        "[{cur}]trim=end_frame={frames},format=yuv420p[vout]",
        frames = win.frames
    );

    let dur_s = format!("{:.4}", win.frames as f64 / fps as f64);
    let x264 = encoder_threading(threads, w, h);
    let mut tail: Vec<String> = vec![
        "-filter_complex".into(),
        graph,
        "-map".into(),
        "[vout]".into(),
        "-an".into(),
        "-c:v".into(),
        "libx264".into(),
        "-threads".into(),
        threads.max(1).to_string(),
        "-preset".into(),
        p.encode.preset.clone(),
        "-crf".into(),
        p.encode.crf.to_string(),
        "-profile:v".into(),
        "high".into(),
        "-pix_fmt".into(),
        "yuv420p".into(),
        "-r".into(),
        fps.to_string(),
        "-fps_mode".into(),
        "cfr".into(),
        "-g".into(),
        (fps * 2).to_string(),
        "-t".into(),
        dur_s,
        "-progress".into(),
        "pipe:1".into(),
        "-nostats".into(),
        "-f".into(),
        "mp4".into(),
    ];
    let at = tail.len() - 2;
    tail.splice(at..at, x264.iter().map(|a| a.to_string()));
    args.extend(tail.into_iter().map(OsString::from));
    Ok(WindowJob {
        args,
        frames: win.frames,
        inputs,
    })
}

/// How x264 shares a window's encode between `threads` threads.
///
/// Up to 1080p, threads encode whole frames side by side (x264's default): they also run
/// beside ffmpeg's filter thread, so the cores stay busy end to end (slices keep the filters
/// and the encoder taking turns), and the lookahead has its own thread with a few frames of
/// buffer (+30 MB at 1080p; without it a window took ~20% longer). Above 1080p frame threads
/// would hold ~200 MB more, so larger frames are cut into slices instead.
fn encoder_threading(threads: usize, w: u32, h: u32) -> &'static [&'static str] {
    if threads > 1 && u64::from(w) * u64::from(h) > 1920 * 1080 {
        &["-x264-params", "sliced-threads=1"]
    } else {
        &[]
    }
}

/// Lay overlay `o` (input `input`) over `[cur]` as `[o{k}]`, for the part of it inside `win`.
///
/// The overlay is built in its own time (frame 0 = its first frame) with its fades, then cut
/// to the window and shifted to where it starts in the window, so it looks the same whichever
/// window draws which part of it.
#[allow(clippy::too_many_arguments)]
fn overlay_filters(
    graph: &mut String,
    args: &mut Vec<OsString>,
    inputs: &mut Vec<InputFile>,
    o: &OverlayImage,
    k: usize,
    input: usize,
    cur: &str,
    win: Window,
    fps: u32,
) {
    let fade = (fps as u64 * 3 / 10).min(o.frames / 3).max(1);
    let fd = fade as f64 / fps as f64;
    let out_st = (o.frames - fade) as f64 / fps as f64;
    let fade_in = format!(",fade=t=in:st=0:d={fd:.4}:alpha=1");
    let fade_out = format!(",fade=t=out:st={out_st:.4}:d={fd:.4}:alpha=1");
    // The image as a stream of o.frames frames: one picture looped, or drawn frames then
    // the last one held.
    let hold = match &o.entrance {
        Entrance::Frames {
            pattern,
            rate,
            count,
        } => {
            args.extend([
                "-framerate".into(),
                format!("{rate:.4}").into(),
                "-start_number".into(),
                "0".into(),
                "-i".into(),
                pattern.clone().into_os_string(),
            ]);
            inputs.push(InputFile::Pattern(pattern.clone(), *count));
            // At the video's rate, then the last frame held for as long as needed and cut
            // to the overlay's length (no frame count to guess from the rate conversion).
            format!(
                ",fps={fps},tpad=stop_mode=clone:stop=-1,trim=end_frame={}",
                o.frames
            )
        }
        _ => {
            args.push("-i".into());
            args.push(o.path.clone().into_os_string());
            inputs.push(InputFile::File(o.path.clone()));
            format!(",loop=loop={}:size=1:start=0", o.frames.saturating_sub(1))
        }
    };
    let fades = match &o.entrance {
        Entrance::Cut => String::new(),
        Entrance::Fade | Entrance::SlideUp(_) => format!("{fade_in}{fade_out}"),
        Entrance::FadeIn => fade_in,
        Entrance::FadeOut | Entrance::Frames { .. } => fade_out,
    };
    // The part inside the window, placed at its frame in the window.
    let skip = win.start.saturating_sub(o.start_frame);
    let shown = (o.start_frame + o.frames).min(win.end()) - o.start_frame.max(win.start);
    let at = o.start_frame.saturating_sub(win.start);
    // A slide eases up into place over the fade-in (t is the window's time in seconds).
    let st = (o.start_frame as f64 - win.start as f64) / fps as f64;
    let y = match &o.entrance {
        Entrance::SlideUp(rise) => format!(
            "'{}+{rise}*pow(max(0,1-(t-({st:.4}))/{d:.4}),2)'",
            o.y,
            d = (fd * 1.5).max(0.2)
        ),
        _ => o.y.to_string(),
    };
    let mut sized = String::new();
    if let Some((w, h)) = o.scale {
        let _ = write!(sized, ",scale={w}:{h}:flags=lanczos");
    }
    if o.opacity < 1.0 {
        let _ = write!(
            sized,
            ",colorchannelmixer=aa={:.3}",
            o.opacity.clamp(0.0, 1.0)
        );
    }
    // Converted to the overlay filter's own format once, before the picture is repeated (after
    // the loop, every repeated frame would be converted again).
    let _ = write!(
        graph,
        "[{input}:v]format=rgba{sized},format=yuva420p{hold},settb=1/{fps},setpts=N{fades},\
         trim=start_frame={skip}:end_frame={end},setpts=N+{at}[t{k}];\
         [{cur}][t{k}]overlay=x={x}:y={y}:eof_action=pass:repeatlast=0[o{k}];",
        end = skip + shown,
        x = o.x,
    );
}

fn media_for<'m>(
    seg: &Segment,
    media: &'m HashMap<String, MediaInfo>,
    index: usize,
) -> Result<&'m MediaInfo, RenderError> {
    let id = seg.media_id.as_deref().ok_or_else(|| {
        RenderError::Invalid(format!(
            "shot {} has no local media (only {}); upload the file first",
            index + 1,
            seg.src.as_deref().unwrap_or("nothing")
        ))
    })?;
    media.get(id).ok_or_else(|| {
        RenderError::Invalid(format!(
            "shot {} refers to media {id}, which is not in this session",
            index + 1
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Track, Transition};

    fn shot(st: u64, d: u64, tr: Option<u64>) -> Segment {
        Segment {
            start_ms: st,
            duration_ms: d,
            media_id: Some("m".into()),
            transition: tr.map(|ms| Transition {
                kind: "fade".into(),
                duration_ms: ms,
            }),
            ..Default::default()
        }
    }

    fn timeline(segs: Vec<Segment>, d: u64) -> Timeline {
        Timeline {
            tracks: vec![Track {
                id: "v".into(),
                tt: TT_VIDEO,
                segments: segs,
                extra: Default::default(),
            }],
            duration_ms: d,
            ..Default::default()
        }
    }

    #[test]
    fn layout_counts_overlaps_in_frames() {
        let tl = timeline(
            vec![
                shot(0, 3500, None),
                shot(3000, 3500, Some(500)),
                shot(6000, 3000, Some(500)),
            ],
            9000,
        );
        let shots = layout_shots(&tl).unwrap();
        assert_eq!(shots[0].frames, 105);
        assert_eq!(shots[1].overlap, 15);
        assert_eq!(shots[2].start, 180);
        let total: u64 = shots.iter().map(|s| s.frames - s.overlap).sum();
        assert_eq!(total, 270);
    }

    #[test]
    fn layout_rejects_gaps_and_overlong_transitions() {
        let gap = timeline(vec![shot(0, 1000, None), shot(1500, 1000, None)], 2500);
        assert!(layout_shots(&gap).unwrap_err().to_string().contains("gap"));
        let long = timeline(vec![shot(0, 1000, None), shot(0, 1000, Some(1000))], 1000);
        assert!(layout_shots(&long).is_err());
    }
}
