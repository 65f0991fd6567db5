//! Comparisons in rules: operators, their values, and event property filters.

use super::{NUMERIC_OPERATORS, OPERATORS, keys_with};
use crate::segment::rule::{Cond, Lit, PropCond};
use crate::syntax::decode::{Decoder, Fields, index, one_of};
use crate::syntax::yaml::{Node, Value};

/// Event property names are plain words, so every engine's JSON path syntax reads them alike.
pub fn property_name(d: &mut Decoder, node: &Node, path: &str) -> Option<String> {
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

pub fn parse_where(d: &mut Decoder, f: &Fields) -> Option<Vec<PropCond>> {
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
            .fields(
                item,
                &p,
                "a property filter",
                &keys_with(&["property"], OPERATORS),
            )
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
pub fn parse_single_cond(
    d: &mut Decoder,
    f: &Fields,
    allowed: &[&str],
    subject: &str,
) -> Option<Cond> {
    single_cond(d, f, allowed, subject, false)
}

/// Reads the one comparison among `f`'s keys of a number (`count` or an aggregate, the
/// `subject`): each value must be a number, reported where it is written when it is not.
pub fn parse_number_cond(d: &mut Decoder, f: &Fields, subject: &str) -> Option<Cond> {
    single_cond(d, f, NUMERIC_OPERATORS, subject, true)
}

fn single_cond(
    d: &mut Decoder,
    f: &Fields,
    allowed: &[&str],
    subject: &str,
    numbers: bool,
) -> Option<Cond> {
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
            parse_cond(d, op, node, &path, numbers.then_some(subject))
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

/// One comparison; with `number_of` (what is compared: `count`, `sum`, ...) its values must be
/// numbers.
fn parse_cond(
    d: &mut Decoder,
    op: &str,
    node: &Node,
    path: &str,
    number_of: Option<&str>,
) -> Option<Cond> {
    let single = |d: &mut Decoder, node: &Node, path: &str| value(d, node, path, number_of);
    let in_order = |d: &mut Decoder, node: &Node, path: &str| ordered(d, node, path, number_of);
    match op {
        "eq" => single(d, node, path).map(Cond::Eq),
        "ne" => single(d, node, path).map(Cond::Ne),
        "gt" => in_order(d, node, path).map(Cond::Gt),
        "gte" => in_order(d, node, path).map(Cond::Gte),
        "lt" => in_order(d, node, path).map(Cond::Lt),
        "lte" => in_order(d, node, path).map(Cond::Lte),
        "in" | "not_in" => {
            let items = d.list(node, path, "a list of values")?;
            if items.is_empty() {
                d.report(node.pos, path, format!("`{op}` has an empty list"))
                    .hint = Some("list at least one value".into());
                return None;
            }
            let mut lits = Vec::new();
            for (i, item) in items.iter().enumerate() {
                lits.push(single(d, item, &index(path, i))?);
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
            let lo = in_order(d, &items[0], &index(path, 0))?;
            let hi = in_order(d, &items[1], &index(path, 1))?;
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
            let instead = match path.rsplit('.').next() {
                Some("eq") => Some("in"),
                Some("ne") => Some("not_in"),
                _ => None,
            };
            if let (Value::Seq(_), Some(op), Some(last)) =
                (&node.value, instead, d.diagnostics.last_mut())
            {
                last.hint = Some(format!("for any of several values, write `{op}: [...]`"));
            }
            None
        }
    }
}

/// A comparison's value; with `number_of` (what is compared), a number, checked here so that
/// the problem is placed at the value itself.
fn value(d: &mut Decoder, node: &Node, path: &str, number_of: Option<&str>) -> Option<Lit> {
    let l = lit(d, node, path)?;
    if let Some(subject) = number_of
        && !l.is_number()
    {
        let diag = d.report(
            node.pos,
            path,
            format!("`{subject}` compares a number, found {}", node.value.kind()),
        );
        diag.expected = Some("a number".into());
        diag.hint = Some(match &node.value {
            Value::Str(s) if s.trim().parse::<f64>().is_ok() => {
                format!("write the number without quotes: `{}`", s.trim())
            }
            _ => "compare counts and aggregates with numbers, e.g. `gte: 3`".into(),
        });
        return None;
    }
    Some(l)
}

fn ordered(d: &mut Decoder, node: &Node, path: &str, number_of: Option<&str>) -> Option<Lit> {
    let l = value(d, node, path, number_of)?;
    if let Lit::Bool(_) = l {
        d.report(node.pos, path, "booleans have no order").hint =
            Some("use `eq: true` or `eq: false`".into());
        return None;
    }
    Some(l)
}
