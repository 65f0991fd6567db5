//! Reading `rules:` from located YAML into the checked rule tree, reporting every mistake.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::rule::{
    Cond, EventCond, EventMatch, Lit, Measure, PropCond, Rule, SeenCond, SequenceCond, Span, Step,
    Window,
};
use crate::project::decode::{Decoder, Fields, index, join, one_of};
use crate::project::diagnostic::did_you_mean;
use crate::project::yaml::{Node, Value};

/// Keys that decide what kind of rule a mapping is.
pub const RULE_KINDS: &[&str] = &[
    "all",
    "any",
    "not",
    "trait",
    "event",
    "first_seen",
    "last_seen",
    "sequence",
    "segment",
    "sql",
];

/// Every comparison operator, in the order the reference lists them.
pub const OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "is_set",
    "is_not_set",
];

/// Operators that make sense on a number (an event count or aggregate).
pub const NUMERIC_OPERATORS: &[&str] = &["eq", "ne", "gt", "gte", "lt", "lte", "between"];

const AGGREGATES: &[&str] = &["sum", "avg", "min", "max"];
const EVENT_KEYS: &[&str] = &[
    "event", "count", "sum", "avg", "min", "max", "within", "during", "where", "eq", "ne", "gt",
    "gte", "lt", "lte", "between",
];
const SEEN_KEYS: &[&str] = &["event", "within", "during", "where"];
const WHERE_KEYS: &[&str] = &[
    "property",
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "is_set",
    "is_not_set",
];

pub fn parse_rule(d: &mut Decoder, node: &Node, path: &str) -> Option<Rule> {
    // A bare list under `rules:` reads as `all:`, as people write it.
    if let Value::Seq(_) = node.value {
        return parse_group(d, node, path, Rule::All);
    }
    let Value::Map(entries) = &node.value else {
        d.wrong_type(
            node,
            path,
            "a rule (a mapping with one of `all`, `any`, `not`, `trait`, `event`, ...)",
        );
        return None;
    };
    let kinds: Vec<&str> = entries
        .iter()
        .map(|(k, _)| k.name.as_str())
        .filter(|k| RULE_KINDS.contains(k))
        .collect();
    match kinds.as_slice() {
        [] => {
            let hint = entries
                .iter()
                .find_map(|(k, _)| did_you_mean(&k.name, RULE_KINDS.iter().copied()));
            let first = entries
                .first()
                .map(|(k, _)| k.name.clone())
                .unwrap_or_default();
            let d = d.report(
                entries.first().map(|(k, _)| k.pos).unwrap_or(node.pos),
                &join(path, &first),
                "a rule must say what it tests",
            );
            d.expected = Some(one_of(RULE_KINDS));
            d.hint = hint;
            None
        }
        [kind] => parse_kind(d, node, path, kind),
        [a, b, ..] => {
            let key = entries
                .iter()
                .filter(|(k, _)| k.name == *b)
                .map(|(k, _)| k)
                .next()
                .unwrap();
            let diag = d.report(
                key.pos,
                &join(path, b),
                format!("a rule has exactly one kind, this one has both `{a}` and `{b}`"),
            );
            diag.hint = Some(format!(
                "to combine them, list both under `all:` (or `any:`)"
            ));
            None
        }
    }
}

