//! An offline music bed for when music is asked for and none is supplied: chords, bass, an
//! arpeggio and a drum pulse at the mood's tempo, synthesised sample by sample.
//!
//! Everything is original and generated here, so the bed is royalty-free by construction and
//! needs no network. The output is deterministic (same mood and length → same bytes), streamed
//! to a 48 kHz stereo 16-bit WAV in constant memory, and kept below full scale by a soft limiter;
//! the soundtrack stage then fades and loudness-normalises it like any supplied track.

use std::f32::consts::TAU;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Sample rate of the bed.
pub const RATE: u32 = 48_000;

pub use crate::timeline::Mood;

// The moods are the timeline's vocabulary; how each one sounds is the renderer's business, so
// their arrangements live here.
impl Mood {
    /// Beats per minute.
    pub fn bpm(self) -> f32 {
        self.style().bpm
    }

    fn style(self) -> Style {
        // Chords are semitone offsets from the key's root; one chord per bar.
        const I: &[i32] = &[0, 4, 7];
        const IV: &[i32] = &[5, 9, 12];
        const V: &[i32] = &[7, 11, 14];
        const VI_M: &[i32] = &[9, 12, 16];
        const II_M: &[i32] = &[2, 5, 9];
        match self {
            Mood::Upbeat => Style {
                bpm: 120.0,
                root: 60,
                chords: &[I, V, VI_M, IV],
                kick: 0b1000_1000_1000_1000,
                kick_decay_s: 0.16,
                hat: 0b0010_0010_0010_0010,
                clap: 0b0000_1000_0000_1000,
                bass: 0b1000_0010_1000_0010,
                arp_every: 2,
                pad_level: 0.16,
                brightness: 2400.0,
                attack_s: 0.02,
                swing: 0.0,
            },
            Mood::Calm => Style {
                bpm: 76.0,
                root: 62,
                chords: &[
                    &[0, 4, 7, 11],
                    &[9, 12, 16, 19],
                    &[5, 9, 12, 16],
                    &[7, 11, 14, 17],
                ],
                kick: 0,
                kick_decay_s: 0.16,
                hat: 0,
                clap: 0,
                bass: 0b1000_0000_1000_0000,
                arp_every: 2,
                pad_level: 0.2,
                brightness: 1400.0,
                attack_s: 0.5,
                swing: 0.0,
            },
            Mood::Epic => Style {
                bpm: 86.0,
                root: 57,
                chords: &[&[0, 3, 7], &[8, 12, 15], &[3, 7, 10], &[10, 14, 17]],
                kick: 0b1000_0000_1000_0000,
                kick_decay_s: 0.4,
                hat: 0,
                clap: 0b0000_0000_1000_0000,
                bass: 0b1000_0000_1000_0000,
                arp_every: 4,
                pad_level: 0.22,
                brightness: 1800.0,
                attack_s: 0.3,
                swing: 0.0,
            },
            Mood::Lofi => Style {
                bpm: 80.0,
                root: 60,
                chords: &[
                    &[2, 5, 9, 12],
                    &[7, 11, 14, 17],
                    &[0, 4, 7, 11],
                    &[9, 12, 16, 19],
                ],
                kick: 0b1000_0000_0010_0000,
                kick_decay_s: 0.16,
                hat: 0b0010_0010_0010_0010,
                clap: 0b0000_1000_0000_1000,
                bass: 0b1000_0000_0010_0000,
                arp_every: 4,
                pad_level: 0.17,
                brightness: 1100.0,
                attack_s: 0.05,
                swing: 0.16,
            },
            Mood::Corporate => Style {
                bpm: 108.0,
                root: 64,
                chords: &[I, IV, VI_M, V],
                kick: 0b1000_0000_1000_0000,
                kick_decay_s: 0.16,
                hat: 0b1010_1010_1010_1010,
                clap: 0b0000_1000_0000_1000,
                bass: 0b1010_1010_1010_1010,
                arp_every: 2,
                pad_level: 0.14,
                brightness: 2000.0,
                attack_s: 0.08,
                swing: 0.0,
            },
            Mood::Happy => Style {
                bpm: 128.0,
                root: 65,
                chords: &[I, IV, II_M, V],
                kick: 0b1000_0000_1000_0000,
                kick_decay_s: 0.16,
                hat: 0b0010_0010_0010_0010,
                clap: 0b0000_1000_0000_1000,
                bass: 0b1000_1000_1000_1000,
                arp_every: 1,
                pad_level: 0.13,
                brightness: 2800.0,
                attack_s: 0.02,
                swing: 0.08,
            },
        }
    }
}

