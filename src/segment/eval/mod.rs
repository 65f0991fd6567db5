//! The reference evaluator: one user's membership decided in plain Rust, agreeing with the compiled SQL.
//!
//! It exists so that the differential tests have a third opinion and `cdp test` can say why a fixture
//! user was or was not a member. Every rule here mirrors `sql/render.rs`; change them together.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::rule::{
    Cond, EventCond, Lit, Measure, PropCond, Rule, SeenCond, SequenceCond, Span, Window,
};

/// One user as the warehouse holds them. A trait absent from the map is missing (SQL NULL).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserData {
    pub id: String,
    pub traits: BTreeMap<String, Lit>,
    pub events: Vec<EventRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub name: String,
    pub ts: DateTime<Utc>,
    pub properties: Map<String, Value>,
}

/// One line per rule node, depth-first, for explaining a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub depth: usize,
    /// `Rule::summary()` of the node.
    pub rule: String,
    /// `None` when only the warehouse can tell (raw `sql:`).
    pub result: Option<bool>,
    /// The values the node looked at.
    pub seen: String,
}

/// Whether `user` satisfies `rule` at `now`. `segment` resolves `segment:` references to their rules.
/// Returns None when the outcome depends on raw `sql:` (only a warehouse can evaluate it).
pub fn is_member(
    rule: &Rule,
    user: &UserData,
    now: DateTime<Utc>,
    segment: &dyn Fn(&str) -> Option<Rule>,
) -> Option<bool> {
    Eval { user, now, segment }.node(rule, 0, 0, None)
}

/// One line per rule node, depth-first, for explaining a decision.
pub fn explain(
    rule: &Rule,
    user: &UserData,
    now: DateTime<Utc>,
    segment: &dyn Fn(&str) -> Option<Rule>,
) -> Vec<Trace> {
    let mut out = Vec::new();
    Eval { user, now, segment }.node(rule, 0, 0, Some(&mut out));
    out
}

/// Segment references nested deeper than this can only be a cycle the graph check missed.
const MAX_NESTING: usize = 64;

struct Eval<'a> {
    user: &'a UserData,
    now: DateTime<Utc>,
    segment: &'a dyn Fn(&str) -> Option<Rule>,
}

