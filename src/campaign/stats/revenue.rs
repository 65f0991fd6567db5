//! The difference in revenue per user between treatment and holdout, with Welch's t interval.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{ArmTotals, LEVEL};

/// Revenue per user of treatment minus holdout, with its 95 % interval by Welch's t: standard
/// error `sqrt(s_t²/n_t + s_h²/n_h)` and Welch–Satterthwaite degrees of freedom. `None` when an
/// arm has fewer than two users (no variance to speak of).
///
/// When no user's revenue varies in either arm the standard error is 0 and the interval is the
/// point.
pub fn difference(treatment: &ArmTotals, holdout: &ArmTotals) -> Option<(f64, [f64; 2])> {
    let diff = treatment.revenue_per_user()? - holdout.revenue_per_user()?;
    let (nt, nh) = (treatment.users as f64, holdout.users as f64);
    let wt = treatment.revenue_variance()? / nt;
    let wh = holdout.revenue_variance()? / nh;
    let se2 = wt + wh;
    if se2 == 0.0 {
        return Some((diff, [diff, diff]));
    }
    let df = se2 * se2 / (wt * wt / (nt - 1.0) + wh * wh / (nh - 1.0));
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let half = t.inverse_cdf(0.5 + LEVEL / 2.0) * se2.sqrt();
    Some((diff, [diff - half, diff + half]))
}

/// Welch–Satterthwaite degrees of freedom, exposed for the reference tests.
#[cfg(test)]
pub(super) fn welch_df(treatment: &ArmTotals, holdout: &ArmTotals) -> f64 {
    let (nt, nh) = (treatment.users as f64, holdout.users as f64);
    let wt = treatment.revenue_variance().unwrap() / nt;
    let wh = holdout.revenue_variance().unwrap() / nh;
    (wt + wh).powi(2) / (wt * wt / (nt - 1.0) + wh * wh / (nh - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(values: &[f64]) -> ArmTotals {
        ArmTotals {
            users: values.len() as u64,
            conversions: values.iter().filter(|v| **v > 0.0).count() as u64,
            revenue: values.iter().sum(),
            revenue_sq: values.iter().map(|v| v * v).sum(),
        }
    }

    #[test]
    fn one_arm_without_spread_leaves_the_other_arms_degrees_of_freedom() {
        let t = arm(&[0.0, 10.0, 0.0, 30.0, 5.0]);
        let h = arm(&[2.0, 2.0, 2.0]);
        assert!((welch_df(&t, &h) - 4.0).abs() < 1e-12);
        let (diff, [low, high]) = difference(&t, &h).unwrap();
        assert!((diff - 7.0).abs() < 1e-12);
        assert!(low < diff && diff < high);
    }

    #[test]
    fn no_spread_anywhere_is_a_point_and_one_user_is_too_few() {
        let (diff, ci) = difference(&arm(&[0.0; 4]), &arm(&[0.0; 3])).unwrap();
        assert_eq!((diff, ci), (0.0, [0.0, 0.0]));
        assert_eq!(difference(&arm(&[1.0]), &arm(&[0.0; 3])), None);
    }
}
