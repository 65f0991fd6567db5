//! `segments/<name>.yaml`: one segment's description, schedule, rules, destinations and tests.

pub use super::fixture_file::{Fixture, FixtureEvent};
use crate::schedule::Schedule;
use crate::segment::parse::parse_rule;
use crate::segment::rule::Rule;
use crate::syntax::decode::{Decoder, index};
use crate::syntax::yaml::{Node, Pos, Value};

#[derive(Clone, Debug)]
pub struct SegmentDef {
    pub name: String,
    pub description: Option<String>,
    pub schedule: Option<Schedule>,
    pub rules: Rule,
    pub destinations: Vec<DestinationRef>,
    pub tests: Vec<Fixture>,
    /// File path relative to the project.
    pub file: String,
}

/// What checks across files need of a segment; kept even when its rules have mistakes.
#[derive(Clone, Debug)]
pub struct Outline {
    pub name: String,
    pub file: String,
    pub name_pos: Pos,
    /// (referenced segment, where, key path) for each `segment:` rule.
    pub references: Vec<(String, Pos, String)>,
    pub destinations: Vec<DestinationRef>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct DestinationRef {
    pub to: String,
    #[serde(rename = "as")]
    pub mode: String,
    /// Braze `as: subscription_group`: the group members are subscribed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_group_id: Option<String>,
    /// Amplitude `as: user_property`: the property set on members (default: the segment's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    #[serde(skip)]
    pub pos: Pos,
    /// Its place in the file's `destinations:` list, for messages.
    #[serde(skip)]
    pub index: usize,
}

impl DestinationRef {
    /// The way of sending a `key` names, as `key` wrote it.
    pub fn from_key(key: &str) -> Option<DestinationRef> {
        let mut parts = key.splitn(3, ':');
        let (to, mode) = (parts.next()?, parts.next()?);
        let rest = parts.next().map(str::to_string);
        let (subscription_group_id, property) = match mode {
            "subscription_group" => (rest, None),
            _ => (None, rest),
        };
        Some(DestinationRef {
            to: to.to_string(),
            mode: mode.to_string(),
            subscription_group_id,
            property,
            pos: Pos::default(),
            index: 0,
        })
    }

