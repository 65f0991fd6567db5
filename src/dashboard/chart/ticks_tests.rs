//! Cases of numeric and calendar ticks.

use chrono::{NaiveDate, TimeZone, Utc};

use super::{Unit, band_labels, nice, nice_at_most, time};

fn values(lo: f64, hi: f64, zero: bool) -> Vec<f64> {
    nice(lo, hi, zero).values
}

#[test]
fn numeric_ticks_are_round_steps_covering_the_data() {
    assert_eq!(
        values(0.0, 100.0, true),
        [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    );
    assert_eq!(
        values(0.0, 87.0, true),
        [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    );
    assert_eq!(values(0.0, 3.0, true), [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
    assert_eq!(values(0.0, 1.0, true), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(
        values(12.0, 97.0, false),
        [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    );
    assert_eq!(
        values(520.0, 580.0, false),
        [520.0, 530.0, 540.0, 550.0, 560.0, 570.0, 580.0]
    );
    assert_eq!(values(0.3, 0.7, false), [0.3, 0.4, 0.5, 0.6, 0.7]);
    assert_eq!(
        values(0.0, 1_234_567.0, true),
        [0.0, 500_000.0, 1_000_000.0, 1_500_000.0]
    );
}

#[test]
fn every_range_gets_four_to_seven_ticks_that_cover_it() {
    let ranges = [
        (0.0, 1.0),
        (0.0, 7.0),
        (0.0, 9.5),
        (3.0, 4.0),
        (-13.0, 27.0),
        (0.001, 0.009),
        (1e9, 3.3e9),
        (-5e6, -1e6),
        (17.0, 1234.0),
        (99.0, 101.0),
    ];
    for (lo, hi) in ranges {
        for zero in [false, true] {
            let t = nice(lo, hi, zero);
            let n = t.values.len();
            assert!((4..=7).contains(&n), "{lo}..{hi}: {:?}", t.values);
            assert!(t.min <= lo && t.max >= hi, "{lo}..{hi}: {:?}", t.values);
            if zero {
                assert!(t.values.contains(&0.0), "{lo}..{hi}: {:?}", t.values);
            }
            let steps: Vec<f64> = t.values.windows(2).map(|w| w[1] - w[0]).collect();
            assert!(
                steps.iter().all(|s| (s - t.step).abs() < t.step * 1e-9),
                "{:?}",
                t.values
            );
            let mantissa = t.step / 10f64.powf(t.step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (m - mantissa).abs() < 1e-9),
                "{}",
                t.step
            );
        }
    }
}

#[test]
fn negative_values_get_ticks_below_zero() {
    assert_eq!(
        values(-30.0, 50.0, true),
        [-40.0, -20.0, 0.0, 20.0, 40.0, 60.0]
    );
    assert_eq!(
        values(-50.0, -10.0, true),
        [-50.0, -40.0, -30.0, -20.0, -10.0, 0.0]
    );
}

#[test]
fn one_value_or_none_still_makes_an_axis() {
    assert_eq!(
        values(42.0, 42.0, false),
        [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    );
    assert_eq!(
        values(-3.0, -3.0, false),
        [-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0]
    );
    assert_eq!(values(0.0, 0.0, true), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(values(f64::NAN, f64::NAN, false).len(), 6);
    assert_eq!(values(5.0, 1.0, false), [1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn a_short_axis_asks_for_fewer_ticks() {
    assert_eq!(nice_at_most(0.0, 100.0, true, 3).values, [0.0, 50.0, 100.0]);
    assert_eq!(nice_at_most(0.0, 100.0, true, 0).values.len(), 2);
}

fn at(y: i32, m: u32, d: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap().timestamp()
}

#[test]
fn a_week_of_days_is_ticked_daily() {
    let t = time(at(2026, 6, 1), at(2026, 6, 7), 7, true);
    assert_eq!(t.unit, Unit::Days(1));
    assert_eq!(
        t.labels,
        [
            "Jun 1", "Jun 2", "Jun 3", "Jun 4", "Jun 5", "Jun 6", "Jun 7"
        ]
    );
    let t = time(at(2026, 6, 1), at(2026, 6, 7), 4, true);
    assert_eq!(t.unit, Unit::Days(2));
    assert_eq!(t.labels, ["Jun 1", "Jun 3", "Jun 5", "Jun 7"]);
}

#[test]
fn a_month_or_two_of_days_is_ticked_on_mondays() {
    let t = time(at(2026, 6, 1), at(2026, 6, 30), 6, true);
    assert_eq!(t.unit, Unit::Weeks(1));
    assert_eq!(t.labels, ["Jun 1", "Jun 8", "Jun 15", "Jun 22", "Jun 29"]);
    let t = time(at(2026, 6, 3), at(2026, 7, 31), 6, true);
    assert_eq!(t.unit, Unit::Weeks(2));
    assert_eq!(t.labels, ["Jun 15", "Jun 29", "Jul 13", "Jul 27"]);
}

#[test]
fn months_carry_the_year_on_the_first_tick_and_in_january() {
    let t = time(at(2026, 1, 1), at(2026, 6, 1), 6, true);
    assert_eq!(t.unit, Unit::Months(1));
    assert_eq!(t.labels, ["Jan 2026", "Feb", "Mar", "Apr", "May", "Jun"]);
    let t = time(at(2025, 11, 15), at(2026, 3, 10), 6, true);
    assert_eq!(t.labels, ["Dec 2025", "Jan 2026", "Feb", "Mar"]);
    let t = time(at(2025, 1, 1), at(2026, 6, 30), 7, true);
    assert_eq!(t.unit, Unit::Months(3));
    assert_eq!(
        t.labels,
        ["Jan 2025", "Apr", "Jul", "Oct", "Jan 2026", "Apr"]
    );
}

#[test]
fn long_spans_are_ticked_in_years() {
    let t = time(at(2019, 3, 1), at(2026, 6, 1), 7, true);
    assert_eq!(t.unit, Unit::Years(1));
    assert_eq!(t.labels.len(), 7);
    let t = time(at(2019, 3, 1), at(2026, 6, 1), 5, true);
    assert_eq!(t.unit, Unit::Years(2));
    assert_eq!(t.labels, ["2020", "2022", "2024", "2026"]);
    let t = time(at(1900, 1, 1), at(2026, 1, 1), 6, true);
    assert!(
        t.values.len() <= 6 && !t.values.is_empty(),
        "{:?}",
        t.labels
    );
}

#[test]
fn timestamps_within_a_day_are_ticked_in_hours_unless_days_only() {
    let lo = Utc
        .with_ymd_and_hms(2026, 6, 3, 8, 20, 0)
        .unwrap()
        .timestamp();
    let hi = Utc
        .with_ymd_and_hms(2026, 6, 4, 2, 0, 0)
        .unwrap()
        .timestamp();
    let t = time(lo, hi, 6, false);
    assert_eq!(t.unit, Unit::Hours(3));
    assert_eq!(
        t.labels,
        ["09:00", "12:00", "15:00", "18:00", "21:00", "Jun 4"]
    );
    let t = time(lo, hi, 6, true);
    assert_eq!(t.labels, ["Jun 4"]);
}

#[test]
fn one_instant_has_at_most_its_own_tick() {
    let t = time(at(2026, 6, 1), at(2026, 6, 1), 6, true);
    assert_eq!(t.labels, ["Jun 1"]);
    let t = time(at(2026, 6, 1), at(2026, 5, 1), 6, true);
    assert_eq!(t.labels, ["May 4", "May 11", "May 18", "May 25", "Jun 1"]);
}

#[test]
fn band_labels_are_as_fine_as_the_values() {
    let months = [at(2026, 5, 1), at(2026, 6, 1)];
    assert_eq!(band_labels(&months), ["May 2026", "Jun 2026"]);
    assert_eq!(
        band_labels(&[at(2025, 1, 1), at(2026, 1, 1)]),
        ["2025", "2026"]
    );
    assert_eq!(
        band_labels(&[at(2026, 6, 1), at(2026, 6, 3)]),
        ["Jun 1", "Jun 3"]
    );
    let noon = NaiveDate::from_ymd_opt(2026, 6, 3)
        .and_then(|d| d.and_hms_opt(12, 5, 0))
        .map(|t| t.and_utc().timestamp())
        .unwrap();
    assert_eq!(
        band_labels(&[at(2026, 6, 3), noon]),
        ["Jun 3 00:00", "Jun 3 12:05"]
    );
}

#[test]
fn one_instant_off_any_boundary_is_its_own_tick() {
    // 2026-11-30 15:25:28 UTC
    let at = 1_796_052_328;
    let t = time(at, at, 6, false);
    assert_eq!(t.values, [at]);
    assert_eq!(t.labels.len(), 1);
    assert!(t.labels[0].starts_with("Nov 30"), "{:?}", t.labels);
}
