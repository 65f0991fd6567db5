//! Cases of values written in full and shortened, under every format.

use chrono::{NaiveDate, TimeZone, Utc};

use super::{cell, short};
use crate::dashboard::chart::Format;
use crate::table::Cell;

fn usd() -> Format {
    Format::Currency("USD".into())
}

#[test]
fn integers_and_floats_are_grouped_without_noise() {
    let cases: &[(Cell, &str)] = &[
        (Cell::Int(0), "0"),
        (Cell::Int(7), "7"),
        (Cell::Int(1_234_567), "1,234,567"),
        (Cell::Int(-1_234_567), "-1,234,567"),
        (Cell::Int(100), "100"),
        (Cell::Int(1000), "1,000"),
        (Cell::Float(1234.5), "1,234.5"),
        (Cell::Float(4.5678), "4.57"),
        (Cell::Float(2.0), "2"),
        (Cell::Float(-0.0), "0"),
        (Cell::Float(-0.001), "-0.001"),
        (Cell::Float(0.125), "0.125"),
        (Cell::Float(0.001234), "0.00123"),
        (Cell::Float(-98765.4321), "-98,765.43"),
        (Cell::Float(f64::NAN), "NaN"),
    ];
    for (c, want) in cases {
        assert_eq!(cell(c, None), *want, "{c:?}");
        if matches!(c, Cell::Int(_)) {
            assert_eq!(cell(c, Some(&Format::Number)), *want, "{c:?}");
        }
    }
    // Under `number`, floats keep two places so a column lines up.
    for (c, want) in [
        (Cell::Float(29.0), "29.00"),
        (Cell::Float(12.99), "12.99"),
        (Cell::Float(-98765.4321), "-98,765.43"),
        (Cell::Float(1234.5), "1,234.50"),
    ] {
        assert_eq!(cell(&c, Some(&Format::Number)), want, "{c:?}");
    }
}

#[test]
fn percentages_are_ratios_times_a_hundred() {
    let p = Some(&Format::Percent);
    assert_eq!(cell(&Cell::Float(0.125), p), "12.5 %");
    assert_eq!(cell(&Cell::Float(0.5), p), "50 %");
    assert_eq!(cell(&Cell::Float(0.12345), p), "12.35 %");
    assert_eq!(cell(&Cell::Float(-0.031), p), "-3.1 %");
    assert_eq!(cell(&Cell::Int(1), p), "100 %");
    assert_eq!(cell(&Cell::Float(12.5), p), "1,250 %");
    assert_eq!(cell(&Cell::Float(0.000042), p), "0.0042 %");
}

#[test]
fn amounts_carry_their_symbol_or_code_and_cents() {
    assert_eq!(cell(&Cell::Float(1234.5), Some(&usd())), "$1,234.50");
    assert_eq!(cell(&Cell::Int(1234), Some(&usd())), "$1,234.00");
    assert_eq!(cell(&Cell::Float(-1234.5), Some(&usd())), "-$1,234.50");
    assert_eq!(cell(&Cell::Float(-0.001), Some(&usd())), "$0.00");
    let eur = Format::Currency("eur".into());
    assert_eq!(cell(&Cell::Float(9.99), Some(&eur)), "€9.99");
    let gbp = Format::Currency("GBP".into());
    assert_eq!(cell(&Cell::Float(1e6), Some(&gbp)), "£1,000,000.00");
    let chf = Format::Currency("CHF".into());
    assert_eq!(cell(&Cell::Float(1234.5), Some(&chf)), "1,234.50 CHF");
    assert_eq!(cell(&Cell::Float(-5.0), Some(&chf)), "-5.00 CHF");
    let jpy = Format::Currency("JPY".into());
    assert_eq!(cell(&Cell::Float(1234.56), Some(&jpy)), "¥1,235");
}

