//! The soundtrack: music (supplied or synthesised) and clips' own sound, mixed to exactly the
//! video's length and normalised to −14 LUFS integrated, true peak ≤ −1 dBTP, delivered as the
//! finished AAC track (or a WAV of silence when there is no sound).
//!
//! It is made in two short audio-only ffmpeg runs while the video pass encodes: the first mixes
//! and measures (EBU R128 at 48 kHz: loudnorm's measuring pass resamples to 192 kHz and took
//! seven times as long for the same integrated figure), the second applies the measured gain,
//! limits the true peak and encodes the AAC, which is measured again. Two passes are the only
//! way to hit the target within a dB.

use super::encode::AAC;
use super::music;
use super::shots::layout_shots;
use super::{RenderError, budget};
use crate::ffmpeg::{self, Tools};
use crate::media::{MediaInfo, MediaKind};
use crate::timeline::{TT_VIDEO, Timeline, ms_to_frames};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Integrated loudness target (LUFS): what TikTok, YouTube and Instagram normalise towards.
pub const TARGET_LUFS: f64 = -14.0;
/// True-peak ceiling the limiter starts from; a dB under −1 dBTP leaves room for AAC encoding
/// (speech's sharp onsets overshot −1 dBTP after AAC with −1.5 asked).
pub const TARGET_TP: f64 = -2.0;

/// A finished soundtrack.
#[derive(Debug, Clone, PartialEq)]
pub struct Soundtrack {
    /// The file: AAC in MP4 when there is sound to normalise, a WAV of silence otherwise.
    pub path: PathBuf,
    /// Its integrated loudness (LUFS) and true peak (dBTP) as encoded, when they were measured
    /// (the export's readiness check then need not decode its sound again).
    pub measured: Option<(Option<f64>, Option<f64>)>,
}

impl Soundtrack {
    fn unmeasured(path: PathBuf) -> Self {
        Soundtrack {
            path,
            measured: None,
        }
    }
}

