//! The tracker against audio whose beats are known exactly: synthetic click tracks (clean, in
//! noise, late first beat, under a sustained chord) and our own generated music beds.

use super::*;
use crate::render::music::{self, Mood};

/// What the acceptance asks: beats within 50 ms.
const HIT_TOL_MS: u64 = 50;

/// Deterministic white noise in [-1, 1).
struct Noise(u32);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as f32 / u32::MAX as f32 * 2.0 - 1.0
    }
}

struct Clicks {
    bpm: f64,
    first_s: f64,
    secs: f64,
    /// RMS of white noise added throughout.
    noise: f32,
    /// Amplitude of a sustained three-note chord under the clicks.
    chord: f32,
    /// Every fourth click louder and lower, like a bar's downbeat.
    accents: bool,
}

impl Clicks {
    const RATE: u32 = 11_025;

    fn truth_ms(&self) -> Vec<u64> {
        BeatGrid::regular(
            self.bpm,
            (self.first_s * 1000.0) as u64,
            (self.secs * 1000.0) as u64,
        )
        .beats_ms
    }

    fn samples(&self) -> Vec<f32> {
        let rate = Self::RATE as f64;
        let mut s = vec![0f32; (self.secs * rate) as usize];
        let mut noise = Noise(0x1234_5678 ^ self.bpm as u32);
        for (i, v) in s.iter_mut().enumerate() {
            let t = i as f64 / rate;
            let chord: f64 = [220.0, 277.18, 329.63]
                .iter()
                .map(|f| (std::f64::consts::TAU * f * t).sin())
                .sum();
            *v = self.chord * chord as f32 / 3.0 + self.noise * 1.732 * noise.next();
        }
        for (k, at) in self.truth_ms().into_iter().enumerate() {
            let start = (at as f64 / 1000.0 * rate) as usize;
            let (amp, hz) = if self.accents && k % 4 == 0 {
                (0.9, 800.0)
            } else {
                (0.5, 1600.0)
            };
            // A 30 ms decaying tone plus a noise burst: a woodblock-ish click.
            for j in 0..(0.03 * rate) as usize {
                if let Some(v) = s.get_mut(start + j) {
                    let t = j as f64 / rate;
                    let env = (-t / 0.006).exp() as f32;
                    let tone = (std::f64::consts::TAU * hz * t).sin() as f32;
                    *v += amp * env * (0.7 * tone + 0.3 * noise.next());
                }
            }
        }
        s
    }
}

/// Assert the acceptance figures and print them (`--nocapture` shows the table).
fn check(name: &str, grid: &BeatGrid, bpm: f64, truth: &[u64]) {
    let acc = Accuracy::measure(grid, bpm, truth, HIT_TOL_MS);
    println!(
        "{name:<34} {bpm:6.2} BPM → {:7.3}: {acc}, confidence {:.2}",
        grid.bpm, grid.confidence
    );
    assert!(
        acc.passes(),
        "{name}: {acc}\n got {:?}\n want {truth:?}",
        grid.beats_ms
    );
}

fn run_clicks(name: &str, c: Clicks) {
    let grid = analyse(&c.samples(), Clicks::RATE).unwrap();
    check(name, &grid, c.bpm, &c.truth_ms());
}

#[test]
fn clean_click_tracks() {
    for bpm in [90.0, 120.0, 128.0] {
        run_clicks(
            &format!("clicks {bpm}"),
            Clicks {
                bpm,
                first_s: 0.0,
                secs: 30.0,
                noise: 0.0,
                chord: 0.0,
                accents: false,
            },
        );
    }
}

#[test]
fn click_tracks_in_noise_with_a_late_first_beat() {
    for (bpm, first_s) in [(90.0, 0.37), (120.0, 1.21), (128.0, 0.05)] {
        run_clicks(
            &format!("clicks {bpm} noise, first {first_s}"),
            Clicks {
                bpm,
                first_s,
                secs: 30.0,
                noise: 0.08,
                chord: 0.0,
                accents: false,
            },
        );
    }
}

#[test]
fn accented_click_tracks_under_a_chord_in_noise() {
    for (bpm, first_s) in [(90.0, 0.8), (120.0, 0.0), (128.0, 2.3)] {
        run_clicks(
            &format!("clicks {bpm} chord+accents, {first_s}"),
            Clicks {
                bpm,
                first_s,
                secs: 30.0,
                noise: 0.05,
                chord: 0.3,
                accents: true,
            },
        );
    }
}

