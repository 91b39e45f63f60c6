//! Beat tracking by dynamic programming (Ellis 2007, "Beat Tracking by Dynamic Programming").
//!
//! Given the tempo, the best beat sequence maximises the onset strength at its beats plus a
//! penalty for every gap that strays from the period. One forward pass finds, for each frame,
//! the best score of a sequence ending there and its previous beat; following those links back
//! from the best end gives the beats. It is globally optimal for that objective, so one loud
//! off-beat hit cannot drag the grid off, yet expressive timing still bends it a little.

/// How strongly gaps are held to the period: Ellis's 680. librosa's default of 100 let the Amen
/// break's syncopated last two bars pull the grid half a beat off and back on every loop.
const TIGHTNESS: f64 = 680.0;

/// Beat frames (ascending) in `env` for a beat period of `period` frames.
pub fn track(env: &[f32], period: f64) -> Vec<usize> {
    let n = env.len();
    if n == 0 || period < 1.0 {
        return Vec::new();
    }
    let local = local_score(env, period);

    // Forward pass: cum[i] = local[i] + max over the previous beat j in [i - 2p, i - p/2] of
    // cum[j] - TIGHTNESS · ln²((i - j) / p).
    let lo = (period / 2.0).round().max(1.0) as usize;
    let hi = (2.0 * period).round() as usize;
    let penalty: Vec<f64> = (0..=hi)
        .map(|gap| {
            if gap < lo {
                f64::NEG_INFINITY
            } else {
                -TIGHTNESS * (gap as f64 / period).ln().powi(2)
            }
        })
        .collect();
    let mut cum = vec![0f64; n];
    let mut back = vec![usize::MAX; n];
    for i in 0..n {
        let mut best = f64::NEG_INFINITY;
        let mut arg = usize::MAX;
        for gap in lo..=hi.min(i) {
            let s = cum[i - gap] + penalty[gap];
            if s > best {
                best = s;
                arg = i - gap;
            }
        }
        // A sequence may also start here: better than continuing a poor one.
        if arg == usize::MAX || best < 0.0 {
            cum[i] = local[i];
        } else {
            cum[i] = local[i] + best;
            back[i] = arg;
        }
    }

    let Some(mut i) = last_beat(&cum) else {
        return Vec::new();
    };
    let mut beats = vec![i];
    while back[i] != usize::MAX {
        i = back[i];
        beats.push(i);
    }
    beats.reverse();
    trim(&beats, &local)
}

/// The envelope smoothed by a Gaussian of σ = period/32: a beat may sit a few frames off the
/// exact peak without losing its onset.
fn local_score(env: &[f32], period: f64) -> Vec<f64> {
    let sigma = (period / 32.0).max(0.5);
    let half = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f64> = (-half..=half)
        .map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp())
        .collect();
    let n = env.len() as isize;
    (0..n)
        .map(|i| {
            kernel
                .iter()
                .enumerate()
                .filter_map(|(k, w)| {
                    let j = i + k as isize - half;
                    (0..n).contains(&j).then(|| w * env[j as usize] as f64)
                })
                .sum()
        })
        .collect()
}

/// The frame the best sequence ends on: where the cumulative score is highest. Beats past the
/// music's end (through a fade or silence) add next to nothing, so this is the last real beat
/// or close to it, and [`trim`] removes the rest. (Taking the last local maximum instead, as
/// librosa does, can end on a stray late onset and squeeze the final beats towards it.)
fn last_beat(cum: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, v) in cum.iter().enumerate() {
        if best.is_none_or(|b| *v > cum[b]) {
            best = Some(i);
        }
    }
    best
}

/// Drop leading and trailing beats that land on (near) silence: the DP places beats through an
/// intro or outro with nothing in it, which would snap cuts to nothing. The bar is low (a tenth
/// of the typical beat's strength) so that a quiet intro with notes in it keeps its beats.
fn trim(beats: &[usize], local: &[f64]) -> Vec<usize> {
    if beats.is_empty() {
        return Vec::new();
    }
    let rms = (beats.iter().map(|&b| local[b].powi(2)).sum::<f64>() / beats.len() as f64).sqrt();
    let threshold = 0.1 * rms;
    let first = beats.iter().position(|&b| local[b] > threshold);
    let last = beats.iter().rposition(|&b| local[b] > threshold);
    match (first, last) {
        (Some(a), Some(b)) => beats[a..=b].to_vec(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulses_are_followed_even_with_a_missing_one_and_a_loud_off_beat() {
        let period = 50.0;
        let mut env = vec![0f32; 1000];
        for k in 0..20 {
            if k != 7 {
                env[10 + k * 50] = 1.0;
            }
        }
        env[10 + 12 * 50 + 25] = 3.0; // an off-beat crash
        let beats = track(&env, period);
        let want: Vec<usize> = (0..20).map(|k| 10 + k * 50).collect();
        assert_eq!(beats, want);
    }
}
