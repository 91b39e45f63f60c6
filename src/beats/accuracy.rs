//! How close a detected grid is to a known one, in the acceptance's terms; shared by the unit
//! tests, the integration tests on real music and anyone comparing trackers.

use super::BeatGrid;

/// A detected grid measured against the truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// Detected over true tempo, minus one (0.01 = 1 % fast).
    pub tempo_error: f64,
    /// Share of true beats with a detected beat within the tolerance.
    pub hit_rate: f64,
    /// Share of detected beats with a true beat within the tolerance, so a grid at double tempo
    /// (which hits every true beat) still fails.
    pub precision: f64,
    /// Mean signed offset (detected − true) of the matched beats, ms: a systematic lag shows
    /// here.
    pub mean_offset_ms: f64,
}

impl Accuracy {
    /// Compare `grid` with a track at `bpm` whose beats are `truth_ms`, matching within `tol_ms`.
    pub fn measure(grid: &BeatGrid, bpm: f64, truth_ms: &[u64], tol_ms: u64) -> Accuracy {
        let near = |t: u64, set: &[u64]| set.iter().any(|b| b.abs_diff(t) <= tol_ms);
        let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        let offsets: Vec<f64> = grid
            .beats_ms
            .iter()
            .filter_map(|g| {
                let t = truth_ms.iter().min_by_key(|t| t.abs_diff(*g))?;
                (t.abs_diff(*g) <= tol_ms).then_some(*g as f64 - *t as f64)
            })
            .collect();
        Accuracy {
            tempo_error: grid.bpm / bpm - 1.0,
            hit_rate: share(
                truth_ms
                    .iter()
                    .filter(|t| near(**t, &grid.beats_ms))
                    .count(),
                truth_ms.len(),
            ),
            precision: share(
                grid.beats_ms.iter().filter(|t| near(**t, truth_ms)).count(),
                grid.beats_ms.len(),
            ),
            mean_offset_ms: offsets.iter().sum::<f64>() / offsets.len().max(1) as f64,
        }
    }

    /// The acceptance bar: tempo within 2 %, ≥ 90 % of beats hit and ≥ 90 % of detected beats
    /// true.
    pub fn passes(&self) -> bool {
        self.tempo_error.abs() <= 0.02 && self.hit_rate >= 0.9 && self.precision >= 0.9
    }
}

impl std::fmt::Display for Accuracy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tempo {:+.2} %, beats hit {:.1} %, precise {:.1} %, offset {:+.1} ms",
            self.tempo_error * 100.0,
            self.hit_rate * 100.0,
            self.precision * 100.0,
            self.mean_offset_ms
        )
    }
}
