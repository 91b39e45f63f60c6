//! Timeline → the arguments of the one ffmpeg run that draws and encodes the video.
//!
//! The graph is built for speed on small machines: every still is fitted over its blurred fill
//! once (on its single decoded frame), and only then multiplied into frames by `zoompan`, so the
//! per-frame work is one scale per frame plus the encoder. Text arrives as pre-rendered PNGs, so no
//! user text ever appears in the filter graph; file paths are separate `-i` arguments.

use super::RenderError;
use super::encode::EncodeSettings;
use super::shots::layout_shots;
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::{Motion, Segment, TT_VIDEO, Timeline, ms_to_frames};
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
    /// Where ffmpeg writes the video-only MP4 (the soundtrack is muxed in afterwards).
    pub output: &'a Path,
    /// Encoder settings.
    pub encode: &'a EncodeSettings,
}

/// Build the ffmpeg arguments for the video pass; also returns the total frame count.
pub fn video_args(p: &VideoPass) -> Result<(Vec<OsString>, u64), RenderError> {
    let tl = p.timeline;
    let (w, h, fps) = (tl.meta.width, tl.meta.height, tl.meta.fps);
    if w == 0 || h == 0 || w % 2 == 1 || h % 2 == 1 || fps == 0 {
        return Err(RenderError::Invalid(format!(
            "output size {w}x{h} at {fps} fps is not renderable; width and height must be even"
        )));
    }
    let shots = layout_shots(tl)?;
    let segs = tl.segments(TT_VIDEO);
    let total_frames = ms_to_frames(tl.duration_ms, fps);
    let mut args: Vec<OsString> = Vec::new();
    let mut graph = String::new();
    let mut input = 0usize;

    for shot in &shots {
        let seg = &segs[shot.index];
        let m = media_for(seg, p.media, shot.index)?;
        let frames = shot.frames;
        match m.kind {
            MediaKind::Image => {
                args.push("-i".into());
                args.push(m.path.clone().into_os_string());
                let _ = write!(
                    graph,
                    "[{input}:v]trim=end_frame=1,setsar=1,{}",
                    orient_filter(m)
                );
                fit_filters(&mut graph, m, w, h, shot.index);
                let motion = seg.motion.unwrap_or(Motion::None);
                let (kw, kh) = zoom_canvas(w, h);
                let _ = write!(
                    graph,
                    "scale={kw}:{kh},{zp},format=yuv420p,setsar=1[v{i}];",
                    zp = zoompan(motion, seg.focus, frames, w, h, fps),
                    i = shot.index
                );
            }
            MediaKind::Video => {
                let in_s = seg.in_ms.unwrap_or(0) as f64 / 1000.0;
                let dur_s = frames as f64 / fps as f64;
                args.extend(
                    [
                        "-ss".to_string(),
                        format!("{in_s:.3}"),
                        "-t".to_string(),
                        format!("{:.3}", dur_s + 1.0),
                        "-i".to_string(),
                    ]
                    .map(OsString::from),
                );
                args.push(m.path.clone().into_os_string());
                let _ = write!(graph, "[{input}:v]fps={fps},setpts=PTS-STARTPTS,setsar=1,");
                fit_filters(&mut graph, m, w, h, shot.index);
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

    // Join shots: xfade where they overlap, concat where they cut.
    let mut cur = "v0".to_string();
    let mut cur_frames = shots[0].frames;
    for shot in &shots[1..] {
        let next = format!("x{}", shot.index);
        match &shot.transition {
            Some(kind) => {
                let offset = (cur_frames - shot.overlap) as f64 / fps as f64;
                let dur = shot.overlap as f64 / fps as f64;
                let _ = write!(
                    graph,
                    "[{cur}][v{i}]xfade=transition={kind}:duration={dur:.4}:offset={offset:.4}[{next}];",
                    i = shot.index
                );
                cur_frames = cur_frames + shot.frames - shot.overlap;
            }
            None => {
                let _ = write!(
                    graph,
                    "[{cur}][v{i}]concat=n=2:v=1:a=0[{next}];",
                    i = shot.index
                );
                cur_frames += shot.frames;
            }
        }
        cur = next;
    }

    for (k, o) in p.overlays.iter().enumerate() {
        let fade = (fps as u64 * 3 / 10).min(o.frames / 3).max(1);
        let st = o.start_frame as f64 / fps as f64;
        let out_st = (o.start_frame + o.frames - fade) as f64 / fps as f64;
        let fd = fade as f64 / fps as f64;
        let fade_in = format!(",fade=t=in:st={st:.4}:d={fd:.4}:alpha=1");
        let fade_out = format!(",fade=t=out:st={out_st:.4}:d={fd:.4}:alpha=1");
        // The image as a stream of o.frames frames: one picture looped, or drawn frames then
        // the last one held.
        let hold = match &o.entrance {
            Entrance::Frames { pattern, rate, .. } => {
                args.extend([
                    "-framerate".into(),
                    format!("{rate:.4}").into(),
                    "-start_number".into(),
                    "0".into(),
                    "-i".into(),
                    pattern.clone().into_os_string(),
                ]);
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
                format!(",loop=loop={}:size=1:start=0", o.frames.saturating_sub(1))
            }
        };
        let fades = match &o.entrance {
            Entrance::Cut => String::new(),
            Entrance::Fade | Entrance::SlideUp(_) => format!("{fade_in}{fade_out}"),
            Entrance::Frames { .. } => fade_out,
        };
        // A slide eases up into place over the fade-in (t is the video's time in seconds).
        let y = match &o.entrance {
            Entrance::SlideUp(rise) => format!(
                "'{}+{rise}*pow(max(0,1-(t-{st:.4})/{d:.4}),2)'",
                o.y,
                d = (fd * 1.5).max(0.2)
            ),
            _ => o.y.to_string(),
        };
        let _ = write!(
            graph,
            "[{input}:v]format=rgba{sized}{hold},settb=1/{fps},setpts=N+{s}{fades}[t{k}];\
             [{cur}][t{k}]overlay=x={x}:y={y}:eof_action=pass:repeatlast=0[o{k}];",
            s = o.start_frame,
            sized = {
                let mut f = String::new();
                if let Some((w, h)) = o.scale {
                    let _ = write!(f, ",scale={w}:{h}:flags=lanczos");
                }
                if o.opacity < 1.0 {
                    let _ = write!(f, ",colorchannelmixer=aa={:.3}", o.opacity.clamp(0.0, 1.0));
                }
                f
            },
            x = o.x,
        );
        cur = format!("o{k}");
        input += 1;
    }
    let _ = write!(
        graph,
        "[{cur}]trim=end_frame={total_frames},format=yuv420p[vout]"
    );

    let dur_s = format!("{:.4}", total_frames as f64 / fps as f64);
    let tail: Vec<String> = vec![
        "-filter_complex".into(),
        graph,
        "-map".into(),
        "[vout]".into(),
        "-an".into(),
        "-c:v".into(),
        "libx264".into(),
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
    args.extend(tail.into_iter().map(OsString::from));
    args.push(p.output.as_os_str().to_owned());
    Ok((args, total_frames))
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

/// Filters (each followed by a comma) that turn a still upright per its EXIF orientation.
pub(crate) fn orient_filter(m: &MediaInfo) -> &'static str {
    match m.exif_orientation {
        2 => "hflip,",
        3 => "hflip,vflip,",
        4 => "vflip,",
        5 => "transpose=0,",
        6 => "transpose=1,",
        7 => "transpose=3,",
        8 => "transpose=2,",
        _ => "",
    }
}

/// Fit the picture inside the frame over a blurred, darkened fill of itself, or cover-crop it
/// when its shape already matches (a few percent off is cropped rather than framed).
pub(crate) fn fit_filters(g: &mut String, m: &MediaInfo, w: u32, h: u32, i: usize) {
    if crate::timeline::crops_to_fill(m.aspect(), w as f64 / h as f64) {
        let _ = write!(
            g,
            "scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,"
        );
        return;
    }
    // The fill is blurred at 1/8 size: as soft, and 64 times cheaper than blurring full frames.
    let (bw, bh) = (even(w / 8), even(h / 8));
    // boxblur's radius must fit the chroma planes (half size) of small frames such as thumbnails.
    let radius = (bw.min(bh) / 4).clamp(1, 6);
    let _ = write!(
        g,
        "split=2[bg{i}][fg{i}];\
         [bg{i}]scale={bw}:{bh}:force_original_aspect_ratio=increase,crop={bw}:{bh},boxblur={radius}:2,\
         scale={w}:{h},eq=brightness=-0.06:saturation=0.9[bgs{i}];\
         [fg{i}]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2[fgs{i}];\
         [bgs{i}][fgs{i}]overlay=x=(W-w)/2:y=(H-h)/2,setsar=1,"
    );
}

fn even(n: u32) -> u32 {
    (n.max(2)) & !1
}

/// The canvas zoompan crops from: twice the output up to 1080p (half-pixel smooth motion),
/// the output itself above that (4K is already fine-grained).
fn zoom_canvas(w: u32, h: u32) -> (u32, u32) {
    if w * h <= 1920 * 1080 {
        (w * 2, h * 2)
    } else {
        (w, h)
    }
}

/// zoompan expressions for one still: linear motion across the whole shot.
///
/// `focus` (0–1 of the frame) is where a zoom centres and what a pan drifts around; zoompan
/// keeps the window inside the picture, so a focus near an edge moves as far as it can.
fn zoompan(
    motion: Motion,
    focus: Option<crate::timeline::Focus>,
    frames: u64,
    w: u32,
    h: u32,
    fps: u32,
) -> String {
    // (zoom start, zoom end, centre x start, end, centre y start, end), all relative.
    let (z0, z1, mut x0, mut x1, mut y0, mut y1) = match motion {
        Motion::ZoomIn => (1.0, 1.15, 0.5, 0.5, 0.5, 0.5),
        Motion::ZoomOut => (1.15, 1.0, 0.5, 0.5, 0.5, 0.5),
        Motion::PanLeft => (1.12, 1.12, 0.55, 0.45, 0.5, 0.5),
        Motion::PanRight => (1.12, 1.12, 0.45, 0.55, 0.5, 0.5),
        Motion::PanUp => (1.12, 1.12, 0.5, 0.5, 0.55, 0.45),
        Motion::PanDown => (1.12, 1.12, 0.5, 0.5, 0.45, 0.55),
        Motion::None => (1.0, 1.0, 0.5, 0.5, 0.5, 0.5),
    };
    if let Some(f) = focus {
        let (dx, dy) = (f.x.clamp(0.0, 1.0) - 0.5, f.y.clamp(0.0, 1.0) - 0.5);
        (x0, x1, y0, y1) = (x0 + dx, x1 + dx, y0 + dy, y1 + dy);
    }
    let span = frames.saturating_sub(1).max(1);
    let p = format!("(on/{span})");
    format!(
        "zoompan=z='{z0:.4}+{dz:.4}*{p}':x='({x0:.4}+{dx:.4}*{p})*iw-iw/zoom/2':y='({y0:.4}+{dy:.4}*{p})*ih-ih/zoom/2':d={frames}:s={w}x{h}:fps={fps}",
        dz = z1 - z0,
        dx = x1 - x0,
        dy = y1 - y0,
    )
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

    #[test]
    fn zoompan_moves_between_the_given_points() {
        let z = zoompan(Motion::PanRight, None, 91, 1920, 1080, 30);
        assert!(z.contains("d=91"), "{z}");
        assert!(z.contains("(on/90)"), "{z}");
        assert!(z.contains("x='(0.4500+0.1000*(on/90))*iw"), "{z}");
        assert!(z.contains("y='(0.5000+0.0000*(on/90))*ih"), "{z}");
    }
}
