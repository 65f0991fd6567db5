//! A segment's `schedule:`, parsed once: a cron expression in UTC that keeps its text and says
//! when it next runs.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::Cron;
use croner::errors::CronError;
use croner::parser::{CronParser, Seconds, Year};

/// The fields of a six-field expression, in order; a five-field one starts at `minute`. Each with
/// the values it takes, for messages.
const FIELDS: [(&str, &str); 6] = [
    ("second", "seconds are 0-59"),
    ("minute", "minutes are 0-59"),
    ("hour", "hours are 0-23"),
    ("day-of-month", "days of the month are 1-31"),
    ("month", "months are 1-12 or JAN-DEC"),
    (
        "day-of-week",
        "days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT",
    ),
];

/// The names cron gives common schedules.
const NICKNAMES: &str = "`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily` or `@hourly`";

/// When something runs: cron in UTC, five fields (minute hour day-of-month month day-of-week), or
/// six with seconds first as tokio-cron-scheduler reads them, or a nickname such as `@daily`.
/// Day-of-month and day-of-week both restricted mean either, as in Vixie cron.
#[derive(Clone)]
pub struct Schedule {
    text: String,
    cron: Cron,
}

/// Why a text is not a schedule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("it is empty")]
    Empty,
    #[error("it has {n} field{s}, not 5 (or 6 with seconds first)", n = .0, s = plural(.0))]
    Fields(usize),
    #[error("`{0}` is not a cron nickname; they are {NICKNAMES}")]
    Nickname(String),
    /// One field is at fault.
    #[error("the {field} field `{value}` {reason}: {takes}")]
    Field {
        field: &'static str,
        value: String,
        /// What is wrong with it: "is out of range", "is not valid (step cannot be zero)"...
        reason: String,
        /// The values the field takes.
        takes: &'static str,
    },
    #[error("it never runs: no calendar date matches it (like 30 February)")]
    Never,
    /// What the cron parser said, when no one field is at fault.
    #[error("{0}")]
    Other(String),
}

impl Schedule {
    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first instant strictly after `instant` that the schedule names (to the second).
    pub fn next_after(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&instant, false).ok()
    }

    /// The last instant at or before `instant` that the schedule names: the tick a run at
    /// `instant` belongs to.
    pub fn last_at_or_before(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        use chrono::SubsecRound as _;
        self.cron
            .find_previous_occurrence(&instant.trunc_subsecs(0), true)
            .ok()
    }

    /// The expression with seconds first, as tokio-cron-scheduler reads it: a five-field one
    /// runs at second 0, and a nickname is spelt out.
    pub fn with_seconds(&self) -> String {
        let text = self.text.trim();
        match text {
            "@yearly" | "@annually" => "0 0 0 1 1 *".into(),
            "@monthly" => "0 0 0 1 * *".into(),
            "@weekly" => "0 0 0 * * 0".into(),
            "@daily" => "0 0 0 * * *".into(),
            "@hourly" => "0 0 * * * *".into(),
            _ if text.split_whitespace().count() == 5 => format!("0 {text}"),
            _ => text.to_string(),
        }
    }
}

fn plural(n: &usize) -> &'static str {
    if *n == 1 { "" } else { "s" }
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Schedule, ScheduleError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields.as_slice() {
            [] => return Err(ScheduleError::Empty),
            [one] if one.starts_with('@') => {}
            _ if !(5..=6).contains(&fields.len()) => {
                return Err(ScheduleError::Fields(fields.len()));
            }
            _ => {}
        }
        let cron = parser().parse(text).map_err(|e| at_fault(&fields, e))?;
        // Every date that exists comes back within the 400 years of the Gregorian cycle, so a
        // search from any instant finds it; croner gives up at the year 5000.
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        if cron.find_next_occurrence(&epoch, false).is_err() {
            return Err(ScheduleError::Never);
        }
        Ok(Schedule {
            text: text.to_string(),
            cron,
        })
    }
}

/// The error of an expression croner refused: the first field that it refuses on its own (every
/// other field `*`), else what it said of the whole.
fn at_fault(fields: &[&str], whole: CronError) -> ScheduleError {
    if let [nickname] = fields {
        return ScheduleError::Nickname(nickname.to_string());
    }
    let first = FIELDS.len() - fields.len();
    for (i, value) in fields.iter().enumerate() {
        let mut alone = vec!["*"; fields.len()];
        alone[i] = value;
        if let Err(e) = parser().parse(&alone.join(" ")) {
            let (field, takes) = FIELDS[first + i];
            return ScheduleError::Field {
                field,
                value: value.to_string(),
                reason: reason(&e),
                takes,
            };
        }
    }
    ScheduleError::Other(whole.to_string().trim_end_matches('.').to_string())
}

/// What is wrong with one field, from croner's error.
fn reason(e: &CronError) -> String {
    match e {
        CronError::ComponentError(m) if m.contains("out of bounds") => "is out of range".into(),
        // croner names the character after it replaced day and month names: not what was written.
        CronError::IllegalCharacters(_) => "is not valid".into(),
        CronError::ComponentError(m) | CronError::InvalidPattern(m) => {
            let m = m.trim_end_matches('.');
            let mut chars = m.chars();
            match chars.next() {
                Some(c) => format!("is not valid ({}{})", c.to_lowercase(), chars.as_str()),
                None => "is not valid".into(),
            }
        }
        other => format!("is not valid ({})", other.to_string().trim_end_matches('.')),
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schedule").field(&self.text).finish()
    }
}

/// Two schedules are the same when they are written the same.
impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.text == other.text
    }
}

impl Eq for Schedule {}

