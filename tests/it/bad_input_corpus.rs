//! More of the hostile-input corpus, generated here: a decompression bomb, a 1×1 image, a tiny
//! animated GIF, an MP4 with no picture, audio named as an image, and names full of shell and
//! filter metacharacters, CJK and emoji. Each is used correctly or refused by name with the
//! reason, and the backend keeps working afterwards.

use crate::support::*;
use reelsmith::backend::local::LocalBackend;
use reelsmith::backend::{Backend, CreateRequest, ExportRequest, JobState};
use std::path::{Path, PathBuf};

/// A 30000×30000 1-bit PNG of zeros: a few hundred KB that declares 900 megapixels.
fn png_bomb(dir: &Path) -> PathBuf {
    let path = dir.join("bomb.png");
    let f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut enc = png::Encoder::new(f, 30_000, 30_000);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::One);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header().unwrap();
    let mut s = w.stream_writer().unwrap();
    let row = vec![0u8; 30_000 / 8];
    for _ in 0..30_000 {
        std::io::Write::write_all(&mut s, &row).unwrap();
    }
    s.finish().unwrap();
    path
}

const FIVE_S: &str = "a 5 second video, no music";

/// Make a 720p video from `files` and export it to `out`; Err carries the refusal or failure.
async fn render(
    b: &LocalBackend,
    prompt: &str,
    files: Vec<String>,
    out: &Path,
) -> Result<(), String> {
    let c = b
        .create(CreateRequest {
            prompt: prompt.into(),
            files: reelsmith::media::Source::parse_all(&files).unwrap(),
            options: reelsmith::director::Options {
                resolution: Some(reelsmith::timeline::Resolution::P720),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut h = b
        .export(ExportRequest {
            session_id: c.session_id,
            output: Some(out.to_path_buf()),
            overwrite: false,
            revision: None,
            draft: false,
            shape: None,
            captions_file: false,
        })
        .await
        .map_err(|e| e.to_string())?;
    let s = h
        .status
        .wait_for(|s| s.state != JobState::Running)
        .await
        .unwrap()
        .clone();
    if s.state == JobState::Done {
        Ok(())
    } else {
        Err(s.message)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_files_are_refused_by_name_and_odd_ones_work() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let good = still(dir.path(), "good.jpg", 640, 360, 0)
        .display()
        .to_string();

    // Refused, naming the file and the reason.
    let bomb = png_bomb(dir.path());
    let no_picture = dir.path().join("silence.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
        "-c:a",
        "aac",
        no_picture.to_str().unwrap(),
    ]);
    let audio_as_image = dir.path().join("song.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
        "-f",
        "mp3",
        audio_as_image.to_str().unwrap(),
    ]);
    let whole_png = still(dir.path(), "whole.png", 320, 180, 3);
    let cut_png = dir.path().join("cut.png");
    let bytes = std::fs::read(&whole_png).unwrap();
    std::fs::write(&cut_png, &bytes[..bytes.len() / 2]).unwrap();
    let whole_mp4 = dir.path().join("whole.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:d=2",
        "-pix_fmt",
        "yuv420p",
        whole_mp4.to_str().unwrap(),
    ]);
    let cut_mp4 = dir.path().join("cut.mp4");
    let bytes = std::fs::read(&whole_mp4).unwrap();
    std::fs::write(&cut_mp4, &bytes[..bytes.len() / 2]).unwrap();
    for (bad, why) in [
        (&bomb, "megapixel limit"),
        (&no_picture, "no picture"),
        (&audio_as_image, "only audio"),
        (&cut_png, "corrupt"),
        (&cut_mp4, "not a valid mp4"),
    ] {
        let out = dir.path().join("refused.mp4");
        let err = render(
            &b,
            FIVE_S,
            vec![good.clone(), bad.display().to_string()],
            &out,
        )
        .await
        .expect_err("accepted a bad file");
        let name = bad.file_name().unwrap().to_string_lossy();
        assert!(err.contains(&*name), "{err}");
        assert!(err.to_lowercase().contains(why), "{name}: {err}");
        assert!(!out.exists());
    }

    // Handled: a 1×1 pixel, a 14×25 animated GIF, and names that would break a shell or a
    // filter graph.
    let one = still(dir.path(), "one.png", 1, 1, 2);
    let gif = dir.path().join("tiny.gif");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=14x25:d=1:r=10",
        gif.to_str().unwrap(),
    ]);
    let odd_dir = dir.path().join("odd names");
    std::fs::create_dir_all(&odd_dir).unwrap();
    let odd: Vec<PathBuf> = [
        "it's \"quoted\" [1];.jpg",
        "$(touch pwned) `x`.jpg",
        "夏日 🎬 new\nline.jpg",
        "50%:a,b=c'd.jpg",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| {
        let p = still(dir.path(), &format!("src{i}.jpg"), 640, 360, i + 1);
        let dest = odd_dir.join(name);
        std::fs::rename(&p, &dest).unwrap();
        dest
    })
    .collect();
    // A 10-minute clip in a 5-second video: only a slice of it is used.
    let long = dir.path().join("ten minutes.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=96x54:r=5:d=600",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        long.to_str().unwrap(),
    ]);
    let mut files = vec![
        one.display().to_string(),
        gif.display().to_string(),
        long.display().to_string(),
    ];
    files.extend(odd.iter().map(|p| p.display().to_string()));
    let out = odd_dir.join("out 'final' $(x).mp4");
    render(&b, FIVE_S, files, &out)
        .await
        .expect("odd but valid files render");
    let p = probe(&out);
    assert!((duration(&p) - 5.0).abs() <= 0.1);
    assert!(!dir.path().join("pwned").exists() && !Path::new("pwned").exists());
}

