//! The statistics against reference values computed with scipy (`fixtures/reference.py`, which
//! says how to rerun it), compared through the JSON the report will embed.

use serde_json::Value;

use super::*;

const REFERENCE: &str = include_str!("fixtures/reference.json");

/// Closed forms (and scipy's t quantile, which statrs inverts differently) agree to this,
/// relative.
const CLOSE: f64 = 1e-6;

/// The chance to beat control is integrated numerically: agreement within this, absolute (the
/// cases differ by 5e-9 at most).
const INTEGRATED: f64 = 1e-8;

fn reference() -> Value {
    serde_json::from_str(REFERENCE).unwrap()
}

fn totals(v: &Value) -> ArmTotals {
    ArmTotals {
        users: v["users"].as_u64().unwrap(),
        conversions: v["conversions"].as_u64().unwrap(),
        revenue: v["revenue"].as_f64().unwrap(),
        revenue_sq: v["revenue_sq"].as_f64().unwrap(),
    }
}

/// Walks both trees: same keys, same nulls and strings, numbers within tolerance.
fn assert_matches(case: &str, path: &str, got: &Value, want: &Value, problems: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let (gk, wk): (Vec<_>, Vec<_>) = (g.keys().collect(), w.keys().collect());
            if gk != wk {
                problems.push(format!("{case} {path}: keys {gk:?}, expected {wk:?}"));
                return;
            }
            for (k, wv) in w {
                assert_matches(case, &format!("{path}.{k}"), &g[k], wv, problems);
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                assert_matches(case, &format!("{path}[{i}]"), gv, wv, problems);
            }
        }
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            let ok = if path.ends_with("chance_to_beat") {
                (g - w).abs() <= INTEGRATED
            } else {
                (g - w).abs() <= CLOSE * g.abs().max(w.abs()) + 1e-12
            };
            if !ok {
                problems.push(format!("{case} {path}: {g}, expected {w}"));
            }
        }
        _ if got == want => {}
        _ => problems.push(format!("{case} {path}: {got}, expected {want}")),
    }
}

#[test]
fn every_reference_case_matches_scipy() {
    let reference = reference();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    let mut problems = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let share = case["holdout_share"].as_f64().unwrap();
        let got = compare(
            &totals(&case["treatment"]),
            &totals(&case["holdout"]),
            share,
        )
        .unwrap();
        let got = serde_json::to_value(&got).unwrap();
        assert_matches(name, "", &got, &case["expected"], &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_welch_degrees_of_freedom_match_scipy() {
    for case in reference()["cases"].as_array().unwrap() {
        let Some(want) = case["welch_df"].as_f64() else {
            continue;
        };
        let got = revenue::welch_df(&totals(&case["treatment"]), &totals(&case["holdout"]));
        let name = &case["name"];
        assert!(
            (got - want).abs() <= CLOSE * want,
            "{name}: {got}, expected {want}"
        );
    }
}

#[test]
fn the_planned_mde_matches() {
    let reference = reference();
    let planned = reference["planned_mde"].as_array().unwrap();
    assert!(!planned.is_empty());
    for p in planned {
        let got = planned_mde(
            p["users"].as_u64().unwrap(),
            p["holdout_share"].as_f64().unwrap(),
            p["base_rate"].as_f64().unwrap(),
        )
        .unwrap();
        let want = p["mde"].as_f64().unwrap();
        assert!((got - want).abs() <= CLOSE * want, "{p}: {got}");
    }
}
