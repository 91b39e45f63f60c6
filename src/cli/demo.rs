//! `reelsmith demo`: make sample pictures with ffmpeg's own generators and render a 30 s promo
//! from them, with nothing downloaded.

use reelsmith::backend::local::default_home;
use reelsmith::director::Options;
use reelsmith::ffmpeg::{self, RunOptions, Tools};
use std::path::Path;
use std::process::ExitCode;

/// (file name, size, lavfi source): landscape and portrait pictures, like a person's mixed set.
const SAMPLES: &[(&str, &str, &str)] = &[
    (
        "01-dawn.png",
        "1920x1080",
        "gradients=s=1920x1080:c0=0xff7e5f:c1=0xfeb47b:c2=0x6a82fb:x0=0:y0=0:x1=1920:y1=1080:nb_colors=3",
    ),
    (
        "02-portrait.png",
        "1080x1350",
        "gradients=s=1080x1350:c0=0x0f2027:c1=0x2c5364:c2=0x00c9ff:nb_colors=3:x0=540:y0=0:x1=540:y1=1350",
    ),
    (
        "03-fractal.png",
        "1920x1080",
        "mandelbrot=s=1920x1080:start_scale=1.2:end_pts=1",
    ),
    (
        "04-tall.png",
        "1080x1920",
        "gradients=s=1080x1920:c0=0xf953c6:c1=0xb91d73:c2=0x2b1055:nb_colors=3:x0=0:y0=0:x1=1080:y1=1920",
    ),
    (
        "05-night.png",
        "1920x1080",
        "gradients=s=1920x1080:c0=0x141e30:c1=0x243b55:c2=0xffd200:nb_colors=3:x0=0:y0=1080:x1=1920:y1=0",
    ),
    (
        "06-square.png",
        "1440x1440",
        "gradients=s=1440x1440:c0=0x11998e:c1=0x38ef7d:c2=0xfffbd5:nb_colors=3:x0=0:y0=0:x1=1440:y1=1440",
    ),
];

const SCRIPT: &str = "Reelsmith turns pictures into promos.
Drop in your images and a few lines of script.
Transitions, motion, captions and music are done for you.
Ready to post in one command.";

const PROMPT: &str =
    "turn these images and script into a 30-second promo video with music and transitions";

pub async fn run(output: &Path) -> anyhow::Result<ExitCode> {
    let tools = Tools::locate()?;
    let dir = default_home().join("demo-assets");
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    for (name, _size, src) in SAMPLES {
        let path = dir.join(name);
        if !path.is_file() {
            eprintln!("· making sample picture {name}");
            let mut cmd = tools.ffmpeg_command();
            cmd.args(["-f", "lavfi", "-i", src])
                .args(["-vf", "drawbox=x=iw*0.3:y=ih*0.3:w=iw*0.4:h=ih*0.4:color=white@0.25:t=fill,drawbox=x=iw*0.3:y=ih*0.3:w=iw*0.4:h=ih*0.4:color=white@0.8:t=6"])
                .args(["-frames:v", "1"])
                .arg(&path);
            ffmpeg::run("ffmpeg", cmd, RunOptions::default()).await?;
        }
        files.push(path.into());
    }
    super::make::render(
        &files,
        PROMPT,
        Some(SCRIPT.to_string()),
        Options::default(),
        output,
        true,
        false,
        Default::default(),
    )
    .await
}
