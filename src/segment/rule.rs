//! The checked rule tree: what a segment's `rules:` say, with every value validated.

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::syntax::time::Span;

/// One rule node. Leaves test a trait, events, another segment or raw SQL.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Trait { name: String, cond: Cond },
    Event(EventCond),
    FirstSeen(SeenCond),
    LastSeen(SeenCond),
    Sequence(SequenceCond),
    Segment(String),
    Sql(String),
}

/// A literal from the YAML. Text is compared case-sensitively.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Lit {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Lit {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Lit::Int(i) => Some(*i as f64),
            Lit::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn is_number(&self) -> bool {
        self.as_f64().is_some()
    }
}

impl std::fmt::Display for Lit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Float(x) => write!(f, "{x}"),
            Lit::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// A comparison of one value (trait, property or aggregate) against literals.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    Eq(Lit),
    Ne(Lit),
    In(Vec<Lit>),
    NotIn(Vec<Lit>),
    Gt(Lit),
    Gte(Lit),
    Lt(Lit),
    Lte(Lit),
    Between(Lit, Lit),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    Matches(String),
    IsSet,
    IsNotSet,
}

impl Cond {
    /// The operator keyword as written in YAML.
    pub fn keyword(&self) -> &'static str {
        match self {
            Cond::Eq(_) => "eq",
            Cond::Ne(_) => "ne",
            Cond::In(_) => "in",
            Cond::NotIn(_) => "not_in",
            Cond::Gt(_) => "gt",
            Cond::Gte(_) => "gte",
            Cond::Lt(_) => "lt",
            Cond::Lte(_) => "lte",
            Cond::Between(..) => "between",
            Cond::Contains(_) => "contains",
            Cond::StartsWith(_) => "starts_with",
            Cond::EndsWith(_) => "ends_with",
            Cond::Matches(_) => "matches",
            Cond::IsSet => "is_set",
            Cond::IsNotSet => "is_not_set",
        }
    }

    /// Whether a missing value satisfies this comparison (as people read `ne`, `not_in`).
    pub fn matches_missing(&self) -> bool {
        matches!(self, Cond::Ne(_) | Cond::NotIn(_) | Cond::IsNotSet)
    }

    /// Whether the comparison reads the value as a number (so a property is extracted as one).
    pub fn is_numeric(&self) -> bool {
        let values = self.values();
        !values.is_empty() && values.iter().all(|l| l.is_number())
    }

    /// The literals the condition compares with (none for text tests and `is_set`).
    pub fn values(&self) -> Vec<&Lit> {
        match self {
            Cond::Eq(l) | Cond::Ne(l) | Cond::Gt(l) | Cond::Gte(l) | Cond::Lt(l) | Cond::Lte(l) => {
                vec![l]
            }
            Cond::Between(a, b) => vec![a, b],
            Cond::In(ls) | Cond::NotIn(ls) => ls.iter().collect(),
            _ => Vec::new(),
        }
    }

    pub fn summary(&self) -> String {
        let list = |ls: &[Lit]| {
            let items: Vec<String> = ls.iter().map(Lit::to_string).collect();
            format!("[{}]", items.join(", "))
        };
        match self {
            Cond::Eq(l) => format!("= {l}"),
            Cond::Ne(l) => format!("!= {l}"),
            Cond::In(ls) => format!("in {}", list(ls)),
            Cond::NotIn(ls) => format!("not in {}", list(ls)),
            Cond::Gt(l) => format!("> {l}"),
            Cond::Gte(l) => format!(">= {l}"),
            Cond::Lt(l) => format!("< {l}"),
            Cond::Lte(l) => format!("<= {l}"),
            Cond::Between(a, b) => format!("between {a} and {b}"),
            Cond::Contains(s) => format!("contains {s:?}"),
            Cond::StartsWith(s) => format!("starts with {s:?}"),
            Cond::EndsWith(s) => format!("ends with {s:?}"),
            Cond::Matches(s) => format!("matches /{s}/"),
            Cond::IsSet => "is set".into(),
            Cond::IsNotSet => "is not set".into(),
        }
    }
}

/// Which events count, in time: rolling back from `now`, a fixed range, or all of history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// `now - span < ts <= now`.
    Within(Span),
    /// `start <= ts < end`.
    During(DateTime<Utc>, DateTime<Utc>),
    /// `ts <= now`.
    Ever,
}

