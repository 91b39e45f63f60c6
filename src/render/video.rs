//! The video track rendered window by window ([`super::segments`]): windows already in the
//! render cache are reused, the rest are drawn and encoded ([`super::draw`]) — by this machine,
//! or with a [`Team`] by whichever machine claims each — and the result is a concat list the
//! final mux joins by stream copy.

use super::cache::{KeyBuilder, RenderCache};
use super::draw::{Drawer, Todo, Turn};
use super::graph::{self, InputFile, VideoPass, WindowJob};
use super::segments::{self, Window};
use super::shots::Shot;
use super::team::Team;
use super::{RenderError, encode};
use crate::ffmpeg::Tools;
use crate::timeline::ms_to_frames;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// The encoded video, ready to mux.
#[derive(Debug)]
pub struct VideoTrack {
    /// An ffconcat list of the windows' files, in order, with their exact durations.
    pub list: PathBuf,
    /// Frames in all.
    pub frames: u64,
    /// Windows drawn and encoded by this render.
    pub rendered: usize,
    /// Windows taken from the cache (made before this render).
    pub reused: usize,
    /// Windows other machines of a [`Team`] drew for this render.
    pub helped: usize,
    /// Who they were.
    pub helpers: Vec<String>,
}

/// Where a render's windows may come from besides its own drawing, and where they go.
#[derive(Clone, Copy, Default)]
pub struct Sharing<'a> {
    /// Windows made before (and this render's, kept for the next).
    pub cache: Option<&'a RenderCache>,
    /// Other machines drawing this render's windows beside it.
    pub team: Option<&'a dyn Team>,
}

