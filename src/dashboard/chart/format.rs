//! How values are written: in full for a table cell or a number tile, shortened for an axis or a
//! big figure (1.2k, 3.4M, 12.5 %, $1.2k).

use super::Format;
use crate::table::Cell;

/// A cell in full, as a table or a number tile shows it: grouped digits (`1,234,567`), a ratio
/// under `Percent` as `12.5 %`, an amount as `$1,234.50` (`1,234.50 CHF` for a code without a
/// symbol), a date as `2026-06-01` (a timestamp too under `Date`, or when it falls on midnight).
/// A null is empty; text holding a number is written as a number when a numeric format asks.
pub fn cell(cell: &Cell, format: Option<&Format>) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Bool(b) => b.to_string(),
        Cell::Int(i) => integer(*i, format),
        Cell::Float(f) => full(*f, format),
        Cell::Text(t) => match (format, t.trim().parse::<f64>()) {
            (Some(Format::Number | Format::Percent | Format::Currency(_)), Ok(f)) => {
                full(f, format)
            }
            _ => t.clone(),
        },
        Cell::Json(t) => t.clone(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::Timestamp(t) => {
            // A day when it is one (midnight, as dates read from a chart's axis are), else in
            // full with its seconds, so a column of timestamps lines up.
            if matches!(format, Some(Format::Date)) || t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
    }
}

/// A value shortened for an axis tick or a big figure: about three significant digits with a
/// suffix past a thousand (`950`, `1.2k`, `3.45M`, `1.1B`), `12.5 %` under `Percent`, `$1.2k`
/// under a currency.
pub fn short(value: f64, format: Option<&Format>) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    match format {
        Some(Format::Percent) => format!("{} %", compact(value * 100.0)),
        Some(Format::Currency(code)) => money(value, code, &compact(value.abs())),
        _ => compact(value),
    }
}

/// An integer in full; a percentage or an amount goes through the float path.
fn integer(i: i64, format: Option<&Format>) -> String {
    match format {
        Some(Format::Percent | Format::Currency(_)) => full(i as f64, format),
        _ => grouped(i as f64, 0),
    }
}

/// A float in full under its format.
fn full(f: f64, format: Option<&Format>) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    match format {
        Some(Format::Percent) => {
            let p = f * 100.0;
            format!("{} %", grouped(p, decimals(p, 2)))
        }
        Some(Format::Currency(code)) => {
            let places = if currency_has_cents(code) { 2 } else { 0 };
            money(f, code, &grouped_with(f.abs(), places, true))
        }
        // Two places always under `number`, as the workbook's `#,##0.00`, so a column of
        // amounts lines up (29.00 under 12.99).
        Some(Format::Number) => grouped_with(f, 2, true),
        _ => grouped(f, decimals(f, 2)),
    }
}

/// Decimals that show a float without noise: at most `most` past one, three significant digits
/// below one (0.125, 0.00123); trailing zeros are trimmed by `grouped`.
fn decimals(f: f64, most: usize) -> usize {
    let a = f.abs();
    if a == 0.0 || a >= 1.0 {
        most
    } else {
        let lead = (-a.log10().floor()) as usize;
        (lead + 2).clamp(most, 12)
    }
}

/// `f` rounded to `places` decimals, its whole part grouped by thousands, trailing zeros of the
/// fraction trimmed.
fn grouped(f: f64, places: usize) -> String {
    grouped_with(f, places, false)
}

/// `grouped`, keeping the fraction's trailing zeros when asked (cents: `1,234.50`).
fn grouped_with(f: f64, places: usize, keep_zeros: bool) -> String {
    let text = format!("{:.*}", places, f.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = if keep_zeros {
        fraction
    } else {
        fraction.trim_end_matches('0')
    };
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    let negative = f < 0.0 && (whole.bytes().any(|b| b != b'0') || !fraction.is_empty());
    if negative {
        out.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// About three significant digits with a k, M, B or T suffix past a thousand.
fn compact(value: f64) -> String {
    const UNITS: [(f64, &str); 5] = [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    let a = value.abs();
    let mut unit = UNITS
        .iter()
        .rposition(|(scale, _)| a >= *scale)
        .unwrap_or(0);
    loop {
        let (scale, suffix) = UNITS[unit];
        let scaled = a / scale;
        let places = if unit == 0 {
            decimals(a, three_digits(a))
        } else {
            three_digits(scaled)
        };
        let text = format!("{scaled:.places$}");
        // A value that rounds up to the next unit is written in it (999,950 is 1M, not 1000k).
        if unit + 1 < UNITS.len() && text.parse::<f64>().is_ok_and(|r| r >= 1000.0) {
            unit += 1;
            continue;
        }
        let text = trim_zeros(&text);
        let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
            "-"
        } else {
            ""
        };
        return format!("{sign}{text}{suffix}");
    }
}

/// Decimals that leave three significant digits of a value from one up.
fn three_digits(a: f64) -> usize {
    if a < 10.0 {
        2
    } else if a < 100.0 {
        1
    } else {
        0
    }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// An amount with its currency's symbol before it (`-$1.2k`) or its code after (`1.2k CHF`).
fn money(value: f64, code: &str, digits: &str) -> String {
    let sign = if value < 0.0 && digits.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    match symbol(code) {
        Some(s) => format!("{sign}{s}{digits}"),
        None => format!("{sign}{digits} {}", code.to_uppercase()),
    }
}

/// The symbol written before amounts of the currencies that have a well-known one.
fn symbol(code: &str) -> Option<&'static str> {
    Some(match code.to_ascii_uppercase().as_str() {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        _ => return None,
    })
}

/// Currencies written without cents.
fn currency_has_cents(code: &str) -> bool {
    !matches!(code.to_ascii_uppercase().as_str(), "JPY" | "KRW")
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