/// A filter on an event's JSON properties.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropCond {
    pub property: String,
    pub cond: Cond,
}

/// Which events a condition looks at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventMatch {
    pub event: String,
    pub window: Window,
    pub filters: Vec<PropCond>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Count,
    Sum(String),
    Avg(String),
    Min(String),
    Max(String),
}

impl Measure {
    pub fn property(&self) -> Option<&str> {
        match self {
            Measure::Count => None,
            Measure::Sum(p) | Measure::Avg(p) | Measure::Min(p) | Measure::Max(p) => Some(p),
        }
    }

    pub fn keyword(&self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Sum(_) => "sum",
            Measure::Avg(_) => "avg",
            Measure::Min(_) => "min",
            Measure::Max(_) => "max",
        }
    }

    /// Count and sum read "no events" as 0; avg, min and max have no value then.
    pub fn zero_when_empty(&self) -> bool {
        matches!(self, Measure::Count | Measure::Sum(_))
    }
}

/// `event:` with a count or an aggregate compared to a value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventCond {
    pub matching: EventMatch,
    pub measure: Measure,
    pub cond: Cond,
}

/// `first_seen:` / `last_seen:`: the user's first (last) matching event falls in the window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeenCond {
    pub event: String,
    pub window: Window,
    pub filters: Vec<PropCond>,
}

/// One step of a sequence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub event: String,
    pub filters: Vec<PropCond>,
}

/// `sequence:` the steps happened in order, the last at most `within` after the first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SequenceCond {
    pub steps: Vec<Step>,
    pub within: Span,
    /// Window of the first step, back from `now`; all of history when absent.
    pub since: Option<Span>,
}

impl Rule {
    /// A one-line summary for listings.
    pub fn summary(&self) -> String {
        match self {
            Rule::All(rs) => join_summaries(rs, " and "),
            Rule::Any(rs) => join_summaries(rs, " or "),
            Rule::Not(r) => format!("not {}", r.summary_nested()),
            Rule::Trait { name, cond } => format!("{name} {}", cond.summary()),
            Rule::Event(e) => {
                let what = match &e.measure {
                    Measure::Count => format!("count({})", e.matching.event),
                    m => format!(
                        "{}({}.{})",
                        m.keyword(),
                        e.matching.event,
                        m.property().unwrap_or("")
                    ),
                };
                format!(
                    "{what} {}{}",
                    e.cond.summary(),
                    window_summary(&e.matching.window)
                )
            }
            Rule::FirstSeen(s) => format!("first {}{}", s.event, window_summary(&s.window)),
            Rule::LastSeen(s) => format!("last {}{}", s.event, window_summary(&s.window)),
            Rule::Sequence(s) => {
                let steps: Vec<&str> = s.steps.iter().map(|s| s.event.as_str()).collect();
                format!("{} within {}", steps.join(" -> "), s.within)
            }
            Rule::Segment(name) => format!("in {name}"),
            Rule::Sql(sql) => format!("sql({})", sql.trim()),
        }
    }

    fn summary_nested(&self) -> String {
        match self {
            Rule::All(rs) | Rule::Any(rs) if rs.len() > 1 => format!("({})", self.summary()),
            _ => self.summary(),
        }
    }

    /// Names of the segments this rule refers to, in order of appearance.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |r| {
            if let Rule::Segment(name) = r {
                out.push(name.as_str());
            }
        });
        out
    }

    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Rule)) {
        f(self);
        match self {
            Rule::All(rs) | Rule::Any(rs) => rs.iter().for_each(|r| r.walk(f)),
            Rule::Not(r) => r.walk(f),
            _ => {}
        }
    }
}

fn join_summaries(rules: &[Rule], sep: &str) -> String {
    let parts: Vec<String> = rules.iter().map(Rule::summary_nested).collect();
    parts.join(sep)
}

fn window_summary(w: &Window) -> String {
    match w {
        Window::Within(s) => format!(" in {s}"),
        Window::During(a, b) => {
            format!(" from {} to {}", a.format("%Y-%m-%d"), b.format("%Y-%m-%d"))
        }
        Window::Ever => String::new(),
    }
}
