//! Running ffmpeg and ffprobe: finding them, feeding progress back, and killing them on cancel.
//!
//! Every child is started with no shell (arguments go straight to `execve`), with `-nostdin`, is
//! killed when its handle is dropped, and on Linux also when reelsmith itself dies, so a crashed or
//! cancelled render never leaves an encoder running.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

/// Where ffmpeg and ffprobe live on this machine.
#[derive(Debug, Clone)]
pub struct Tools {
    /// Path of the ffmpeg binary.
    pub ffmpeg: PathBuf,
    /// Path of the ffprobe binary.
    pub ffprobe: PathBuf,
}

/// Why an ffmpeg or ffprobe run failed.
#[derive(Debug, thiserror::Error)]
pub enum FfmpegError {
    /// The binary is not installed or not on PATH.
    #[error(
        "{0} was not found on PATH; install it with `apt-get install -y ffmpeg` (Debian/Ubuntu) or `brew install ffmpeg` (macOS), or set REELSMITH_FFMPEG / REELSMITH_FFPROBE"
    )]
    NotFound(&'static str),
    /// Spawning or talking to the process failed.
    #[error("could not run {tool}: {source}")]
    Io {
        /// Which binary.
        tool: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The process exited with an error; `stderr` is the tail of what it said.
    #[error("{tool} failed ({status}): {stderr}")]
    Failed {
        /// Which binary.
        tool: &'static str,
        /// Exit status as text.
        status: String,
        /// Last lines of its stderr.
        stderr: String,
    },
    /// The run exceeded its time limit and was killed.
    #[error("{tool} took longer than {secs} s and was stopped")]
    TimedOut {
        /// Which binary.
        tool: &'static str,
        /// The limit.
        secs: u64,
    },
    /// The run stopped making progress (no new frame or output time) and was killed.
    #[error(
        "{tool} made no progress for {secs} s and was stopped (a stuck filter or input); try again, and report it if it happens again"
    )]
    Stalled {
        /// Which binary.
        tool: &'static str,
        /// How long it stood still.
        secs: u64,
    },
    /// The run was cancelled by the caller and killed.
    #[error("cancelled")]
    Cancelled,
}

impl Tools {
    /// Find ffmpeg and ffprobe: `REELSMITH_FFMPEG` / `REELSMITH_FFPROBE` first, then PATH.
    pub fn locate() -> Result<Tools, FfmpegError> {
        let ffmpeg =
            find_binary("REELSMITH_FFMPEG", "ffmpeg").ok_or(FfmpegError::NotFound("ffmpeg"))?;
        let ffprobe =
            find_binary("REELSMITH_FFPROBE", "ffprobe").ok_or(FfmpegError::NotFound("ffprobe"))?;
        Ok(Tools { ffmpeg, ffprobe })
    }

    /// A command for ffmpeg with the flags every run wants (quiet, no stdin, overwrite).
    pub fn ffmpeg_command(&self) -> Command {
        let mut cmd = child_command(&self.ffmpeg);
        cmd.args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]);
        cmd
    }

    /// A command for ffprobe printing JSON.
    pub fn ffprobe_command(&self) -> Command {
        let mut cmd = child_command(&self.ffprobe);
        cmd.args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-print_format",
            "json",
        ]);
        cmd
    }

    /// The first line of `ffmpeg -version`, for `doctor`.
    pub async fn version(&self) -> Option<String> {
        let out = child_command(&self.ffmpeg)
            .arg("-version")
            .output()
            .await
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_string)
    }
}

fn find_binary(env: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A command for any helper program (ffmpeg, the voice engines) with the same guarantees: no stdin,
/// its own process group, killed when dropped and (on Linux) when reelsmith dies.
pub fn child_command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    // Own process group: a terminal's Ctrl-C reaches reelsmith, which cancels cleanly, not the
    // encoder directly.
    cmd.kill_on_drop(true).stdin(Stdio::null()).process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches only the child's own state.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd
}

/// What an ffmpeg run reports while it works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunProgress {
    /// Output time reached so far, in seconds.
    pub out_time_s: f64,
    /// Frames written so far.
    pub frame: u64,
    /// Encoding speed relative to real time, when ffmpeg reports it.
    pub speed: Option<f64>,
}

/// Limits and hooks for one run.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Kill the process after this long.
    pub timeout: Option<Duration>,
    /// Cap the process's address space (bytes): an allocation past it fails instead of the
    /// machine swapping.
    pub memory_limit: Option<u64>,
    /// Kill the process when this is cancelled.
    pub cancel: Option<&'a CancellationToken>,
    /// Called for every `-progress` block ffmpeg writes (only when the command has `-progress pipe:1`).
    pub on_progress: Option<&'a (dyn Fn(RunProgress) + Send + Sync)>,
    /// Kill the process when its progress (frames or output time, so only with `on_progress`)
    /// stands still this long: a hung filter graph fails instead of holding its render — and
    /// a cluster job, whose worker keeps acknowledging it — forever.
    pub stall: Option<Duration>,
}

/// What a finished run printed.
#[derive(Debug)]
pub struct RunOutput {
    /// Everything on stdout (empty when stdout carried progress).
    pub stdout: Vec<u8>,
    /// Everything on stderr.
    pub stderr: String,
}

/// Run `cmd` to completion, killed if `cancel` fires first (the common case of [`run`]).
pub async fn run_cancellable(
    tool: &'static str,
    cmd: Command,
    cancel: &CancellationToken,
) -> Result<RunOutput, FfmpegError> {
    run(
        tool,
        cmd,
        RunOptions {
            cancel: Some(cancel),
            ..Default::default()
        },
    )
    .await
}