/// Our generated beds: the beat grid is known from the mood's tempo, first beat at 0.
#[test]
fn generated_music_beds() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    for mood in [
        Mood::Upbeat,
        Mood::Epic,
        Mood::Lofi,
        Mood::Corporate,
        Mood::Happy,
    ] {
        let path = dir.path().join("bed.wav");
        music::write_bed(mood, 30_000, &path, &cancel).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        // 44-byte header, then 16-bit stereo frames.
        let mono: Vec<f32> = bytes[44..]
            .chunks_exact(4)
            .map(|f| {
                let l = i16::from_le_bytes([f[0], f[1]]) as f32;
                let r = i16::from_le_bytes([f[2], f[3]]) as f32;
                (l + r) / 65536.0
            })
            .collect();
        let grid = analyse(&mono, music::RATE).unwrap();
        let bpm = mood.bpm() as f64;
        let truth = BeatGrid::regular(bpm, 0, 30_000).beats_ms;
        check(&format!("generated {mood:?}"), &grid, bpm, &truth);
    }
}

#[test]
fn silence_and_noise_have_no_beat_and_short_audio_is_refused() {
    assert!(matches!(
        analyse(&vec![0.0; 11_025 * 10], 11_025),
        Err(BeatsError::NoPulse)
    ));
    assert!(matches!(
        analyse(&vec![0.0; 11_025], 11_025),
        Err(BeatsError::TooShort { .. })
    ));
    let mut n = Noise(7);
    let noise: Vec<f32> = (0..11_025 * 20).map(|_| 0.3 * n.next()).collect();
    match analyse(&noise, 11_025) {
        Err(BeatsError::NoPulse) => {}
        Ok(g) => assert!(g.confidence < 0.15, "noise confidence {}", g.confidence),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn snap_takes_the_nearest_beat_within_tolerance() {
    let g = BeatGrid::regular(120.0, 100, 3000);
    assert_eq!(g.beats_ms[..3], [100, 600, 1100]);
    assert_eq!(g.snap(640, 80), Some(600));
    assert_eq!(g.snap(860, 300), Some(1100));
    assert_eq!(
        g.snap(850, 300),
        Some(600),
        "a tie goes to the earlier beat"
    );
    assert_eq!(g.snap(850, 100), None);
    assert_eq!(g.snap(0, 100), Some(100));
    assert_eq!(g.snap(9_000, 100), None);
    assert_eq!(BeatGrid::regular(120.0, 0, 0).snap(10, 1000), None);
    for bpm in [0.0, -60.0, f64::NAN] {
        assert!(BeatGrid::regular(bpm, 0, 5000).beats_ms.is_empty(), "{bpm}");
    }
}

/// Beyond the acceptance's three tempos: the prior must not fold 60 or 170 BPM onto 120.
#[test]
fn click_tracks_from_60_to_170_bpm() {
    for (i, (bpm, first_s)) in [
        (60.0, 0.3),
        (70.0, 0.0),
        (75.0, 0.5),
        (100.0, 0.2),
        (140.0, 0.1),
        (150.0, 0.0),
        (170.0, 0.4),
    ]
    .into_iter()
    .enumerate()
    {
        run_clicks(
            &format!("clicks {bpm}, {first_s}"),
            Clicks {
                bpm,
                first_s,
                secs: 30.0,
                noise: 0.05,
                chord: 0.3,
                accents: i % 2 == 0,
            },
        );
    }
}

/// The documented limit: a plain pulse above ~170 BPM is heard at half tempo, every beat of that
/// grid still on a true beat, so snapped cuts still land on the beat.
#[test]
fn a_very_fast_pulse_is_tracked_at_half_tempo_on_the_beat() {
    let c = Clicks {
        bpm: 175.0,
        first_s: 0.0,
        secs: 30.0,
        noise: 0.05,
        chord: 0.0,
        accents: false,
    };
    let grid = analyse(&c.samples(), Clicks::RATE).unwrap();
    let acc = Accuracy::measure(&grid, 87.5, &c.truth_ms(), HIT_TOL_MS);
    assert!((grid.bpm / 87.5 - 1.0).abs() < 0.02, "{}", grid.bpm);
    assert!(acc.precision >= 0.95, "{acc}");
}
