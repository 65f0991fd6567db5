//! The sample-ratio-mismatch check: does the split of users between the arms fit the configured
//! holdout share? A chi-square goodness-of-fit test with one degree of freedom.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Below this p-value the split is flagged: the assignment or the counting is broken, and no
/// uplift should be read until it is explained.
pub const SRM_ALARM: f64 = 0.001;

/// The check as the report shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Srm {
    /// `None` without users.
    pub p_value: Option<f64>,
    pub warning: bool,
}

/// The chi-square goodness-of-fit test of `(treated, held_out)` against the expected split
/// `(1 − holdout_share, holdout_share)` of their total. `holdout_share` must lie in (0, 1)
/// (checked by the caller).
pub fn srm(treated: u64, held_out: u64, holdout_share: f64) -> Srm {
    let total = (treated + held_out) as f64;
    if total == 0.0 {
        return Srm {
            p_value: None,
            warning: false,
        };
    }
    let expected_h = total * holdout_share;
    let expected_t = total - expected_h;
    let chi2 = (treated as f64 - expected_t).powi(2) / expected_t
        + (held_out as f64 - expected_h).powi(2) / expected_h;
    let p_value = ChiSquared::new(1.0).map(|d| d.sf(chi2)).ok();
    Srm {
        p_value,
        warning: p_value.is_some_and(|p| p < SRM_ALARM),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_split_passes_and_a_lopsided_one_warns() {
        let fair = srm(9000, 1000, 0.1);
        assert_eq!((fair.p_value, fair.warning), (Some(1.0), false));
        let skewed = srm(9200, 800, 0.1);
        assert!(skewed.warning, "{skewed:?}");
        assert_eq!(srm(0, 0, 0.1).p_value, None);
    }
}