/// Run `cmd` to completion, honouring the time limit, cancellation and progress hook.
pub async fn run(
    tool: &'static str,
    mut cmd: Command,
    opts: RunOptions<'_>,
) -> Result<RunOutput, FfmpegError> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(limit) = opts.memory_limit {
        // SAFETY: setrlimit is async-signal-safe and affects only the child.
        unsafe {
            cmd.pre_exec(move || {
                let rl = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                libc::setrlimit(libc::RLIMIT_AS, &rl);
                Ok(())
            });
        }
    }
    let started = std::time::Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|source| FfmpegError::Io { tool, source })?;
    let mut stdout = child.stdout.take().expect("stdout piped");
    let mut stderr = child.stderr.take().expect("stderr piped");

    let on_progress = opts.on_progress;
    // When progress last moved, in ms since `started`.
    let moved_at = std::sync::atomic::AtomicU64::new(0);
    let moved = &moved_at;
    let read_out = async move {
        let mut buf = Vec::new();
        match on_progress {
            None => {
                let _ = stdout.read_to_end(&mut buf).await;
            }
            Some(hook) => {
                let mut lines = BufReader::new(stdout).lines();
                let mut cur = RunProgress {
                    out_time_s: 0.0,
                    frame: 0,
                    speed: None,
                };
                let mut last = (0.0, 0);
                while let Ok(Some(line)) = lines.next_line().await {
                    let Some((k, v)) = line.split_once('=') else {
                        continue;
                    };
                    match k {
                        "out_time_us" | "out_time_ms" => {
                            if let Ok(us) = v.trim().parse::<i64>() {
                                cur.out_time_s = us.max(0) as f64 / 1e6;
                            }
                        }
                        "frame" => cur.frame = v.trim().parse().unwrap_or(cur.frame),
                        "speed" => cur.speed = v.trim().trim_end_matches('x').parse().ok(),
                        "progress" => {
                            if (cur.out_time_s, cur.frame) != last {
                                last = (cur.out_time_s, cur.frame);
                                let ms = started.elapsed().as_millis() as u64;
                                moved.store(ms, std::sync::atomic::Ordering::Relaxed);
                            }
                            hook(cur)
                        }
                        _ => {}
                    }
                }
            }
        }
        buf
    };
    let read_err = async move {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s).await;
        s
    };
    let wait = async {
        let (out, err, status) = tokio::join!(read_out, read_err, child.wait());
        (out, err, status)
    };
    let cancelled = async {
        match opts.cancel {
            Some(c) => c.cancelled().await,
            None => std::future::pending().await,
        }
    };
    let timeout = async {
        match opts.timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    let stalled = async {
        match opts.stall.filter(|_| on_progress.is_some()) {
            Some(limit) => loop {
                tokio::time::sleep((limit / 4).max(Duration::from_millis(100))).await;
                let since = (started.elapsed().as_millis() as u64)
                    .saturating_sub(moved.load(std::sync::atomic::Ordering::Relaxed));
                if since >= limit.as_millis() as u64 {
                    return limit.as_secs();
                }
            },
            None => std::future::pending().await,
        }
    };
    // Dropping `wait` drops the child, and kill_on_drop kills it.
    let (stdout, stderr, status) = tokio::select! {
        r = wait => r,
        _ = cancelled => return Err(FfmpegError::Cancelled),
        _ = timeout => return Err(FfmpegError::TimedOut { tool, secs: opts.timeout.map(|t| t.as_secs()).unwrap_or(0) }),
        secs = stalled => return Err(FfmpegError::Stalled { tool, secs }),
    };
    let status = status.map_err(|source| FfmpegError::Io { tool, source })?;
    tracing::debug!(tool, ms = started.elapsed().as_millis() as u64, %status, "run finished");
    if !status.success() {
        return Err(FfmpegError::Failed {
            tool,
            status: status.to_string(),
            stderr: tail(&stderr, 6),
        });
    }
    Ok(RunOutput { stdout, stderr })
}

/// The last `n` non-empty lines of `s`, joined with " | ".
pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// ffmpeg reading a FIFO nobody writes to never makes progress.
    #[tokio::test]
    async fn a_run_that_makes_no_progress_is_stopped() {
        let tools = Tools::locate().expect("ffmpeg is installed");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("never.fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let mut cmd = tools.ffmpeg_command();
        cmd.args(["-progress", "pipe:1", "-f", "rawvideo", "-s", "16x16"])
            .args(["-pix_fmt", "gray", "-i"])
            .arg(&fifo)
            .args(["-f", "null", "-"]);
        let started = Instant::now();
        let r = run(
            "ffmpeg",
            cmd,
            RunOptions {
                on_progress: Some(&|_| {}),
                stall: Some(Duration::from_millis(800)),
                ..Default::default()
            },
        )
        .await;
        assert!(
            matches!(r, Err(FfmpegError::Stalled { tool: "ffmpeg", .. })),
            "{r:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    /// A run whose frames keep coming is left alone, however long it takes in all.
    #[tokio::test]
    async fn a_run_that_keeps_moving_is_not_stopped() {
        let tools = Tools::locate().expect("ffmpeg is installed");
        let mut cmd = tools.ffmpeg_command();
        // Real-time input: 5 s of frames arriving over 5 s, against a 3 s stall limit.
        cmd.args(["-progress", "pipe:1", "-re", "-f", "lavfi"])
            .args(["-i", "testsrc=s=64x64:r=10:d=5", "-f", "null", "-"]);
        let r = run(
            "ffmpeg",
            cmd,
            RunOptions {
                on_progress: Some(&|_| {}),
                stall: Some(Duration::from_secs(3)),
                ..Default::default()
            },
        )
        .await;
        assert!(r.is_ok(), "{r:?}");
    }
}