fn parse_kind(d: &mut Decoder, node: &Node, path: &str, kind: &str) -> Option<Rule> {
    let allowed: &[&str] = match kind {
        "all" | "any" | "not" | "segment" | "sql" | "first_seen" | "last_seen" => &[kind][..],
        "sequence" => &["sequence", "within", "since"],
        "trait" => &[
            "trait",
            "eq",
            "ne",
            "in",
            "not_in",
            "gt",
            "gte",
            "lt",
            "lte",
            "between",
            "contains",
            "starts_with",
            "ends_with",
            "matches",
            "is_set",
            "is_not_set",
        ],
        _ => EVENT_KEYS,
    };
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let what = format!("{article} `{kind}` rule");
    let f = d.fields(node, path, &what, allowed)?;
    let value = f.get(kind).expect("kind key present");
    let vpath = f.at(kind);
    match kind {
        "all" => parse_group(d, value, &vpath, Rule::All),
        "any" => parse_group(d, value, &vpath, Rule::Any),
        "not" => Some(Rule::Not(Box::new(parse_rule(d, value, &vpath)?))),
        "segment" => {
            let name = d.string(value, &vpath)?;
            Some(Rule::Segment(name))
        }
        "sql" => {
            let sql = d.string(value, &vpath)?;
            if sql.trim().is_empty() {
                d.report(value.pos, &vpath, "`sql` is empty").hint = Some(
                    "write a boolean condition over the users table, e.g. `lifetime_value > 500`"
                        .into(),
                );
                return None;
            }
            Some(Rule::Sql(sql))
        }
        "trait" => {
            let name = d.string(value, &vpath)?;
            let cond = parse_single_cond(d, &f, OPERATORS, "trait")?;
            Some(Rule::Trait { name, cond })
        }
        "first_seen" | "last_seen" => {
            let seen = parse_seen(d, value, &vpath, kind)?;
            Some(if kind == "first_seen" {
                Rule::FirstSeen(seen)
            } else {
                Rule::LastSeen(seen)
            })
        }
        "sequence" => parse_sequence(d, &f),
        _ => parse_event(d, &f),
    }
}

fn parse_group(
    d: &mut Decoder,
    node: &Node,
    path: &str,
    make: fn(Vec<Rule>) -> Rule,
) -> Option<Rule> {
    let items = d.list(node, path, "a list of rules")?;
    if items.is_empty() {
        let key = path.rsplit('.').next().unwrap_or(path).to_string();
        d.report(node.pos, path, format!("`{key}` has no rules"))
            .hint = Some(format!("give `{key}` at least one rule, or remove it"));
        return None;
    }
    let mut rules = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match parse_rule(d, item, &index(path, i)) {
            Some(r) => rules.push(r),
            None => ok = false,
        }
    }
    ok.then(|| make(rules))
}

fn parse_event(d: &mut Decoder, f: &Fields) -> Option<Rule> {
    let event = d.req_string(f, "event", None)?;
    let window = parse_window(d, f);
    let filters = parse_where(d, f);
    let aggregates: Vec<&str> = AGGREGATES.iter().copied().filter(|a| f.has(a)).collect();
    let measure = match (f.get("count"), aggregates.as_slice()) {
        (Some(_), [agg, ..]) => {
            let key = f.key(agg).unwrap();
            d.report(
                key.pos,
                &f.at(agg),
                format!("an event condition has `count` or `{agg}`, not both"),
            )
            .hint = Some("split them into two conditions under `all:`".into());
            return None;
        }
        (_, [a, b, ..]) => {
            let key = f.key(b).unwrap();
            d.report(
                key.pos,
                &f.at(b),
                format!("an event condition aggregates one way, found `{a}` and `{b}`"),
            )
            .hint = Some("split them into two conditions under `all:`".into());
            return None;
        }
        (_, [agg]) => {
            let prop = property_name(d, f.get(agg).unwrap(), &f.at(agg))?;
            match *agg {
                "sum" => Measure::Sum(prop),
                "avg" => Measure::Avg(prop),
                "min" => Measure::Min(prop),
                _ => Measure::Max(prop),
            }
        }
        _ => Measure::Count,
    };
    let top_ops: Vec<&str> = NUMERIC_OPERATORS
        .iter()
        .copied()
        .filter(|o| f.has(o))
        .collect();
    let cond = match (&measure, f.get("count")) {
        (Measure::Count, Some(count)) => {
            if let Some(op) = top_ops.first() {
                let key = f.key(op).unwrap();
                d.report(
                    key.pos,
                    &f.at(op),
                    format!("`{op}` belongs inside `count:`"),
                )
                .hint = Some(format!("write `count: {{ {op}: ... }}`"));
                return None;
            }
            let cf = d.fields(count, &f.at("count"), "`count`", NUMERIC_OPERATORS)?;
            parse_single_cond(d, &cf, NUMERIC_OPERATORS, "count")?
        }
        (Measure::Count, None) => {
            if let Some(op) = top_ops.first() {
                let key = f.key(op).unwrap();
                d.report(
                    key.pos,
                    &f.at(op),
                    format!("`{op}` needs an aggregate to compare"),
                )
                .hint = Some(format!(
                    "write `count: {{ {op}: ... }}` or add `sum: <property>`"
                ));
                return None;
            }
            Cond::Gte(Lit::Int(1))
        }
        (m, _) => {
            if top_ops.is_empty() {
                let key = f.key(m.keyword()).unwrap();
                d.report(
                    key.pos,
                    &f.at(m.keyword()),
                    format!("`{}` needs a comparison", m.keyword()),
                )
                .hint = Some(format!(
                    "add one of {} beside it, e.g. `gte: 100`",
                    one_of(NUMERIC_OPERATORS)
                ));
                return None;
            }
            parse_single_cond(d, f, NUMERIC_OPERATORS, m.keyword())?
        }
    };
    if !cond_is_numeric(&cond) {
        d.report(
            f.pos,
            &f.path,
            format!(
                "`{}` compares a number, found {}",
                measure.keyword(),
                cond.summary()
            ),
        )
        .hint = Some("compare counts and aggregates with numbers, e.g. `gte: 3`".into());
        return None;
    }
    Some(Rule::Event(EventCond {
        matching: EventMatch {
            event,
            window: window?,
            filters: filters?,
        },
        measure,
        cond,
    }))
}

