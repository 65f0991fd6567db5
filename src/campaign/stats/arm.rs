//! One arm of a campaign: its totals as the warehouse sums them, the per-user mean and variance
//! of revenue taken from those sums, and the conversion rate with its Wilson score interval.

use super::{StatsError, z_975};

pub use crate::campaign::assignment::Arm;

/// An arm's totals in one pass over its users: how many, how many converted, the sum of their
/// revenue and the sum of the squares of each user's revenue (a user without revenue counts 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArmTotals {
    pub users: u64,
    pub conversions: u64,
    pub revenue: f64,
    pub revenue_sq: f64,
}

impl ArmTotals {
    /// The totals if they could come from real users: at most one conversion per user, finite
    /// sums, a sum of squares no smaller than the square of the sum allows (with rounding room).
    pub fn checked(self, arm: Arm) -> Result<ArmTotals, StatsError> {
        let bad = |reason: String| StatsError::Totals {
            arm: arm.as_str(),
            reason,
        };
        if self.conversions > self.users {
            return Err(bad(format!(
                "{} conversions among {} users",
                self.conversions, self.users
            )));
        }
        if !self.revenue.is_finite() || !self.revenue_sq.is_finite() || self.revenue_sq < 0.0 {
            return Err(bad(format!(
                "revenue `{}` with sum of squares `{}`",
                self.revenue, self.revenue_sq
            )));
        }
        // Cauchy–Schwarz: revenue² <= users × revenue_sq, up to the sums' rounding.
        let n = self.users as f64;
        if self.revenue * self.revenue > n * self.revenue_sq * (1.0 + 1e-9) + 1e-9 {
            return Err(bad(format!(
                "revenue `{}` cannot come from {} users whose squares sum to `{}`",
                self.revenue, self.users, self.revenue_sq
            )));
        }
        Ok(self)
    }

    /// The share of users who converted; `None` without users.
    pub fn rate(&self) -> Option<f64> {
        (self.users > 0).then(|| self.conversions as f64 / self.users as f64)
    }

    /// Revenue per user; `None` without users.
    pub fn revenue_per_user(&self) -> Option<f64> {
        (self.users > 0).then(|| self.revenue / self.users as f64)
    }

    /// The sample variance (n − 1 in the denominator) of per-user revenue; `None` under two users.
    ///
    /// From the sums, `(Σx² − (Σx)·mean) / (n − 1)`: the mean is subtracted once, after the
    /// division, rather than forming `(Σx)²`, and a result below zero (the two terms cancelling
    /// to rounding noise when every user has nearly the same revenue) is taken as 0.
    pub fn revenue_variance(&self) -> Option<f64> {
        if self.users < 2 {
            return None;
        }
        let n = self.users as f64;
        let mean = self.revenue / n;
        Some(((self.revenue_sq - self.revenue * mean) / (n - 1.0)).max(0.0))
    }

    /// The sampling variance of the conversion rate, `p(1 − p)/n`; `None` without users.
    pub(super) fn rate_variance(&self) -> Option<f64> {
        let p = self.rate()?;
        Some(p * (1.0 - p) / self.users as f64)
    }
}

/// Totals of users and conversions without revenue, for tests.
#[cfg(test)]
pub(super) fn counts(users: u64, conversions: u64) -> ArmTotals {
    ArmTotals {
        users,
        conversions,
        revenue: 0.0,
        revenue_sq: 0.0,
    }
}

/// An arm as the report shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ArmSummary {
    pub arm: Arm,
    pub users: u64,
    pub conversions: u64,
    pub rate: Option<f64>,
    /// The Wilson score interval at 95 %.
    pub rate_ci: Option<[f64; 2]>,
    pub revenue: f64,
    pub revenue_per_user: Option<f64>,
}

impl ArmSummary {
    pub fn new(arm: Arm, totals: &ArmTotals) -> ArmSummary {
        ArmSummary {
            arm,
            users: totals.users,
            conversions: totals.conversions,
            rate: totals.rate(),
            rate_ci: wilson(totals.conversions, totals.users),
            revenue: totals.revenue,
            revenue_per_user: totals.revenue_per_user(),
        }
    }
}

/// The Wilson score interval at 95 % for `successes` out of `n`; `None` when `n` is 0.
///
/// Chosen over the Wald interval because it stays inside [0, 1] and keeps its coverage near
/// 0 and 1 conversions, where campaign rates usually are.
pub fn wilson(successes: u64, n: u64) -> Option<[f64; 2]> {
    if n == 0 {
        return None;
    }
    let (n, z) = (n as f64, z_975());
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or n successes a bound is exactly 0 or 1; the formula gets there only up to rounding.
    let low = if p == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if p == 1.0 {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some([low, high])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(users: u64, conversions: u64, revenue: f64, revenue_sq: f64) -> ArmTotals {
        ArmTotals {
            users,
            conversions,
            revenue,
            revenue_sq,
        }
    }

    #[test]
    fn the_variance_from_sums_is_the_sample_variance_and_survives_a_large_common_offset() {
        let values = [3.0, 5.0, 7.0, 9.0];
        let t = totals(4, 4, 24.0, values.iter().map(|v| v * v).sum());
        assert!((t.revenue_variance().unwrap() - 20.0 / 3.0).abs() < 1e-12);
        // Every user paid 1e6 + 0.1: the two terms nearly cancel; never below zero.
        let v = 1e6 + 0.1;
        let t = totals(3, 3, 3.0 * v, 3.0 * v * v);
        let variance = t.revenue_variance().unwrap();
        assert!((0.0..1e-3).contains(&variance), "{variance}");
        assert_eq!(totals(1, 1, 5.0, 25.0).revenue_variance(), None);
        assert_eq!(totals(0, 0, 0.0, 0.0).revenue_variance(), None);
    }

    #[test]
    fn impossible_totals_are_refused_and_name_the_arm() {
        let err = totals(3, 4, 0.0, 0.0).checked(Arm::Holdout).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the holdout's totals are impossible: 4 conversions among 3 users"
        );
        assert!(totals(2, 1, 10.0, 20.0).checked(Arm::Treatment).is_err());
        assert!(totals(2, 1, 10.0, 50.0).checked(Arm::Treatment).is_ok());
        assert!(totals(2, 1, f64::NAN, 0.0).checked(Arm::Treatment).is_err());
        assert!(totals(2, 1, 0.0, -1.0).checked(Arm::Treatment).is_err());
    }

    #[test]
    fn the_wilson_interval_stays_in_the_unit_interval_at_the_extremes() {
        let [low, high] = wilson(0, 50).unwrap();
        assert_eq!(low, 0.0);
        assert!(high > 0.0 && high < 0.1);
        let [low, high] = wilson(50, 50).unwrap();
        assert!(low > 0.9 && low < 1.0);
        assert_eq!(high, 1.0);
        assert_eq!(wilson(0, 0), None);
    }
}
