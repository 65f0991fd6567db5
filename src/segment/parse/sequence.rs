//! `sequence:` rules: steps in order, the last at most `within` after the first.

use super::parse_where;
use super::time::parse_span;
use crate::segment::rule::{Rule, SequenceCond, Step};
use crate::syntax::decode::{Decoder, Fields, index};
use crate::syntax::yaml::Value;

pub fn parse_sequence(d: &mut Decoder, f: &Fields) -> Option<Rule> {
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
