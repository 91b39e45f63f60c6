//! Timeline → finished MP4 (H.264 High yuv420p CFR + AAC-LC 48 kHz stereo, faststart).
//!
//! The renderer knows the timeline and the media files, nothing about sessions or MCP. A render
//! is checked against the free disk space first ([`space`]), then made in four ffmpeg runs: the
//! video pass ([`graph`]) draws the shots, overlays the text images and encodes, writing video
//! only; beside it the soundtrack ([`audio`]) mixes and measures, then applies the measured
//! loudness correction and encodes the AAC; a final mux ([`encode`]) copies both and puts the moov
//! atom first. Only that short mux writes beside the output, to a hidden file renamed into place
//! when it succeeded, so a crash, a kill or a cancel never leaves a half-written file there, and
//! scratch folders carry their owner's pid so a later process removes a killed one's leftovers.

pub mod animate;
pub mod audio;
pub mod encode;
pub mod fonts;
pub mod graph;
pub mod music;
pub mod preview;
pub mod shots;
pub mod space;
pub mod text;

use crate::ffmpeg::{self, FfmpegError, RunOptions, Tools};
use crate::media::MediaInfo;
use crate::timeline::style::Animation;
use crate::timeline::{TT_TEXT, Timeline, ms_to_frames};
use encode::EncodeSettings;
use graph::{OverlayImage, VideoPass};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The timeline cannot be rendered as it is; the text says what to change.
    #[error("{0}")]
    Invalid(String),
    /// An animation's frames could not be written.
    #[error(transparent)]
    Frames(#[from] animate::FrameError),
    /// A title or caption could not be drawn (e.g. no font has its characters).
    #[error(transparent)]
    Text(#[from] text::TextError),
    /// ffmpeg failed.
    #[error(transparent)]
    Ffmpeg(FfmpegError),
    /// A file could not be written.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The output exists and overwriting was not asked for.
    #[error("{0} already exists; choose another output path or allow overwriting")]
    OutputExists(PathBuf),
    /// The estimate says the render will not fit; nothing was started.
    #[error(transparent)]
    NoRoom(#[from] space::NoRoom),
    /// The disk filled up during the render; what was written is gone.
    #[error(
        "ran out of disk space during the render ({} MB free now on {}). Nothing was left behind; free some space or export to another folder, then export again",
        free_mb, folder.display()
    )]
    DiskFull {
        /// Where the output was going.
        folder: PathBuf,
        /// Free space now, in MB.
        free_mb: u64,
    },
    /// The render was cancelled; nothing was written.
    #[error("the render was cancelled; nothing was written")]
    Cancelled,
}

impl From<FfmpegError> for RenderError {
    fn from(e: FfmpegError) -> Self {
        match e {
            FfmpegError::Cancelled => RenderError::Cancelled,
            e => RenderError::Ffmpeg(e),
        }
    }
}

/// Where a render is in its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Drawing text images, synthesising music.
    Preparing,
    /// Drawing and encoding frames (the soundtrack is mixed meanwhile).
    Video,
    /// Moving the finished file into place.
    Finishing,
}

impl Stage {
    /// Lower-case name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Preparing => "preparing",
            Stage::Video => "rendering",
            Stage::Finishing => "finishing",
        }
    }
}

/// A progress report: overall percent plus where in the video the encoder is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderProgress {
    /// Current stage.
    pub stage: Stage,
    /// Overall completion, 0–100.
    pub percent: f64,
    /// Seconds of video encoded so far.
    pub done_s: f64,
    /// Seconds of video in total.
    pub total_s: f64,
}

/// What to render and where.
pub struct RenderRequest<'a> {
    /// The edit.
    pub timeline: &'a Timeline,
    /// Media the timeline refers to, by id.
    pub media: &'a HashMap<String, MediaInfo>,
    /// Final MP4 path.
    pub output: &'a Path,
    /// Replace an existing file at `output`.
    pub overwrite: bool,
    /// Directory for scratch files (text images, audio); a fresh subdirectory is used and removed.
    pub scratch: &'a Path,
    /// Encoder settings.
    pub encode: EncodeSettings,
}

/// A finished render.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Where the MP4 is.
    pub path: PathBuf,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// File size in bytes.
    pub size_bytes: u64,
}

