//! Small pieces of SQL text shared by the renderer: literals, bounds, names, layout.

use crate::segment::ir::Bound;
use crate::segment::rule::{Cond, Lit};
use crate::sql::dialect::Dialect;

/// JSON booleans read as text are `true` / `false`, so boolean literals compare as that text.
pub(super) fn as_json_text(cond: &Cond) -> Cond {
    let text = |l: &Lit| match l {
        Lit::Bool(b) => Lit::Text(b.to_string()),
        other => other.clone(),
    };
    match cond {
        Cond::Eq(l) => Cond::Eq(text(l)),
        Cond::Ne(l) => Cond::Ne(text(l)),
        Cond::In(ls) => Cond::In(ls.iter().map(text).collect()),
        Cond::NotIn(ls) => Cond::NotIn(ls.iter().map(text).collect()),
        other => other.clone(),
    }
}

pub(super) fn literal(d: &dyn Dialect, l: &Lit) -> String {
    match l {
        Lit::Bool(b) => b.to_string(),
        Lit::Int(i) => i.to_string(),
        Lit::Float(f) => format!("{f:?}"),
        Lit::Text(s) => d.string(s),
    }
}

pub(super) fn bound(d: &dyn Dialect, v: &str, b: Bound, lower: bool) -> String {
    let op = match (lower, b.inclusive) {
        (true, true) => ">=",
        (true, false) => ">",
        (false, true) => "<=",
        (false, false) => "<",
    };
    format!("{v} {op} {}", d.timestamp(b.at))
}

pub fn cte_name(segment: &str) -> String {
    format!("cdp_{segment}")
}

pub(super) fn events_cte(segment: &str) -> String {
    format!("cdp_{segment}_events")
}

pub(super) fn group(parts: impl Iterator<Item = String>, sep: &str) -> String {
    let parts: Vec<String> = parts.collect();
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap();
    }
    format!("({})", parts.join(sep))
}

pub(super) fn wrap(s: &str) -> String {
    format!("({s})")
}

pub(super) fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
