//! Media intake: the one door files come through before anything renders them.
//!
//! A file is accepted only if its extension is one the product promises, it is not empty and not
//! over the size limit, and ffprobe (and for stills, a real decode) agrees that its contents are
//! what the name says. Each accepted file gets a content-hash id, so the same bytes uploaded twice
//! are one media item.

pub mod fetch;
mod probe;
mod source;
pub mod subject;

pub use probe::probe;
pub use source::Source;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Largest file accepted, in bytes (500 MB, as the product promises).
pub const MAX_FILE_BYTES: u64 = 500 * 1000 * 1000;

/// An accepted file format: its extension, what it is used as, and the MIME type it is sent
/// with. The one table both backends read, so what intake accepts, what results call a file
/// and what the cloud upload declares cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Lower-case extension, without the dot.
    pub ext: &'static str,
    /// What a file of this format is used as.
    pub kind: MediaKind,
    /// The MIME type for uploads.
    pub mime: &'static str,
}

const fn format(ext: &'static str, kind: MediaKind, mime: &'static str) -> Format {
    Format { ext, kind, mime }
}

/// Every accepted format, grouped video, image, audio (the order results list them in).
pub const FORMATS: &[Format] = &[
    format("mp4", MediaKind::Video, "video/mp4"),
    format("mov", MediaKind::Video, "video/quicktime"),
    format("avi", MediaKind::Video, "video/x-msvideo"),
    format("webm", MediaKind::Video, "video/webm"),
    format("mkv", MediaKind::Video, "video/x-matroska"),
    format("jpg", MediaKind::Image, "image/jpeg"),
    format("jpeg", MediaKind::Image, "image/jpeg"),
    format("png", MediaKind::Image, "image/png"),
    format("gif", MediaKind::Image, "image/gif"),
    format("webp", MediaKind::Image, "image/webp"),
    format("mp3", MediaKind::Audio, "audio/mpeg"),
    format("wav", MediaKind::Audio, "audio/wav"),
    format("m4a", MediaKind::Audio, "audio/mp4"),
    format("aac", MediaKind::Audio, "audio/aac"),
];

/// The format an extension names (any case), if it is one we accept.
pub fn format_of(ext: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.ext.eq_ignore_ascii_case(ext))
}

/// The accepted formats as a person would read them.
pub fn accepted_formats() -> String {
    let of = |kind: MediaKind| {
        FORMATS
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.ext)
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "video {}; image {}; audio {}",
        of(MediaKind::Video),
        of(MediaKind::Image),
        of(MediaKind::Audio)
    )
}

/// What a media item is used as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A still image (shown with Ken Burns motion).
    Image,
    /// A video clip.
    Video,
    /// An audio track (used as music).
    Audio,
}

impl MediaKind {
    /// The kind a file extension promises, if it is one we accept.
    pub fn from_extension(ext: &str) -> Option<MediaKind> {
        format_of(ext).map(|f| f.kind)
    }

    /// Lower-case name, as used in results.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }
}

/// An accepted media file and what probing found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// Content-hash id (`med_` + 16 hex digits of SHA-256).
    pub id: String,
    /// Absolute path of the file.
    pub path: PathBuf,
    /// File name as the person gave it.
    pub file_name: String,
    /// Image, video or audio.
    pub kind: MediaKind,
    /// Display width in pixels, after rotation (0 for audio).
    pub width: u32,
    /// Display height in pixels, after rotation (0 for audio).
    pub height: u32,
    /// Duration in ms (0 for stills).
    pub duration_ms: u64,
    /// Rotation in degrees the container asks players to apply (0, 90, 180, 270).
    pub rotation: i32,
    /// EXIF orientation (1–8) that ffmpeg will not apply by itself, so the renderer must;
    /// 0 or 1 when there is nothing to do.
    #[serde(default)]
    pub exif_orientation: u8,
    /// Whether the file carries an audio stream.
    pub has_audio: bool,
    /// Size on disk in bytes.
    pub size_bytes: u64,
}

