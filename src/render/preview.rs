//! Contact sheet: a small picture of a whole timeline an agent can look at before exporting.
//!
//! One frame per shot (from the middle of the shot), fitted to the output shape exactly as the
//! render will fit it, with the titles and captions that are on screen at that moment, a shot
//! number and time range in the corner, tiled into one JPEG kept under [`MAX_BYTES`].

use super::framing::{choose_fit, fit_filters};
use super::shots::layout_shots;
use super::text::{self, TextError};
use super::{RenderError, fonts, scratch_prefix};
use crate::ffmpeg::{self, RunOptions, Tools};
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::{TT_TEXT, TT_VIDEO, TextRole, Timeline};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// Largest contact sheet, in bytes: small enough for any MCP host's image limit.
pub const MAX_BYTES: usize = 200 * 1024;
/// Most shots shown; longer timelines are sampled evenly.
const MAX_SHOTS: usize = 20;

/// Draw the contact sheet of `tl` as JPEG bytes.
pub async fn contact_sheet(
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
    scratch: &Path,
    tools: &Tools,
) -> Result<Vec<u8>, RenderError> {
    let shots = layout_shots(tl)?;
    let segs = tl.segments(TT_VIDEO);
    let fps = tl.meta.fps.max(1) as f64;
    let (w, h) = (tl.meta.width, tl.meta.height);
    // Thumbnails 320 px on the long side.
    let (tw, th) = if w >= h {
        (320, even((320 * h / w.max(1)).max(2)))
    } else {
        (even((320 * w / h.max(1)).max(2)), 320)
    };
    let picked: Vec<_> = if shots.len() <= MAX_SHOTS {
        shots.iter().collect()
    } else {
        (0..MAX_SHOTS)
            .map(|k| &shots[k * shots.len() / MAX_SHOTS])
            .collect()
    };
    tokio::fs::create_dir_all(scratch).await?;
    let work = tempfile::Builder::new()
        .prefix(&scratch_prefix("preview"))
        .tempdir_in(scratch)?;

    // Text images (at full frame size, scaled down with the frame) and corner labels.
    let texts: Vec<_> = tl
        .segments(TT_TEXT)
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
        .cloned()
        .collect();
    let labels: Vec<String> = picked
        .iter()
        .map(|s| {
            format!(
                "{}  {}–{}",
                s.index + 1,
                fmt_s(s.start as f64 / fps),
                fmt_s((s.start + s.frames) as f64 / fps)
            )
        })
        .collect();
    let mids: Vec<u64> = picked
        .iter()
        .map(|s| ((s.start as f64 + s.frames as f64 / 2.0) / fps * 1000.0) as u64)
        .collect();
    let dir = work.path().to_path_buf();
    let drawn = tokio::task::spawn_blocking(move || -> Result<_, TextError> {
        let fonts = fonts::FontSet::shared()?;
        let mut per_shot = Vec::new();
        for (k, mid) in mids.iter().enumerate() {
            let mut items = Vec::new();
            for (j, seg) in texts.iter().enumerate() {
                if seg.start_ms <= *mid && *mid < seg.end_ms() {
                    let p = dir.join(format!("t{k}-{j}.png"));
                    let role = seg.role.unwrap_or(TextRole::Caption);
                    let placed = text::render_styled_png(
                        seg.text.as_deref().unwrap_or(""),
                        role,
                        seg.style.as_ref(),
                        w,
                        h,
                        &fonts,
                        &p,
                    )?;
                    items.push((p, placed));
                }
            }
            per_shot.push(items);
        }
        let mut label_paths = Vec::new();
        for (k, l) in labels.iter().enumerate() {
            let p = dir.join(format!("label{k}.png"));
            text::render_text_png(l, TextRole::Caption, 640, 360, &fonts, &p)?;
            label_paths.push(p);
        }
        Ok((per_shot, label_paths))
    })
    .await
    .map_err(|e| RenderError::Io(std::io::Error::other(e)))??;
    let (per_shot, label_paths) = drawn;

    let pictures = super::overlays::pictures(tl, media)?;
    let mut args: Vec<OsString> = Vec::new();
    let mut g = String::new();
    let mut input = 0usize;
    let scale = tw as f64 / w as f64;
    for (k, shot) in picked.iter().enumerate() {
        let seg = &segs[shot.index];
        let m = seg
            .media_id
            .as_ref()
            .and_then(|id| media.get(id))
            .ok_or_else(|| RenderError::Invalid(format!("shot {} has no media", shot.index + 1)))?;
        if m.kind == MediaKind::Video {
            let at = seg.in_ms.unwrap_or(0) as f64 / 1000.0 + shot.frames as f64 / fps / 2.0;
            args.extend(["-ss".into(), format!("{at:.3}").into()]);
        }
        args.push("-i".into());
        args.push(m.path.clone().into_os_string());
        let _ = write!(
            g,
            "[{input}:v]trim=end_frame=1,setsar=1,{}",
            m.upright_filter()
        );
        fit_filters(
            &mut g,
            choose_fit(m.aspect(), tw, th, None, None),
            tw,
            th,
            k,
        );
        let _ = write!(g, "format=rgb24[f{k}_0];");
        input += 1;
        let mut cur = format!("f{k}_0");
        // Logos and badges showing at the thumbnail's moment, below the text as in the video.
        let mid_frame = shot.start + shot.frames / 2;
        let shown = pictures
            .iter()
            .filter(|o| o.start_frame <= mid_frame && mid_frame < o.start_frame + o.frames);
        for (j, o) in shown.enumerate() {
            let (ow, oh) = o.scale.unwrap_or((2, 2));
            args.push("-i".into());
            args.push(o.path.clone().into_os_string());
            let _ = write!(
                g,
                "[{input}:v]format=rgba,scale={sw}:{sh},colorchannelmixer=aa={a:.3}[p{k}_{j}];[{cur}][p{k}_{j}]overlay=x={x}:y={y}[q{k}_{j}];",
                sw = even(((f64::from(ow) * scale).round() as u32).max(2)),
                sh = even(((f64::from(oh) * scale).round() as u32).max(2)),
                a = o.opacity.clamp(0.0, 1.0),
                x = (f64::from(o.x) * scale).round() as u32,
                y = (f64::from(o.y) * scale).round() as u32,
            );
            cur = format!("q{k}_{j}");
            input += 1;
        }
        for (j, (p, placed)) in per_shot[k].iter().enumerate() {
            args.push("-i".into());
            args.push(p.clone().into_os_string());
            let sw = even(((placed.width as f64 * scale).round() as u32).max(2));
            let sh = even(((placed.height as f64 * scale).round() as u32).max(2));
            let _ = write!(
                g,
                "[{input}:v]scale={sw}:{sh}[s{k}_{j}];[{cur}][s{k}_{j}]overlay=x={x}:y={y}[f{k}_{n}];",
                x = (placed.x as f64 * scale).round() as u32,
                y = (placed.y as f64 * scale).round() as u32,
                n = j + 1
            );
            cur = format!("f{k}_{}", j + 1);
            input += 1;
        }
        args.push("-i".into());
        args.push(label_paths[k].clone().into_os_string());
        let _ = write!(g, "[{cur}][{input}:v]overlay=x=4:y=4,format=yuv420p[c{k}];");
        input += 1;
    }
    let n = picked.len();
    let cols = if tw >= th { n.min(4) } else { n.min(6) };
    let rows = n.div_ceil(cols);
    for k in 0..n {
        let _ = write!(g, "[c{k}]");
    }
    let _ = write!(
        g,
        "concat=n={n}:v=1:a=0,tile={cols}x{rows}:padding=6:margin=6:color=0x202020[sheet]"
    );
    let out_path = work.path().join("sheet.jpg");
    for q in [4, 7, 11, 16, 24] {
        let mut cmd = tools.ffmpeg_command();
        cmd.args(&args)
            .arg("-filter_complex")
            .arg(&g)
            .args(["-map", "[sheet]", "-frames:v", "1", "-q:v", &q.to_string()])
            .arg(&out_path);
        ffmpeg::run(
            "ffmpeg",
            cmd,
            RunOptions {
                timeout: Some(Duration::from_secs(60)),
                ..Default::default()
            },
        )
        .await?;
        let bytes = tokio::fs::read(&out_path).await?;
        if bytes.len() <= MAX_BYTES {
            return Ok(bytes);
        }
    }
    Err(RenderError::Invalid(
        "the contact sheet could not be made small enough".into(),
    ))
}

fn even(n: u32) -> u32 {
    n & !1
}

fn fmt_s(s: f64) -> String {
    let t = format!("{s:.1}");
    format!("{} s", t.strip_suffix(".0").unwrap_or(&t))
}