/// Build the soundtrack for `tl` in `work`.
///
/// `one_pass` (drafts) mixes, limits the peaks and encodes in one cheap run, without loudness
/// normalisation (measuring, then encoding and measuring again, would be a draft's slowest
/// step): a draft plays at the mix's own level, below the final's −14 LUFS.
pub async fn soundtrack(
    tl: &Timeline,
    media: &HashMap<String, MediaInfo>,
    work: &Path,
    tools: &Tools,
    cancel: &CancellationToken,
    one_pass: bool,
) -> Result<Soundtrack, RenderError> {
    let fps = tl.meta.fps;
    let total_s = ms_to_frames(tl.duration_ms, fps) as f64 / fps as f64;
    let mut args: Vec<OsString> = Vec::new();
    let mut graph = String::new();
    let mut labels = Vec::new();
    let mut input = 0usize;

    for (i, seg) in tl.music().iter().enumerate() {
        let dur_s = seg.duration_ms as f64 / 1000.0;
        if dur_s <= 0.0 {
            continue;
        }
        let src: PathBuf = if let Some(mood) = seg.generated {
            let path = work.join(format!("bed{i}.wav"));
            let ms = seg.duration_ms;
            let (p, c) = (path.clone(), cancel.clone());
            tokio::task::spawn_blocking(move || music::write_bed(mood, ms, &p, &c))
                .await
                .map_err(|e| RenderError::Io(std::io::Error::other(e)))?
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::Interrupted => RenderError::Cancelled,
                    _ => RenderError::Io(e),
                })?;
            path
        } else if let Some(id) = &seg.media_id {
            let m = media.get(id).ok_or_else(|| {
                RenderError::Invalid(format!("music {id} is not in this session"))
            })?;
            if !m.has_audio {
                return Err(RenderError::Invalid(format!(
                    "{} has no sound to use as music",
                    m.file_name
                )));
            }
            m.path.clone()
        } else {
            continue;
        };
        // Loop the source so a short track fills a long video.
        args.extend(["-stream_loop", "-1", "-i"].map(OsString::from));
        args.push(src.into_os_string());
        let fade_in = seg.fade_in_ms.unwrap_or(0) as f64 / 1000.0;
        let fade_out = (seg.fade_out_ms.unwrap_or(0) as f64 / 1000.0).min(dur_s);
        let in_s = seg.in_ms.unwrap_or(0) as f64 / 1000.0;
        let _ = write!(
            graph,
            "[{input}:a]{fmt},atrim=start={in_s:.3}:duration={dur_s:.3},asetpts=PTS-STARTPTS,\
             {fades}volume={vol:.3},adelay={delay}:all=1[a{input}];",
            fmt = AFORMAT,
            fades = fades(fade_in, fade_out, dur_s),
            vol = seg.volume.unwrap_or(1.0),
            delay = seg.start_ms,
        );
        labels.push(format!("[a{input}]"));
        input += 1;
    }

    // Clips' own sound, faded across their transitions.
    let shots = layout_shots(tl)?;
    let segs = tl.segments(TT_VIDEO);
    for (k, shot) in shots.iter().enumerate() {
        let seg = &segs[shot.index];
        let Some(m) = seg.media_id.as_ref().and_then(|id| media.get(id)) else {
            continue;
        };
        let vol = seg.volume.unwrap_or(1.0);
        if m.kind != MediaKind::Video || !m.has_audio || vol <= 0.0 {
            continue;
        }
        let dur_s = shot.frames as f64 / fps as f64;
        let in_s = seg.in_ms.unwrap_or(0) as f64 / 1000.0;
        let fade_in = shot.overlap as f64 / fps as f64;
        let fade_out = shots.get(k + 1).map(|n| n.overlap).unwrap_or(0) as f64 / fps as f64;
        args.extend(
            [
                "-ss".to_string(),
                format!("{in_s:.3}"),
                "-t".to_string(),
                format!("{dur_s:.3}"),
                "-i".to_string(),
            ]
            .map(OsString::from),
        );
        args.push(m.path.clone().into_os_string());
        let _ = write!(
            graph,
            "[{input}:a]{AFORMAT},apad=whole_dur={dur_s:.3},atrim=duration={dur_s:.3},asetpts=PTS-STARTPTS,\
             {fades}volume={vol:.3},adelay={delay}:all=1[a{input}];",
            fades = fades(fade_in, fade_out, dur_s),
            delay = shot.start * 1000 / fps as u64,
        );
        labels.push(format!("[a{input}]"));
        input += 1;
    }

    // The voice-over, and the music (and clips' sound) ducked under it.
    let mut voice_label = None;
    if let Some(seg) = tl.voiceover().filter(|s| s.duration_ms > 0) {
        let id = seg.media_id.as_deref().unwrap_or_default();
        let m = media.get(id).ok_or_else(|| {
            RenderError::Invalid(format!("the voice-over {id} is not in this session"))
        })?;
        args.push("-i".into());
        args.push(m.path.clone().into_os_string());
        let _ = write!(
            graph,
            "[{input}:a]{AFORMAT},atrim=start={in_s:.3}:duration={dur:.3},asetpts=PTS-STARTPTS,\
             acompressor=threshold=0.1:ratio=4:attack=3:release=80:knee=4,\
             alimiter=limit=0.5:attack=1:release=40:level=false,\
             volume={vol:.3},adelay={delay}:all=1[vo];",
            in_s = seg.in_ms.unwrap_or(0) as f64 / 1000.0,
            dur = seg.duration_ms as f64 / 1000.0,
            vol = seg.volume.unwrap_or(1.0),
            delay = seg.start_ms,
        );
        voice_label = Some("[vo]");
    }
    if let Some(vo) = voice_label {
        let duck = duck_expr(&tl.speech_spans(DUCK_GAP_MS));
        if labels.is_empty() {
            labels.push(vo.to_string());
        } else {
            let _ = write!(
                graph,
                "{}amix=inputs={}:normalize=0:duration=longest,volume='{duck}':eval=frame[bed];",
                labels.join(""),
                labels.len()
            );
            labels = vec!["[bed]".into(), vo.to_string()];
        }
    }

    let mix = work.join("mix.wav");
    if labels.is_empty() {
        let _ = write!(
            graph,
            "anullsrc=r=48000:cl=stereo,atrim=duration={total_s:.4}[mix]"
        );
    } else {
        let _ = write!(
            graph,
            "{}amix=inputs={}:normalize=0:duration=longest,apad=whole_dur={total_s:.4},atrim=duration={total_s:.4}[mix]",
            labels.join(""),
            labels.len()
        );
    }
    let silent = labels.is_empty();
    if one_pass && !silent {
        let out = work.join("soundtrack.m4a");
        let _ = write!(
            graph,
            ";[mix]alimiter=limit=0.84:level=false,aresample=48000[out]"
        );
        let mut cmd = tools.ffmpeg_command();
        cmd.args(&args).arg("-filter_complex").arg(&graph);
        // AAC's fast coder: half the time of the default one, and a draft's ears forgive it
        // (it spends ~80 kb/s where the final spends 192).
        cmd.args(["-map", "[out]"])
            .args(AAC)
            .args(["-aac_coder", "fast", "-f", "mp4"])
            .arg(&out);
        let _memory = budget::reserve(budget::SOUND_ENCODE_MB).await;
        ffmpeg::run_cancellable("ffmpeg", cmd, cancel).await?;
        return Ok(Soundtrack::unmeasured(out));
    }
    if !silent {
        let _ = write!(graph, ";[mix]asplit=2[mixw][mixm];[mixm]ebur128[meas]");
    }
    let mut cmd = tools.ffmpeg_command();
    cmd.args(&args).arg("-filter_complex").arg(&graph);
    if silent {
        cmd.args(["-map", "[mix]"]);
    } else {
        cmd.args(["-map", "[mixw]"]);
    }
    cmd.args(["-c:a", "pcm_f32le", "-ar", "48000"]).arg(&mix);
    if !silent {
        cmd.args(["-map", "[meas]", "-f", "null", "-"]);
        // ebur128 prints its summary at info level.
        cmd.args(["-loglevel", "info"]);
    }
    let memory = budget::reserve(budget::SOUND_MIX_MB).await;
    let out = ffmpeg::run_cancellable("ffmpeg", cmd, cancel).await?;
    drop(memory);
    if silent {
        return Ok(Soundtrack::unmeasured(mix));
    }
    let (Some(input_i), _) = parse_ebur128(&out.stderr) else {
        return Err(RenderError::Invalid(
            "could not measure the soundtrack's loudness".into(),
        ));
    };
    if input_i <= SILENT_LUFS {
        // Digital silence (the meter's floor): nothing to normalise.
        return Ok(Soundtrack::unmeasured(mix));
    }
    // The deliverable's AAC is encoded here, beside the video encode, so the final mux only copies.
    let normalised = work.join("soundtrack.m4a");
    // The measured gain, exactly (loudnorm's linear mode gives up, and lands short of −14, when
    // the gain would push peaks past the ceiling, as speech's onsets do); the peaks the gain
    // lifts past the ceiling are limited (4× oversampled, so true peaks too), which costs the
    // integrated loudness a few hundredths of a dB.
    let mut gain_db = TARGET_LUFS - input_i;
    let _memory = budget::reserve(budget::SOUND_ENCODE_MB).await;
    // The encoded track is measured: AAC's quantisation can lift a sharp onset past the
    // ceiling (by up to ~3 dB on noise bursts), and heavy limiting of peaky material costs
    // loudness. Either is corrected and the track encoded again (ordinary music passes first).
    let mut ceiling_db = TARGET_TP - 0.3;
    let mut measured = None;
    for attempt in 1.. {
        let ceiling = 10f64.powf(ceiling_db / 20.0);
        let mut cmd = tools.ffmpeg_command();
        cmd.arg("-i").arg(&mix).arg("-af").arg(format!(
            "volume={gain_db:.3}dB,aresample=192000,alimiter=limit={ceiling:.4}:attack=1:release=60:level=false,aresample=48000"
        ));
        cmd.args(AAC).args(["-f", "mp4", "-y"]).arg(&normalised);
        ffmpeg::run_cancellable("ffmpeg", cmd, cancel).await?;
        if attempt == MAX_ENCODES {
            break;
        }
        let (lufs, tp) = measure(&normalised, tools, Some(cancel)).await?;
        measured = Some((lufs, tp));
        let over = tp.map_or(0.0, |tp| tp - DELIVERED_TP);
        let short = lufs.map_or(0.0, |i| TARGET_LUFS - i);
        if over <= 0.0 && short.abs() <= LUFS_SLACK {
            break;
        }
        if over > 0.0 {
            ceiling_db -= over + (DELIVERED_TP - TARGET_TP);
        }
        if short.abs() > LUFS_SLACK {
            gain_db += short;
        }
        // Encoded again: what was measured is gone.
        measured = None;
    }
    Ok(Soundtrack {
        path: normalised,
        measured,
    })
}

