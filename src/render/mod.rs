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
pub mod budget;
pub mod cache;
mod draw;
pub mod encode;
pub mod fonts;
pub mod framing;
pub mod graph;
mod join;
mod motion;
pub mod music;
pub mod overlays;
pub mod preview;
pub mod segments;
pub mod shots;
pub mod space;
pub mod subtitles;
pub mod team;
pub mod text;
pub mod video;

use crate::ffmpeg::{self, FfmpegError, Tools};
use crate::media::MediaInfo;
use crate::timeline::{Timeline, ms_to_frames};
use encode::EncodeSettings;
use graph::VideoPass;
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
    /// Finished pieces of earlier renders to reuse (and to keep this render's pieces in).
    pub cache: Option<&'a cache::RenderCache>,
    /// Draw the whole video in one ffmpeg run instead of windows: the one-pass reference that
    /// windowed renders are checked against.
    pub one_window: bool,
    /// Other machines drawing this render's windows beside it (a cluster's idle workers);
    /// used only with a cache, whose shared tier carries their windows.
    pub team: Option<&'a dyn team::Team>,
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
    /// Windows of the video drawn and encoded by this render.
    pub windows_rendered: usize,
    /// Windows taken from the render cache.
    pub windows_reused: usize,
    /// Windows other machines of the team drew for this render.
    pub windows_helped: usize,
    /// Who they were.
    pub helpers: Vec<String>,
    /// Where each text was drawn.
    pub text_boxes: Vec<overlays::TextBox>,
    /// The sound's integrated loudness (LUFS) and true peak (dBTP), as measured when its track
    /// was encoded (the mux copies that track); `None` when it was not measured.
    pub loudness: Option<(Option<f64>, Option<f64>)>,
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

    let total_frames = ms_to_frames(tl.duration_ms, fps).max(1);
    let on_frames = |f: u64| {
        let done = f as f64 / total_frames as f64;
        report(Stage::Video, 3.0 + 94.0 * done, done * total_s);
    };
    // The soundtrack (two short audio passes, or the cache) is made while the text is drawn and
    // the video renders; it is polled first, so its mix pass has the memory budget before the
    // first window asks.
    let sound = soundtrack(req, work.path(), tools, cancel);
    let video = async {
        let prepared = prepare_video(req, work.path(), tools).await?;
        if cancel.is_cancelled() {
            return Err(RenderError::Cancelled);
        }
        report(Stage::Video, 3.0, 0.0);
        let track = video::render(
            &prepared.pass(req),
            work.path(),
            tools,
            video::Sharing {
                cache: req.cache,
                team: req.team,
            },
            req.one_window,
            &on_frames,
            cancel,
        )
        .await?;
        Ok((track, prepared.text_boxes))
    };
    let (soundtrack, (track, text_boxes)) = tokio::try_join!(sound, video)?;
    tracing::debug!(
        rendered = track.rendered,
        reused = track.reused,
        "video windows"
    );
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
    report(Stage::Finishing, 97.0, total_s);
    // Made only for the short mux, so a render killed while encoding leaves nothing beside the
    // output.
    let partial = crate::output::partial_beside(req.output)?;
    let mut cmd = tools.ffmpeg_command();
    cmd.args(encode::mux_args(
        video::concat_input(&track.list),
        &soundtrack.path,
        track.frames,
        fps,
        partial.path(),
    ));
    ffmpeg::run_cancellable("ffmpeg", cmd, cancel).await?;
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
        windows_rendered: track.rendered,
        windows_reused: track.reused,
        windows_helped: track.helped,
        helpers: track.helpers,
        text_boxes,
        loudness: soundtrack.measured,
    })
}

/// Help a lead render of the same request on another machine: prepare the video as it does
/// and draw the windows this machine can claim from `req.team` (see [`team`]). No output is
/// written; the windows reach the lead through the cache's shared tier. How many were drawn.
pub async fn help(
    req: &RenderRequest<'_>,
    tools: &Tools,
    cancel: &CancellationToken,
) -> Result<usize, RenderError> {
    let (Some(cache), Some(team)) = (req.cache, req.team) else {
        return Err(RenderError::Invalid(
            "helping a render needs a render cache and a team".into(),
        ));
    };
    tokio::fs::create_dir_all(req.scratch).await?;
    let work = tempfile::Builder::new()
        .prefix(&scratch_prefix("help"))
        .tempdir_in(req.scratch)?;
    let prepared = prepare_video(req, work.path(), tools).await?;
    video::help(&prepared.pass(req), work.path(), tools, cache, team, cancel).await
}

