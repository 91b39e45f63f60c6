//! Onset strength: how much new sound starts in each short frame.
//!
//! Spectral flux on a log-compressed, semitone-banded magnitude spectrum (after Böck & Widmer's
//! SuperFlux): bands a semitone wide above ~360 Hz (one FFT bin each below) give a kick's few
//! low bins as much say as a hat's hundreds of high ones, so the tracker follows the beat the
//! drums play rather than the off-beat hats; the log makes a quiet hit count next to a loud one;
//! comparing each band with the *maximum* of its neighbours a few frames back ignores vibrato
//! and slides, which are not onsets. An adaptive threshold (the local mean) then removes the
//! slow swell of sustained notes, leaving peaks where notes and hits begin. Only 30 Hz–5.5 kHz
//! is used, whatever the sample rate, so analysing a 48 kHz file or its 11 kHz decode agree.

use rustfft::{FftPlanner, num_complex::Complex};

/// The onset strength envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Non-negative strength per frame, normalised to unit standard deviation.
    pub values: Vec<f32>,
    /// Frames per second.
    pub fps: f64,
}

/// Frames per window: ~46 ms, long enough to resolve a kick's low end.
fn window_len(rate: u32) -> usize {
    ((rate as f64 * 0.04) as usize).next_power_of_two().max(64)
}

/// Log compression strength: `ln(1 + GAMMA · |X|)` on a spectrum scaled so that a full-scale sine
/// peaks at 1.
const GAMMA: f32 = 100.0;
/// Flux compares with the frame this many hops back (a quarter window), so consecutive,
/// heavily overlapping frames do not hide an onset's rise.
const LAG: usize = 2;
/// Band limits, Hz.
const LOW_HZ: f64 = 30.0;
const HIGH_HZ: f64 = 5_500.0;
/// Half-width (seconds) of the local mean subtracted as the adaptive threshold.
const THRESHOLD_HALF_S: f64 = 0.15;

/// The onset envelope of `samples` at `rate` Hz, one frame every window/8 (≈ 5.8 ms at 11 kHz).
///
/// Frame `i` is centred on sample `i · hop`, so frame times need no offset.
pub fn envelope(samples: &[f32], rate: u32) -> Envelope {
    let n = window_len(rate);
    let hop = n / 8;
    let fps = rate as f64 / hop as f64;
    let frames = samples.len() / hop + 1;
    let (lo, band_of) = bands(n, rate);
    let n_bands = band_of.last().map_or(0, |b| b + 1);

    // Loudness does not change where the beats are: normalise to a fixed RMS so GAMMA means the
    // same on a quiet and a mastered track.
    let rms = (samples.iter().map(|x| (x * x) as f64).sum::<f64>() / samples.len().max(1) as f64)
        .sqrt() as f32;
    let gain = if rms > 1e-6 { 0.1 / rms } else { 0.0 };

    let hann: Vec<f32> = (0..n)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos())
        .collect();
    let scale = 2.0 / hann.iter().sum::<f32>();
    let fft = FftPlanner::<f32>::new().plan_fft_forward(n);
    let mut buf = vec![Complex::default(); n];
    let mut scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];

    // Ring of the last LAG+1 log band spectra.
    let mut ring = vec![vec![0f32; n_bands]; LAG + 1];
    let mut flux = vec![0f32; frames];
    for (i, f) in flux.iter_mut().enumerate() {
        let centre = (i * hop) as isize;
        for (j, c) in buf.iter_mut().enumerate() {
            let s = centre - (n / 2) as isize + j as isize;
            let x = if s >= 0 && (s as usize) < samples.len() {
                samples[s as usize] * gain
            } else {
                0.0
            };
            *c = Complex::new(x * hann[j], 0.0);
        }
        fft.process_with_scratch(&mut buf, &mut scratch);
        let slot = i % (LAG + 1);
        let cur = &mut ring[slot];
        cur.iter_mut().for_each(|v| *v = 0.0);
        for (k, b) in band_of.iter().enumerate() {
            cur[*b] += buf[lo + k].norm() * scale;
        }
        cur.iter_mut().for_each(|v| *v = (1.0 + GAMMA * *v).ln());
        if i >= LAG {
            let (cur, prev) = (&ring[slot], &ring[(i - LAG) % (LAG + 1)]);
            let last = n_bands - 1;
            *f = (0..n_bands)
                .map(|b| {
                    let p = prev[b.saturating_sub(1)]
                        .max(prev[b])
                        .max(prev[(b + 1).min(last)]);
                    (cur[b] - p).max(0.0)
                })
                .sum();
        }
    }

    let mut values = adaptive_threshold(&flux, (THRESHOLD_HALF_S * fps) as usize);
    let sd = std_dev(&values);
    if sd > 0.0 {
        values.iter_mut().for_each(|v| *v /= sd);
    }
    Envelope { values, fps }
}

/// The first FFT bin used, and the band of each bin from there up to [`HIGH_HZ`]: one bin per
/// band while bins are wider than a semitone, then semitone bands.
fn bands(n: usize, rate: u32) -> (usize, Vec<usize>) {
    let hz_per_bin = rate as f64 / n as f64;
    let lo = ((LOW_HZ / hz_per_bin).ceil() as usize).max(1);
    let hi = ((HIGH_HZ.min(rate as f64 / 2.0) / hz_per_bin) as usize).min(n / 2);
    // Bin k is narrower than a semitone from k ≥ 1 / (2^(1/12) − 1) ≈ 16.8.
    const K0: f64 = 17.0;
    let band = |k: usize| -> f64 {
        let k = k as f64;
        if k < K0 {
            k
        } else {
            K0 + (12.0 * (k / K0).log2()).floor()
        }
    };
    let first = band(lo);
    let of = (lo..hi.max(lo + 1))
        .map(|k| (band(k) - first) as usize)
        .collect();
    (lo, of)
}

/// `x` minus its running mean over ±`half` frames, floored at zero.
fn adaptive_threshold(x: &[f32], half: usize) -> Vec<f32> {
    let mut prefix = Vec::with_capacity(x.len() + 1);
    prefix.push(0f64);
    for v in x {
        prefix.push(prefix.last().unwrap() + *v as f64);
    }
    (0..x.len())
        .map(|i| {
            let a = i.saturating_sub(half);
            let b = (i + half + 1).min(x.len());
            let mean = (prefix[b] - prefix[a]) / (b - a) as f64;
            (x[i] - mean as f32).max(0.0)
        })
        .collect()
}

/// Population standard deviation.
pub(crate) fn std_dev(x: &[f32]) -> f32 {
    if x.is_empty() {
        return 0.0;
    }
    let mean = x.iter().map(|v| *v as f64).sum::<f64>() / x.len() as f64;
    let var = x.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / x.len() as f64;
    var.sqrt() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_makes_one_peak_at_its_time() {
        let rate = 11_025;
        let mut s = vec![0f32; rate as usize * 2];
        let at = rate as usize; // 1.0 s
        for (j, v) in s[at..at + 40].iter_mut().enumerate() {
            *v = if j % 2 == 0 { 0.8 } else { -0.8 };
        }
        let env = envelope(&s, rate);
        let peak = env
            .values
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        let t = peak as f64 / env.fps;
        assert!((t - 1.0).abs() < 0.03, "peak at {t} s");
    }

    #[test]
    fn silence_has_a_flat_zero_envelope() {
        let env = envelope(&vec![0.0; 22_050], 11_025);
        assert!(env.values.iter().all(|v| *v == 0.0));
    }
}
