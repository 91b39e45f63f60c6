//! `reelsmith doctor`: what the local engine needs, what is found, and how to fix the rest.

use reelsmith::backend::local::default_home;
use reelsmith::ffmpeg::Tools;
use reelsmith::render::fonts::FontSet;
use reelsmith::store;
use std::path::Path;
use std::process::ExitCode;

/// `doctor --cluster URL`: the cluster's state, not this machine's tools (run plain `doctor` on
/// each worker machine for those).
pub async fn run_cluster(url: &str) -> anyhow::Result<ExitCode> {
    let found = match reelsmith::cluster::inspect::check(url).await {
        Ok(c) => c,
        Err(e) => {
            println!("nats:      UNREACHABLE");
            println!(
                "\nTo fix:\n  - {e}. Check that nats-server runs there and the URL (nats://host:port, several separated by commas) is right"
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    for l in &found.lines {
        println!("{l}");
    }
    if found.problems.is_empty() {
        println!("\nThe cluster is ready for exports.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\nTo fix:");
        for p in &found.problems {
            println!("  - {p}");
        }
        Ok(ExitCode::FAILURE)
    }
}

pub async fn run(repair: bool) -> anyhow::Result<ExitCode> {
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
            let scripts = f.scripts();
            let names = |ok: bool| {
                scripts
                    .iter()
                    .filter(|s| s.1 == ok)
                    .map(|s| s.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            println!("scripts:  {}", names(true));
            for (name, ok, package) in &scripts {
                // CJK is reported (and counted as missing) above.
                if !ok && !name.contains("Chinese") {
                    println!("          {name}: MISSING (apt-get install -y {package})");
                    missing.push(format!("{name} text: apt-get install -y {package}"));
                }
            }
        }
        Err(e) => {
            println!("fonts:    MISSING");
            missing.push(e.to_string());
        }
    }
    report_voices();
    let versions: Vec<&str> = reelsmith::mcp::PROTOCOL_VERSIONS
        .iter()
        .rev()
        .map(|v| v.as_str())
        .collect();
    println!("mcp:      protocol {} (newest first)", versions.join(", "));
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
    if writable {
        let db = reelsmith::workspace::Workspace::db_path(&home);
        if repair {
            repair_store(&db, &mut missing);
        }
        check_store(&db, &mut missing);
        check_cache(&home);
    }
    if missing.is_empty() {
        println!("\nAll set: `reelsmith demo` renders a sample video.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\nTo fix:");
        for m in &missing {
            println!("  - {m}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// Report the render cache: what it holds against its cap.
fn check_cache(home: &Path) {
    use reelsmith::render::cache::RenderCache;
    let cap = RenderCache::cap_mb_from_env();
    let dir = reelsmith::workspace::Workspace::cache_path(home);
    match RenderCache::open(&dir, cap) {
        Ok(Some(c)) => {
            let st = c.stats();
            println!(
                "render cache: {} entries, {:.0} MB of {} MB (REELSMITH_CACHE_MB) in {}",
                st.entries,
                st.bytes as f64 / 1048576.0,
                cap,
                dir.display()
            );
        }
        Ok(None) => {
            println!("render cache: off (REELSMITH_CACHE_MB=0); every export renders in full")
        }
        Err(e) => println!("render cache: unavailable ({e}); every export renders in full"),
    }
}

/// Report the workspace database: schema, sessions and SQLite's integrity check.
fn check_store(db: &Path, missing: &mut Vec<String>) {
    let h = store::check(db);
    match (&h.problem, h.exists) {
        (None, false) => println!("store:    {} (new; made on first use)", db.display()),
        (None, true) => println!(
            "store:    {} (integrity ok, schema {}, {} session(s))",
            db.display(),
            h.schema.unwrap_or(store::SCHEMA_VERSION),
            h.sessions.unwrap_or(0)
        ),
        (Some(e), _) => {
            println!("store:    {} (PROBLEM, see below)", db.display());
            missing.push(e.to_string());
        }
    }
}

/// `doctor --repair`: move a bad database aside and say what was kept.
fn repair_store(db: &Path, missing: &mut Vec<String>) {
    match store::repair(db) {
        Ok(r) => match &r.moved_to {
            None => println!("repair:   nothing to repair in {}", db.display()),
            Some(aside) => {
                let copied = if r.recovered.is_empty() {
                    "nothing could be read from it".to_string()
                } else {
                    r.recovered
                        .iter()
                        .map(|(t, n)| format!("{n} {t}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!(
                    "repair:   moved the damaged database to {}; started a new one and copied: {copied}",
                    aside.display()
                );
                if !r.lost_tables.is_empty() {
                    println!(
                        "          unreadable (left in the damaged copy): {}",
                        r.lost_tables.join(", ")
                    );
                }
                println!(
                    "          media files and exports in the workspace were not touched; re-upload a file to use it in a new session"
                );
            }
        },
        Err(e) => missing.push(format!("repair refused: {e}")),
    }
}

/// The offline voices and the word aligner. Narration is optional (a video without it is still
/// made), so a missing voice is reported with its fix but does not fail `doctor`.
fn report_voices() {
    let inv = reelsmith::voice::Inventory::discover();
    let fix = "run scripts/setup, which installs them in";
    if inv.voices.is_empty() {
        println!("voices:   none (optional: {fix} {})", inv.dir.display());
    }
    for v in &inv.voices {
        let kind = if v.natural { "natural" } else { "robotic" };
        println!(
            "voice:    {} ({}, {:?}, {kind}, {} Hz)",
            v.id, v.language, v.engine, v.sample_rate
        );
    }
    if inv.voice_for("en").is_none() && !inv.voices.is_empty() {
        println!(
            "          English voice: MISSING ({fix} {})",
            inv.dir.display()
        );
    }
    match (inv.voice_for("zh"), inv.voices.is_empty()) {
        (Some(v), _) if !v.natural => println!(
            "          Chinese: robotic only (espeak-ng); the neural Mandarin voice needs Python 3.9-3.11 for scripts/setup"
        ),
        (None, false) => println!(
            "          Chinese voice: MISSING ({fix} {})",
            inv.dir.display()
        ),
        _ => {}
    }
    match &inv.aligner {
        Some(a) => println!(
            "aligner:  PocketSphinx ({}; word times of supplied narration)",
            a.language
        ),
        None => println!("aligner:  MISSING (optional: {fix} {})", inv.dir.display()),
    }
}