impl MediaInfo {
    /// Width divided by height (1.0 for audio).
    pub fn aspect(&self) -> f64 {
        if self.width == 0 || self.height == 0 {
            1.0
        } else {
            self.width as f64 / self.height as f64
        }
    }

    /// ffmpeg filters (each followed by a comma) that turn a still upright per its EXIF
    /// orientation; empty when it already is.
    pub fn upright_filter(&self) -> &'static str {
        match self.exif_orientation {
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
}

/// Why a file was refused. Every message names the file and says what would be accepted.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// No such file.
    #[error("{file}: file not found")]
    NotFound {
        /// The path as given.
        file: String,
    },
    /// The path is a directory or special file.
    #[error("{file}: not a regular file")]
    NotAFile {
        /// The path as given.
        file: String,
    },
    /// The extension is not one we accept.
    #[error("{file}: unsupported file type '{ext}'; accepted formats are {accepted}")]
    Unsupported {
        /// The path as given.
        file: String,
        /// The extension found (or "none").
        ext: String,
        /// The accepted list.
        accepted: String,
    },
    /// The file has no bytes.
    #[error("{file}: the file is empty (0 bytes)")]
    Empty {
        /// The path as given.
        file: String,
    },
    /// The file is larger than the limit.
    #[error(
        "{file}: file is {size_mb} MB, over the 500 MB limit; compress it or trim it (e.g. `ffmpeg -i IN -t 60 -crf 26 OUT.mp4`)"
    )]
    TooLarge {
        /// The path as given.
        file: String,
        /// Its size in MB.
        size_mb: u64,
    },
    /// The file could not be read.
    #[error("{file}: cannot read the file: {reason}")]
    Unreadable {
        /// The path as given.
        file: String,
        /// The OS error.
        reason: String,
    },
    /// The bytes are not a valid file of the kind the name says.
    #[error("{file}: {reason}")]
    Corrupt {
        /// The path as given.
        file: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// A URL could not (or may not) be downloaded.
    #[error("{url}: {reason}")]
    Download {
        /// The URL as given.
        url: String,
        /// Why, in words.
        reason: String,
    },
    /// ffprobe/ffmpeg could not be run at all.
    #[error(transparent)]
    Tool(#[from] crate::ffmpeg::FfmpegError),
}

/// A file that passed the checks every backend makes before reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFile {
    /// What its extension promises.
    pub kind: MediaKind,
    /// The extension, lower-case.
    pub ext: String,
    /// The MIME type its format is sent with.
    pub mime: &'static str,
    /// Size in bytes.
    pub size: u64,
}

/// The checks that need no decoding: exists, is a regular file, has an accepted extension, is
/// neither empty nor over the size limit. Each refusal names the file.
pub fn check_file(path: &Path) -> Result<CheckedFile, MediaError> {
    let file = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MediaError::NotFound { file });
        }
        Err(e) => {
            return Err(MediaError::Unreadable {
                file,
                reason: e.to_string(),
            });
        }
    };
    if !meta.is_file() {
        return Err(MediaError::NotAFile { file });
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let Some(format) = format_of(&ext) else {
        return Err(MediaError::Unsupported {
            file,
            ext: if ext.is_empty() { "none".into() } else { ext },
            accepted: accepted_formats(),
        });
    };
    if meta.len() == 0 {
        return Err(MediaError::Empty { file });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(MediaError::TooLarge {
            file,
            size_mb: meta.len() / 1_000_000,
        });
    }
    Ok(CheckedFile {
        kind: format.kind,
        ext,
        mime: format.mime,
        size: meta.len(),
    })
}

/// Somewhere small facts about content (a file's probe) are kept between runs. The render
/// cache keeps them; it lives above this module, so it is handed in through this trait.
pub trait FactMemo: Sync {
    /// The fact kept under `key`, when a whole one is there.
    fn recall(&self, key: &str) -> Option<serde_json::Value>;
    /// Keep `fact` under `key`.
    fn keep(&self, key: &str, fact: &serde_json::Value) -> std::io::Result<()>;
}

/// Check, hash and probe one local file.
pub async fn intake(path: &Path, tools: &crate::ffmpeg::Tools) -> Result<MediaInfo, MediaError> {
    intake_cached(path, tools, None).await
}