/// One mood's arrangement. Patterns are 16 sixteenth-note steps per bar, most significant bit
/// first.
#[derive(Debug, Clone, Copy)]
struct Style {
    bpm: f32,
    /// MIDI note of the key's root for the pad (bass is two octaves down).
    root: i32,
    chords: &'static [&'static [i32]],
    kick: u16,
    /// Kick decay in seconds: short and punchy, or long like a timpani.
    kick_decay_s: f32,
    hat: u16,
    clap: u16,
    bass: u16,
    /// Arpeggio note every this many sixteenths.
    arp_every: u32,
    pad_level: f32,
    /// Pad low-pass cutoff in Hz.
    brightness: f32,
    /// Pad attack in seconds.
    attack_s: f32,
    /// Delay of off-beat sixteenths, as a fraction of a sixteenth.
    swing: f32,
}

fn midi_hz(note: i32) -> f32 {
    440.0 * 2f32.powf((note - 69) as f32 / 12.0)
}

/// Frequencies (Hz) of the pad chord sounding in bar `bar` of `mood`.
pub fn chord_hz(mood: Mood, bar: usize) -> Vec<f32> {
    let st = mood.style();
    st.chords[bar % st.chords.len()]
        .iter()
        .map(|o| midi_hz(st.root + o))
        .collect()
}

/// A band-limited sawtooth (12 harmonics) as a lookup table: cheap and free of aliasing whine.
struct Table(Vec<f32>);

impl Table {
    const LEN: usize = 4096;

    fn saw() -> Table {
        let mut t = vec![0f32; Self::LEN];
        for (i, v) in t.iter_mut().enumerate() {
            let ph = i as f32 / Self::LEN as f32 * TAU;
            *v = (1..=12)
                .map(|k| (ph * k as f32).sin() / k as f32)
                .sum::<f32>()
                * 0.55;
        }
        Table(t)
    }

    /// Value at phase `ph` in cycles (0..1).
    fn at(&self, ph: f32) -> f32 {
        let x = ph.fract() * Self::LEN as f32;
        let i = x as usize % Self::LEN;
        let j = (i + 1) % Self::LEN;
        let f = x.fract();
        self.0[i] * (1.0 - f) + self.0[j] * f
    }
}

/// Deterministic white noise (xorshift).
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
}

/// One-pole low-pass filter.
#[derive(Default, Clone, Copy)]
struct LowPass {
    y: f32,
}

impl LowPass {
    fn run(&mut self, x: f32, cutoff: f32) -> f32 {
        let a = 1.0 - (-TAU * cutoff / RATE as f32).exp();
        self.y += a * (x - self.y);
        self.y
    }
}

/// Frames synthesised between two looks at the cancellation token (0.1 s of sound, a few ms of
/// work), so a cancelled render stops here promptly even for a ten-minute bed.
const CANCEL_CHECK_FRAMES: u64 = RATE as u64 / 10;

/// Write `duration_ms` of a `mood` bed to `path` as a 48 kHz stereo 16-bit WAV.
///
/// Stops with `ErrorKind::Interrupted` (and removes the partial file) when `cancel` fires.
pub fn write_bed(
    mood: Mood,
    duration_ms: u64,
    path: &Path,
    cancel: &tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    let r = write_bed_inner(mood, duration_ms, path, cancel);
    if r.is_err() {
        let _ = std::fs::remove_file(path);
    }
    r
}