/// Render `req`, reporting progress and stopping (and cleaning up) when `cancel` fires.
///
/// Refuses at once when the estimated size does not fit the free space; a disk that fills up
/// anyway is reported as such (scratch and partial output are removed either way).
pub async fn render(
    req: &RenderRequest<'_>,
    tools: &Tools,
    on_progress: &(dyn Fn(RenderProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<Rendered, RenderError> {
    render_checked(req, tools, on_progress, cancel)
        .await
        .map_err(|e| {
            if matches!(e, RenderError::NoRoom(_)) || !space::is_out_of_space(&e) {
                return e;
            }
            let folder = output_dir(req.output);
            let free_mb = space::free_space(&folder).map_or(0, |(f, _)| f >> 20);
            RenderError::DiskFull { folder, free_mb }
        })
}

fn output_dir(output: &Path) -> PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

async fn render_checked(
    req: &RenderRequest<'_>,
    tools: &Tools,
    on_progress: &(dyn Fn(RenderProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<Rendered, RenderError> {
    let tl = req.timeline;
    let fps = tl.meta.fps;
    let total_s = ms_to_frames(tl.duration_ms, fps) as f64 / fps.max(1) as f64;
    let report = |stage: Stage, percent: f64, done_s: f64| {
        on_progress(RenderProgress {
            stage,
            percent,
            done_s,
            total_s,
        })
    };
    report(Stage::Preparing, 0.0, 0.0);
    if tl.duration_ms == 0 {
        return Err(RenderError::Invalid("the timeline is empty (0 s)".into()));
    }
    if !req.overwrite && req.output.exists() {
        return Err(RenderError::OutputExists(req.output.to_path_buf()));
    }
    let out_dir = output_dir(req.output);
    space::check_room(space::estimate(tl, &req.encode), req.scratch, &out_dir)?;
    tokio::fs::create_dir_all(&out_dir).await?;
    tokio::fs::create_dir_all(req.scratch).await?;
    let work = tempfile::Builder::new()
        .prefix(&scratch_prefix("render"))
        .tempdir_in(req.scratch)?;

    let mut overlays = pictures(tl, req.media)?;
    overlays.extend(draw_text(tl, work.path()).await?);
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
    report(Stage::Video, 3.0, 0.0);

    let video_only = work.path().join("video.mp4");
    let (args, frames) = graph::video_args(&VideoPass {
        timeline: tl,
        media: req.media,
        overlays: &overlays,
        output: &video_only,
        encode: &req.encode,
    })?;
    tracing::debug!(args = ?args, "video pass");
    let mut cmd = tools.ffmpeg_command();
    cmd.args(&args);
    let hook = |p: ffmpeg::RunProgress| {
        let done = p.out_time_s.min(total_s);
        report(Stage::Video, 3.0 + 94.0 * done / total_s.max(0.001), done);
    };
    // The soundtrack (two short audio passes) is made while the video encodes.
    let video = ffmpeg::run(
        "ffmpeg",
        cmd,
        RunOptions {
            cancel: Some(cancel),
            on_progress: Some(&hook),
            ..Default::default()
        },
    );
    let sound = audio::soundtrack(
        tl,
        req.media,
        work.path(),
        tools,
        cancel,
        req.encode.one_pass_audio,
    );
    let (soundtrack, _) =
        tokio::try_join!(sound, async { video.await.map_err(RenderError::from) })?;
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
    report(Stage::Finishing, 97.0, total_s);
    // Made only for the short mux, so a render killed while encoding leaves nothing beside the
    // output.
    let partial = crate::output::partial_beside(req.output)?;
    let mut cmd = tools.ffmpeg_command();
    cmd.args(encode::mux_args(
        &video_only,
        &soundtrack,
        frames,
        fps,
        partial.path(),
    ));
    ffmpeg::run(
        "ffmpeg",
        cmd,
        RunOptions {
            cancel: Some(cancel),
            ..Default::default()
        },
    )
    .await?;
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
    report(Stage::Finishing, 99.0, total_s);
    let size_bytes = partial.as_file().metadata()?.len();
    crate::output::place(partial, req.output, req.overwrite).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            RenderError::OutputExists(req.output.to_path_buf())
        } else {
            RenderError::Io(e)
        }
    })?;
    report(Stage::Finishing, 100.0, total_s);
    Ok(Rendered {
        path: std::path::absolute(req.output).unwrap_or_else(|_| req.output.to_path_buf()),
        duration_s: total_s,
        width: tl.meta.width,
        height: tl.meta.height,
        size_bytes,
    })
}

/// Name prefix of a scratch directory, carrying the owner's pid so a later process can tell
/// the leftovers of a crashed one (see [`remove_stale_scratch`]).
pub fn scratch_prefix(kind: &str) -> String {
    format!("{kind}-{}-", std::process::id())
}

/// Remove scratch directories under `scratch` left by processes that no longer run (a render
/// killed with SIGKILL cannot clean up after itself). Returns how many were removed.
pub fn remove_stale_scratch(scratch: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').nth(1).and_then(|p| p.parse::<i32>().ok());
        let Some(pid) = pid else { continue };
        // SAFETY: signal 0 only asks whether the process exists. EPERM means it exists but
        // belongs to someone else sharing the workspace: alive.
        let alive = pid == std::process::id() as i32
            || unsafe { libc::kill(pid, 0) == 0 }
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

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

/// Render every text segment to a PNG and place it in time.
async fn draw_text(tl: &Timeline, work: &Path) -> Result<Vec<OverlayImage>, RenderError> {
    let segs: Vec<_> = tl
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
        .cloned()
        .collect();
    if segs.is_empty() {
        return Ok(Vec::new());
    }
    let (w, h, fps) = (tl.meta.width, tl.meta.height, tl.meta.fps);
    let total = ms_to_frames(tl.duration_ms, fps);
    let work = work.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let fonts = fonts::FontSet::shared().map_err(text::TextError::from)?;
        let mut out = Vec::new();
        for (i, seg) in segs.iter().enumerate() {
            let start = ms_to_frames(seg.start_ms, fps).min(total);
            let end = ms_to_frames(seg.end_ms(), fps).min(total);
            if end <= start {
                continue;
            }
            let role = seg.role.unwrap_or(crate::timeline::TextRole::Caption);
            let text = seg.text.as_deref().unwrap_or("");
            let style = seg.style.as_ref();
            let path = work.join(format!("text{i}.png"));
            let animation = style.and_then(|s| s.animation).unwrap_or(Animation::Fade);
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
                        Animation::None => graph::Entrance::Cut,
                        // Rise by half the text's height, at least 4% of the frame.
                        Animation::SlideUp => {
                            graph::Entrance::SlideUp((placed.height / 2).max(h / 25).max(2))
                        }
                        _ => graph::Entrance::Fade,
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
        }
        Ok(out)
    })
    .await
    .map_err(|e| RenderError::Io(std::io::Error::other(e)))?
}
