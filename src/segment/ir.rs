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
