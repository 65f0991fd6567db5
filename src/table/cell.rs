//! One value of a result row, whatever engine produced it.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Timestamp(DateTime<Utc>),
    Date(NaiveDate),
    /// A JSON document, kept as text.
    Json(String),
}

impl Cell {
    /// The value as people read it in a table or CSV; NULL is empty.
    /// A count or other integer as engines return it (an integer, a float, or digits as text);
    /// 0 when it is none of those.
    pub fn as_i64(&self) -> i64 {
        match self {
            Cell::Int(i) => *i,
            Cell::Float(f) => *f as i64,
            Cell::Text(t) => t.parse().unwrap_or(0),
            _ => 0,
        }
    }

    pub fn to_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format_float(*f),
            Cell::Text(s) | Cell::Json(s) => s.clone(),
            Cell::Timestamp(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Cell::Null => J::Null,
            Cell::Bool(b) => J::Bool(*b),
            Cell::Int(i) => J::from(*i),
            Cell::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Cell::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| J::String(s.clone())),
            other => J::String(other.to_text()),
        }
    }
}

/// Floats without noise: two decimals when fractional, none when whole.
fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        let s = format!("{f:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Column types cdp creates tables with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
    Json,
}