/// What the video pass draws over the shots, made once per render.
struct PreparedVideo {
    overlays: Vec<graph::OverlayImage>,
    text_boxes: Vec<overlays::TextBox>,
    subjects: HashMap<String, crate::media::subject::Subject>,
}

impl PreparedVideo {
    fn pass<'a>(&'a self, req: &'a RenderRequest<'_>) -> VideoPass<'a> {
        VideoPass {
            timeline: req.timeline,
            media: req.media,
            overlays: &self.overlays,
            encode: &req.encode,
            subjects: &self.subjects,
        }
    }
}

/// Picture overlays, the text drawn into `work`, and the subjects of stills to re-frame.
async fn prepare_video(
    req: &RenderRequest<'_>,
    work: &Path,
    tools: &Tools,
) -> Result<PreparedVideo, RenderError> {
    let mut overlays = overlays::pictures(req.timeline, req.media)?;
    let (text, text_boxes) = overlays::draw_text(req.timeline, work).await?;
    overlays.extend(text);
    let subjects = subjects(req.timeline, req.media, tools).await;
    Ok(PreparedVideo {
        overlays,
        text_boxes,
        subjects,
    })
}

/// The subjects of the stills that must be cropped to another shape (a failed look is no
/// subject: the picture is then fitted whole), looked for side by side.
async fn subjects(
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
    tools: &Tools,
) -> HashMap<String, crate::media::subject::Subject> {
    let frame = f64::from(tl.meta.width) / f64::from(tl.meta.height.max(1));
    let mut wanted: Vec<&MediaInfo> = Vec::new();
    for seg in tl.segments(crate::timeline::TT_VIDEO) {
        let Some(m) = seg.media_id.as_deref().and_then(|id| media.get(id)) else {
            continue;
        };
        if m.kind == crate::media::MediaKind::Image
            && seg.focus.is_none()
            && !wanted.iter().any(|w| w.id == m.id)
            && !crate::timeline::crops_to_fill(m.aspect(), frame)
        {
            wanted.push(m);
        }
    }
    let looks = wanted
        .iter()
        .map(|m| crate::media::subject::find_cached(m, tools));
    let found = futures_util::future::join_all(looks).await;
    wanted
        .into_iter()
        .zip(found)
        .filter_map(|(m, s)| Some((m.id.clone(), s?)))
        .collect()
}

/// The mixed soundtrack, from the cache when nothing that decides it changed.
async fn soundtrack(
    req: &RenderRequest<'_>,
    work: &Path,
    tools: &Tools,
    cancel: &CancellationToken,
) -> Result<audio::Soundtrack, RenderError> {
    let tl = req.timeline;
    let key = match req.cache {
        Some(_) => Some(video::soundtrack_key(tl, req.media, &req.encode)?),
        None => None,
    };
    // What the encoded track measured is kept beside it, as a fact of the same key.
    let measured_key = key.as_ref().map(|k| {
        let mut m = cache::KeyBuilder::new("soundtrack-measured");
        m.part(k);
        m.finish()
    });
    // Renders of the same soundtrack at once (the shapes of one export) mix it once: the
    // others wait for it and take it from the cache.
    let _same = match &key {
        Some(k) => Some(crate::key_lock::one_at_a_time(k).await),
        None => None,
    };
    if let (Some(c), Some(k)) = (req.cache, &key)
        && let Some(path) = c.fetch(k, work, "soundtrack-cached")
    {
        let measured = measured_key.and_then(|m| c.fetch_fact(&m));
        return Ok(audio::Soundtrack { path, measured });
    }
    let made = audio::soundtrack(
        tl,
        req.media,
        work,
        tools,
        cancel,
        req.encode.one_pass_audio,
    )
    .await?;
    if let (Some(c), Some(k)) = (req.cache, &key) {
        let stored = c
            .store(k, &made.path)
            .and_then(|()| match (made.measured, &measured_key) {
                (Some(m), Some(mk)) => c.store_fact(mk, &m),
                _ => Ok(()),
            });
        if let Err(e) = stored {
            tracing::warn!(error = %e, "could not store the soundtrack in the render cache");
        }
    }
    Ok(made)
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
        if !process_alive(pid) && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether process `pid` runs (this one included). EPERM means it exists but belongs to someone
/// else sharing the workspace: alive.
pub(crate) fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only asks whether the process exists.
    pid == std::process::id() as i32
        || unsafe { libc::kill(pid, 0) == 0 }
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
