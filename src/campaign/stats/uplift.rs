//! The difference in conversion rate between treatment and holdout: absolute with a Wald
//! interval, relative with a delta-method interval, and the two-proportion z-test's p-value.

use statrs::distribution::{ContinuousCDF, Normal};

use super::{ArmTotals, z_975};

/// Absolute uplift `p_t − p_h` with its 95 % interval from the unpooled standard error
/// `sqrt(p_t(1 − p_t)/n_t + p_h(1 − p_h)/n_h)`; `None` when an arm has no users.
///
/// When both rates are 0 (or both 1) the standard error is 0 and the interval is the point.
pub fn absolute(treatment: &ArmTotals, holdout: &ArmTotals) -> Option<(f64, [f64; 2])> {
    let diff = treatment.rate()? - holdout.rate()?;
    let se = (treatment.rate_variance()? + holdout.rate_variance()?).sqrt();
    let half = z_975() * se;
    Some((diff, [diff - half, diff + half]))
}

/// Relative uplift `p_t / p_h − 1` with its 95 % interval by the delta method; `None` when an
/// arm has no users or the holdout never converted (the ratio is undefined).
///
/// The variance of the ratio `r = p_t / p_h` to first order is
/// `Var(p_t)/p_h² + p_t²·Var(p_h)/p_h⁴`, written so that `p_t = 0` needs no division by it.
pub fn relative(treatment: &ArmTotals, holdout: &ArmTotals) -> Option<(f64, [f64; 2])> {
    let (pt, ph) = (treatment.rate()?, holdout.rate()?);
    if ph == 0.0 {
        return None;
    }
    let (vt, vh) = (treatment.rate_variance()?, holdout.rate_variance()?);
    let lift = pt / ph - 1.0;
    let se = (vt / (ph * ph) + pt * pt * vh / ph.powi(4)).sqrt();
    let half = z_975() * se;
    Some((lift, [lift - half, lift + half]))
}

/// The two-sided p-value of the two-proportion z-test, whose standard error pools both arms
/// under the null hypothesis of equal rates; `None` when an arm has no users.
///
/// When the pooled rate is 0 or 1 every user did the same; the arms cannot differ and the
/// p-value is 1.
pub fn p_value(treatment: &ArmTotals, holdout: &ArmTotals) -> Option<f64> {
    let diff = treatment.rate()? - holdout.rate()?;
    let (nt, nh) = (treatment.users as f64, holdout.users as f64);
    let pooled = (treatment.conversions + holdout.conversions) as f64 / (nt + nh);
    let se = (pooled * (1.0 - pooled) * (1.0 / nt + 1.0 / nh)).sqrt();
    if se == 0.0 {
        return Some(1.0);
    }
    let z = (diff / se).abs();
    Some((2.0 * Normal::standard().sf(z)).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::stats::arm::counts as arm;

    #[test]
    fn equal_rates_give_no_uplift_and_a_p_value_of_one() {
        let (diff, [low, high]) = absolute(&arm(1000, 50), &arm(200, 10)).unwrap();
        assert!(diff.abs() < 1e-15);
        assert!(low < 0.0 && high > 0.0);
        assert!((p_value(&arm(1000, 50), &arm(200, 10)).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_holdout_that_never_converted_has_no_relative_uplift_but_an_absolute_one() {
        assert_eq!(relative(&arm(100, 5), &arm(100, 0)), None);
        let (diff, _) = absolute(&arm(100, 5), &arm(100, 0)).unwrap();
        assert!((diff - 0.05).abs() < 1e-15);
        let (lift, [low, high]) = relative(&arm(100, 0), &arm(100, 5)).unwrap();
        assert_eq!(lift, -1.0);
        assert!(low.is_finite() && high.is_finite());
    }

    #[test]
    fn nobody_converting_anywhere_gives_a_point_interval_and_p_one() {
        let (diff, ci) = absolute(&arm(100, 0), &arm(100, 0)).unwrap();
        assert_eq!((diff, ci), (0.0, [0.0, 0.0]));
        assert_eq!(p_value(&arm(100, 0), &arm(100, 0)), Some(1.0));
        assert_eq!(p_value(&arm(100, 100), &arm(10, 10)), Some(1.0));
        assert_eq!(p_value(&arm(0, 0), &arm(10, 1)), None);
        assert_eq!(absolute(&arm(10, 1), &arm(0, 0)), None);
    }
}
