//! Shared helpers for the black-box tests: making fixtures with ffmpeg and measuring outputs
//! with ffprobe and ffmpeg's analysis filters.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The reelsmith binary built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reelsmith"))
}

/// A reelsmith command with its own workspace.
pub fn reelsmith(home: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env("REELSMITH_HOME", home)
        .env_remove("REELSMITH_FONT_DIR");
    c
}

/// Run ffmpeg quietly; panic with its stderr if it fails.
pub fn ffmpeg(args: &[&str]) -> Output {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every video frame's presentation time and the MD5 of its decoded pixels.
pub fn frames(path: &Path) -> Vec<(String, String)> {
    let out = ffmpeg(&[
        "-v",
        "error",
        "-i",
        path.to_str().unwrap(),
        "-map",
        "0:v",
        "-f",
        "framemd5",
        "-",
    ]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            (f[2].to_string(), f[5].to_string())
        })
        .collect()
}

/// A still made by ffmpeg's generators: `kind` picks the look, so stills differ from each other.
pub fn still(dir: &Path, name: &str, w: u32, h: u32, kind: usize) -> PathBuf {
    let path = dir.join(name);
    let src = match kind % 4 {
        0 => format!("testsrc2=s={w}x{h}"),
        1 => format!(
            "mandelbrot=s={w}x{h}:start_scale={}",
            1.0 + kind as f64 * 0.3
        ),
        2 => format!(
            "gradients=s={w}x{h}:c0=0xff7e5f:c1=0x2b1055:c2=0x00c9ff:nb_colors=3:seed={kind}"
        ),
        _ => format!("cellauto=s={w}x{h}:rule={}", 18 + kind * 12),
    };
    // JPEGs as cameras and phones write them: 4:2:0 chroma (half-size colour planes).
    let jpeg = name.ends_with(".jpg") || name.ends_with(".jpeg");
    let hue = format!(
        "hue=h={}{}",
        kind * 47,
        if jpeg { ",format=yuvj420p" } else { "" }
    );
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &src,
        "-vf",
        &hue,
        "-frames:v",
        "1",
        "-q:v",
        "3",
        path.to_str().unwrap(),
    ]);
    path
}

/// ffprobe's JSON for streams and format.
pub fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The stream of `codec_type` in a probe result.
pub fn stream<'a>(probe: &'a serde_json::Value, codec_type: &str) -> &'a serde_json::Value {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == codec_type)
        .unwrap_or_else(|| panic!("no {codec_type} stream"))
}

/// Container duration in seconds.
pub fn duration(probe: &serde_json::Value) -> f64 {
    probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// One frame at `t` seconds as 8-bit grey pixels, scaled to `w`×`h`.
pub fn gray_frame(path: &Path, t: f64, w: u32, h: u32) -> Vec<u8> {
    let ss = format!("{t:.3}");
    let scale = format!("scale={w}:{h}");
    let mut args = Vec::new();
    if t > 0.0 {
        args.extend(["-ss", ss.as_str()]);
    }
    let p = path.to_str().unwrap();
    args.extend(["-i", p, "-frames:v", "1", "-vf", &scale]);
    args.extend(["-f", "rawvideo", "-pix_fmt", "gray", "-"]);
    let out = ffmpeg(&args);
    assert_eq!(out.stdout.len(), (w * h) as usize, "frame at {t}s");
    out.stdout
}

/// Mean absolute difference of two equally sized grey images within a rectangle (fractions).
pub fn region_diff(a: &[u8], b: &[u8], w: u32, h: u32, rect: (f64, f64, f64, f64)) -> f64 {
    let (x0, y0, x1, y1) = (
        (rect.0 * w as f64) as u32,
        (rect.1 * h as f64) as u32,
        (rect.2 * w as f64) as u32,
        (rect.3 * h as f64) as u32,
    );
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = (y * w + x) as usize;
            sum += (a[i] as i32 - b[i] as i32).unsigned_abs() as u64;
            n += 1;
        }
    }
    sum as f64 / n.max(1) as f64
}