impl serde::Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, d, h, m, s).unwrap()
    }

    fn schedule(text: &str) -> Schedule {
        text.parse().unwrap_or_else(|e| panic!("`{text}`: {e}"))
    }

    fn error(text: &str) -> String {
        match text.parse::<Schedule>() {
            Ok(s) => panic!("`{text}` must be refused, read as {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn five_fields_run_on_the_minute() {
        let s = schedule("0 */6 * * *");
        assert_eq!(s.next_after(at(1, 7, 30, 0)), Some(at(1, 12, 0, 0)));
        assert_eq!(
            s.next_after(at(1, 12, 0, 0)),
            Some(at(1, 18, 0, 0)),
            "after, not at"
        );
        assert_eq!(s.next_after(at(1, 11, 59, 59)), Some(at(1, 12, 0, 0)));
        assert_eq!(s.to_string(), "0 */6 * * *");
        assert_eq!(s.as_str(), "0 */6 * * *");
    }

    #[test]
    fn the_tick_a_run_belongs_to_is_the_last_at_or_before_it() {
        let s = schedule("0 */6 * * *");
        assert_eq!(s.last_at_or_before(at(1, 7, 30, 0)), Some(at(1, 6, 0, 0)));
        assert_eq!(s.last_at_or_before(at(1, 12, 0, 0)), Some(at(1, 12, 0, 0)));
        assert_eq!(s.last_at_or_before(at(1, 11, 59, 59)), Some(at(1, 6, 0, 0)));
        let late = at(1, 12, 0, 0) + chrono::Duration::milliseconds(386);
        assert_eq!(
            s.last_at_or_before(late),
            Some(at(1, 12, 0, 0)),
            "to the second"
        );
    }

    #[test]
    fn tokio_cron_scheduler_reads_every_schedule_with_seconds_first() {
        for (text, six) in [
            ("0 */6 * * *", "0 0 */6 * * *"),
            ("*/5 * * * * *", "*/5 * * * * *"),
            ("@daily", "0 0 0 * * *"),
            ("@hourly", "0 0 * * * *"),
            ("@weekly", "0 0 0 * * 0"),
            ("@monthly", "0 0 0 1 * *"),
            ("@yearly", "0 0 0 1 1 *"),
        ] {
            let s = schedule(text);
            assert_eq!(s.with_seconds(), six);
            let spelt = schedule(six);
            let from = at(3, 4, 5, 6);
            assert_eq!(s.next_after(from), spelt.next_after(from), "{text}");
        }
    }

    #[test]
    fn six_fields_start_with_seconds() {
        let s = schedule("30 0 */6 * * *");
        assert_eq!(s.next_after(at(1, 7, 30, 0)), Some(at(1, 12, 0, 30)));
        let every = schedule("*/10 * * * * *");
        assert_eq!(every.next_after(at(1, 7, 30, 1)), Some(at(1, 7, 30, 10)));
        assert_eq!(schedule("0 0 9 * * MON").to_string(), "0 0 9 * * MON");
    }

    #[test]
    fn next_after_follows_the_calendar() {
        // 2026-06-01 is a Monday; Vixie cron's either-day rule for day-of-month and day-of-week.
        let s = schedule("0 9 15 * FRI");
        assert_eq!(s.next_after(at(1, 12, 0, 0)), Some(at(5, 9, 0, 0)));
        assert_eq!(s.next_after(at(12, 12, 0, 0)), Some(at(15, 9, 0, 0)));
        let yearly = schedule("@yearly");
        assert_eq!(
            yearly.next_after(at(1, 0, 0, 0)),
            Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap())
        );
        let leap = schedule("0 0 29 2 *");
        assert_eq!(
            leap.next_after(at(1, 0, 0, 0)),
            Some(Utc.with_ymd_and_hms(2028, 2, 29, 0, 0, 0).unwrap())
        );
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        assert_eq!(error(""), "it is empty");
        assert_eq!(
            error("every hour"),
            "it has 2 fields, not 5 (or 6 with seconds first)"
        );
        assert_eq!(
            error("daily"),
            "it has 1 field, not 5 (or 6 with seconds first)"
        );
        assert_eq!(
            error("0 0 * * * * 2026"),
            "it has 7 fields, not 5 (or 6 with seconds first)"
        );
        assert_eq!(
            error("61 * * * *"),
            "the minute field `61` is out of range: minutes are 0-59"
        );
        assert_eq!(
            error("0 61 * * * *"),
            "the minute field `61` is out of range: minutes are 0-59"
        );
        assert_eq!(
            error("60 * * * * *"),
            "the second field `60` is out of range: seconds are 0-59"
        );
        assert_eq!(
            error("0 0 * 13 *"),
            "the month field `13` is out of range: months are 1-12 or JAN-DEC"
        );
        assert_eq!(
            error("0 0 * * MONDAY"),
            "the day-of-week field `MONDAY` is not valid: days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT"
        );
        assert!(
            error("*/0 * * * *")
                .starts_with("the minute field `*/0` is not valid (step cannot be zero)")
        );
        assert_eq!(
            error("@reboot"),
            "`@reboot` is not a cron nickname; they are `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily` or `@hourly`"
        );
        assert_eq!(
            error("0 0 30 2 *"),
            "it never runs: no calendar date matches it (like 30 February)"
        );
    }

    #[test]
    fn serializes_as_its_text() {
        let s = schedule("0 */6 * * *");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"0 */6 * * *\"");
        assert_eq!(format!("{s:?}"), "Schedule(\"0 */6 * * *\")");
        assert_eq!(s, schedule("0 */6 * * *"));
        assert_ne!(
            s,
            schedule("0 0/6 * * *"),
            "the same times, written otherwise"
        );
    }
}
