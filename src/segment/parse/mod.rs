//! Reading `rules:` from located YAML into the checked rule tree, reporting every mistake.

pub(crate) mod cond;
mod sequence;
mod time;

pub use cond::{parse_number_cond, parse_single_cond, parse_where, property_name};
pub use time::{instant_from_str, parse_instant, parse_span, parse_window, span_from_str};

use super::rule::{Cond, EventCond, EventMatch, Lit, Measure, Rule, SeenCond};
use crate::syntax::decode::{Decoder, Fields, index, join, one_of};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Value};

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
const EVENT_BASE_KEYS: &[&str] = &[
    "event", "count", "sum", "avg", "min", "max", "within", "during", "where",
];
const SEEN_KEYS: &[&str] = &["event", "within", "during", "where"];

/// The keys a mapping may hold: its own, then comparison operators.
pub(crate) fn keys_with(own: &[&'static str], operators: &[&'static str]) -> Vec<&'static str> {
    own.iter().chain(operators).copied().collect()
}

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
            diag.hint = Some("to combine them, list both under `all:` (or `any:`)".to_string());
            None
        }
    }
}

fn parse_kind(d: &mut Decoder, node: &Node, path: &str, kind: &str) -> Option<Rule> {
    let allowed: Vec<&str> = match kind {
        "sequence" => vec!["sequence", "within", "since"],
        "trait" => keys_with(&["trait"], OPERATORS),
        "event" => keys_with(EVENT_BASE_KEYS, NUMERIC_OPERATORS),
        other => vec![
            RULE_KINDS
                .iter()
                .copied()
                .find(|k| *k == other)
                .expect("a rule kind"),
        ],
    };
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let what = format!("{article} `{kind}` rule");
    let f = d.fields(node, path, &what, &allowed)?;
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
        "sequence" => sequence::parse_sequence(d, &f),
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
    let event = d.req_string(f, "event", None);
    if let (None, Some(node)) = (&event, f.get("event"))
        && let (Value::Seq(_), Some(last)) = (&node.value, d.diagnostics.last_mut())
    {
        last.hint =
            Some("for any of several events, write `any:` with an `event:` rule for each".into());
    }
    let event = event?;
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
            let cond = parse_number_cond(d, &cf, "count")?;
            if cond
                .values()
                .iter()
                .any(|l| l.as_f64().is_some_and(|v| v < 0.0))
            {
                d.report(count.pos, &f.at("count"), "a count is never negative")
                    .hint = Some(
                    "`count: { eq: 0 }` means never; `count: { gte: 1 }` means at least once"
                        .into(),
                );
                return None;
            }
            cond
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
            parse_number_cond(d, f, m.keyword())?
        }
    };
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

fn parse_seen(d: &mut Decoder, node: &Node, path: &str, kind: &str) -> Option<SeenCond> {
    if let Value::Str(event) = &node.value {
        d.report(
            node.pos,
            path,
            format!("`{kind}` takes a mapping with `event:`, found a string"),
        )
        .hint = Some(format!("write `{kind}: {{ event: {event}, within: 30d }}`"));
        return None;
    }
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

/// A rule from YAML text (`rules:`'s value), for tests and tools; the problems when it is wrong.
pub fn rule_from_str(text: &str) -> Result<Rule, Vec<crate::syntax::diagnostic::Diagnostic>> {
    let mut d = Decoder::new("rule");
    let rule = match crate::syntax::yaml::parse(text) {
        Ok(node) => parse_rule(&mut d, &node, "rules"),
        Err(e) => {
            d.syntax(&e);
            None
        }
    };
    match rule {
        Some(r) if d.diagnostics.is_empty() => Ok(r),
        _ => Err(d.diagnostics),
    }
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
