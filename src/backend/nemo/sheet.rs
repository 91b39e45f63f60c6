//! The contact sheet for cloud sessions. The service keeps the media and returns no pictures
//! (the contract has no thumbnail field), so a thumbnail of each local file is made here when
//! it is uploaded, and the sheet of the cloud's draft is drawn from those by the same code that
//! draws the local engine's: each shot shows its source's thumbnail, or a plain tile when its
//! source never passed through this machine (a URL the service fetched, a generated clip).

use crate::backend::MediaItem;
use crate::ffmpeg::{self, RunOptions, Tools};
use crate::media::{self, MediaInfo, MediaKind};
use crate::render::RenderError;
use crate::timeline::{TT_VIDEO, Timeline};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Thumbnails are at most this many pixels on the long side: sharp enough for a sheet whose
/// tiles are 320 px, small enough to keep per upload.
const THUMB_PX: u32 = 640;
/// Key of the plain tile in the media map.
const PLAIN: &str = "nemo_plain";

/// Where a media item's thumbnail lives in the workspace.
pub(super) fn thumb_path(home: &Path, media_id: &str) -> PathBuf {
    home.join("nemo")
        .join("thumbs")
        .join(format!("{media_id}.jpg"))
}

/// Make the thumbnail of the local file `src` at `out`: a still as it will show (upright), a
/// clip's middle frame. Audio has none.
pub(super) async fn make_thumb(src: &Path, out: &Path, tools: &Tools) -> Result<(), String> {
    let info = media::intake(src, tools).await.map_err(|e| e.to_string())?;
    if info.kind == MediaKind::Audio {
        return Err("audio has no picture".into());
    }
    let dir = out.parent().ok_or("no folder for the thumbnail")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let partial = tempfile::Builder::new()
        .prefix(".thumb-")
        .suffix(".jpg")
        .tempfile_in(dir)
        .map_err(|e| e.to_string())?;
    let mut cmd = tools.ffmpeg_command();
    if info.kind == MediaKind::Video {
        cmd.args(["-ss", &format!("{:.3}", info.duration_ms as f64 / 2000.0)]);
    }
    cmd.arg("-i").arg(&info.path).args([
        "-vf",
        &format!(
            "{}scale={THUMB_PX}:{THUMB_PX}:force_original_aspect_ratio=decrease,scale=trunc(iw/2)*2:trunc(ih/2)*2",
            info.upright_filter()
        ),
        "-frames:v",
        "1",
        "-q:v",
        "4",
        "-f",
        "image2",
    ]);
    cmd.arg(partial.path());
    let opts = RunOptions {
        timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    ffmpeg::run("ffmpeg", cmd, opts)
        .await
        .map_err(|e| e.to_string())?;
    partial.persist(out).map_err(|e| e.to_string())?;
    Ok(())
}

/// The plain tile for shots with no thumbnail, made once per workspace.
async fn plain_tile(home: &Path, tools: &Tools) -> Result<PathBuf, RenderError> {
    let path = thumb_path(home, PLAIN);
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(path.parent().unwrap_or(home))?;
    let partial = tempfile::Builder::new()
        .prefix(".plain-")
        .suffix(".jpg")
        .tempfile_in(path.parent().unwrap_or(home))?;
    let mut cmd = tools.ffmpeg_command();
    cmd.args([
        "-f",
        "lavfi",
        "-i",
        "color=c=0x3a3a3a:s=640x360",
        "-frames:v",
        "1",
        "-f",
        "image2",
    ])
    .arg(partial.path());
    ffmpeg::run("ffmpeg", cmd, RunOptions::default()).await?;
    partial
        .persist(&path)
        .map_err(|e| RenderError::Io(e.error))?;
    Ok(path)
}

/// Which upload a draft segment shows: named by our media id, by the service's CDN URL, or by
/// file name (drafts may carry sandbox paths ending in the uploaded name).
fn source_of<'a>(
    seg: &crate::timeline::Segment,
    uploads: &'a [MediaItem],
    cdn: &HashMap<String, String>,
) -> Option<&'a MediaItem> {
    let src = seg.src.as_deref().unwrap_or("");
    let last = src.rsplit('/').next().unwrap_or("");
    uploads.iter().find(|u| {
        seg.media_id.as_deref() == Some(u.media_id.as_str())
            || (!src.is_empty() && cdn.get(&u.media_id).is_some_and(|c| c == src))
            || (!last.is_empty() && last == u.file_name)
    })
}

/// Draw the sheet of `tl` (the cloud's draft) from the thumbnails of `uploads`.
pub(super) async fn contact_sheet(
    home: &Path,
    mut tl: Timeline,
    uploads: &[MediaItem],
    cdn: &HashMap<String, String>,
    tools: &Tools,
) -> Result<Vec<u8>, RenderError> {
    let mut media: HashMap<String, MediaInfo> = HashMap::new();
    let mut keys = Vec::new();
    for seg in tl.segments(TT_VIDEO) {
        let thumb = source_of(seg, uploads, cdn)
            .map(|u| (u.media_id.clone(), thumb_path(home, &u.media_id)))
            .filter(|(_, p)| p.is_file());
        let (key, path) = match thumb {
            Some(t) => t,
            None => (PLAIN.to_string(), plain_tile(home, tools).await?),
        };
        if !media.contains_key(&key) {
            let info = media::intake(&path, tools)
                .await
                .map_err(|e| RenderError::Invalid(e.to_string()))?;
            media.insert(key.clone(), info);
        }
        keys.push(key);
    }
    if let Some(track) = tl.track_mut(TT_VIDEO) {
        for (seg, key) in track.segments.iter_mut().zip(keys) {
            seg.media_id = Some(key);
            seg.in_ms = None;
        }
    }
    crate::render::preview::contact_sheet(&tl, &media, &home.join("tmp"), tools).await
}