fn cond_is_numeric(cond: &Cond) -> bool {
    cond.is_numeric()
}

fn parse_seen(d: &mut Decoder, node: &Node, path: &str, kind: &str) -> Option<SeenCond> {
    let f = d.fields(node, path, &format!("`{kind}`"), SEEN_KEYS)?;
    let event = d.req_string(&f, "event", None);
    let window = parse_window(d, &f);
    let filters = parse_where(d, &f);
    Some(SeenCond {
        event: event?,
        window: window?,
        filters: filters?,
    })
}

fn parse_sequence(d: &mut Decoder, f: &Fields) -> Option<Rule> {
    let path = f.at("sequence");
    let node = f.get("sequence").unwrap();
    let items = d.list(node, &path, "a list of at least two event names")?;
    let mut steps = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let p = index(&path, i);
        let step = match &item.value {
            Value::Str(name) => Some(Step {
                event: name.clone(),
                filters: vec![],
            }),
            Value::Map(_) => d
                .fields(item, &p, "a sequence step", &["event", "where"])
                .and_then(|sf| {
                    let event = d.req_string(&sf, "event", None);
                    let filters = parse_where(d, &sf);
                    Some(Step {
                        event: event?,
                        filters: filters?,
                    })
                }),
            _ => {
                d.wrong_type(item, &p, "an event name or `{ event, where }`");
                None
            }
        };
        match step {
            Some(s) => steps.push(s),
            None => ok = false,
        }
    }
    if ok && steps.len() < 2 {
        d.report(node.pos, &path, "a sequence needs at least two steps")
            .hint = Some("for a single event use `event:` instead".into());
        ok = false;
    }
    let within = match f.get("within") {
        Some(n) => parse_span(d, n, &f.at("within")),
        None => {
            d.missing(
                f,
                "within",
                "a duration such as `1d`",
                Some("say how long after the first step the last may happen"),
            );
            None
        }
    };
    let since = match f.get("since") {
        Some(n) => Some(parse_span(d, n, &f.at("since"))?),
        None => None,
    };
    if !ok {
        return None;
    }
    Some(Rule::Sequence(SequenceCond {
        steps,
        within: within?,
        since,
    }))
}