/// `src` with an EXIF APP1 segment saying Orientation = `o` inserted after SOI.
fn with_exif_orientation(src: &Path, dst: &Path, o: u16) {
    let data = std::fs::read(src).unwrap();
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&((o as u32) << 16).to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = data[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&data[2..]);
    std::fs::write(dst, out).unwrap();
}

async fn vertical(b: &LocalBackend, file: &Path, out: &Path) {
    let files = vec![file.display().to_string()];
    render(b, "a 2 second vertical video, no music", files, out)
        .await
        .expect("renders");
}

#[tokio::test(flavor = "multi_thread")]
async fn exif_rotation_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::open(&dir.path().join("home")).unwrap();
    let plain = dir.path().join("plain.jpg");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360",
        "-frames:v",
        "1",
        plain.to_str().unwrap(),
    ]);
    // A phone's portrait photo: landscape pixels plus "rotate 90° clockwise to view".
    let rotated = dir.path().join("phone.jpg");
    with_exif_orientation(&plain, &rotated, 6);
    let upright = dir.path().join("upright.jpg");
    ffmpeg(&[
        "-i",
        plain.to_str().unwrap(),
        "-vf",
        "transpose=1",
        "-q:v",
        "2",
        upright.to_str().unwrap(),
    ]);
    let up = b.upload(None, &[rotated.clone().into()]).await.unwrap();
    assert_eq!((up.media[0].width, up.media[0].height), (360, 640));

    let (a, u, p) = (
        dir.path().join("a.mp4"),
        dir.path().join("u.mp4"),
        dir.path().join("p.mp4"),
    );
    vertical(&b, &rotated, &a).await;
    vertical(&b, &upright, &u).await;
    vertical(&b, &plain, &p).await;
    let (w, h) = (72, 128);
    let full = (0.0, 0.0, 1.0, 1.0);
    let fa = gray_frame(&a, 1.0, w, h);
    let fu = gray_frame(&u, 1.0, w, h);
    let fp = gray_frame(&p, 1.0, w, h);
    let same = region_diff(&fa, &fu, w, h, full);
    let differs = region_diff(&fa, &fp, w, h, full);
    assert!(same < 4.0, "rotated photo does not render upright ({same})");
    assert!(
        differs > same + 8.0,
        "test cannot tell orientations apart ({differs} vs {same})"
    );
}
