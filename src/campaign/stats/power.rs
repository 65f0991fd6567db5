//! The minimum detectable effect: the smallest absolute difference in conversion rate that a
//! two-sided test at 5 % would find with 80 % power, for the sizes reached or planned.

use statrs::distribution::{ContinuousCDF, Normal};

use super::z_975;

/// The power the minimum detectable effect is stated at.
pub const POWER: f64 = 0.8;

/// `(z₀.₉₇₅ + z₀.₈₀)·sqrt(p(1 − p)(1/n_t + 1/n_h))`, in rate units (0.01 is one percentage
/// point); `None` when an arm is empty or `p` is 0 or 1 (no variance to size an effect against).
///
/// The textbook formula, which takes one variance for both arms. The pooled z-test's actual power
/// at that effect is a little lower: about 77 % at an even split and 75 % with 10 % held out at a
/// 5 % base rate (the simulation tests work both out and simulate the second).
pub fn mde(treated: u64, held_out: u64, rate: f64) -> Option<f64> {
    sized(treated as f64, held_out as f64, rate)
}

/// For planning: the MDE of `users` split with `holdout_share` held out, at a base conversion
/// rate. The arms are the expected sizes, not rounded to whole users.
pub fn planned_mde(users: u64, holdout_share: f64, base_rate: f64) -> Option<f64> {
    if !(holdout_share > 0.0 && holdout_share < 1.0) {
        return None;
    }
    let n = users as f64;
    sized(n * (1.0 - holdout_share), n * holdout_share, base_rate)
}

fn sized(treated: f64, held_out: f64, rate: f64) -> Option<f64> {
    if treated <= 0.0 || held_out <= 0.0 || !(rate > 0.0 && rate < 1.0) {
        return None;
    }
    let z_power = Normal::standard().inverse_cdf(POWER);
    let spread = rate * (1.0 - rate) * (1.0 / treated + 1.0 / held_out);
    Some((z_975() + z_power) * spread.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrupling_the_users_halves_the_mde_and_a_planned_split_matches_the_reached_one() {
        let small = mde(9000, 1000, 0.05).unwrap();
        let large = mde(36000, 4000, 0.05).unwrap();
        assert!((small / large - 2.0).abs() < 1e-12);
        let planned = planned_mde(10000, 0.1, 0.05).unwrap();
        assert!((planned / small - 1.0).abs() < 1e-12);
        assert_eq!(mde(100, 0, 0.05), None);
        assert_eq!(mde(100, 100, 0.0), None);
        assert_eq!(planned_mde(100, 1.0, 0.05), None);
    }
}