fn parse_window(d: &mut Decoder, f: &Fields) -> Option<Window> {
    match (f.get("within"), f.get("during")) {
        (Some(_), Some(_)) => {
            let key = f.key("during").unwrap();
            d.report(
                key.pos,
                &f.at("during"),
                "give `within` or `during`, not both",
            )
            .hint = Some(
                "`within: 30d` rolls back from now; `during: [start, end]` is a fixed range".into(),
            );
            None
        }
        (Some(n), None) => parse_span(d, n, &f.at("within")).map(Window::Within),
        (None, Some(n)) => parse_during(d, n, &f.at("during")),
        (None, None) => Some(Window::Ever),
    }
}

fn parse_during(d: &mut Decoder, node: &Node, path: &str) -> Option<Window> {
    let items = d.list(node, path, "a list `[start, end]` of dates")?;
    if items.len() != 2 {
        d.report(
            node.pos,
            path,
            format!("`during` takes two dates, found {}", items.len()),
        )
        .hint = Some(
            "write `during: [2026-01-01, 2026-02-01]` (start inclusive, end exclusive)".into(),
        );
        return None;
    }
    let start = parse_instant(d, &items[0], &index(path, 0));
    let end = parse_instant(d, &items[1], &index(path, 1));
    let (start, end) = (start?, end?);
    if start >= end {
        d.report(
            items[1].pos,
            &index(path, 1),
            "the end of `during` must come after its start",
        )
        .hint = Some("the range is [start, end): start inclusive, end exclusive".into());
        return None;
    }
    Some(Window::During(start, end))
}

/// A date (`2026-01-01`, midnight UTC) or an RFC 3339 timestamp.
pub fn parse_instant(d: &mut Decoder, node: &Node, path: &str) -> Option<DateTime<Utc>> {
    let text = d.text(node, path)?;
    if let Some(t) = instant_from_str(&text) {
        return Some(t);
    }
    d.report(node.pos, path, format!("`{text}` is not a date"))
        .expected = Some("a date `YYYY-MM-DD` or an RFC 3339 timestamp".into());
    None
}

pub fn instant_from_str(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

pub fn parse_span(d: &mut Decoder, node: &Node, path: &str) -> Option<Span> {
    let text = match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => {
            d.wrong_type(node, path, "a duration such as `30d`");
            return None;
        }
    };
    match span_from_str(&text) {
        Ok(span) => Some(span),
        Err(hint) => {
            let diag = d.report(node.pos, path, format!("`{text}` is not a duration"));
            diag.expected = Some("a whole number and a unit: `s`, `m`, `h`, `d` or `w`".into());
            diag.hint = Some(hint);
            None
        }
    }
}

/// Parses `30d`; on failure, a hint saying how to write what was probably meant.
pub fn span_from_str(text: &str) -> Result<Span, String> {
    let t = text.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = t[digits.len()..].trim();
    let number: Option<i64> = digits.parse().ok();
    let size = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3_600),
        "d" => Some(86_400),
        "w" => Some(604_800),
        _ => None,
    };
    match (number, size) {
        (Some(n), Some(size)) if n > 0 => n
            .checked_mul(size)
            .map(|seconds| Span { seconds })
            .ok_or_else(|| "that is too long".to_string()),
        (Some(0), Some(_)) => Err("a window must be longer than zero".into()),
        (Some(n), None) => {
            let lower = unit.to_ascii_lowercase();
            let guess = match lower.as_str() {
                "" => None,
                u if u.starts_with("mo") => Some(format!("{}d", n * 30)),
                u if u.starts_with("y") => Some(format!("{}d", n * 365)),
                u if u.starts_with("min") => Some(format!("{n}m")),
                u if u.starts_with("sec") => Some(format!("{n}s")),
                u if u.starts_with('h') => Some(format!("{n}h")),
                u if u.starts_with('d') => Some(format!("{n}d")),
                u if u.starts_with('w') => Some(format!("{n}w")),
                _ => None,
            };
            Err(match guess {
                Some(g) => format!("did you mean `{g}`?"),
                None => format!("write it like `{n}d` (units: s m h d w)"),
            })
        }
        _ => Err("write it like `30d` or `12h` (units: s m h d w)".into()),
    }
}

