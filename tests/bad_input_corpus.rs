//! More of the hostile-input corpus, generated here: a decompression bomb, a 1×1 image, a tiny
//! animated GIF, an MP4 with no picture, audio named as an image, and names full of shell and
//! filter metacharacters, CJK and emoji. Each is used correctly or refused by name with the
//! reason, and the backend keeps working afterwards.

mod common;

use common::*;
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

async fn render(b: &LocalBackend, files: Vec<String>, out: &Path) -> Result<(), String> {
    let c = b
        .create(CreateRequest {
            prompt: "a 5 second video, no music".into(),
            files,
            options: reelsmith::director::Options {
                resolution: Some("720p".into()),
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
    for (bad, why) in [
        (&bomb, "megapixel limit"),
        (&no_picture, "no picture"),
        (&audio_as_image, "only audio"),
    ] {
        let out = dir.path().join("refused.mp4");
        let err = render(&b, vec![good.clone(), bad.display().to_string()], &out)
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
    let mut files = vec![one.display().to_string(), gif.display().to_string()];
    files.extend(odd.iter().map(|p| p.display().to_string()));
    let out = odd_dir.join("out 'final' $(x).mp4");
    render(&b, files, &out)
        .await
        .expect("odd but valid files render");
    let p = probe(&out);
    assert!((duration(&p) - 5.0).abs() <= 0.1);
    assert!(!dir.path().join("pwned").exists() && !Path::new("pwned").exists());
}