/// [`intake`], taking the probe of the same bytes from `memo` when an earlier intake made it
/// (a re-export in a new process then starts without ~20 ffprobe and decode runs), and
/// keeping a new probe there. Only files that passed are kept; the checks that need no
/// decoding run every time.
pub async fn intake_cached(
    path: &Path,
    tools: &crate::ffmpeg::Tools,
    memo: Option<&dyn FactMemo>,
) -> Result<MediaInfo, MediaError> {
    let file = path.display().to_string();
    let CheckedFile {
        kind, ext, size, ..
    } = check_file(path)?;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let id = content_id(&abs).await.map_err(|e| MediaError::Unreadable {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    // Keyed by the content hash and what the name promises: the same bytes probe the same.
    let key = format!("probe|{id}|{size}|{ext}");
    let known = memo
        .and_then(|c| c.recall(&key))
        .and_then(|v| serde_json::from_value::<probe::Probed>(v).ok());
    let probed = match known {
        Some(p) => p,
        None => {
            let p = probe(&abs, kind, &ext, tools)
                .await
                .map_err(|reason| match reason {
                    probe::ProbeError::Tool(t) => MediaError::Tool(t),
                    probe::ProbeError::Invalid(reason) => MediaError::Corrupt {
                        file: file.clone(),
                        reason,
                    },
                })?;
            if let Some(c) = memo
                && let Err(e) = serde_json::to_value(&p)
                    .map_err(std::io::Error::other)
                    .and_then(|v| c.keep(&key, &v))
            {
                tracing::warn!(error = %e, "could not keep the probe in the render cache");
            }
            p
        }
    };
    Ok(MediaInfo {
        id,
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone()),
        path: abs,
        kind,
        width: probed.width,
        height: probed.height,
        duration_ms: probed.duration_ms,
        rotation: probed.rotation,
        exif_orientation: probed.exif_orientation,
        has_audio: probed.has_audio,
        size_bytes: size,
    })
}

/// Give a fetched file its content's name in `dir` (`<id>.<ext>`), or drop it when those bytes
/// are already there: the same media fetched twice (by one URL or two) is one file on disk,
/// just as it is one media item. `info` (from [`intake`] of `fetched`) then points at the kept
/// file and is named `name`, what the URL called it.
pub fn keep_fetched(
    fetched: &Path,
    dir: &Path,
    name: String,
    info: &mut MediaInfo,
) -> std::io::Result<()> {
    let ext = fetched
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kept = std::path::absolute(dir.join(format!("{}.{ext}", info.id)))?;
    if kept.is_file() {
        std::fs::remove_file(fetched)?;
    } else {
        // Atomic: two fetches of the same bytes finishing together leave one whole file.
        std::fs::rename(fetched, &kept)?;
    }
    info.path = kept;
    info.file_name = name;
    Ok(())
}

/// SHA-256 of the file's bytes, streamed, as a short id.
async fn content_id(path: &Path) -> std::io::Result<String> {
    let path = path.to_path_buf();
    let hex = tokio::task::spawn_blocking(move || sha256_file(&path))
        .await
        .map_err(std::io::Error::other)??;
    Ok(format!("med_{}", &hex[..16]))
}

/// SHA-256 of a file's bytes (hex), read in 64 KiB pieces.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_gives_kinds_mimes_and_the_accepted_list() {
        assert_eq!(
            accepted_formats(),
            "video mp4 mov avi webm mkv; image jpg jpeg png gif webp; audio mp3 wav m4a aac"
        );
        assert_eq!(MediaKind::from_extension("JPG"), Some(MediaKind::Image));
        assert_eq!(format_of("m4a").map(|f| f.mime), Some("audio/mp4"));
        assert_eq!(format_of("exe"), None);
        for (i, f) in FORMATS.iter().enumerate() {
            assert_eq!(f.ext, f.ext.to_ascii_lowercase());
            assert!(f.mime.starts_with(f.kind.as_str()), "{f:?}");
            assert!(FORMATS[i + 1..].iter().all(|g| g.ext != f.ext), "{f:?}");
        }
    }
}
