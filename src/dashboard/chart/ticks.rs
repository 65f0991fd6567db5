//! Where axes put their ticks: round 1-2-5 steps for numbers, calendar steps (hours, days,
//! weeks, months, years) picked by span for times, and the labels of dates along a band axis.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

/// The ticks of a numeric axis: evenly spaced round values from `min` to `max`, which cover the
/// data asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub values: Vec<f64>,
}

/// Four to seven round ticks (steps of 1, 2 or 5 times a power of ten) covering `lo..=hi`, and
/// zero too when asked (bars and areas grow from it).
pub fn nice(lo: f64, hi: f64, include_zero: bool) -> Ticks {
    nice_at_most(lo, hi, include_zero, 7)
}

/// `nice` with at most `most` ticks (at least two), for a short axis.
pub fn nice_at_most(lo: f64, hi: f64, include_zero: bool, most: usize) -> Ticks {
    let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 0.0),
    };
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if lo == hi {
        // One value: show it against zero (or zero against one).
        if lo > 0.0 {
            lo = 0.0;
        } else if lo < 0.0 {
            hi = 0.0;
        } else {
            hi = 1.0;
        }
    }
    let most = most.max(2);
    let raw = (hi - lo) / (most - 1) as f64;
    let mut exponent = raw.log10().floor() as i32 - 1;
    loop {
        for mantissa in [1i64, 2, 5] {
            let step = scaled(mantissa, exponent);
            let first = (lo / step + 1e-9).floor() as i64;
            let last = (hi / step - 1e-9).ceil() as i64;
            if (last - first + 1) as usize <= most || exponent > 300 {
                let values: Vec<f64> = (first..=last)
                    .map(|i| scaled(i * mantissa, exponent))
                    .collect();
                return Ticks {
                    min: scaled(first * mantissa, exponent),
                    max: scaled(last * mantissa, exponent),
                    step,
                    values,
                };
            }
        }
        exponent += 1;
    }
}

/// `n` times ten to the `exponent`, computed so that round values stay round (0.3, not
/// 0.30000000000000004).
fn scaled(n: i64, exponent: i32) -> f64 {
    if exponent >= 0 {
        n as f64 * 10f64.powi(exponent)
    } else {
        n as f64 / 10f64.powi(-exponent)
    }
}

/// A calendar step between time ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Hours(u32),
    Days(u32),
    Weeks(u32),
    Months(u32),
    Years(u32),
}

const UNITS: [Unit; 17] = [
    Unit::Hours(1),
    Unit::Hours(2),
    Unit::Hours(3),
    Unit::Hours(6),
    Unit::Hours(12),
    Unit::Days(1),
    Unit::Days(2),
    Unit::Weeks(1),
    Unit::Weeks(2),
    Unit::Months(1),
    Unit::Months(3),
    Unit::Months(6),
    Unit::Years(1),
    Unit::Years(2),
    Unit::Years(5),
    Unit::Years(10),
    Unit::Years(25),
];

impl Unit {
    /// About how many seconds one step spans.
    fn seconds(self) -> i64 {
        let day = 86_400;
        match self {
            Unit::Hours(n) => 3_600 * i64::from(n),
            Unit::Days(n) => day * i64::from(n),
            Unit::Weeks(n) => 7 * day * i64::from(n),
            Unit::Months(n) => 30 * day * i64::from(n),
            Unit::Years(n) => 365 * day * i64::from(n),
        }
    }
}

/// The ticks of a time axis, in seconds since the Unix epoch (UTC), with their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeTicks {
    pub unit: Unit,
    pub values: Vec<i64>,
    pub labels: Vec<String>,
}

/// Calendar ticks within `lo..=hi` (seconds since the epoch): the finest of hours (unless
/// `days_only`), days, weeks (Mondays), months or years that makes at most `most` ticks.
/// Labels: `14:00` (a day's midnight as `Jun 4`), `Jun 3`, `Jun 2026` (later months of the same
/// year as `Jul`), `2026`.
pub fn time(lo: i64, hi: i64, most: usize, days_only: bool) -> TimeTicks {
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let most = most.max(1);
    let units = UNITS
        .iter()
        .filter(|u| !(days_only && matches!(u, Unit::Hours(_))));
    let mut chosen = None;
    for &unit in units {
        // Skip steps that are plainly too fine before walking the calendar.
        if (hi - lo) / unit.seconds() > most as i64 * 2 {
            continue;
        }
        let values = steps(unit, lo, hi, most + 1);
        if values.len() <= most {
            chosen = Some((unit, values));
            break;
        }
    }
    let (unit, values) = chosen.unwrap_or_else(|| {
        let unit = Unit::Years(100);
        (unit, steps(unit, lo, hi, most + 1))
    });
    if values.is_empty() {
        // A span with no calendar boundary in it (one point, or a few hours off the hour):
        // the first instant itself is the tick, so the axis still says when.
        return TimeTicks {
            unit,
            labels: band_labels(&[lo]),
            values: vec![lo],
        };
    }
    let labels = time_labels(unit, &values);
    TimeTicks {
        unit,
        values,
        labels,
    }
}