#[test]
fn dates_and_timestamps_are_days_unless_they_carry_a_time() {
    let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    assert_eq!(cell(&Cell::Date(day), None), "2026-06-01");
    assert_eq!(cell(&Cell::Date(day), Some(&Format::Date)), "2026-06-01");
    let noon = Utc.with_ymd_and_hms(2026, 6, 1, 12, 30, 0).unwrap();
    assert_eq!(cell(&Cell::Timestamp(noon), None), "2026-06-01 12:30:00");
    assert_eq!(
        cell(&Cell::Timestamp(noon), Some(&Format::Date)),
        "2026-06-01"
    );
    let odd = Utc.with_ymd_and_hms(2026, 6, 1, 12, 30, 15).unwrap();
    assert_eq!(cell(&Cell::Timestamp(odd), None), "2026-06-01 12:30:15");
    let midnight = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    assert_eq!(cell(&Cell::Timestamp(midnight), None), "2026-06-01");
}

#[test]
fn other_cells_are_their_text() {
    assert_eq!(cell(&Cell::Null, None), "");
    assert_eq!(cell(&Cell::Null, Some(&usd())), "");
    assert_eq!(cell(&Cell::Bool(true), None), "true");
    assert_eq!(cell(&Cell::Text("vip".into()), Some(&usd())), "vip");
    assert_eq!(cell(&Cell::Text("12.5".into()), None), "12.5");
    assert_eq!(
        cell(&Cell::Text("1234.5".into()), Some(&usd())),
        "$1,234.50"
    );
    assert_eq!(
        cell(&Cell::Text("0.25".into()), Some(&Format::Percent)),
        "25 %"
    );
    assert_eq!(cell(&Cell::Json("{\"a\":1}".into()), None), "{\"a\":1}");
    assert_eq!(cell(&Cell::Int(3), Some(&Format::Date)), "3");
}

#[test]
fn short_numbers_keep_about_three_digits_and_a_suffix() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "0"),
        (5.0, "5"),
        (12.5, "12.5"),
        (4.5678, "4.57"),
        (950.0, "950"),
        (999.0, "999"),
        (1000.0, "1k"),
        (1200.0, "1.2k"),
        (1234.0, "1.23k"),
        (12_345.0, "12.3k"),
        (123_456.0, "123k"),
        (250_000.0, "250k"),
        (999_950.0, "1M"),
        (1_250_000.0, "1.25M"),
        (3_400_000.0, "3.4M"),
        (1_100_000_000.0, "1.1B"),
        (2.5e12, "2.5T"),
        (4.2e15, "4200T"),
        (0.25, "0.25"),
        (0.025, "0.025"),
        (-1200.0, "-1.2k"),
        (-3_400_000.0, "-3.4M"),
        (-0.5, "-0.5"),
        (f64::INFINITY, "inf"),
    ];
    for (v, want) in cases {
        assert_eq!(short(*v, None), *want, "{v}");
        assert_eq!(short(*v, Some(&Format::Number)), *want, "{v}");
    }
}

#[test]
fn short_percentages_and_amounts() {
    let p = Some(&Format::Percent);
    assert_eq!(short(0.125, p), "12.5 %");
    assert_eq!(short(0.0, p), "0 %");
    assert_eq!(short(0.025, p), "2.5 %");
    assert_eq!(short(0.0125, p), "1.25 %");
    assert_eq!(short(1.5, p), "150 %");
    assert_eq!(short(-0.2, p), "-20 %");
    let u = usd();
    assert_eq!(short(1200.0, Some(&u)), "$1.2k");
    assert_eq!(short(-1200.0, Some(&u)), "-$1.2k");
    assert_eq!(short(950.0, Some(&u)), "$950");
    assert_eq!(short(12.5, Some(&u)), "$12.5");
    assert_eq!(short(0.0, Some(&u)), "$0");
    assert_eq!(short(3.4e6, Some(&Format::Currency("EUR".into()))), "€3.4M");
    assert_eq!(
        short(1200.0, Some(&Format::Currency("CHF".into()))),
        "1.2k CHF"
    );
    assert_eq!(short(2.0, Some(&Format::Date)), "2");
}