    /// How the state store and the warehouse name this way of sending: `braze:attribute`,
    /// `braze:subscription_group:<id>`, `amplitude:cohort`...
    pub fn key(&self) -> String {
        match (&self.subscription_group_id, &self.property) {
            (Some(id), _) => format!("{}:{}:{id}", self.to, self.mode),
            (None, Some(p)) => format!("{}:{}:{p}", self.to, self.mode),
            _ => format!("{}:{}", self.to, self.mode),
        }
    }
}

const KEYS: &[&str] = &[
    "name",
    "description",
    "schedule",
    "rules",
    "destinations",
    "tests",
];

/// The segment when it is valid, and its outline whenever it has a name.
pub fn parse_segment(d: &mut Decoder, root: &Node) -> (Option<SegmentDef>, Option<Outline>) {
    let Some(f) = d.fields(root, "", "a segment file", KEYS) else {
        return (None, None);
    };
    let name = d.req_string(
        &f,
        "name",
        Some("every segment has a `name:`, e.g. `name: lapsed_payers`"),
    );
    if let (Some(n), Some(node)) = (&name, f.get("name"))
        && !valid_name(n)
    {
        d.report(
            node.pos,
            "name",
            format!("`{n}` is not a valid segment name"),
        )
        .hint = Some("use lowercase letters, digits and `_`, starting with a letter".into());
    }
    let description = d.opt_string(&f, "description");
    let schedule = f.get("schedule").and_then(|n| parse_schedule(d, n));
    let rules = match f.get("rules") {
        Some(node) => parse_rule(d, node, "rules"),
        None => {
            d.missing(
                &f,
                "rules",
                "a rule",
                Some("say who belongs, e.g. `rules: { trait: plan, eq: pro }`"),
            );
            None
        }
    };
    let destinations = f
        .get("destinations")
        .map(|n| parse_destinations(d, n))
        .unwrap_or_default();
    let tests = f
        .get("tests")
        .map(|n| super::fixture_file::parse_tests(d, n))
        .unwrap_or_default();
    let reference_pos = f
        .get("rules")
        .map(|node| key_positions(node, "rules", "segment"))
        .unwrap_or_default();
    let outline = name.clone().map(|name| Outline {
        name,
        file: d.file.to_string(),
        name_pos: f.get("name").map(|n| n.pos).unwrap_or_default(),
        references: reference_pos,
        destinations: destinations.clone(),
    });
    let def = match (name, rules) {
        (Some(name), Some(rules)) => Some(SegmentDef {
            name,
            description,
            schedule,
            rules,
            destinations,
            tests,
            file: d.file.to_string(),
        }),
        _ => None,
    };
    (def, outline)
}

pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

pub(crate) fn parse_schedule(d: &mut Decoder, node: &Node) -> Option<Schedule> {
    let text = d.string(node, "schedule")?;
    match text.parse::<Schedule>() {
        Ok(schedule) => Some(schedule),
        Err(e) => {
            let diag = d.report(
                node.pos,
                "schedule",
                format!("`{text}` is not a valid cron expression"),
            );
            diag.expected = Some(
                "five fields: minute hour day-of-month month day-of-week (UTC), or six with seconds first"
                    .into(),
            );
            diag.hint = Some(format!("{e}; e.g. `0 */6 * * *` runs every six hours"));
            None
        }
    }
}

fn parse_destinations(d: &mut Decoder, node: &Node) -> Vec<DestinationRef> {
    let Some(items) = d.list(node, "destinations", "a list of `{ to, as }`") else {
        return vec![];
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index("destinations", i);
        if let Value::Str(name) = &item.value {
            d.report(
                item.pos,
                &p,
                format!("a destination is a mapping, found the name `{name}` alone"),
            )
            .hint = Some(format!(
                "say how it receives the segment: `- {{ to: {name}, as: attribute }}` (braze) or `as: cohort` (amplitude)"
            ));
            continue;
        }
        let Some(f) = d.fields(
            item,
            &p,
            "a destination",
            &["to", "as", "subscription_group_id", "property"],
        ) else {
            continue;
        };
        let to = d.req_string(
            &f,
            "to",
            Some("name a destination declared under an environment's `destinations:`"),
        );
        let mode = d.req_string(&f, "as", Some("braze: `attribute` or `subscription_group`; amplitude: `cohort` or `user_property`"));
        let subscription_group_id = f
            .get("subscription_group_id")
            .and_then(|n| d.text(n, &f.at("subscription_group_id")));
        let property = d.opt_string(&f, "property");
        if let (Some(to), Some(mode)) = (to, mode) {
            out.push(DestinationRef {
                to,
                mode,
                subscription_group_id,
                property,
                pos: item.pos,
                index: i,
            });
        }
    }
    out
}

/// Finds each `key:` with a string value under `node` (e.g. every `segment:` or `trait:` of a
/// segment's `rules`): the value, where it is, and its dotted key path.
pub fn key_positions(node: &Node, path: &str, key: &str) -> Vec<(String, Pos, String)> {
    let mut out = Vec::new();
    collect_key_positions(node, path, key, &mut out);
    out
}

fn collect_key_positions(node: &Node, path: &str, key: &str, out: &mut Vec<(String, Pos, String)>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let p = format!("{path}.{}", k.name);
                if k.name == key {
                    if let Value::Str(s) = &v.value {
                        out.push((s.clone(), v.pos, p));
                    }
                } else {
                    collect_key_positions(v, &p, key, out);
                }
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_key_positions(item, &index(path, i), key, out);
            }
        }
        _ => {}
    }
}
