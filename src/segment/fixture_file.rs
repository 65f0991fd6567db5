//! The `tests:` of a segment file: fixture users with traits, events some time ago, and whether
//! they should be members.

use crate::segment::parse::parse_span;
use crate::segment::rule::{Lit, Span};
use crate::syntax::decode::{Decoder, index};
use crate::syntax::yaml::{Node, Pos, Value};

/// A user for `cdp test`, with events given relative to now and the expected membership.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub user: String,
    pub traits: Vec<(String, Lit)>,
    pub events: Vec<FixtureEvent>,
    pub member: bool,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct FixtureEvent {
    pub event: String,
    pub ago: Span,
    pub properties: serde_json::Map<String, serde_json::Value>,
}

pub(super) fn parse_tests(d: &mut Decoder, node: &Node) -> Vec<Fixture> {
    let Some(items) = d.list(node, "tests", "a list of fixture users") else {
        return vec![];
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index("tests", i);
        let Some(f) = d.fields(
            item,
            &p,
            "a test fixture",
            &["user", "traits", "events", "member"],
        ) else {
            continue;
        };
        let user = f
            .get("user")
            .and_then(|n| d.text(n, &f.at("user")))
            .unwrap_or_else(|| format!("fixture_{}", i + 1));
        let member = match f.get("member") {
            Some(n) => d.bool(n, &f.at("member")),
            None => {
                d.missing(
                    &f,
                    "member",
                    "`true` or `false`",
                    Some("say whether this user must be in the segment"),
                );
                None
            }
        };
        let mut traits = Vec::new();
        if let Some(t) = f.get("traits") {
            match &t.value {
                Value::Map(entries) => {
                    for (k, v) in entries {
                        if let Some(l) =
                            fixture_lit(d, v, &format!("{}.{}", f.at("traits"), k.name))
                        {
                            traits.push((k.name.clone(), l));
                        }
                    }
                }
                _ => d.wrong_type(t, &f.at("traits"), "a mapping of trait values"),
            }
        }
        let events = f
            .get("events")
            .map(|n| parse_fixture_events(d, n, &f.at("events")))
            .unwrap_or_default();
        if let Some(member) = member {
            out.push(Fixture {
                user,
                traits,
                events,
                member,
                pos: item.pos,
            });
        }
    }
    out
}

fn fixture_lit(d: &mut Decoder, node: &Node, path: &str) -> Option<Lit> {
    match &node.value {
        Value::Bool(b) => Some(Lit::Bool(*b)),
        Value::Int(i) => Some(Lit::Int(*i)),
        Value::Float(f) => Some(Lit::Float(*f)),
        Value::Str(s) => Some(Lit::Text(s.clone())),
        _ => {
            d.wrong_type(node, path, "a single value");
            None
        }
    }
}

fn parse_fixture_events(d: &mut Decoder, node: &Node, path: &str) -> Vec<FixtureEvent> {
    let Some(items) = d.list(node, path, "a list of events") else {
        return vec![];
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let Some(f) = d.fields(item, &p, "a fixture event", &["event", "ago", "properties"]) else {
            continue;
        };
        let event = d.req_string(&f, "event", None);
        let ago = match f.get("ago") {
            Some(n) => parse_span(d, n, &f.at("ago")),
            None => {
                d.missing(
                    &f,
                    "ago",
                    "how long before now it happened, e.g. `3d`",
                    None,
                );
                None
            }
        };
        let properties = match f.get("properties") {
            Some(n) => match to_json(n) {
                serde_json::Value::Object(m) => Some(m),
                _ => {
                    d.wrong_type(n, &f.at("properties"), "a mapping");
                    None
                }
            },
            None => Some(serde_json::Map::new()),
        };
        if let (Some(event), Some(ago), Some(properties)) = (event, ago, properties) {
            out.push(FixtureEvent {
                event,
                ago,
                properties,
            });
        }
    }
    out
}

pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Str(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), to_json(v)))
                .collect(),
        ),
    }
}
