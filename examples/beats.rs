//! Print the tempo and beats reelsmith finds in an audio file, and how long that took:
//! `cargo run --release --example beats -- track.mp3`.

use reelsmith::beats;
use reelsmith::ffmpeg::Tools;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: beats FILE"))?;
    let tools = Tools::locate()?;
    let t0 = Instant::now();
    let samples = beats::decode::decode(path.as_ref(), &tools).await?;
    let t1 = Instant::now();
    let grid = beats::analyse(&samples, beats::decode::RATE)?;
    let t2 = Instant::now();
    println!(
        "{:.1} s of audio: {:.2} BPM, {} beats, confidence {:.2}; decode {} ms, analysis {} ms",
        samples.len() as f64 / beats::decode::RATE as f64,
        grid.bpm,
        grid.beats_ms.len(),
        grid.confidence,
        (t1 - t0).as_millis(),
        (t2 - t1).as_millis()
    );
    let shown: Vec<String> = grid.beats_ms.iter().map(u64::to_string).collect();
    println!("beats (ms): {}", shown.join(" "));
    Ok(())
}
