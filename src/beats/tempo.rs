//! Tempo: the beat period that best explains the onset envelope's periodicity.
//!
//! The autocorrelation of the envelope peaks at the beat period, but just as high at twice and
//! half of it (bars, eighth notes): the classic octave error. Two things pick the right octave:
//! a comb that credits a lag with its multiples (a true beat period also repeats at 2×, 3×, 4×,
//! whereas half of it only does at even multiples), and a log-normal prior around 120 BPM, the
//! tempo people tap most often (Ellis 2007; Moelants & McKinney 2004).
//!
//! A plain pulse repeats equally at its period and at twice it, so there only the prior
//! decides: from 60 to 170 BPM the true tempo wins; a plain 175 BPM pulse is reported at 87.5,
//! as many listeners tap drum & bass. Every beat of such a grid is still a true beat, so cuts
//! snapped to it still land on the beat.

/// Slowest and fastest tempo considered, BPM.
pub const MIN_BPM: f64 = 40.0;
/// See [`MIN_BPM`].
pub const MAX_BPM: f64 = 240.0;
/// Centre of the tempo prior, BPM.
const PRIOR_BPM: f64 = 120.0;
/// Width of the prior in octaves: wide enough that 70 or 180 BPM music still wins on evidence.
const PRIOR_OCTAVES: f64 = 1.0;
/// How many multiples of a lag the comb adds up (weights 1, 1/2, 1/3, 1/4).
const COMB: usize = 4;

/// The estimated beat period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    /// Beat period in envelope frames (fractional).
    pub frames: f64,
    /// Normalised autocorrelation at the period or its best multiple up to a bar of four, 0..1:
    /// how strongly the envelope repeats (music with a kick every other beat repeats most at 2×).
    pub strength: f64,
}

/// The beat period of `env` (frames per second `fps`), or `None` when it does not repeat at any
/// tempo in [`MIN_BPM`]..[`MAX_BPM`] (silence, a single hit, noise).
pub fn estimate(env: &[f32], fps: f64) -> Option<Period> {
    let min_lag = (fps * 60.0 / MAX_BPM).floor().max(1.0) as usize;
    let max_lag = (fps * 60.0 / MIN_BPM).ceil() as usize;
    if env.len() < 2 * max_lag {
        return None;
    }
    let mean = env.iter().map(|v| *v as f64).sum::<f64>() / env.len() as f64;
    let x: Vec<f64> = env.iter().map(|v| *v as f64 - mean).collect();
    let zero = x.iter().map(|v| v * v).sum::<f64>();
    if zero <= 0.0 {
        return None;
    }
    // Unbiased (per-overlap) autocorrelation, so long lags are not penalised for overlapping less.
    let top = (COMB * max_lag).min(x.len() - 1);
    let acf: Vec<f64> = (0..=top)
        .map(|lag| {
            let n = x.len() - lag;
            let s: f64 = x[..n].iter().zip(&x[lag..]).map(|(a, b)| a * b).sum();
            s / n as f64 * x.len() as f64 / zero
        })
        .collect();

    let comb = |lag: usize| -> f64 {
        (1..=COMB)
            .filter(|k| k * lag <= top)
            .map(|k| acf[k * lag].max(0.0) / k as f64)
            .sum()
    };
    let prior = |lag: f64| -> f64 {
        let bpm = 60.0 * fps / lag;
        (-0.5 * ((bpm / PRIOR_BPM).log2() / PRIOR_OCTAVES).powi(2)).exp()
    };
    let scores: Vec<f64> = (min_lag..=max_lag)
        .map(|lag| comb(lag) * prior(lag as f64))
        .collect();
    let (best_i, best) = scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    if *best <= 0.0 {
        return None;
    }
    let lag = min_lag + best_i;
    // Parabolic interpolation on the raw autocorrelation refines the period below one frame.
    let frames = if lag > min_lag && lag < max_lag {
        let (a, b, c) = (acf[lag - 1], acf[lag], acf[lag + 1]);
        let d = a - 2.0 * b + c;
        if d < 0.0 {
            lag as f64 + (0.5 * (a - c) / d).clamp(-0.5, 0.5)
        } else {
            lag as f64
        }
    } else {
        lag as f64
    };
    Some(Period {
        frames,
        strength: (1..=COMB)
            .filter(|k| k * lag <= top)
            .map(|k| acf[k * lag])
            .fold(0.0, f64::max)
            .clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulses(period: f64, len: usize) -> Vec<f32> {
        let mut v = vec![0f32; len];
        let mut t = 0.0;
        while (t as usize) < len {
            v[t as usize] = 1.0;
            t += period;
        }
        v
    }

    #[test]
    fn a_pulse_train_gives_its_period_not_double_or_half() {
        let fps = 172.27;
        for bpm in [60.0, 90.0, 120.0, 128.0, 175.0] {
            let p = 60.0 * fps / bpm;
            let got = estimate(&pulses(p, 3000), fps).unwrap();
            let got_bpm = 60.0 * fps / got.frames;
            assert!((got_bpm / bpm - 1.0).abs() < 0.02, "{bpm} BPM → {got_bpm}");
            assert!(got.strength > 0.5, "{bpm}: strength {}", got.strength);
        }
    }

    #[test]
    fn flat_or_short_input_has_no_tempo() {
        assert_eq!(estimate(&[0.0; 5000], 172.0), None);
        assert_eq!(estimate(&[1.0; 100], 172.0), None);
    }
}
