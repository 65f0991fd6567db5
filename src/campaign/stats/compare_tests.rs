//! `compare` as a whole: no NaN on tiny or extreme arms, the report's JSON keys, refused inputs.

use super::*;

fn numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.push(n.as_f64().unwrap()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| numbers(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| numbers(v, out)),
        _ => {}
    }
}

/// Every float of the comparison, read off the struct (serde_json would write NaN as null).
fn floats(c: &Comparison) -> Vec<f64> {
    let pair = |p: Option<[f64; 2]>| p.into_iter().flatten();
    let mut all: Vec<f64> = c
        .arms
        .iter()
        .flat_map(|a| {
            [a.rate, a.revenue_per_user, Some(a.revenue)]
                .into_iter()
                .flatten()
                .chain(pair(a.rate_ci))
        })
        .collect();
    let u = &c.uplift;
    all.extend(
        [u.absolute, u.relative, u.p_value, u.chance_to_beat]
            .into_iter()
            .flatten(),
    );
    all.extend(pair(u.absolute_ci).chain(pair(u.relative_ci)));
    let i = &c.incremental;
    all.extend(
        [i.conversions, i.revenue, c.srm.p_value, c.mde]
            .into_iter()
            .flatten(),
    );
    all.extend(pair(i.conversions_ci).chain(pair(i.revenue_ci)));
    all
}

#[test]
fn tiny_and_extreme_arms_give_no_nan_and_never_a_win_on_an_interval_crossing_zero() {
    let mut checked = 0;
    for (nt, nh) in [(0, 0), (0, 3), (1, 1), (2, 3), (3, 2), (3, 3)] {
        for ct in 0..=nt {
            for ch in 0..=nh {
                let arm = |n: u64, c: u64| ArmTotals {
                    users: n,
                    conversions: c,
                    revenue: 10.0 * c as f64,
                    revenue_sq: 100.0 * c as f64,
                };
                let c = compare(&arm(nt, ct), &arm(nh, ch), 0.5).unwrap();
                let all = floats(&c);
                assert!(all.iter().all(|f| f.is_finite()), "{c:?}");
                let mut written = Vec::new();
                numbers(&serde_json::to_value(&c).unwrap(), &mut written);
                assert_eq!(written.len(), all.len() + 4, "{c:?}");
                if let Some([low, high]) = c.uplift.absolute_ci
                    && low <= 0.0
                    && high >= 0.0
                {
                    assert!(!matches!(
                        c.verdict,
                        Verdict::TreatmentWins | Verdict::TreatmentLoses
                    ));
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 1 + 4 + 4 + 12 + 12 + 16);
}

#[test]
fn the_json_has_the_report_keys_and_names_the_arms() {
    let arm = super::arm::counts;
    let c = compare(&arm(900, 40), &arm(0, 0), 0.1).unwrap();
    let json = serde_json::to_value(&c).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&json),
        ["arms", "uplift", "incremental", "srm", "mde", "verdict"]
    );
    assert_eq!(
        keys(&json["arms"][0]),
        [
            "arm",
            "users",
            "conversions",
            "rate",
            "rate_ci",
            "revenue",
            "revenue_per_user"
        ]
    );
    assert_eq!(
        (
            json["arms"][0]["arm"].as_str(),
            json["arms"][1]["arm"].as_str()
        ),
        (Some("treatment"), Some("holdout"))
    );
    assert_eq!(
        keys(&json["uplift"]),
        [
            "absolute",
            "absolute_ci",
            "relative",
            "relative_ci",
            "p_value",
            "chance_to_beat"
        ]
    );
    assert_eq!(
        keys(&json["incremental"]),
        ["conversions", "conversions_ci", "revenue", "revenue_ci"]
    );
    assert_eq!(keys(&json["srm"]), ["p_value", "warning"]);
    // An empty holdout: nothing to compare, and every comparison null.
    assert!(
        json["uplift"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v.is_null())
    );
    assert!(json["arms"][1]["rate_ci"].is_null());
    assert_eq!(json["verdict"], "inconclusive");
    // The whole campaign held out: the split is wildly off the configured 10 %.
    assert!(json["srm"]["warning"].as_bool().unwrap());
}

#[test]
fn a_holdout_share_outside_the_unit_interval_or_impossible_totals_are_errors() {
    let arm = ArmTotals {
        users: 10,
        conversions: 1,
        revenue: 0.0,
        revenue_sq: 0.0,
    };
    for share in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(matches!(
            compare(&arm, &arm, share),
            Err(StatsError::HoldoutShare(_))
        ));
    }
    let bad = ArmTotals {
        conversions: 11,
        ..arm
    };
    assert!(matches!(
        compare(&bad, &arm, 0.1),
        Err(StatsError::Totals {
            arm: "treatment",
            ..
        })
    ));
}

#[test]
fn a_sample_ratio_mismatch_makes_a_clear_difference_inconclusive() {
    let arm = super::arm::counts;
    // 20 % against 10 % converting: a win at the configured 10 % holdout ...
    let fair = compare(&arm(9000, 1800), &arm(1000, 100), 0.1).unwrap();
    assert_eq!(fair.verdict, Verdict::TreatmentWins);
    assert!(!fair.srm.warning);
    // ... and the same rates with a holdout twice its configured share are not read.
    let skewed = compare(&arm(8000, 1600), &arm(2000, 200), 0.1).unwrap();
    assert!(skewed.srm.warning, "{:?}", skewed.srm);
    assert!(skewed.uplift.absolute_ci.unwrap()[0] > 0.0);
    assert_eq!(skewed.verdict, Verdict::Inconclusive);
}
