//! `reelsmith voice`: list the offline voices, speak a script to a WAV, or time the words of a
//! narration — the voice engine on its own, for checking a voice and for the 30 s sample.

use clap::Subcommand;
use reelsmith::ffmpeg::Tools;
use reelsmith::voice::{Inventory, Pace, align, synthesize};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Subcommand)]
pub enum VoiceCommand {
    /// List the installed voices and the aligner (JSON).
    List,
    /// Speak a script into a WAV file; prints the word times as JSON.
    Say {
        /// The script.
        text: String,
        /// Output WAV.
        #[arg(short, long, default_value = "voice.wav")]
        output: PathBuf,
        /// Voice id (see `reelsmith voice list`); default: the best voice for --lang.
        #[arg(long)]
        voice: Option<String>,
        /// Language of the script (en, zh); default: zh when it has CJK characters, else en.
        #[arg(long)]
        lang: Option<String>,
        /// Words per minute.
        #[arg(long, conflicts_with = "speed")]
        wpm: Option<f32>,
        /// Speed relative to the voice's own (1.2 = 20 % faster).
        #[arg(long)]
        speed: Option<f32>,
    },
    /// Time the words of a script in a narration audio file; prints JSON.
    Align {
        /// The narration (any audio ffmpeg reads).
        audio: PathBuf,
        /// The script it reads.
        #[arg(long)]
        script: String,
        /// Language of the script (en, zh).
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

pub async fn run(cmd: VoiceCommand) -> anyhow::Result<ExitCode> {
    let inv = Inventory::discover();
    let cancel = CancellationToken::new();
    match cmd {
        VoiceCommand::List => println!("{}", serde_json::to_string_pretty(&inv)?),
        VoiceCommand::Say {
            text,
            output,
            voice,
            lang,
            wpm,
            speed,
        } => {
            let lang = lang.unwrap_or_else(|| {
                if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                    "zh".into()
                } else {
                    "en".into()
                }
            });
            let v = match &voice {
                Some(id) => inv.voice(id),
                None => inv.voice_for(&lang),
            }
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no voice {} is installed; run scripts/setup (voices go in {})",
                    voice.clone().unwrap_or(format!("for {lang}")),
                    inv.dir.display()
                )
            })?;
            let pace = match (wpm, speed) {
                (Some(w), _) => Pace::WordsPerMinute(w),
                (_, Some(s)) => Pace::Speed(s),
                _ => Pace::Natural,
            };
            let tools = Tools::locate()?;
            let started = std::time::Instant::now();
            let n = synthesize(&text, v, pace, &output, &inv, &tools, &cancel).await?;
            let secs = started.elapsed().as_secs_f64();
            let mut json = serde_json::to_value(&n)?;
            json["elapsed_s"] = serde_json::json!(secs);
            json["real_time_factor"] = serde_json::json!(secs / (n.duration_ms as f64 / 1000.0));
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        VoiceCommand::Align {
            audio,
            script,
            lang,
        } => {
            let tools = Tools::locate()?;
            let (words, timing) = align(&audio, &script, &lang, &inv, &tools, &cancel).await?;
            let json = serde_json::json!({ "timing": timing, "words": words });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
