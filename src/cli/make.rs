//! `reelsmith make`: files + prompt → MP4, with a progress bar.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use reelsmith::backend::local::{LocalBackend, default_home};
use reelsmith::backend::{Backend, CreateRequest, ExportRequest, JobState};
use reelsmith::director::{Options, parse_transition};
use reelsmith::edit::EditOp;
use reelsmith::media::Source;
use reelsmith::timeline::{Aspect, CaptionStyle, Resolution, TransitionChoice};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `make`.
#[derive(Debug, clap::Args)]
pub struct MakeArgs {
    /// Images, clips and audio to use, in order: local paths or http(s) URLs.
    #[arg(value_name = "FILES")]
    files: Vec<String>,
    /// What to make, in your words (English or Chinese).
    #[arg(short, long)]
    prompt: String,
    /// A text file with the script: its lines become the title, captions and end card.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// Music to use instead of a generated bed (a local path or an http(s) URL).
    #[arg(long, value_name = "FILE")]
    music: Option<String>,
    /// Output MP4 path.
    #[arg(short, long, default_value = "reelsmith.mp4")]
    output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(short, long)]
    force: bool,
    /// Length in seconds (overrides the prompt).
    #[arg(long)]
    duration: Option<f64>,
    /// Frame shape: 16:9, 9:16, 1:1, 4:5, landscape, portrait or square (overrides the prompt).
    #[arg(long)]
    aspect: Option<Aspect>,
    /// 720p, 1080p or 4k (overrides the prompt).
    #[arg(long)]
    resolution: Option<Resolution>,
    /// Transition name, e.g. fade, slideleft, wipeup, or none (overrides the prompt).
    #[arg(long, value_parser = parse_transition)]
    transition: Option<TransitionChoice>,
    /// Title text (overrides the prompt and script).
    #[arg(long)]
    title: Option<String>,
    /// No music.
    #[arg(long)]
    no_music: bool,
    /// A quick 360p preview (fastest encoder settings) to check motion and timing first.
    #[arg(long)]
    draft: bool,
    /// A voice reads the script (offline; `reelsmith voice list` shows the voices).
    #[arg(long)]
    voiceover: bool,
    /// Your own recording (wav mp3 m4a aac) is the voice-over: the script's words are timed
    /// in it, the captions follow them and the music dips under it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["voiceover", "voice"])]
    narration: Option<PathBuf>,
    /// The voice: an id from `reelsmith voice list`, or female / male.
    #[arg(long, value_name = "VOICE")]
    voice: Option<String>,
    /// How captions show the words: karaoke, word, line or off.
    #[arg(long, value_name = "STYLE", value_parser = parse_caption_style)]
    captions: Option<CaptionStyle>,
    /// Also write the captions as .srt and .vtt beside the MP4.
    #[arg(long)]
    captions_file: bool,
    /// Also (or only) these shapes or platforms, one MP4 each named after -o with the shape
    /// added, e.g. --formats 16:9,9:16,1:1,4:5 or --formats youtube,tiktok.
    #[arg(long, value_delimiter = ',')]
    formats: Vec<String>,
}

fn parse_caption_style(s: &str) -> Result<CaptionStyle, String> {
    serde_json::from_value(serde_json::Value::from(s.to_lowercase()))
        .map_err(|_| format!("'{s}' is not a caption style; use karaoke, word, line or off"))
}

/// Extra requests `make` passes on: exact edits after the prompt, and caption files.
#[derive(Debug, Default)]
pub struct Extras {
    /// Exact edits applied after the prompt.
    pub edits: Vec<EditOp>,
    /// Write .srt and .vtt beside the MP4.
    pub captions_file: bool,
    /// Shapes to render, one file each (empty: the edit's own shape, to `output` itself).
    pub shapes: Vec<Aspect>,
    /// Files the edits name, by edit index (uploaded on the way).
    pub edit_files: Vec<(usize, Source)>,
}

pub async fn run(a: MakeArgs) -> anyhow::Result<ExitCode> {
    let script = match &a.script {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read the script", p.display()))?,
        ),
        None => None,
    };
    // Paths and URLs are told apart here, once.
    let files = Source::parse_all(&a.files.iter().chain(&a.music).collect::<Vec<_>>())
        .map_err(anyhow::Error::msg)?;
    let options = Options {
        duration_s: a.duration,
        aspect: a.aspect,
        resolution: a.resolution,
        transition: a.transition.clone(),
        title: a.title.clone(),
        music: a.no_music.then_some(false),
        captions: None,
    };
    let mut extras = Extras {
        captions_file: a.captions_file,
        shapes: reelsmith::publish::platform::targets(&a.formats)
            .map_err(anyhow::Error::msg)?
            .into_iter()
            .map(|t| t.aspect)
            .collect(),
        ..Default::default()
    };
    if a.voiceover || a.voice.is_some() {
        extras.edits.push(EditOp::SetVoiceover {
            text: None,
            voice: a.voice.clone(),
            speed: None,
            words_per_minute: None,
            media_id: None,
            file: None,
            off: None,
        });
    }
    if let Some(rec) = &a.narration {
        let path = std::path::absolute(rec)
            .with_context(|| format!("{}: cannot find the narration", rec.display()))?;
        extras
            .edit_files
            .push((extras.edits.len(), Source::Path(path.clone())));
        extras.edits.push(EditOp::SetVoiceover {
            text: None,
            voice: None,
            speed: None,
            words_per_minute: None,
            media_id: None,
            file: Some(path.to_string_lossy().into_owned()),
            off: None,
        });
    }
    if let Some(style) = a.captions {
        extras.edits.push(EditOp::SetCaptions { style });
    }
    render(
        &files, &a.prompt, script, options, &a.output, a.force, a.draft, extras,
    )
    .await
}