/// Event property names are plain words, so every engine's JSON path syntax reads them alike.
fn property_name(d: &mut Decoder, node: &Node, path: &str) -> Option<String> {
    let name = d.string(node, path)?;
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        d.report(
            node.pos,
            path,
            format!("`{name}` is not a property name cdp can read"),
        )
        .hint = Some("property names are letters, digits and `_`, starting with a letter".into());
        return None;
    }
    Some(name)
}

fn parse_where(d: &mut Decoder, f: &Fields) -> Option<Vec<PropCond>> {
    let Some(node) = f.get("where") else {
        return Some(vec![]);
    };
    let path = f.at("where");
    // A single mapping reads as a list of one filter.
    let items: Vec<&Node> = match &node.value {
        Value::Map(_) => vec![node],
        Value::Seq(items) => items.iter().collect(),
        _ => {
            d.wrong_type(node, &path, "a list of property filters");
            return None;
        }
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let p = if matches!(node.value, Value::Seq(_)) {
            index(&path, i)
        } else {
            path.clone()
        };
        let parsed = d
            .fields(item, &p, "a property filter", WHERE_KEYS)
            .and_then(|pf| {
                let property = match pf.get("property") {
                    Some(n) => property_name(d, n, &pf.at("property")),
                    None => {
                        d.missing(
                            &pf,
                            "property",
                            "a property name",
                            Some("name the event property to test, e.g. `property: currency`"),
                        );
                        None
                    }
                };
                let cond = parse_single_cond(d, &pf, OPERATORS, "property");
                Some(PropCond {
                    property: property?,
                    cond: cond?,
                })
            });
        match parsed {
            Some(pc) => out.push(pc),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Reads the one comparison operator among `f`'s keys.
fn parse_single_cond(d: &mut Decoder, f: &Fields, allowed: &[&str], subject: &str) -> Option<Cond> {
    let ops: Vec<&str> = f
        .entries()
        .iter()
        .map(|(k, _)| k.name.as_str())
        .filter(|k| OPERATORS.contains(k))
        .collect();
    match ops.as_slice() {
        [] if f.had_unknown => None,
        [] => {
            d.report(f.pos, &f.path, format!("`{subject}` needs a comparison"))
                .expected = Some(one_of(allowed));
            None
        }
        [op] => {
            let node = f.get(op).unwrap();
            let path = f.at(op);
            if !allowed.contains(op) {
                let key = f.key(op).unwrap();
                let diag = d.report(key.pos, &path, format!("`{op}` cannot compare `{subject}`"));
                diag.expected = Some(one_of(allowed));
                return None;
            }
            parse_cond(d, op, node, &path)
        }
        [a, b, ..] => {
            let key = f.key(b).unwrap();
            d.report(
                key.pos,
                &f.at(b),
                format!("one comparison per condition, found `{a}` and `{b}`"),
            )
            .hint = Some("use `between: [lo, hi]`, or split them under `all:`".into());
            None
        }
    }
}

fn parse_cond(d: &mut Decoder, op: &str, node: &Node, path: &str) -> Option<Cond> {
    match op {
        "eq" => lit(d, node, path).map(Cond::Eq),
        "ne" => lit(d, node, path).map(Cond::Ne),
        "gt" => ordered(d, node, path).map(Cond::Gt),
        "gte" => ordered(d, node, path).map(Cond::Gte),
        "lt" => ordered(d, node, path).map(Cond::Lt),
        "lte" => ordered(d, node, path).map(Cond::Lte),
        "in" | "not_in" => {
            let items = d.list(node, path, "a list of values")?;
            if items.is_empty() {
                d.report(node.pos, path, format!("`{op}` has an empty list"))
                    .hint = Some("list at least one value".into());
                return None;
            }
            let mut lits = Vec::new();
            for (i, item) in items.iter().enumerate() {
                lits.push(lit(d, item, &index(path, i))?);
            }
            let numbers = lits.iter().filter(|l| l.is_number()).count();
            if numbers != 0 && numbers != lits.len() {
                d.report(node.pos, path, format!("`{op}` mixes numbers and text"))
                    .hint = Some(
                    "compare with numbers only or text only; quote numbers to compare them as text"
                        .into(),
                );
                return None;
            }
            Some(if op == "in" {
                Cond::In(lits)
            } else {
                Cond::NotIn(lits)
            })
        }
        "between" => {
            let items = d.list(node, path, "a list `[low, high]`")?;
            if items.len() != 2 {
                d.report(
                    node.pos,
                    path,
                    format!("`between` takes two values, found {}", items.len()),
                )
                .hint = Some("write `between: [10, 20]` (both ends included)".into());
                return None;
            }
            let lo = ordered(d, &items[0], &index(path, 0))?;
            let hi = ordered(d, &items[1], &index(path, 1))?;
            if let (Some(a), Some(b)) = (lo.as_f64(), hi.as_f64())
                && a > b
            {
                d.report(
                    node.pos,
                    path,
                    format!("`between` low end {lo} is above its high end {hi}"),
                )
                .hint = Some("write the lower value first".into());
                return None;
            }
            Some(Cond::Between(lo, hi))
        }
        "contains" | "starts_with" | "ends_with" | "matches" => {
            let s = d.text(node, path)?;
            match op {
                "contains" => Some(Cond::Contains(s)),
                "starts_with" => Some(Cond::StartsWith(s)),
                "ends_with" => Some(Cond::EndsWith(s)),
                _ => match regex::Regex::new(&s) {
                    Ok(_) => Some(Cond::Matches(s)),
                    Err(e) => {
                        let msg = e.to_string();
                        let last = msg.lines().last().unwrap_or("").trim().to_string();
                        d.report(
                            node.pos,
                            path,
                            format!("`{s}` is not a valid regular expression"),
                        )
                        .hint = Some(last);
                        None
                    }
                },
            }
        }
        "is_set" | "is_not_set" => match node.value {
            Value::Bool(true) => Some(if op == "is_set" {
                Cond::IsSet
            } else {
                Cond::IsNotSet
            }),
            Value::Bool(false) => {
                let other = if op == "is_set" {
                    "is_not_set"
                } else {
                    "is_set"
                };
                d.report(node.pos, path, format!("`{op}: false` is ambiguous"))
                    .hint = Some(format!("write `{other}: true` instead"));
                None
            }
            _ => {
                d.wrong_type(node, path, "`true`");
                None
            }
        },
        _ => unreachable!("operators are checked before"),
    }
}

fn lit(d: &mut Decoder, node: &Node, path: &str) -> Option<Lit> {
    match &node.value {
        Value::Bool(b) => Some(Lit::Bool(*b)),
        Value::Int(i) => Some(Lit::Int(*i)),
        Value::Float(f) if f.is_finite() => Some(Lit::Float(*f)),
        Value::Str(s) if s.contains('\0') => {
            d.report(node.pos, path, "text values cannot contain NUL characters");
            None
        }
        Value::Str(s) => Some(Lit::Text(s.clone())),
        _ => {
            d.wrong_type(node, path, "a single value (text, number or boolean)");
            None
        }
    }
}

fn ordered(d: &mut Decoder, node: &Node, path: &str) -> Option<Lit> {
    let l = lit(d, node, path)?;
    if let Lit::Bool(_) = l {
        d.report(node.pos, path, "booleans have no order").hint =
            Some("use `eq: true` or `eq: false`".into());
        return None;
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span_from_str("30d").unwrap().seconds, 30 * 86_400);
        assert_eq!(span_from_str("2w").unwrap().seconds, 14 * 86_400);
        assert_eq!(span_from_str("30 days").unwrap_err(), "did you mean `30d`?");
        assert_eq!(span_from_str("1mo").unwrap_err(), "did you mean `30d`?");
        assert!(span_from_str("0d").is_err());
        assert!(span_from_str("d").is_err());
    }
}
