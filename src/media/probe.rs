//! ffprobe (plus a one-frame decode for stills) to learn what a file really holds.

use super::MediaKind;
use crate::ffmpeg::{self, FfmpegError, RunOptions, Tools};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Time limit for one probe or decode check, so a hostile file cannot hang intake.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest picture accepted, in pixels: 100 MP covers any camera and 8K video with room to spare.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Memory a probe or first-frame decode may use, so a hostile file cannot exhaust the machine.
const PROBE_MEMORY: u64 = 2 << 30;

/// Codecs that hold a still picture rather than a moving video.
const IMAGE_CODECS: &[&str] = &[
    "mjpeg", "png", "apng", "gif", "webp", "bmp", "tiff", "jpegls",
];

/// What probing found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Probed {
    /// Display width after rotation.
    pub width: u32,
    /// Display height after rotation.
    pub height: u32,
    /// Duration in ms (0 for stills).
    pub duration_ms: u64,
    /// Rotation in degrees (0, 90, 180, 270).
    pub rotation: i32,
    /// EXIF orientation ffmpeg leaves to us (see [`MediaInfo`](super::MediaInfo)).
    pub exif_orientation: u8,
    /// Whether there is an audio stream.
    pub has_audio: bool,
}

/// Why probing refused a file.
#[derive(Debug)]
pub enum ProbeError {
    /// The file is not what its name says; the text says why.
    Invalid(String),
    /// The tools themselves failed to run.
    Tool(FfmpegError),
}

/// Probe `path`, which the extension `ext` says is a `kind` file.
pub async fn probe(
    path: &Path,
    kind: MediaKind,
    ext: &str,
    tools: &Tools,
) -> Result<Probed, ProbeError> {
    let mut cmd = tools.ffprobe_command();
    cmd.args(["-show_streams", "-show_format"]).arg(path);
    let out = ffmpeg::run(
        "ffprobe",
        cmd,
        RunOptions {
            timeout: Some(PROBE_TIMEOUT),
            memory_limit: Some(PROBE_MEMORY),
            ..Default::default()
        },
    )
    .await;
    let out = match out {
        Ok(o) => o,
        Err(FfmpegError::Failed { stderr, .. }) => {
            return Err(ProbeError::Invalid(format!(
                "not a valid {} file ({})",
                describe(ext),
                short(&stderr)
            )));
        }
        Err(FfmpegError::TimedOut { .. }) => {
            return Err(ProbeError::Invalid(format!(
                "probing took longer than {} s; the file may be damaged",
                PROBE_TIMEOUT.as_secs()
            )));
        }
        Err(e) => return Err(ProbeError::Tool(e)),
    };
    let json: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| ProbeError::Invalid(format!("unreadable probe output: {e}")))?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let video = streams.iter().find(|s| {
        s["codec_type"] == "video" && s["disposition"]["attached_pic"].as_i64().unwrap_or(0) == 0
    });
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");
    let duration_s = json["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse::<f64>().ok())
        .or_else(|| {
            video
                .or(audio)
                .and_then(|s| s["duration"].as_str()?.parse().ok())
        })
        .unwrap_or(0.0);

    let found = describe_streams(video, audio);
    match kind {
        MediaKind::Audio => {
            if audio.is_none() {
                return Err(ProbeError::Invalid(format!(
                    "named as {} audio but contains {found}",
                    describe(ext)
                )));
            }
            if duration_s <= 0.0 {
                return Err(ProbeError::Invalid(
                    "the audio has no duration; it may be truncated".into(),
                ));
            }
            Ok(Probed {
                width: 0,
                height: 0,
                duration_ms: (duration_s * 1000.0).round() as u64,
                rotation: 0,
                exif_orientation: 1,
                has_audio: true,
            })
        }
        MediaKind::Image | MediaKind::Video => {
            let Some(v) = video else {
                return Err(ProbeError::Invalid(format!(
                    "named as {} but contains {found}, no picture",
                    describe(ext)
                )));
            };
            let codec = v["codec_name"].as_str().unwrap_or("");
            let is_still_codec = IMAGE_CODECS.contains(&codec);
            if kind == MediaKind::Video && is_still_codec && duration_s < 0.1 {
                return Err(ProbeError::Invalid(format!(
                    "named as {} video but contains a still {codec} image; rename it with an image extension",
                    describe(ext)
                )));
            }
            if kind == MediaKind::Image && !is_still_codec {
                return Err(ProbeError::Invalid(format!(
                    "named as {} image but contains {codec} video; rename it with a video extension",
                    describe(ext)
                )));
            }
            let w = v["width"].as_u64().unwrap_or(0) as u32;
            let h = v["height"].as_u64().unwrap_or(0) as u32;
            if w == 0 || h == 0 {
                // ffmpeg itself refuses absurd sizes and then reports none: say which it was.
                if let Some(size) = declared_size(&out.stderr) {
                    return Err(ProbeError::Invalid(format!(
                        "the picture declares {size} pixels, over the {} megapixel limit (a decompression bomb, or an image to downscale first)",
                        MAX_PIXELS / 1_000_000
                    )));
                }
                return Err(ProbeError::Invalid(
                    "the picture has no size; the file is truncated or corrupt".into(),
                ));
            }
            // A few hundred bytes can declare gigapixels (a decompression bomb): refuse by the
            // header, before anything decodes it.
            let pixels = w as u64 * h as u64;
            if pixels > MAX_PIXELS {
                return Err(ProbeError::Invalid(format!(
                    "the picture is {w}x{h} ({} megapixels), over the {} megapixel limit; downscale it (e.g. `ffmpeg -i IN -vf scale=3840:-2 OUT.jpg`)",
                    pixels / 1_000_000,
                    MAX_PIXELS / 1_000_000
                )));
            }
            let rotation = rotation_of(v);
            // A JPEG's EXIF orientation decides its displayed shape.
            let exif = if kind == MediaKind::Image && rotation == 0 && matches!(ext, "jpg" | "jpeg")
            {
                exif_orientation(path).unwrap_or(1)
            } else {
                1
            };
            let quarter_turn = rotation % 180 != 0 || (5..=8).contains(&exif);
            // ffmpeg 5+ turns JPEGs upright itself when their decoded frames carry the rotation;
            // only when they do not is it ours to apply.
            let exif_orientation = if exif > 1 && frames_carry_rotation(path, tools).await {
                1
            } else {
                exif
            };
            let (width, height) = if quarter_turn { (h, w) } else { (w, h) };
            if kind == MediaKind::Video && duration_s <= 0.0 {
                return Err(ProbeError::Invalid(
                    "the video has no duration; it may be truncated".into(),
                ));
            }
            check_first_frame(path, kind, ext, tools).await?;
            Ok(Probed {
                width,
                height,
                duration_ms: if kind == MediaKind::Video {
                    (duration_s * 1000.0).round() as u64
                } else {
                    0
                },
                rotation,
                exif_orientation,
                has_audio: kind == MediaKind::Video && audio.is_some(),
            })
        }
    }
}

