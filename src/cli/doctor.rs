//! `reelsmith doctor`: what the local engine needs, what is found, and how to fix the rest.

use reelsmith::backend::local::default_home;
use reelsmith::ffmpeg::Tools;
use reelsmith::render::fonts::FontSet;
use std::process::ExitCode;

pub async fn run() -> anyhow::Result<ExitCode> {
    let mut missing: Vec<String> = Vec::new();
    match Tools::locate() {
        Ok(t) => {
            println!(
                "ffmpeg:   {} ({})",
                t.ffmpeg.display(),
                t.version().await.unwrap_or_default()
            );
            println!("ffprobe:  {}", t.ffprobe.display());
            let encoders = tokio::process::Command::new(&t.ffmpeg)
                .args(["-hide_banner", "-encoders"])
                .output()
                .await
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            if encoders.contains("libx264") {
                println!("libx264:  yes");
            } else {
                println!("libx264:  MISSING");
                missing.push("an ffmpeg built with libx264: apt-get install -y ffmpeg".into());
            }
        }
        Err(e) => {
            println!("ffmpeg:   MISSING");
            missing.push(e.to_string());
        }
    }
    match FontSet::discover() {
        Ok(f) => {
            println!("fonts:    {}", f.paths().join(", "));
            if f.has_cjk() {
                println!("CJK text: yes");
            } else {
                println!("CJK text: MISSING (Chinese/Japanese/Korean titles would fail)");
                missing.push("a CJK font: apt-get install -y fonts-noto-cjk".into());
            }
        }
        Err(e) => {
            println!("fonts:    MISSING");
            missing.push(e.to_string());
        }
    }
    let home = default_home();
    let writable = std::fs::create_dir_all(&home).is_ok() && tempfile::tempfile_in(&home).is_ok();
    println!(
        "workspace: {} ({})",
        home.display(),
        if writable { "writable" } else { "NOT writable" }
    );
    if !writable {
        missing.push(format!(
            "a writable workspace: set REELSMITH_HOME to a writable directory (now {})",
            home.display()
        ));
    }
    if missing.is_empty() {
        println!("\nAll set: `reelsmith demo` renders a sample video.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\nMissing:");
        for m in &missing {
            println!("  - {m}");
        }
        Ok(ExitCode::FAILURE)
    }
}
