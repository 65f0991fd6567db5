//! The plain verdict on a campaign, from the interval of the absolute uplift and the minimum
//! detectable effect.

use std::fmt;

/// What the report says in one line; serialized as that line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// The whole 95 % interval of the absolute uplift is above 0 (and the test agrees).
    TreatmentWins,
    /// The whole interval is below 0 (and the test agrees).
    TreatmentLoses,
    /// The interval contains 0 and lies within ± the minimum detectable effect: an effect of
    /// that size would most likely have been seen, and was not.
    NoDetectableEffect { mde: f64 },
    /// Neither: an interval that reaches past the MDE, a test that disagrees with the interval,
    /// or nothing to compare.
    Inconclusive,
}

/// Below this two-sided p-value a difference counts as found.
pub const ALPHA: f64 = 0.05;

/// The verdict for an absolute uplift's interval, the z-test's p-value and the MDE (interval and
/// MDE in rate units).
///
/// A win or a loss needs the whole interval on one side of 0, so an interval that crosses 0 is
/// never a win. It also needs p < 0.05: the Wald interval takes an arm whose rate is 0 or 1 to
/// have no variance (a holdout of 500 with no conversion against 12 in 5,000 gives an interval
/// above 0 at p = 0.27), and the pooled test does not.
pub fn verdict(absolute_ci: Option<[f64; 2]>, p_value: Option<f64>, mde: Option<f64>) -> Verdict {
    let Some([low, high]) = absolute_ci else {
        return Verdict::Inconclusive;
    };
    let significant = p_value.is_some_and(|p| p < ALPHA);
    if low > 0.0 && significant {
        Verdict::TreatmentWins
    } else if high < 0.0 && significant {
        Verdict::TreatmentLoses
    } else {
        match mde {
            Some(mde) if -mde <= low && low <= 0.0 && 0.0 <= high && high <= mde => {
                Verdict::NoDetectableEffect { mde }
            }
            _ => Verdict::Inconclusive,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::TreatmentWins => f.write_str("treatment wins"),
            Verdict::TreatmentLoses => f.write_str("treatment loses"),
            Verdict::NoDetectableEffect { mde } => {
                write!(f, "no detectable effect (MDE {:.2} pp)", mde * 100.0)
            }
            Verdict::Inconclusive => f.write_str("inconclusive"),
        }
    }
}

impl serde::Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_touching_or_crossing_zero_is_never_a_win() {
        let p = Some(0.01);
        let wins = verdict(Some([0.001, 0.02]), p, Some(0.01));
        assert_eq!(wins, Verdict::TreatmentWins);
        let loses = verdict(Some([-0.02, -0.001]), p, Some(0.01));
        assert_eq!(loses, Verdict::TreatmentLoses);
        let touching = verdict(Some([0.0, 0.02]), p, Some(0.01));
        assert_eq!(touching, Verdict::Inconclusive);
        assert_eq!(
            verdict(Some([-0.001, 0.05]), p, None),
            Verdict::Inconclusive
        );
        assert_eq!(verdict(None, p, Some(0.01)), Verdict::Inconclusive);
    }

    #[test]
    fn an_interval_clear_of_zero_without_a_significant_test_is_not_a_win() {
        let ci = Some([0.001, 0.004]);
        assert_eq!(verdict(ci, Some(0.27), Some(0.006)), Verdict::Inconclusive);
        assert_eq!(verdict(ci, None, Some(0.006)), Verdict::Inconclusive);
    }

    #[test]
    fn an_interval_within_the_mde_is_no_detectable_effect_and_says_the_mde() {
        let v = verdict(Some([-0.004, 0.003]), Some(0.6), Some(0.0042));
        assert_eq!(v, Verdict::NoDetectableEffect { mde: 0.0042 });
        assert_eq!(v.to_string(), "no detectable effect (MDE 0.42 pp)");
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            "\"no detectable effect (MDE 0.42 pp)\""
        );
        let wider = verdict(Some([-0.005, 0.003]), Some(0.6), Some(0.0042));
        assert_eq!(wider, Verdict::Inconclusive);
    }
}