/// Decode the first frame: probing reads only headers, so truncated images pass it.
async fn check_first_frame(
    path: &Path,
    kind: MediaKind,
    ext: &str,
    tools: &Tools,
) -> Result<(), ProbeError> {
    if kind == MediaKind::Image && matches!(ext, "jpg" | "jpeg") && !jpeg_is_complete(path) {
        return Err(ProbeError::Invalid(
            "the JPEG is truncated (it has no end-of-image marker); re-export or re-download it"
                .into(),
        ));
    }
    let mut cmd = tools.ffmpeg_command();
    cmd.arg("-i")
        .arg(path)
        .args(["-frames:v", "1", "-f", "null", "-"]);
    match ffmpeg::run(
        "ffmpeg",
        cmd,
        RunOptions {
            timeout: Some(PROBE_TIMEOUT),
            memory_limit: Some(PROBE_MEMORY),
            ..Default::default()
        },
    )
    .await
    {
        Ok(out) if kind == MediaKind::Image && !out.stderr.trim().is_empty() => {
            Err(ProbeError::Invalid(format!(
                "the image data is truncated or corrupt ({})",
                short(&out.stderr)
            )))
        }
        Ok(_) => Ok(()),
        Err(FfmpegError::Failed { stderr, .. }) => Err(ProbeError::Invalid(format!(
            "the first frame cannot be decoded; the file is truncated or corrupt ({})",
            short(&stderr)
        ))),
        Err(FfmpegError::TimedOut { .. }) => Err(ProbeError::Invalid(
            "decoding the first frame took too long; the file may be damaged".into(),
        )),
        Err(e) => Err(ProbeError::Tool(e)),
    }
}