fn write_bed_inner(
    mood: Mood,
    duration_ms: u64,
    path: &Path,
    cancel: &tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    let frames = duration_ms * RATE as u64 / 1000;
    let data_bytes = frames * 4;
    if data_bytes > u32::MAX as u64 - 36 {
        return Err(std::io::Error::other(
            "the music bed would exceed the WAV size limit; ask for a shorter video",
        ));
    }
    let mut f = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    f.write_all(b"RIFF")?;
    f.write_all(&((36 + data_bytes) as u32).to_le_bytes())?;
    f.write_all(b"WAVEfmt ")?;
    f.write_all(&16u32.to_le_bytes())?;
    f.write_all(&1u16.to_le_bytes())?; // PCM
    f.write_all(&2u16.to_le_bytes())?; // stereo
    f.write_all(&RATE.to_le_bytes())?;
    f.write_all(&(RATE * 4).to_le_bytes())?;
    f.write_all(&4u16.to_le_bytes())?;
    f.write_all(&16u16.to_le_bytes())?;
    f.write_all(b"data")?;
    f.write_all(&(data_bytes as u32).to_le_bytes())?;
    let mut synth = Synth::new(mood, frames);
    for n in 0..frames {
        if n % CANCEL_CHECK_FRAMES == 0 && cancel.is_cancelled() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "music synthesis cancelled",
            ));
        }
        let (l, r) = synth.next();
        f.write_all(&to_i16(l).to_le_bytes())?;
        f.write_all(&to_i16(r).to_le_bytes())?;
    }
    f.flush()
}

