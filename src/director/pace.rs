//! Pacing: how many frames each shot gets so the cut fills the target length exactly.

/// Longest transition, in seconds.
const MAX_TRANSITION_S: f64 = 0.5;
/// Longest share of a shot a transition may take.
const MAX_TRANSITION_SHARE: f64 = 0.3;

/// Frames per shot plus the transition length (in frames) that together fill `total` frames:
/// `sum(frames) − (n − 1) × transition = total`. Clips are not held past their own length while
/// other shots can take up the time (`caps[i]` is a clip's length in frames; stills have none).
pub fn pace(total: u64, caps: &[Option<u64>], fps: u32, transitions: bool) -> (Vec<u64>, u64) {
    let n = caps.len() as u64;
    if n == 0 {
        return (Vec::new(), 0);
    }
    let share = total as f64 / n as f64;
    let trans = if transitions && n > 1 {
        ((MAX_TRANSITION_S * fps as f64).min(share * MAX_TRANSITION_SHARE)).floor() as u64
    } else {
        0
    };
    let need = total + (n - 1) * trans;
    // Water-filling: capped shots that are shorter than the equal share keep their length.
    let mut fixed: Vec<Option<u64>> = vec![None; caps.len()];
    loop {
        let fixed_sum: u64 = fixed.iter().flatten().sum();
        let free = fixed.iter().filter(|f| f.is_none()).count() as u64;
        if free == 0 {
            break;
        }
        let each = need.saturating_sub(fixed_sum) as f64 / free as f64;
        let mut changed = false;
        for (i, cap) in caps.iter().enumerate() {
            if fixed[i].is_none()
                && let Some(c) = cap
                && (*c as f64) < each
            {
                fixed[i] = Some((*c).max(trans * 2 + 1));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let fixed_sum: u64 = fixed.iter().flatten().sum();
    let free = fixed.iter().filter(|f| f.is_none()).count() as u64;
    let mut frames: Vec<u64> = match need.saturating_sub(fixed_sum).checked_div(free) {
        Some(each) => fixed.iter().map(|f| f.unwrap_or(each)).collect(),
        // Every shot is a short clip: share the time evenly (the last frames of clips hold).
        None => vec![need / n; caps.len()],
    };
    // Hand out rounding leftovers one frame at a time, so the sum is exact.
    let mut sum: u64 = frames.iter().sum();
    let len = frames.len();
    let mut i = 0;
    while sum < need {
        if fixed[i % len].is_none() || free == 0 {
            frames[i % len] += 1;
            sum += 1;
        }
        i += 1;
    }
    while sum > need {
        let k = frames
            .iter()
            .enumerate()
            .max_by_key(|(_, f)| **f)
            .map(|(k, _)| k)
            .unwrap_or(0);
        frames[k] -= 1;
        sum -= 1;
    }
    (frames, trans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covered(frames: &[u64], trans: u64) -> u64 {
        frames.iter().sum::<u64>() - (frames.len() as u64 - 1) * trans
    }

    #[test]
    fn stills_share_time_and_fill_exactly() {
        let (f, t) = pace(900, &[None; 5], 30, true);
        assert_eq!(t, 15);
        assert_eq!(covered(&f, t), 900);
        assert!(f.iter().all(|x| (192..=193).contains(x)), "{f:?}");
    }

    #[test]
    fn short_clips_keep_their_length() {
        let (f, t) = pace(900, &[None, Some(60), None], 30, true);
        assert_eq!(f[1], 60);
        assert_eq!(covered(&f, t), 900);
    }

    #[test]
    fn many_shots_get_shorter_transitions() {
        let (f, t) = pace(300, &[None; 20], 30, true);
        assert!(t <= 4, "{t}");
        assert_eq!(covered(&f, t), 300);
    }

    #[test]
    fn cuts_have_no_overlap() {
        let (f, t) = pace(301, &[None; 3], 30, false);
        assert_eq!(t, 0);
        assert_eq!(f.iter().sum::<u64>(), 301);
    }
}