/// Render the video of `pass` into `work`, reporting frames done (reused windows count at
/// once) through `on_frames`. With a team, windows others claim are drawn by them.
pub async fn render(
    pass: &VideoPass<'_>,
    work: &Path,
    tools: &Tools,
    sharing: Sharing<'_>,
    one_window: bool,
    on_frames: &(dyn Fn(u64) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<VideoTrack, RenderError> {
    let fps = pass.timeline.meta.fps;
    let shots = graph::check_frame(pass.timeline)?;
    let windows = plan(pass, &shots, one_window);
    let total = ms_to_frames(pass.timeline.duration_ms, fps);

    // Which windows the cache already has (keys do not depend on thread counts).
    let mut todo: Vec<Todo> = Vec::new();
    let mut files: Vec<PathBuf> = vec![PathBuf::new(); windows.len()];
    let mut reused_frames = 0;
    let Sharing { cache, team } = sharing;
    for (i, win) in windows.iter().enumerate() {
        let key = window_key(&graph::window_job(pass, &shots, *win, 1)?)?;
        let hit = match cache {
            Some(c) => c.fetch_shared(&key, work, &format!("w{i}"), "mp4").await,
            None => None,
        };
        match hit {
            Some(path) => {
                files[i] = path;
                reused_frames += win.frames;
            }
            None => todo.push(Todo {
                index: i,
                window: *win,
                key,
            }),
        }
    }
    let done = Mutex::new(vec![0u64; windows.len()]);
    on_frames(reused_frames);
    let progress = |i: usize, f: u64| {
        let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
        d[i] = f;
        on_frames(reused_frames + d.iter().sum::<u64>());
    };
    // A team only for work worth sharing (the drawer also needs a cache: windows travel
    // through its shared tier).
    let team = team.filter(|_| todo.len() > 1);
    let drawer = Drawer {
        pass,
        shots: &shots,
        work,
        tools,
        cache,
        team,
        lead: true,
        cancel,
    };
    let needed = todo.len();
    let (mut rendered, mut helped, mut helpers) = (0, 0, Vec::new());
    let mut held = Vec::new();
    for turn in drawer.draw_claimed(todo, &progress).await? {
        match turn {
            Turn::Drawn(i, out) => {
                files[i] = out;
                rendered += 1;
            }
            Turn::Held(t, holder) => held.push((t, holder)),
        }
    }
    for (t, holder) in held {
        let (file, drawn_here) = drawer.take_held(&t, &progress).await?;
        progress(t.index, t.window.frames);
        files[t.index] = file;
        if drawn_here {
            rendered += 1;
        } else {
            helped += 1;
            if let Some(h) = holder.filter(|h| !helpers.contains(h)) {
                helpers.push(h);
            }
        }
    }
    debug_assert_eq!(rendered + helped, needed);
    let list = work.join("video.ffconcat");
    std::fs::write(&list, concat_list(&files, &windows, fps))?;
    Ok(VideoTrack {
        list,
        frames: total,
        rendered,
        reused: windows.len() - needed,
        helped,
        helpers,
    })
}

/// Help a lead render the same video (`pass` built as it built its own): draw the windows
/// neither the cache nor the team has yet, from the last one back (the lead starts at the
/// first). How many were drawn here.
pub async fn help(
    pass: &VideoPass<'_>,
    work: &Path,
    tools: &Tools,
    cache: &RenderCache,
    team: &dyn Team,
    cancel: &CancellationToken,
) -> Result<usize, RenderError> {
    let shots = graph::check_frame(pass.timeline)?;
    let windows = plan(pass, &shots, false);
    let mut todo = Vec::new();
    for (i, win) in windows.iter().enumerate().rev() {
        let key = window_key(&graph::window_job(pass, &shots, *win, 1)?)?;
        if !cache.has_shared(&key, "mp4").await {
            todo.push(Todo {
                index: i,
                window: *win,
                key,
            });
        }
    }
    let drawer = Drawer {
        pass,
        shots: &shots,
        work,
        tools,
        cache: Some(cache),
        team: Some(team),
        lead: false,
        cancel,
    };
    let turns = drawer.draw_claimed(todo, &|_, _| {}).await?;
    Ok(turns
        .iter()
        .filter(|t| matches!(t, Turn::Drawn(..)))
        .count())
}

/// The windows of the video: one for the whole of it, or cut at shot boundaries with each
/// title and caption inside one window, so a text edit re-renders one window.
fn plan(pass: &VideoPass<'_>, shots: &[Shot], one_window: bool) -> Vec<Window> {
    let tl = pass.timeline;
    let fps = tl.meta.fps;
    let total = ms_to_frames(tl.duration_ms, fps);
    if one_window {
        return vec![Window {
            start: 0,
            frames: total,
        }];
    }
    let texts: Vec<(u64, u64)> = tl
        .segments(crate::timeline::TT_TEXT)
        .iter()
        .map(|s| {
            (
                ms_to_frames(s.start_ms, fps).min(total),
                ms_to_frames(s.end_ms(), fps).min(total),
            )
        })
        .collect();
    segments::plan(shots, &texts, total, fps)
}

/// The cache key of a window: its ffmpeg arguments with each input file replaced by what it
/// holds (the scratch paths differ on every render, the pictures may not).
fn window_key(job: &WindowJob) -> Result<String, RenderError> {
    let mut k = KeyBuilder::new("window");
    let input_args: Vec<&std::ffi::OsStr> =
        job.inputs.iter().map(|i| i.arg().as_os_str()).collect();
    for a in &job.args {
        let a: &OsString = a;
        if !input_args.contains(&a.as_os_str()) {
            k.part(&a.to_string_lossy());
        }
    }
    for input in &job.inputs {
        match input {
            InputFile::File(p) => {
                k.file(p)?;
            }
            InputFile::Pattern(pattern, count) => {
                for n in 0..*count {
                    k.file(&numbered(pattern, n))?;
                }
            }
        }
    }
    Ok(k.finish())
}

/// File `n` of a `%0Nd`/`%d` pattern.
fn numbered(pattern: &Path, n: u64) -> PathBuf {
    let s = pattern.to_string_lossy();
    let Some(at) = s.rfind('%') else {
        return pattern.to_path_buf();
    };
    let rest = &s[at + 1..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let after = &rest[digits.len()..];
    let Some(after) = after.strip_prefix('d') else {
        return pattern.to_path_buf();
    };
    let width: usize = digits.trim_start_matches('0').parse().unwrap_or(0);
    PathBuf::from(format!("{}{n:0width$}{after}", &s[..at]))
}

/// An ffconcat list joining `files` with the exact duration of each window, so timestamps run
/// on without a gap or an overlap at the joins.
fn concat_list(files: &[PathBuf], windows: &[Window], fps: u32) -> String {
    let mut s = String::from("ffconcat version 1.0\n");
    for (f, w) in files.iter().zip(windows) {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(s, "file '{name}'");
        let _ = writeln!(s, "duration {:.6}", w.frames as f64 / f64::from(fps.max(1)));
    }
    s
}

/// Arguments that read a concat list as the video input.
pub fn concat_input(list: &Path) -> Vec<OsString> {
    let mut a: Vec<OsString> = ["-f", "concat", "-safe", "0", "-i"]
        .map(OsString::from)
        .into();
    a.push(list.into());
    a
}

/// The soundtrack's cache key: everything that decides the mixed audio (the audio and video
/// tracks, the media files they use, length, frame rate and the mix mode), and nothing of the
/// text or pictures, so caption edits reuse it.
pub fn soundtrack_key(
    tl: &crate::timeline::Timeline,
    media: &std::collections::HashMap<String, crate::media::MediaInfo>,
    enc: &encode::EncodeSettings,
) -> Result<String, RenderError> {
    use crate::timeline::{TT_AUDIO, TT_VIDEO};
    let mut k = KeyBuilder::new("soundtrack");
    k.part(&tl.duration_ms.to_string())
        .part(&tl.meta.fps.to_string())
        .part(if enc.one_pass_audio {
            "one-pass-fast-aac"
        } else {
            "two-pass-ebur128"
        });
    // Every audio track (music and the voice-over, with the word times its ducking follows)
    // and the shots (clips' own sound).
    let tracks = tl
        .tracks
        .iter()
        .filter(|t| t.tt == TT_AUDIO)
        .chain(tl.track(TT_VIDEO));
    for t in tracks {
        let segs = &t.segments;
        k.part(&t.id);
        k.part(&serde_json::to_string(segs).map_err(std::io::Error::other)?);
        for s in segs {
            if let Some(m) = s.media_id.as_deref().and_then(|id| media.get(id)) {
                k.file(&m.path)?;
            }
        }
    }
    Ok(k.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_files_follow_the_pattern() {
        assert_eq!(
            numbered(Path::new("/w/pop0_%04d.png"), 7),
            PathBuf::from("/w/pop0_0007.png")
        );
        assert_eq!(
            numbered(Path::new("/w/t%d.png"), 12),
            PathBuf::from("/w/t12.png")
        );
    }

    #[test]
    fn concat_lists_carry_exact_durations() {
        let files = [PathBuf::from("/w/w0.mp4"), PathBuf::from("/w/w1.mp4")];
        let wins = [
            Window {
                start: 0,
                frames: 90,
            },
            Window {
                start: 90,
                frames: 75,
            },
        ];
        let l = concat_list(&files, &wins, 30);
        assert_eq!(
            l,
            "ffconcat version 1.0\nfile 'w0.mp4'\nduration 3.000000\nfile 'w1.mp4'\nduration 2.500000\n"
        );
    }
}