/// A JPEG ends with the EOI marker (FF D9), possibly followed by padding.
fn jpeg_is_complete(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let n = len.min(4096);
    if f.seek(SeekFrom::Start(len - n)).is_err() {
        return false;
    }
    let mut tail = Vec::with_capacity(n as usize);
    if f.read_to_end(&mut tail).is_err() {
        return false;
    }
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Whether the first decoded frame carries a display matrix (which ffmpeg then applies).
async fn frames_carry_rotation(path: &Path, tools: &Tools) -> bool {
    let mut cmd = tools.ffprobe_command();
    cmd.args([
        "-select_streams",
        "v",
        "-show_frames",
        "-read_intervals",
        "%+#1",
    ])
    .arg(path);
    match ffmpeg::run(
        "ffprobe",
        cmd,
        RunOptions {
            timeout: Some(PROBE_TIMEOUT),
            memory_limit: Some(PROBE_MEMORY),
            ..Default::default()
        },
    )
    .await
    {
        Ok(out) => String::from_utf8_lossy(&out.stdout).contains("displaymatrix"),
        Err(_) => false,
    }
}

/// The EXIF Orientation tag (1–8) of a JPEG, read from its APP1 segment.
pub fn exif_orientation(path: &Path) -> Option<u8> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(128 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    let b = head.as_slice();
    if b.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    while i + 4 <= b.len() && b[i] == 0xFF {
        let marker = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if marker == 0xDA || len < 2 {
            return None; // image data starts: no EXIF before it
        }
        let seg = b.get(i + 4..i + 2 + len)?;
        if marker == 0xE1 && seg.starts_with(b"Exif\0\0") {
            return orientation_in_tiff(&seg[6..]);
        }
        i += 2 + len;
    }
    None
}

fn orientation_in_tiff(t: &[u8]) -> Option<u8> {
    let big = match t.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let x = t.get(o..o + 2)?;
        Some(if big {
            u16::from_be_bytes([x[0], x[1]])
        } else {
            u16::from_le_bytes([x[0], x[1]])
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let x = t.get(o..o + 4)?;
        let a = [x[0], x[1], x[2], x[3]];
        Some(if big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    };
    let ifd = u32_at(4)? as usize;
    let n = u16_at(ifd)? as usize;
    for k in 0..n.min(256) {
        let e = ifd + 2 + k * 12;
        if u16_at(e)? == 0x0112 {
            let v = u16_at(e + 8)?;
            return (1..=8).contains(&v).then_some(v as u8);
        }
    }
    None
}

/// "WxH" from ffmpeg's "Picture size WxH is invalid" complaint.
fn declared_size(stderr: &str) -> Option<String> {
    let at = stderr.find("Picture size ")? + "Picture size ".len();
    let size: String = stderr[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == 'x')
        .collect();
    size.contains('x').then_some(size)
}

fn rotation_of(stream: &Value) -> i32 {
    let from_side = stream["side_data_list"].as_array().and_then(|l| {
        l.iter()
            .find_map(|sd| sd["rotation"].as_f64().map(|r| r as i32))
    });
    let from_tag = stream["tags"]["rotate"]
        .as_str()
        .and_then(|r| r.parse::<i32>().ok());
    from_side.or(from_tag).unwrap_or(0).rem_euclid(360)
}

fn describe_streams(video: Option<&Value>, audio: Option<&Value>) -> String {
    match (video, audio) {
        (None, None) => "no audio or video streams".to_string(),
        (None, Some(a)) => format!("only audio ({})", a["codec_name"].as_str().unwrap_or("?")),
        (Some(v), None) => format!("a picture ({})", v["codec_name"].as_str().unwrap_or("?")),
        (Some(v), Some(a)) => format!(
            "video ({}) and audio ({})",
            v["codec_name"].as_str().unwrap_or("?"),
            a["codec_name"].as_str().unwrap_or("?")
        ),
    }
}

fn describe(ext: &str) -> String {
    ext.to_ascii_uppercase()
}

/// The last lines of ffmpeg's complaint, without its "[demuxer @ 0x…]" prefixes.
fn short(stderr: &str) -> String {
    let cleaned: String = stderr
        .lines()
        .map(|l| match (l.starts_with('['), l.find("] ")) {
            (true, Some(i)) if l[..i].contains(" @ 0x") => &l[i + 2..],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let t = ffmpeg::tail(&cleaned, 2);
    if t.is_empty() {
        "no details".into()
    } else {
        t.chars().take(200).collect()
    }
}