fn to_i16(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// The sample-by-sample generator.
struct Synth {
    st: Style,
    saw: Table,
    noise: Noise,
    n: u64,
    total: u64,
    /// Samples per sixteenth note.
    step: f32,
    /// Oscillator phases (cycles) for pad voices (4 notes × 2 detuned), bass and arp.
    pad_ph: [f32; 8],
    bass_ph: f32,
    arp_ph: f32,
    kick_ph: f32,
    pad_lp: [LowPass; 2],
    hat_lp: LowPass,
    master_lp: [LowPass; 2],
}

impl Synth {
    fn new(mood: Mood, total: u64) -> Synth {
        let st = mood.style();
        Synth {
            st,
            saw: Table::saw(),
            noise: Noise(0x9E37_79B9 ^ mood as u32),
            n: 0,
            total,
            step: RATE as f32 * 60.0 / st.bpm / 4.0,
            pad_ph: [0.0; 8],
            bass_ph: 0.0,
            arp_ph: 0.0,
            kick_ph: 0.0,
            pad_lp: [LowPass::default(); 2],
            hat_lp: LowPass::default(),
            master_lp: [LowPass::default(); 2],
        }
    }

    /// Where sample `n` falls: (bar, step in bar, seconds since that step started), with swing
    /// delaying off-beat sixteenths.
    fn position(&self, n: u64) -> (usize, u32, f32) {
        let s = n as f32 / self.step;
        let mut idx = s.floor() as u64;
        let mut into = s - idx as f32;
        if idx % 2 == 1 {
            // Swung off-beat: starts `swing` of a step late; before that the previous step rings.
            if into < self.st.swing {
                idx -= 1;
                into += 1.0;
            } else {
                into -= self.st.swing;
            }
        }
        let bar = (idx / 16) as usize;
        let step = (idx % 16) as u32;
        (bar, step, into * self.step / RATE as f32)
    }

    fn hit(pattern: u16, step: u32) -> bool {
        pattern & (0x8000 >> step) != 0
    }

    fn next(&mut self) -> (f32, f32) {
        let st = self.st;
        let n = self.n;
        self.n += 1;
        let dt = 1.0 / RATE as f32;
        let t = n as f32 * dt;
        let (bar, step, since) = self.position(n);
        let bar_len_s = self.step * 16.0 / RATE as f32;
        let in_bar_s = (n as f32 / self.step - (bar as f32 * 16.0)) * self.step / RATE as f32;
        let chord = st.chords[bar % st.chords.len()];
        // Drums come in after two bars when there is time for an intro.
        let total_bars = self.total as f32 / (self.step * 16.0);
        let drums = total_bars < 6.0 || bar >= 2;

        // Pad: each chord note on two slightly detuned saws, panned apart, softly enveloped.
        let attack = (in_bar_s / st.attack_s.max(0.005)).min(1.0);
        let release = ((bar_len_s - in_bar_s) / 0.12).clamp(0.0, 1.0);
        let env = attack * (0.75 + 0.25 * release);
        let mut pad = [0f32; 2];
        for (k, semis) in chord.iter().enumerate().take(4) {
            let f = midi_hz(st.root + semis);
            for (side, cents) in [(0usize, -7.0f32), (1, 7.0)] {
                let i = k * 2 + side;
                self.pad_ph[i] = (self.pad_ph[i] + f * 2f32.powf(cents / 1200.0) * dt).fract();
                pad[side] += self.saw.at(self.pad_ph[i]);
            }
        }
        let voices = chord.len().min(4) as f32;
        let wobble = 1.0 + 0.15 * (TAU * 0.25 * t).sin();
        for (side, v) in pad.iter_mut().enumerate() {
            *v = self.pad_lp[side].run(*v / voices, st.brightness * wobble) * env * st.pad_level;
        }

        // Bass: the chord's root two octaves down, plucked on the pattern's steps.
        let bass_f = midi_hz(st.root - 24 + chord[0]);
        self.bass_ph = (self.bass_ph + bass_f * dt).fract();
        let bass_env = if Self::hit(st.bass, step) {
            (-since / 0.28).exp() * (since / 0.004).min(1.0)
        } else {
            0.0
        };
        let bass =
            ((TAU * self.bass_ph).sin() + 0.3 * (2.0 * TAU * self.bass_ph).sin()) * bass_env * 0.32;

        // Arpeggio: chord tones an octave up, one every `arp_every` sixteenths, ping-pong panned.
        let arp_idx = (bar as u32 * 16 + step) / st.arp_every;
        let arp_note = chord[arp_idx as usize % chord.len()] + 12 + st.root;
        self.arp_ph = (self.arp_ph + midi_hz(arp_note) * dt).fract();
        let arp_since = since + (step % st.arp_every) as f32 * self.step / RATE as f32;
        let tri = 1.0 - 4.0 * (self.arp_ph - 0.5).abs();
        let arp = tri * (-arp_since / 0.18).exp() * (arp_since / 0.003).min(1.0) * 0.1;
        let arp_pan = if arp_idx.is_multiple_of(2) {
            0.35
        } else {
            0.65
        };

        // Drums.
        let mut kick = 0.0;
        let mut hat = 0.0;
        let mut clap = 0.0;
        let noise = self.noise.next();
        if drums {
            if Self::hit(st.kick, step) {
                let f = 48.0 + 110.0 * (-since * 28.0).exp();
                self.kick_ph = (self.kick_ph + f * dt).fract();
                kick = (TAU * self.kick_ph).sin() * (-since / st.kick_decay_s).exp() * 0.55;
            } else {
                self.kick_ph = 0.0;
            }
            let high = noise - self.hat_lp.run(noise, 6000.0);
            if Self::hit(st.hat, step) {
                hat = high * (-since / 0.035).exp() * 0.16;
            }
            if Self::hit(st.clap, step) {
                clap = (noise * 0.8 + 0.4 * (TAU * 190.0 * since).sin())
                    * (-since / 0.09).exp()
                    * 0.17;
            }
        }

        let mono = bass + kick + clap;
        let l = mono + pad[0] + arp * (1.0 - arp_pan) + hat * 0.8;
        let r = mono + pad[1] + arp * arp_pan + hat * 1.1;
        // A gentle master low-pass for lo-fi warmth, then a soft limiter.
        let (l, r) = if st.swing >= 0.15 {
            (
                self.master_lp[0].run(l, 5000.0),
                self.master_lp[1].run(r, 5000.0),
            )
        } else {
            (l, r)
        };
        (soft_clip(l), soft_clip(r))
    }
}

/// Smooth limiting toward ±0.9: transparent at normal levels, never clips.
fn soft_clip(x: f32) -> f32 {
    0.9 * (x / 0.9).tanh()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(mood: Mood, ms: u64) -> Vec<f32> {
        let mut s = Synth::new(mood, ms * RATE as u64 / 1000);
        (0..ms * RATE as u64 / 1000)
            .map(|_| {
                let (l, r) = s.next();
                (l + r) / 2.0
            })
            .collect()
    }

    /// Energy at frequency `f` (Goertzel), normalised by length.
    fn power_at(x: &[f32], f: f32) -> f32 {
        let w = TAU * f / RATE as f32;
        let c = 2.0 * w.cos();
        let (mut s1, mut s2) = (0f32, 0f32);
        for &v in x {
            let s0 = v + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.len() as f32).powi(2)
    }

    /// Strongest energy within ±1.2% of `f` (the pad's voices are detuned by ±7 cents).
    fn band_power(x: &[f32], f: f32) -> f32 {
        (-6..=6)
            .map(|k| power_at(x, f * (1.0 + k as f32 * 0.002)))
            .fold(0.0, f32::max)
    }

    /// Correlation of the loudness envelope with itself `lag_s` later.
    fn envelope_corr(x: &[f32], lag_s: f32) -> f32 {
        let hop = 480; // 10 ms
        let env: Vec<f32> = x
            .chunks(hop)
            .map(|c| c.iter().map(|v| v * v).sum::<f32>().sqrt())
            .collect();
        let mean = env.iter().sum::<f32>() / env.len() as f32;
        let e: Vec<f32> = env.iter().map(|v| v - mean).collect();
        let lag = (lag_s * 100.0).round() as usize;
        let num: f32 = e.iter().zip(&e[lag..]).map(|(a, b)| a * b).sum();
        let den: f32 = e.iter().map(|a| a * a).sum();
        num / den
    }

    #[test]
    fn every_mood_is_audible_and_never_clips() {
        for mood in Mood::ALL {
            let x = samples(mood, 4000);
            let rms = (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
            let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(rms > 0.03, "{mood:?} is nearly silent (rms {rms})");
            assert!(peak < 0.95, "{mood:?} peaks at {peak}");
        }
    }

    #[test]
    fn plays_the_chord_not_a_single_tone() {
        for mood in Mood::ALL {
            // The first bar, after the attack.
            let bar_s = 240.0 / mood.bpm();
            let x = samples(mood, (bar_s * 1000.0) as u64);
            let from = (x.len() as f32 * 0.3) as usize;
            let bar = &x[from..];
            let tones: Vec<f32> = chord_hz(mood, 0)
                .iter()
                .map(|f| band_power(bar, *f))
                .collect();
            // A pitch a tritone above the root is in none of the chords.
            let off = band_power(bar, chord_hz(mood, 0)[0] * 2f32.powf(6.0 / 12.0));
            let strong = tones.iter().filter(|p| **p > off * 8.0).count();
            assert!(
                strong >= 3,
                "{mood:?}: chord tones {tones:?} vs off-key {off}"
            );
        }
    }

    #[test]
    fn pulses_at_the_moods_tempo() {
        for mood in Mood::ALL {
            let bar_s = 240.0 / mood.bpm();
            let x = samples(mood, (bar_s * 6000.0) as u64);
            let on = envelope_corr(&x, bar_s);
            let off = envelope_corr(&x, bar_s * 0.37 / 4.0 * 3.0);
            assert!(
                on > off + 0.15,
                "{mood:?}: envelope repeats every bar {on} vs off-beat {off}"
            );
        }
        assert!(Mood::Calm.bpm() < Mood::Upbeat.bpm());
    }

    #[test]
    fn wav_is_deterministic_and_exactly_as_long_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.wav");
        let b = dir.path().join("b.wav");
        let go = tokio_util::sync::CancellationToken::new();
        write_bed(Mood::Lofi, 1500, &a, &go).unwrap();
        write_bed(Mood::Lofi, 1500, &b, &go).unwrap();
        let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(x, y);
        assert_eq!(x.len(), 44 + 1500 * 48 * 4);
        assert_eq!(&x[..4], b"RIFF");
        assert_eq!(Mood::parse("EPIC"), Some(Mood::Epic));
        assert_eq!(Mood::parse("polka"), None);
    }

    #[test]
    fn synthesis_stops_when_cancelled_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bed.wav");
        let cancel = tokio_util::sync::CancellationToken::new();
        // Cancelled from another thread while a ten-minute bed (seconds of work) is made.
        let c = cancel.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            c.cancel();
        });
        let e = write_bed(Mood::Upbeat, 600_000, &path, &cancel).unwrap_err();
        t.join().unwrap();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted);
        assert!(!path.exists(), "partial bed left behind");
        // Already cancelled: nothing is synthesised.
        let e = write_bed(Mood::Calm, 1000, &path, &cancel).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted);
        assert!(!path.exists());
    }
}