impl Eval<'_> {
    fn node(
        &self,
        rule: &Rule,
        depth: usize,
        nesting: usize,
        mut trace: Option<&mut Vec<Trace>>,
    ) -> Option<bool> {
        // The node's line goes before its children's, so reserve it now and fill it in below.
        let slot = trace.as_deref_mut().map(|t| {
            t.push(Trace {
                depth,
                rule: rule.summary(),
                result: None,
                seen: String::new(),
            });
            t.len() - 1
        });
        let (result, seen) = match rule {
            Rule::All(rs) | Rule::Any(rs) => {
                let all = matches!(rule, Rule::All(_));
                let mut results = Vec::with_capacity(rs.len());
                for r in rs {
                    let res = self.node(r, depth + 1, nesting, trace.as_deref_mut());
                    results.push(res);
                    // A trace shows every child; a bare decision can stop at the first decisive one.
                    if trace.is_none() && res == Some(!all) {
                        break;
                    }
                }
                let trues = results.iter().filter(|r| **r == Some(true)).count();
                (
                    kleene(&results, all),
                    format!("{trues} of {} true", rs.len()),
                )
            }
            Rule::Not(r) => {
                let res = self.node(r, depth + 1, nesting, trace.as_deref_mut());
                (res.map(|b| !b), format!("inner is {}", show(res)))
            }
            Rule::Trait { name, cond } => {
                let v = self.user.traits.get(name);
                let seen = match v {
                    Some(l) => format!("{name} = {l}"),
                    None => format!("{name} is missing"),
                };
                (Some(holds(v, cond)), seen)
            }
            Rule::Event(e) => self.event(e),
            Rule::FirstSeen(s) => self.seen(s, false),
            Rule::LastSeen(s) => self.seen(s, true),
            Rule::Sequence(s) => self.sequence(s),
            Rule::Segment(name) if nesting >= MAX_NESTING => {
                (None, format!("{name} nests too deep (a cycle?)"))
            }
            // An unknown name cannot compile; as a leaf it simply has no members.
            Rule::Segment(name) => match (self.segment)(name) {
                Some(r) => {
                    let res = self.node(&r, depth + 1, nesting + 1, None);
                    (res, format!("member of {name}: {}", show(res)))
                }
                None => (Some(false), format!("no segment named {name}")),
            },
            Rule::Sql(_) => (None, "raw SQL: only the warehouse can evaluate it".into()),
        };
        if let (Some(t), Some(i)) = (trace, slot) {
            t[i].result = result;
            t[i].seen = seen;
        }
        result
    }

    fn event(&self, e: &EventCond) -> (Option<bool>, String) {
        let m = &e.matching;
        let hits: Vec<&EventRow> = self
            .user
            .events
            .iter()
            .filter(|ev| {
                in_window(ev.ts, &m.window, self.now) && matches_event(ev, &m.event, &m.filters)
            })
            .collect();
        let (value, seen) = match &e.measure {
            Measure::Count => (Some(hits.len() as f64), format!("count = {}", hits.len())),
            measure => {
                let p = measure.property().unwrap_or_default();
                // Only JSON numbers take part, as with the dialects' `json_number`.
                let xs: Vec<f64> = hits
                    .iter()
                    .filter_map(|ev| ev.properties.get(p).and_then(Value::as_f64))
                    .collect();
                let value = match measure {
                    Measure::Avg(_) => {
                        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
                    }
                    Measure::Min(_) => xs.iter().copied().reduce(f64::min),
                    Measure::Max(_) => xs.iter().copied().reduce(f64::max),
                    // SQL's sum of nothing is NULL, read as 0 by `coalesce`.
                    _ => Some(xs.iter().sum()),
                };
                let seen = match value {
                    Some(x) => format!("{} = {x}", measure.keyword()),
                    None if hits.is_empty() => "no matching events".into(),
                    None => format!("no numeric {p} in {} matching events", hits.len()),
                };
                (value, seen)
            }
        };
        // No value matches no comparison, not even `ne` (the SQL coalesces to false).
        (
            Some(value.is_some_and(|x| holds(Some(&Lit::Float(x)), &e.cond))),
            seen,
        )
    }

    /// The earliest (latest) matching event up to now, in all of history, falls in the window.
    fn seen(&self, s: &SeenCond, latest: bool) -> (Option<bool>, String) {
        let times = self
            .user
            .events
            .iter()
            .filter(|e| e.ts <= self.now && matches_event(e, &s.event, &s.filters))
            .map(|e| e.ts);
        let at = if latest { times.max() } else { times.min() };
        match at {
            None => (Some(false), "no matching events".into()),
            Some(t) => {
                let which = if latest { "last" } else { "first" };
                (
                    Some(in_window(t, &s.window, self.now)),
                    format!("{which} at {}", fmt_ts(t)),
                )
            }
        }
    }

    /// For each possible first step, chaining the earliest usable event for each next step ends the
    /// chain as early as possible, so trying every first step is exact (timestamps distinct).
    fn sequence(&self, s: &SequenceCond) -> (Option<bool>, String) {
        let events = &self.user.events;
        let since = s
            .since
            .map(|span| self.now - Duration::seconds(span.seconds));
        let within = Duration::seconds(s.within.seconds);
        let mut order: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].ts <= self.now)
            .collect();
        order.sort_by_key(|&i| (events[i].ts, i));
        let fits = |i: usize, k: usize| {
            let step = &s.steps[k];
            matches_event(&events[i], &step.event, &step.filters)
                && (k > 0 || since.is_none_or(|at| events[i].ts > at))
        };
        let (mut reached, mut shortest) = (0, None::<Duration>);
        for &first in order.iter().filter(|&&i| fits(i, 0)) {
            let mut chain = vec![first];
            for k in 1..s.steps.len() {
                let prev = events[chain[chain.len() - 1]].ts;
                match order
                    .iter()
                    .copied()
                    .find(|&i| events[i].ts >= prev && !chain.contains(&i) && fits(i, k))
                {
                    Some(i) => chain.push(i),
                    None => break,
                }
            }
            reached = reached.max(chain.len());
            if chain.len() == s.steps.len() {
                let (a, b) = (events[chain[0]].ts, events[chain[chain.len() - 1]].ts);
                if b - a <= within {
                    return (Some(true), format!("from {} to {}", fmt_ts(a), fmt_ts(b)));
                }
                shortest = Some(shortest.map_or(b - a, |d| d.min(b - a)));
            }
        }
        let seen = match shortest {
            Some(d) => format!(
                "shortest chain took {}",
                Span {
                    seconds: d.num_seconds()
                }
            ),
            None if reached == 0 => format!("no matching {}", s.steps[0].event),
            None => format!("only {reached} of {} steps happened", s.steps.len()),
        };
        (Some(false), seen)
    }
}

