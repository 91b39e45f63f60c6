//! The video track rendered window by window ([`super::segments`]): windows already in the
//! render cache are reused, the rest are drawn and encoded side by side (as many as there are
//! cores and the memory budget holds, see [`super::budget`]), and the result is a concat list the final mux joins by stream copy.

use super::cache::{KeyBuilder, RenderCache};
use super::graph::{self, InputFile, VideoPass, WindowJob};
use super::segments::{self, Window};
use super::{RenderError, budget, encode};
use crate::ffmpeg::{self, RunOptions, Tools};
use crate::timeline::ms_to_frames;
use futures_util::{StreamExt, TryStreamExt};
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
    /// Windows taken from the cache.
    pub reused: usize,
}

/// Render the video of `pass` into `work`, reporting frames done (reused windows count at
/// once) through `on_frames`.
pub async fn render(
    pass: &VideoPass<'_>,
    work: &Path,
    tools: &Tools,
    cache: Option<&RenderCache>,
    one_window: bool,
    on_frames: &(dyn Fn(u64) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<VideoTrack, RenderError> {
    let tl = pass.timeline;
    let fps = tl.meta.fps;
    let shots = graph::check_frame(tl)?;
    let total = ms_to_frames(tl.duration_ms, fps);
    let windows = if one_window {
        vec![Window {
            start: 0,
            frames: total,
        }]
    } else {
        // Each title and caption within one window, so a text edit re-renders one window.
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
        segments::plan(&shots, &texts, total, fps)
    };

    // Which windows the cache already has (keys do not depend on thread counts).
    let mut todo: Vec<(usize, Window, String)> = Vec::new();
    let mut files: Vec<PathBuf> = vec![PathBuf::new(); windows.len()];
    let mut reused_frames = 0;
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
            None => todo.push((i, *win, key)),
        }
    }
    let done = Mutex::new(vec![0u64; windows.len()]);
    on_frames(reused_frames);
    let cores = cores();
    let per_window = budget::window_mb(tl.meta.width, tl.meta.height);
    let side_by_side = parallel_windows(cores, per_window, budget::total_mb());
    // From the frame size and the machine alone, never from how many windows this render has
    // to make: the encoder's threads shape its output, and a window must come out the same
    // whichever render makes it (its cache key does not name them).
    let threads = (cores / side_by_side).max(1);
    let rendered = todo.len();
    let runs = todo.into_iter().map(|(i, win, key)| {
        let (done, shots) = (&done, &shots);
        async move {
            // Memory first, then cores: nothing holds a core while it waits for memory.
            let _memory = budget::reserve(per_window).await;
            let _slot = slots()
                .acquire_many(threads as u32)
                .await
                .map_err(|_| RenderError::Cancelled)?;
            let job = graph::window_job(pass, shots, win, threads)?;
            let out = work.join(format!("w{i}.mp4"));
            let hook = |p: ffmpeg::RunProgress| {
                let f = ((p.out_time_s * f64::from(fps)) as u64).min(win.frames);
                let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
                d[i] = f;
                on_frames(reused_frames + d.iter().sum::<u64>());
            };
            let mut cmd = tools.ffmpeg_command();
            cmd.args(&job.args).arg(&out);
            tracing::debug!(window = i, args = ?job.args, "video window");
            ffmpeg::run(
                "ffmpeg",
                cmd,
                RunOptions {
                    cancel: Some(cancel),
                    on_progress: Some(&hook),
                    ..Default::default()
                },
            )
            .await?;
            if let Some(c) = cache
                && let Err(e) = c.store_shared(&key, &out).await
            {
                // The render is fine without it; the next one renders this window again.
                tracing::warn!(error = %e, "could not store a window in the render cache");
            }
            Ok::<_, RenderError>((i, out))
        }
    });
    // Only as many windows as run side by side ask for the budget at a time, so a soundtrack
    // pass asking meanwhile is served between two windows, not after all of them.
    let finished: Vec<(usize, PathBuf)> = futures_util::stream::iter(runs)
        .buffer_unordered(side_by_side)
        .try_collect()
        .await?;
    for (i, out) in finished {
        files[i] = out;
    }
    let list = work.join("video.ffconcat");
    std::fs::write(&list, concat_list(&files, &windows, fps))?;
    Ok(VideoTrack {
        list,
        frames: total,
        rendered,
        reused: windows.len() - rendered,
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Render slots shared by every render in this process, one per core (a window takes one per
/// encoder thread): renders started side by side (several formats, several sessions) queue
/// their windows instead of oversubscribing the machine's cores.
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(cores()))
}

/// How many windows render side by side: one per core, as many as the memory budget holds
/// (`per_window` MB each), at least one.
fn parallel_windows(cores: usize, per_window: u32, budget: u32) -> usize {
    let fit = (budget / per_window.max(1)) as usize;
    cores.min(fit).clamp(1, 8)
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
            "one-pass"
        } else {
            "two-pass"
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

    #[test]
    fn windows_side_by_side_fit_cores_and_memory() {
        assert_eq!(parallel_windows(2, 280, 360), 1);
        assert_eq!(parallel_windows(2, 950, 360), 1);
        assert_eq!(parallel_windows(2, 70, 360), 2);
        assert_eq!(parallel_windows(8, 280, 2000), 7);
        assert_eq!(parallel_windows(1, 70, 360), 1);
    }
}
