//! The deliverable's encoding: x264 settings for the video pass, AAC settings for the sound,
//! and the final mux that joins them (video copied, moov atom first).

use std::ffi::OsString;
use std::path::Path;

/// Encoder settings for the final file.
#[derive(Debug, Clone)]
pub struct EncodeSettings {
    /// x264 preset (speed/size trade-off).
    pub preset: String,
    /// x264 constant rate factor (quality).
    pub crf: u8,
}

impl Default for EncodeSettings {
    fn default() -> Self {
        EncodeSettings {
            preset: "veryfast".into(),
            crf: 20,
        }
    }
}

/// The deliverable's audio codec settings: AAC-LC 192 kb/s, 48 kHz stereo.
pub const AAC: [&str; 10] = [
    "-c:a",
    "aac",
    "-profile:a",
    "aac_low",
    "-b:a",
    "192k",
    "-ar",
    "48000",
    "-ac",
    "2",
];

/// Arguments that join the encoded video and the finished soundtrack into the deliverable:
/// video copied, AAC-LC 48 kHz stereo, `total_frames` long, moov atom first.
pub fn mux_args(
    video: &Path,
    audio: &Path,
    total_frames: u64,
    fps: u32,
    out: &Path,
) -> Vec<OsString> {
    let dur_s = format!("{:.4}", total_frames as f64 / fps.max(1) as f64);
    let mut args: Vec<OsString> = vec!["-i".into(), video.into(), "-i".into(), audio.into()];
    args.extend(["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy"].map(OsString::from));
    // The soundtrack arrives as finished AAC (copied) or, when silent, as a WAV to encode.
    let encoded = audio.extension().is_some_and(|e| e == "m4a");
    if encoded {
        args.extend(["-c:a", "copy"].map(OsString::from));
    } else {
        args.extend(AAC.map(OsString::from));
    }
    args.extend(["-t", &dur_s, "-movflags", "+faststart", "-f", "mp4"].map(OsString::from));
    args.push(out.into());
    args
}