/// The calendar boundaries of `unit` within `lo..=hi`, at most `cap` of them.
fn steps(unit: Unit, lo: i64, hi: i64, cap: usize) -> Vec<i64> {
    let Some(start) = DateTime::from_timestamp(lo, 0).map(|t| t.naive_utc()) else {
        return Vec::new();
    };
    let day = start.date();
    let mut at: NaiveDateTime = match unit {
        Unit::Hours(n) => {
            let hour = start.hour().div_ceil(n) * n;
            day.and_hms_opt(0, 0, 0).unwrap_or(start) + Duration::hours(i64::from(hour))
        }
        Unit::Days(_) => midnight(day),
        Unit::Weeks(_) => {
            let back = i64::from(day.weekday().num_days_from_monday());
            midnight(day - Duration::days(back))
        }
        Unit::Months(n) => {
            let m = day.month0() / n * n;
            midnight(NaiveDate::from_ymd_opt(day.year(), m + 1, 1).unwrap_or(day))
        }
        Unit::Years(n) => {
            let y = day.year().div_euclid(n as i32) * n as i32;
            midnight(NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(day))
        }
    };
    let mut out = Vec::new();
    while out.len() < cap {
        let t = at.and_utc().timestamp();
        if t > hi {
            break;
        }
        if t >= lo {
            out.push(t);
        }
        let next = match unit {
            Unit::Hours(n) => Some(at + Duration::hours(i64::from(n))),
            Unit::Days(n) => Some(at + Duration::days(i64::from(n))),
            Unit::Weeks(n) => Some(at + Duration::weeks(i64::from(n))),
            Unit::Months(n) => add_months(at.date(), n).map(midnight),
            Unit::Years(n) => add_months(at.date(), n * 12).map(midnight),
        };
        match next {
            Some(n) if n > at => at = n,
            _ => break,
        }
    }
    out
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN)
}

/// The first of the month `n` months after `day`'s.
fn add_months(day: NaiveDate, n: u32) -> Option<NaiveDate> {
    let months = day.year() * 12 + day.month0() as i32 + n as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
}

fn time_labels(unit: Unit, values: &[i64]) -> Vec<String> {
    let mut year = None;
    values
        .iter()
        .filter_map(|&v| DateTime::from_timestamp(v, 0))
        .map(|t| match unit {
            Unit::Hours(_) if t.hour() == 0 => t.format("%b %-d").to_string(),
            Unit::Hours(_) => t.format("%H:%M").to_string(),
            Unit::Days(_) | Unit::Weeks(_) => t.format("%b %-d").to_string(),
            Unit::Months(_) => {
                let first_of_year = year != Some(t.year());
                year = Some(t.year());
                if first_of_year {
                    t.format("%b %Y").to_string()
                } else {
                    t.format("%b").to_string()
                }
            }
            Unit::Years(_) => t.format("%Y").to_string(),
        })
        .collect()
}

/// Labels of times shown one per band (a bar per day or month), written as finely as the values
/// need: `2026` when all are new years, `Jun 2026` when all are firsts of months, `Jun 3` when
/// all are midnights, `Jun 3 14:00` otherwise.
pub fn band_labels(values: &[i64]) -> Vec<String> {
    let times: Vec<NaiveDateTime> = values
        .iter()
        .filter_map(|&v| DateTime::from_timestamp(v, 0))
        .map(|t| t.naive_utc())
        .collect();
    let midnights = times.iter().all(|t| t.time() == chrono::NaiveTime::MIN);
    let firsts = midnights && times.iter().all(|t| t.day() == 1);
    let new_years = firsts && times.iter().all(|t| t.month() == 1);
    let pattern = if new_years {
        "%Y"
    } else if firsts {
        "%b %Y"
    } else if midnights {
        "%b %-d"
    } else {
        "%b %-d %H:%M"
    };
    times
        .iter()
        .map(|t| t.format(pattern).to_string())
        .collect()
}

#[cfg(test)]
#[path = "ticks_tests.rs"]
mod tests;
