//! The engine-neutral plan of one segment: one scan of events aggregated per user, then a predicate.

use chrono::{DateTime, Utc};

use super::rule::{Cond, PropCond, Span};

/// How to compute one segment's members.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub segment: String,
    /// The single pass over the events table, when any condition reads events.
    pub scan: Option<Scan>,
    pub predicate: Pred,
}

/// One scan of events: restricted to the names and time the conditions need, aggregated per user.
#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// Each event name read, with the earliest instant a condition on it looks at
    /// (`ts >= since`; `None` reads all its history). Rows outside these never leave the scan.
    pub events: Vec<(String, Option<DateTime<Utc>>)>,
    /// Per-user columns, referred to by index from the predicate.
    pub columns: Vec<Column>,
    pub sequences: Vec<Sequence>,
}

/// Adds an event name to a scan's reads, from `since` (`None`: all history); a name read twice is
/// read from the earlier instant.
pub fn need(
    events: &mut Vec<(String, Option<DateTime<Utc>>)>,
    event: &str,
    since: Option<DateTime<Utc>>,
) {
    match events.iter_mut().find(|(n, _)| n == event) {
        Some((_, have)) => {
            *have = match (*have, since) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            }
        }
        None => events.push((event.to_string(), since)),
    }
}

/// A row-level test on one scanned event.
#[derive(Clone, Debug, PartialEq)]
pub struct EventTest {
    pub event: String,
    pub from: Option<Bound>,
    pub until: Option<Bound>,
    pub filters: Vec<PropCond>,
}

/// A time bound on `ts`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub at: DateTime<Utc>,
    pub inclusive: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

/// A per-user value computed by the scan.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// An aggregate of matching events (of a numeric property, or a count).
    Aggregate {
        agg: Agg,
        property: Option<String>,
        test: EventTest,
    },
    /// Earliest (`latest: false`) or latest timestamp of matching events.
    Seen { latest: bool, test: EventTest },
    /// 1 when the sequence at this index completed, else 0.
    SequenceMatched(usize),
}

/// Steps of a sequence, evaluated with running maxima over each user's events in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub steps: Vec<EventTest>,
    pub within: Span,
}

/// The boolean over traits and scan columns; every leaf is two-valued (never NULL).
#[derive(Clone, Debug, PartialEq)]
pub enum Pred {
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Trait {
        name: String,
        cond: Cond,
    },
    /// Column `index` compared; `zero_when_empty` reads a user without events as 0.
    Value {
        column: usize,
        cond: Cond,
        zero_when_empty: bool,
    },
    /// The timestamp in column `index` falls in `[from, until]`.
    SeenIn {
        column: usize,
        from: Option<Bound>,
        until: Option<Bound>,
    },
    /// Sequence column `index` is 1.
    Flag {
        column: usize,
    },
    InSegment(String),
    Sql(String),
}

impl Pred {
    /// Whether every user who satisfies this has at least one scanned event: a user without
    /// events reads counts and sums as 0 and every other column as missing.
    pub fn requires_events(&self) -> bool {
        match self {
            Pred::And(ps) => ps.iter().any(Pred::requires_events),
            Pred::Or(ps) => !ps.is_empty() && ps.iter().all(Pred::requires_events),
            Pred::Value {
                cond,
                zero_when_empty: true,
                ..
            } => !holds_at_zero(cond),
            Pred::Value { .. } | Pred::SeenIn { .. } | Pred::Flag { .. } => true,
            Pred::Not(_) | Pred::Trait { .. } | Pred::InSegment(_) | Pred::Sql(_) => false,
        }
    }

    /// What a leaf reading a scan column is for a user the scan has no row for (counts and sums
    /// read as 0, every other column as missing); `None` for other leaves and when unsure.
    pub fn without_events(&self) -> Option<bool> {
        match self {
            Pred::Value {
                cond,
                zero_when_empty: true,
                ..
            } => zero_holds(cond),
            Pred::Value { cond, .. } => Some(matches!(cond, Cond::IsNotSet)),
            Pred::SeenIn { .. } | Pred::Flag { .. } => Some(false),
            _ => None,
        }
    }

    /// Whether this holds a regular expression, the one test worth running on fewer rows.
    pub fn is_slow(&self) -> bool {
        match self {
            Pred::And(ps) | Pred::Or(ps) => ps.iter().any(Pred::is_slow),
            Pred::Not(p) => p.is_slow(),
            Pred::Trait { cond, .. } => matches!(cond, Cond::Matches(_)),
            _ => false,
        }
    }
}

/// Whether a numeric comparison holds for 0; `true` when unsure, which keeps every user.
fn holds_at_zero(cond: &Cond) -> bool {
    zero_holds(cond).unwrap_or(true)
}

/// Whether a numeric comparison holds for 0, when its literals say so for certain.
fn zero_holds(cond: &Cond) -> Option<bool> {
    let n = |l: &crate::segment::rule::Lit| l.as_f64();
    let numbers = |ls: &[crate::segment::rule::Lit]| ls.iter().map(n).collect::<Option<Vec<f64>>>();
    match cond {
        Cond::Eq(l) => n(l).map(|x| x == 0.0),
        Cond::Ne(l) => n(l).map(|x| x != 0.0),
        Cond::Gt(l) => n(l).map(|x| 0.0 > x),
        Cond::Gte(l) => n(l).map(|x| 0.0 >= x),
        Cond::Lt(l) => n(l).map(|x| 0.0 < x),
        Cond::Lte(l) => n(l).map(|x| 0.0 <= x),
        Cond::Between(a, b) => Some(n(a)? <= 0.0 && 0.0 <= n(b)?),
        // A literal that is 0 decides; else every literal must be a number.
        Cond::In(ls) if ls.iter().any(|l| n(l) == Some(0.0)) => Some(true),
        Cond::In(ls) => numbers(ls).map(|_| false),
        Cond::NotIn(ls) if ls.iter().any(|l| n(l) == Some(0.0)) => Some(false),
        Cond::NotIn(ls) => numbers(ls).map(|_| true),
        _ => None,
    }
}
