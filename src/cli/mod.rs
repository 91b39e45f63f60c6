//! Command-line interface: a thin shell over the `Backend` trait.

mod demo;
mod doctor;
mod make;
mod serve;
mod voice;
mod worker;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Turn images, clips, music and a script into a ready-to-post MP4.
#[derive(Debug, Parser)]
#[command(name = "reelsmith", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a video from files and a prompt.
    Make(Box<make::MakeArgs>),
    /// Render a 30-second demo promo from sample images made on the spot (fully offline).
    Demo {
        /// Output file.
        #[arg(short, long, default_value = "demo.mp4")]
        output: PathBuf,
    },
    /// Check ffmpeg, ffprobe, fonts and the workspace, and say how to fix what is missing.
    Doctor {
        /// Move a damaged workspace database aside (as reelsmith.db.damaged-<time>), start a
        /// new one and copy over what can still be read. Media and exports are kept.
        #[arg(long)]
        repair: bool,
        /// Check a cluster instead: the connection, its stream and buckets, and the workers
        /// with their load and current job (several URLs separated by commas).
        #[arg(long, value_name = "NATS_URL", conflicts_with = "repair")]
        cluster: Option<String>,
    },
    /// Run the MCP server (stdio by default, or streamable HTTP with --http ADDR).
    Serve(serve::ServeArgs),
    /// Render jobs of a cluster (NATS JetStream) until stopped: `reelsmith worker --cluster nats://…`.
    Worker(worker::WorkerArgs),
    /// The offline voice engine on its own: list voices, speak a script, time a narration.
    #[command(subcommand)]
    Voice(voice::VoiceCommand),
}

/// Run the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Make(args) => make::run(*args).await,
        Command::Demo { output } => demo::run(&output).await,
        Command::Doctor {
            cluster: Some(url), ..
        } => doctor::run_cluster(&url).await,
        Command::Doctor { repair, .. } => doctor::run(repair).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Voice(cmd) => voice::run(cmd).await,
        Command::Worker(args) => worker::run(args).await,
    }
}