/// `promo.mp4` → `promo-9x16.mp4` for another shape.
fn output_for(output: &Path, shape: Option<Aspect>) -> PathBuf {
    match shape {
        None => output.to_path_buf(),
        Some(a) => {
            let stem = output
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "reelsmith".into());
            output.with_file_name(format!("{stem}-{}.mp4", a.as_str().replace(':', "x")))
        }
    }
}

/// Create a session from `files` + `prompt`, export it to `output` with a progress bar (one
/// file per shape in `extras.shapes`, rendered side by side).
#[allow(clippy::too_many_arguments)]
pub async fn render(
    files: &[Source],
    prompt: &str,
    script: Option<String>,
    options: Options,
    output: &Path,
    overwrite: bool,
    draft: bool,
    extras: Extras,
) -> anyhow::Result<ExitCode> {
    let shapes: Vec<Option<Aspect>> = if extras.shapes.is_empty() {
        vec![None]
    } else {
        extras.shapes.iter().copied().map(Some).collect()
    };
    for shape in &shapes {
        let out = output_for(output, *shape);
        if !overwrite && out.exists() {
            anyhow::bail!(
                "{} already exists; pass --force to replace it or choose another -o path",
                out.display()
            );
        }
    }
    let backend = LocalBackend::open(&default_home())?;
    let created = backend
        .create(CreateRequest {
            session_id: None,
            prompt: prompt.to_string(),
            script,
            files: files.to_vec(),
            options,
            edits: extras.edits,
            edit_files: extras.edit_files,
            progress: None,
        })
        .await?;
    eprintln!(
        "session {} (revision {})",
        created.session_id, created.revision
    );
    for c in &created.changes {
        eprintln!("· {c}");
    }
    for n in &created.notes {
        eprintln!("Note: {n}");
    }
    eprintln!("{}", created.summary);

    // Listening starts here, before the render: a Ctrl-C that lands between two status updates
    // (a fresh `ctrl_c()` per loop turn would miss it) still cancels.
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut handles = Vec::new();
    for shape in &shapes {
        handles.push(
            backend
                .export(ExportRequest {
                    session_id: created.session_id.clone(),
                    output: Some(output_for(output, *shape)),
                    overwrite,
                    revision: None,
                    draft,
                    shape: *shape,
                    captions_file: extras.captions_file,
                })
                .await?,
        );
    }
    for handle in handles {
        if let Some(code) = follow(&backend, handle, &mut sigint).await? {
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Show one export's progress until it ends and print the file (and whether it is ready to
/// post); `Some(exit code)` when Ctrl-C cancelled it.
async fn follow(
    backend: &LocalBackend,
    mut handle: reelsmith::backend::JobHandle,
    sigint: &mut tokio::signal::unix::Signal,
) -> anyhow::Result<Option<ExitCode>> {
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:32.cyan/blue}] {pos:>3}% {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let job_id = handle.job_id.clone();
    let status = loop {
        {
            let s = handle.status.borrow_and_update();
            bar.set_position(s.percent as u64);
            bar.set_message(s.message.clone());
            if s.state != JobState::Running {
                break s.clone();
            }
        }
        tokio::select! {
            changed = handle.status.changed() => {
                if changed.is_err() {
                    break handle.status.borrow().clone();
                }
            }
            _ = sigint.recv() => {
                bar.set_message("cancelling…");
                let s = backend.cancel(&job_id).await?;
                bar.abandon_with_message("cancelled");
                eprintln!("{}", s.message);
                return Ok(Some(ExitCode::from(130)));
            }
        }
    };
    match (status.state, status.result) {
        (JobState::Done, Some(r)) => {
            bar.finish_and_clear();
            println!(
                "{} — {:.1} s, {}x{}, {:.1} MB",
                r.path.display(),
                r.duration_s,
                r.width,
                r.height,
                r.size_bytes as f64 / 1e6
            );
            for f in &r.captions_files {
                println!("  captions: {}", f.display());
            }
            for v in &r.readiness {
                if v.ready {
                    println!("  ready for {}: {}", v.platform, v.checked);
                } else {
                    println!("  NOT ready for {}:", v.platform);
                    for p in &v.problems {
                        println!("    - {p}");
                    }
                }
            }
            Ok(None)
        }
        _ => {
            bar.abandon();
            anyhow::bail!("{}", status.message)
        }
    }
}
