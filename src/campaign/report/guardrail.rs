//! A guardrail: an event whose rate must not rise in the treatment arm, compared as a
//! conversion rate is (Wilson interval per arm, Wald interval of the difference, the pooled
//! z-test), and flagged when treatment's rate is significantly higher.

use crate::campaign::assignment::Arm;
use crate::campaign::stats::{ALPHA, ArmTotals, absolute, p_value, wilson};

/// One arm's share of users who had the event in their window.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GuardrailArm {
    pub arm: Arm,
    pub users: u64,
    /// Users who had the event at least once.
    pub with_event: u64,
    pub rate: Option<f64>,
    pub rate_ci: Option<[f64; 2]>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Guardrail {
    pub event: String,
    /// Treatment, then holdout.
    pub arms: Vec<GuardrailArm>,
    /// Treatment's rate minus holdout's.
    pub difference: Option<f64>,
    pub difference_ci: Option<[f64; 2]>,
    pub p_value: Option<f64>,
    /// The whole interval is above 0 and p < 0.05: the campaign raised the event's rate.
    pub higher_in_treatment: bool,
}

/// The guardrail `event` with `with_event` users (treatment, holdout) among each arm's users.
pub fn compare_guardrail(
    event: &str,
    with_event: [u64; 2],
    treatment: &ArmTotals,
    holdout: &ArmTotals,
) -> Guardrail {
    let of = |users: u64, with: u64| ArmTotals {
        users,
        conversions: with.min(users),
        revenue: 0.0,
        revenue_sq: 0.0,
    };
    let t = of(treatment.users, with_event[0]);
    let h = of(holdout.users, with_event[1]);
    let diff = absolute(&t, &h);
    let p = p_value(&t, &h);
    let arm = |arm: Arm, a: &ArmTotals| GuardrailArm {
        arm,
        users: a.users,
        with_event: a.conversions,
        rate: a.rate(),
        rate_ci: wilson(a.conversions, a.users),
    };
    Guardrail {
        event: event.to_string(),
        arms: vec![arm(Arm::Treatment, &t), arm(Arm::Holdout, &h)],
        difference: diff.map(|d| d.0),
        difference_ci: diff.map(|d| d.1),
        p_value: p,
        higher_in_treatment: diff.is_some_and(|(_, [low, _])| low > 0.0)
            && p.is_some_and(|p| p < ALPHA),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(n: u64) -> ArmTotals {
        ArmTotals {
            users: n,
            conversions: 0,
            revenue: 0.0,
            revenue_sq: 0.0,
        }
    }

    #[test]
    fn a_clearly_higher_treatment_rate_is_flagged_and_a_similar_one_is_not() {
        let raised = compare_guardrail("unsubscribe", [900, 50], &users(9000), &users(1000));
        assert!(raised.higher_in_treatment, "{raised:?}");
        assert!((raised.difference.unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(raised.arms[0].with_event, 900);
        let same = compare_guardrail("unsubscribe", [450, 50], &users(9000), &users(1000));
        assert!(!same.higher_in_treatment, "{same:?}");
        let lower = compare_guardrail("unsubscribe", [0, 100], &users(9000), &users(1000));
        assert!(!lower.higher_in_treatment);
        let empty = compare_guardrail("unsubscribe", [0, 0], &users(0), &users(0));
        assert_eq!((empty.difference, empty.p_value), (None, None));
    }
}
