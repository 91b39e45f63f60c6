//! Music from a supplied track and hostile text: the track is looped and trimmed to the video's
//! length and faded; text full of ffmpeg filter metacharacters is drawn, never parsed.

use crate::support::*;
use std::process::Command;

/// Mean volume (dB) of `path`'s audio between `from` and `to` seconds.
fn mean_volume(path: &std::path::Path, from: f64, to: f64) -> f64 {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostats",
            "-ss",
            &from.to_string(),
            "-t",
            &(to - from).to_string(),
            "-i",
        ])
        .arg(path)
        .args(["-af", "volumedetect", "-vn", "-f", "null", "-"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let at = err.find("mean_volume:").expect("volumedetect output") + "mean_volume:".len();
    err[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_short_music_track_is_looped_to_length_and_faded_out() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("jingle.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=f=330:d=4",
        "-f",
        "lavfi",
        "-i",
        "sine=f=495:d=4",
        "-filter_complex",
        "[0][1]amix=inputs=2,aformat=channel_layouts=stereo",
        "-c:a",
        "aac",
        music.to_str().unwrap(),
    ]);
    let stills = [
        still(dir.path(), "a.jpg", 1280, 720, 0),
        still(dir.path(), "b.jpg", 1280, 720, 2),
    ];
    let out = dir.path().join("v.mp4");
    let run = reelsmith(&dir.path().join("home"))
        .arg("make")
        .args(&stills)
        .arg("--music")
        .arg(&music)
        .args(["--prompt", "a short video", "--duration", "10", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let p = probe(&out);
    let a = stream(&p, "audio");
    let adur: f64 = a["duration"].as_str().unwrap().parse().unwrap();
    assert!((adur - 10.0).abs() < 0.1, "audio lasts {adur} s");
    // The 4 s track plays again after its end (looped), at a steady level…
    let first = mean_volume(&out, 1.0, 3.0);
    let looped = mean_volume(&out, 5.0, 7.0);
    assert!(
        looped > -40.0,
        "silence after the track's end ({looped} dB)"
    );
    assert!((first - looped).abs() < 3.0, "{first} vs {looped} dB");
    // …and fades out at the end.
    let tail = mean_volume(&out, 9.7, 10.0);
    assert!(tail < looped - 6.0, "no fade-out: {tail} vs {looped} dB");
    let (lufs, _) = loudness(&out);
    assert!((lufs + 14.0).abs() <= 1.0, "{lufs} LUFS");
}

/// A chord with sharp noise bursts (drum-like hits) overshoots the limiter's ceiling after AAC
/// encoding (+0.2 dBTP with the first encode's ceiling) and loses loudness to the limiting
/// (−15.3 LUFS): the encoded soundtrack is measured and encoded again, so the delivered true
/// peak stays at or under −1 dBTP with the loudness on target.
#[test]
fn sharp_onsets_keep_the_true_peak_under_minus_one_after_aac() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("bursts.wav");
    let made = ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "aevalsrc='0.25*sin(2*PI*220*t)+0.15*sin(2*PI*330*t)+if(lt(mod(t,0.5),0.015),random(0)*2-1,0)':s=48000:d=8",
        music.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let out = dir.path().join("v.mp4");
    let run = reelsmith(&dir.path().join("home"))
        .arg("make")
        .arg(still(dir.path(), "a.jpg", 1280, 720, 0))
        .arg("--music")
        .arg(&music)
        .args(["--prompt", "a short video", "--duration", "8", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let (lufs, tp) = loudness(&out);
    assert!(tp <= -1.0, "true peak {tp} dBTP");
    assert!((lufs + 14.0).abs() <= 1.0, "{lufs} LUFS");
}

#[test]
fn text_with_filter_metacharacters_is_drawn_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let stills = [
        still(dir.path(), "a.jpg", 1280, 720, 1),
        still(dir.path(), "b.jpg", 1280, 720, 3),
    ];
    let hostile = [
        "Save 50%: today's [deal], no \\ limits",
        "drawtext=text='%{localtime}':x=0;[in]null[out]",
        "Order now, it's 100% fun!",
    ];
    let script = dir.path().join("script.txt");
    std::fs::write(&script, hostile.join("\n")).unwrap();
    let out = dir.path().join("v.mp4");
    let run = reelsmith(&dir.path().join("home"))
        .env("RUST_LOG", "reelsmith=debug")
        .arg("make")
        .args(&stills)
        .arg("--script")
        .arg(&script)
        .args([
            "--prompt",
            "a short video",
            "--duration",
            "8",
            "--no-music",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    assert!((duration(&probe(&out)) - 8.0).abs() <= 0.1);
    // The debug log shows the ffmpeg arguments: none of the text is in them.
    let log = String::from_utf8_lossy(&run.stderr);
    let windows: Vec<&str> = log.lines().filter(|l| l.contains("video window")).collect();
    assert!(!windows.is_empty(), "video windows logged");
    let args = windows.join("\n");
    for t in hostile {
        for word in ["50%", "[deal]", "%{localtime}", "[in]null[out]", "100% fun"] {
            if t.contains(word) {
                assert!(
                    !args.contains(word),
                    "'{word}' reached the ffmpeg arguments"
                );
            }
        }
    }
}