/// ebur128 reports gated silence as its floor, −70 LUFS.
const SILENT_LUFS: f64 = -69.9;

/// The encoded soundtrack's true peak above this is encoded again (−1 dBTP with a margin for
/// the measurement's own spread).
const DELIVERED_TP: f64 = -1.2;
/// Integrated loudness this far from the target is encoded again (the target allows ±1 LU).
const LUFS_SLACK: f64 = 0.5;
/// Encodes of the soundtrack at most (the last one is kept unmeasured: it is as close as the
/// material allows).
const MAX_ENCODES: u32 = 4;

/// Integrated loudness (LUFS) and true peak (dBTP) of `file`'s sound, by ffmpeg's EBU R128
/// meter (4× oversampled peaks); the video, if any, is not decoded.
pub async fn measure(
    file: &Path,
    tools: &Tools,
    cancel: Option<&CancellationToken>,
) -> Result<(Option<f64>, Option<f64>), ffmpeg::FfmpegError> {
    let mut cmd = tools.ffmpeg_command();
    // The summary is printed at info level; only this run asks for it.
    cmd.args(["-loglevel", "info", "-vn", "-i"])
        .arg(file)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"]);
    let opts = ffmpeg::RunOptions {
        cancel,
        ..Default::default()
    };
    let out = ffmpeg::run("ffmpeg", cmd, opts).await?;
    Ok(parse_ebur128(&out.stderr))
}