/// Two-valued logic where an unknown (`sql:`) leaf only matters when nothing else decides.
fn kleene(results: &[Option<bool>], all: bool) -> Option<bool> {
    let decisive = Some(!all);
    if results.contains(&decisive) {
        decisive
    } else if results.contains(&None) {
        None
    } else {
        Some(all)
    }
}

fn show(r: Option<bool>) -> &'static str {
    match r {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

fn fmt_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn in_window(ts: DateTime<Utc>, w: &Window, now: DateTime<Utc>) -> bool {
    match w {
        Window::Within(span) => now - Duration::seconds(span.seconds) < ts && ts <= now,
        // Not capped at `now`, exactly like the compiled bounds.
        Window::During(start, end) => *start <= ts && ts < *end,
        Window::Ever => ts <= now,
    }
}

fn matches_event(e: &EventRow, name: &str, filters: &[PropCond]) -> bool {
    e.name == name
        && filters
            .iter()
            .all(|f| holds(property(&e.properties, f).as_ref(), &f.cond))
}

/// A property as the SQL extracts it: a number only from a JSON number, else the JSON text.
fn property(props: &Map<String, Value>, f: &PropCond) -> Option<Lit> {
    let v = props.get(&f.property)?;
    if f.cond.is_numeric() {
        return v.as_f64().map(Lit::Float);
    }
    match v {
        Value::Null => None,
        Value::String(s) => Some(Lit::Text(s.clone())),
        other => Some(Lit::Text(other.to_string())),
    }
}

/// `coalesce(<comparison>, <missing>)` of render.rs, on a value that may be missing.
fn holds(v: Option<&Lit>, cond: &Cond) -> bool {
    let Some(v) = v else {
        return cond.matches_missing();
    };
    let is = |l: &Lit, want: fn(Ordering) -> bool| compare(v, l).is_some_and(want);
    match cond {
        Cond::IsSet => true,
        Cond::IsNotSet => false,
        Cond::Eq(l) => is(l, Ordering::is_eq),
        Cond::Ne(l) => is(l, Ordering::is_ne),
        Cond::In(ls) => ls.iter().any(|l| is(l, Ordering::is_eq)),
        Cond::NotIn(ls) => ls.iter().all(|l| is(l, Ordering::is_ne)),
        Cond::Gt(l) => is(l, Ordering::is_gt),
        Cond::Gte(l) => is(l, Ordering::is_ge),
        Cond::Lt(l) => is(l, Ordering::is_lt),
        Cond::Lte(l) => is(l, Ordering::is_le),
        Cond::Between(lo, hi) => is(lo, Ordering::is_ge) && is(hi, Ordering::is_le),
        Cond::Contains(s) => text(v).contains(s.as_str()),
        Cond::StartsWith(s) => text(v).starts_with(s.as_str()),
        Cond::EndsWith(s) => text(v).ends_with(s.as_str()),
        Cond::Matches(p) => regex_match(p, &text(v)),
    }
}

/// `None` for values SQL could not sensibly compare (text against a number): nothing matches then.
fn compare(v: &Lit, l: &Lit) -> Option<Ordering> {
    let spelled = |b: bool| if b { "true" } else { "false" };
    match (v, l) {
        (Lit::Text(a), Lit::Text(b)) => Some(a.cmp(b)),
        (Lit::Bool(a), Lit::Bool(b)) => Some(a.cmp(b)),
        // A property read as text against `eq: true`: the engine casts, so compare spellings.
        (Lit::Text(a), Lit::Bool(b)) => Some(a.as_str().cmp(spelled(*b))),
        (Lit::Bool(a), Lit::Text(b)) => Some(spelled(*a).cmp(b.as_str())),
        _ => v.as_f64()?.partial_cmp(&l.as_f64()?),
    }
}

/// The value cast to text, as `cast(v as varchar)` does for the string operators.
fn text(v: &Lit) -> String {
    match v {
        Lit::Text(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Patterns were checked when parsed; one that still fails to compile matches nothing.
fn regex_match(pattern: &str, text: &str) -> bool {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::default();
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let re = c
            .entry(pattern.to_string())
            .or_insert_with(|| regex::Regex::new(pattern).ok());
        re.as_ref().is_some_and(|r| r.is_match(text))
    })
}

#[cfg(test)]
mod tests;
