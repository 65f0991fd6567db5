//! The statistics of a campaign report: treatment against holdout from each arm's totals, as
//! pure functions over counts and sums (no SQL, no I/O).
//!
//! Every interval is at 95 % and written `[low, high]`. A figure that is undefined for the data
//! (an empty arm, a holdout that never converted) is `None`, never NaN. The figures are checked
//! against values computed with scipy (`fixtures/reference.py`) and by simulation.

mod arm;
mod bayes;
mod power;
mod revenue;
mod srm;
mod uplift;
mod verdict;

#[cfg(test)]
mod compare_tests;
#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod simulation_tests;

use statrs::distribution::{ContinuousCDF, Normal};

pub use arm::{Arm, ArmSummary, ArmTotals, wilson};
pub use bayes::chance_to_beat;
pub use power::{POWER, mde, planned_mde};
pub use revenue::difference as revenue_difference;
pub use srm::{SRM_ALARM, Srm, srm};
pub use uplift::{absolute, p_value, relative};
pub use verdict::{ALPHA, Verdict, verdict};

/// The confidence level of every interval.
pub const LEVEL: f64 = 0.95;

/// The standard normal quantile at 0.975, the half-width of a 95 % interval in standard errors.
pub fn z_975() -> f64 {
    Normal::standard().inverse_cdf(0.5 + LEVEL / 2.0)
}

/// Why the statistics cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("the {arm}'s totals are impossible: {reason}")]
    Totals { arm: &'static str, reason: String },
    #[error("the holdout share is `{0}`; it must lie strictly between 0 and 1")]
    HoldoutShare(f64),
}

/// The difference in conversion rate, treatment minus holdout.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Uplift {
    /// In rate units (0.01 is one percentage point).
    pub absolute: Option<f64>,
    pub absolute_ci: Option<[f64; 2]>,
    /// `p_t / p_h − 1`; `None` when the holdout never converted.
    pub relative: Option<f64>,
    pub relative_ci: Option<[f64; 2]>,
    /// Two-sided, of the two-proportion z-test.
    pub p_value: Option<f64>,
    /// P(p_t > p_h) under Beta(1, 1) priors.
    pub chance_to_beat: Option<f64>,
}

/// What the campaign added over treating nobody: the per-user difference times treated users.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Incremental {
    pub conversions: Option<f64>,
    pub conversions_ci: Option<[f64; 2]>,
    /// From Welch's interval of the difference in revenue per user.
    pub revenue: Option<f64>,
    pub revenue_ci: Option<[f64; 2]>,
}

/// The statistics of one campaign report.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// Treatment, then holdout.
    pub arms: Vec<ArmSummary>,
    pub uplift: Uplift,
    pub incremental: Incremental,
    pub srm: Srm,
    /// Absolute, at 80 % power and 5 % two-sided, for the sizes reached and the pooled rate.
    pub mde: Option<f64>,
    pub verdict: Verdict,
}

/// Treatment against holdout, with `holdout_share` the configured share of users held out.
///
/// The MDE uses the pooled rate of both arms: the rate both share under the null hypothesis, the
/// one the z-test uses, and less noisy than a small holdout's own.
///
/// A sample-ratio mismatch makes the verdict inconclusive whatever the interval says: a split
/// that does not fit the configured share means users were lost or added unevenly between the
/// arms, and no difference between them can be read until that is explained.
pub fn compare(
    treatment: &ArmTotals,
    holdout: &ArmTotals,
    holdout_share: f64,
) -> Result<Comparison, StatsError> {
    if !(holdout_share > 0.0 && holdout_share < 1.0) {
        return Err(StatsError::HoldoutShare(holdout_share));
    }
    let t = treatment.checked(Arm::Treatment)?;
    let h = holdout.checked(Arm::Holdout)?;
    let abs = absolute(&t, &h);
    let p = p_value(&t, &h);
    let rel = relative(&t, &h);
    let treated = t.users as f64;
    let scaled = |(d, [low, high]): (f64, [f64; 2])| (d * treated, [low * treated, high * treated]);
    let conversions = abs.map(scaled);
    let revenue = revenue_difference(&t, &h).map(scaled);
    let users = t.users + h.users;
    let pooled = (users > 0).then(|| (t.conversions + h.conversions) as f64 / users as f64);
    let mde = pooled.and_then(|p| mde(t.users, h.users, p));
    let srm = srm(t.users, h.users, holdout_share);
    let verdict = match srm.warning {
        true => Verdict::Inconclusive,
        false => verdict(abs.map(|a| a.1), p, mde),
    };
    Ok(Comparison {
        arms: vec![
            ArmSummary::new(Arm::Treatment, &t),
            ArmSummary::new(Arm::Holdout, &h),
        ],
        uplift: Uplift {
            absolute: abs.map(|a| a.0),
            absolute_ci: abs.map(|a| a.1),
            relative: rel.map(|r| r.0),
            relative_ci: rel.map(|r| r.1),
            p_value: p,
            chance_to_beat: chance_to_beat(&t, &h),
        },
        incremental: Incremental {
            conversions: conversions.map(|c| c.0),
            conversions_ci: conversions.map(|c| c.1),
            revenue: revenue.map(|r| r.0),
            revenue_ci: revenue.map(|r| r.1),
        },
        srm,
        mde,
        verdict,
    })
}