/// (integrated LUFS, true peak dBTP) from ebur128's summary.
pub fn parse_ebur128(stderr: &str) -> (Option<f64>, Option<f64>) {
    let Some(at) = stderr.rfind("Summary:") else {
        return (None, None);
    };
    let summary = &stderr[at..];
    let grab = |key: &str| -> Option<f64> {
        let at = summary.find(key)? + key.len();
        summary[at..].split_whitespace().next()?.parse().ok()
    };
    (grab("I:"), grab("Peak:"))
}

/// How far the music dips under the voice (dB).
pub const DUCK_DB: f64 = -12.0;
/// The music starts dipping this long before a word (s).
const DUCK_ATTACK_S: f64 = 0.12;
/// And comes back up over this long after the last word of a phrase (s).
const DUCK_RELEASE_S: f64 = 0.35;
/// Words closer than this (ms) keep the music down between them.
pub const DUCK_GAP_MS: u64 = 700;

/// A `volume` expression of time that dips by [`DUCK_DB`] over each speech span (ms), with
/// linear ramps: down over the attack before the span, up over the release after it.
pub fn duck_expr(spans: &[(u64, u64)]) -> String {
    let depth = 1.0 - 10f64.powf(DUCK_DB / 20.0);
    let ramps: Vec<String> = spans
        .iter()
        .map(|&(a, b)| {
            let (a, b) = (a as f64 / 1000.0, b as f64 / 1000.0);
            format!(
                "clip((t-{:.3})/{DUCK_ATTACK_S},0,1)*clip(({:.3}-t)/{DUCK_RELEASE_S},0,1)",
                a - DUCK_ATTACK_S,
                b + DUCK_RELEASE_S
            )
        })
        .collect();
    if ramps.is_empty() {
        return "1".into();
    }
    // max(a,max(b,…)) — nested, since ffmpeg's max takes two arguments.
    let mut e = ramps.last().cloned().expect("one ramp");
    for r in ramps.iter().rev().skip(1) {
        e = format!("max({r},{e})");
    }
    format!("1-{depth:.4}*{e}")
}

/// `afade` filters (each followed by a comma) for fades of the given lengths in seconds.
fn fades(fade_in: f64, fade_out: f64, dur_s: f64) -> String {
    let mut f = String::new();
    if fade_in > 0.0 {
        let _ = write!(f, "afade=t=in:d={fade_in:.3},");
    }
    if fade_out > 0.0 {
        let _ = write!(
            f,
            "afade=t=out:st={:.3}:d={fade_out:.3},",
            (dur_s - fade_out).max(0.0)
        );
    }
    f
}

const AFORMAT: &str = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ebur128_summary() {
        let err = "[Parsed_ebur128_0 @ 0x1] t: 29.9 TARGET:-23 LUFS M: -20.1 S: -20.3 I: -21.0 LUFS\n\
                   [Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -20.4 LUFS\n\
                   \x20   Threshold: -30.5 LUFS\n\n  Loudness range:\n    LRA:         1.2 LU\n\n\
                   \x20 True peak:\n    Peak:       -3.1 dBFS\n";
        assert_eq!(parse_ebur128(err), (Some(-20.4), Some(-3.1)));
        assert_eq!(parse_ebur128("no summary"), (None, None));
    }
}