/// Mean of a grey image within a rectangle (fractions).
pub fn region_mean(a: &[u8], w: u32, h: u32, rect: (f64, f64, f64, f64)) -> f64 {
    let zero = vec![0u8; a.len()];
    region_diff(a, &zero, w, h, rect)
}

/// Integrated loudness (LUFS) and true peak (dBTP) measured by ffmpeg's ebur128 filter.
pub fn loudness(path: &Path) -> (f64, f64) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let summary = &err[err.rfind("Summary:").expect("ebur128 summary")..];
    let grab = |key: &str| -> f64 {
        let at = summary.find(key).unwrap() + key.len();
        summary[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (grab("I:"), grab("Peak:"))
}

/// Start times (s) of black stretches ffmpeg's blackdetect finds.
pub fn black_stretches(path: &Path) -> Vec<String> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args([
            "-vf",
            "blackdetect=d=0.05:pix_th=0.10",
            "-an",
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("black_start"))
        .map(str::to_string)
        .collect()
}

/// Top-level MP4 box names in file order.
pub fn top_level_boxes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    let mut boxes = Vec::new();
    let mut i = 0usize;
    while i + 8 <= data.len() {
        let mut size = u32::from_be_bytes(data[i..i + 4].try_into().unwrap()) as u64;
        let name = String::from_utf8_lossy(&data[i + 4..i + 8]).into_owned();
        if size == 1 {
            size = u64::from_be_bytes(data[i + 8..i + 16].try_into().unwrap());
        } else if size == 0 {
            size = (data.len() - i) as u64;
        }
        boxes.push(name);
        if size < 8 {
            break;
        }
        i += size as usize;
    }
    boxes
}

/// Combined stdout and stderr of a finished command, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A `reelsmith serve --http …:0` server started from `cmd`, once it has said where it listens.
pub struct HttpServer {
    /// The server process.
    pub child: std::process::Child,
    /// "host:port" it bound.
    pub addr: String,
    /// The line that announced it.
    pub announced: String,
    /// The rest of its stderr (its log).
    pub log: std::io::BufReader<std::process::ChildStderr>,
}

/// Spawn `cmd` (stdout discarded, stderr piped) and wait for the "http://ADDR/mcp" line.
// The caller owns the returned child and kills and waits for it.
#[allow(clippy::zombie_processes)]
pub fn spawn_http(mut cmd: Command) -> HttpServer {
    use std::io::BufRead;
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn reelsmith serve --http");
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    // What it said before it stopped, for the failure message.
    let mut said = String::new();
    loop {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "server exited before listening ({:?}); it said:\n{said}",
            child.try_wait()
        );
        said.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_string();
            return HttpServer {
                child,
                addr,
                announced: line,
                log,
            };
        }
    }
}

/// Busy loops on every core until dropped: contention for tests whose outcome must not depend
/// on timing.
pub struct BusyLoad {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyLoad {
    pub fn start() -> BusyLoad {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..n)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 1u64;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(
                                x.wrapping_mul(6364136223846793005).wrapping_add(1),
                            );
                        }
                    }
                })
            })
            .collect();
        BusyLoad { stop, threads }
    }
}

impl Drop for BusyLoad {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One frame of `video` at `t` seconds as RGB bytes.
pub fn frame_rgb(video: &Path, t: f64) -> Vec<u8> {
    let ts = format!("{t}");
    ffmpeg(&[
        "-ss",
        &ts,
        "-i",
        video.to_str().unwrap(),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ])
    .stdout
}

/// A real little MP4 (2 s, 320x240, H.264 + AAC), as bytes: what the fake NemoVideo hands back
/// as a render.
pub fn sample_mp4(dir: &Path) -> Vec<u8> {
    let p = dir.join("sample-render.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x240:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=d=2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        p.to_str().unwrap(),
    ]);
    std::fs::read(p).unwrap()
}

/// The five tools every server lists, sorted.
pub const TOOL_NAMES: [&str; 5] = [
    "check_credits",
    "create_video",
    "export_video",
    "get_timeline",
    "upload_media",
];
