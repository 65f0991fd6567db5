//! Several segments as one plan: one scan of events for all of them and a predicate per segment.
//!
//! `refresh` computes every selected segment in one pass over the events table: their scans merge
//! (each event name read from its earliest window), their columns and sequences are renumbered,
//! and a `segment:` reference becomes the referenced segment's own predicate.

use chrono::{DateTime, Utc};

use super::ir::{Column, Plan, Pred, Scan};

/// Members of each segment as one boolean over the shared scan.
#[derive(Clone, Debug, PartialEq)]
pub struct Fused {
    pub scan: Option<Scan>,
    /// (segment, predicate), in the order the plans were given.
    pub members: Vec<(String, Pred)>,
}

/// Fuses plans given in dependency order (a referenced segment before the segments using it).
pub fn fuse(plans: &[Plan]) -> Fused {
    let mut events: Vec<(String, Option<DateTime<Utc>>)> = Vec::new();
    let mut columns = Vec::new();
    let mut sequences = Vec::new();
    let mut members: Vec<(String, Pred)> = Vec::new();
    for plan in plans {
        let offset = columns.len();
        if let Some(scan) = &plan.scan {
            for (name, since) in &scan.events {
                match events.iter_mut().find(|(n, _)| n == name) {
                    // `None` reads all history, which covers every window.
                    Some((_, have)) => {
                        *have = match (*have, *since) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            _ => None,
                        }
                    }
                    None => events.push((name.clone(), *since)),
                }
            }
            let seq_offset = sequences.len();
            columns.extend(scan.columns.iter().map(|c| match c {
                Column::SequenceMatched(q) => Column::SequenceMatched(q + seq_offset),
                other => other.clone(),
            }));
            sequences.extend(scan.sequences.iter().cloned());
        }
        let pred = renumber(&plan.predicate, offset, &members);
        members.push((plan.segment.clone(), pred));
    }
    let scan = (!columns.is_empty()).then_some(Scan {
        events,
        columns,
        sequences,
    });
    Fused { scan, members }
}

fn renumber(p: &Pred, offset: usize, done: &[(String, Pred)]) -> Pred {
    let again = |p: &Pred| renumber(p, offset, done);
    match p {
        Pred::And(ps) => Pred::And(ps.iter().map(again).collect()),
        Pred::Or(ps) => Pred::Or(ps.iter().map(again).collect()),
        Pred::Not(p) => Pred::Not(Box::new(again(p))),
        Pred::Value {
            column,
            cond,
            zero_when_empty,
        } => Pred::Value {
            column: column + offset,
            cond: cond.clone(),
            zero_when_empty: *zero_when_empty,
        },
        Pred::SeenIn {
            column,
            from,
            until,
        } => Pred::SeenIn {
            column: column + offset,
            from: *from,
            until: *until,
        },
        Pred::Flag { column } => Pred::Flag {
            column: column + offset,
        },
        // Already renumbered: the referenced segment came earlier.
        Pred::InSegment(name) => match done.iter().find(|(n, _)| n == name) {
            Some((_, pred)) => pred.clone(),
            None => Pred::InSegment(name.clone()),
        },
        Pred::Trait { .. } | Pred::Sql(_) => p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::segment::lower::lower;
    use crate::segment::parse;

    fn plan(name: &str, yaml: &str) -> Plan {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 0, 0, 0).unwrap();
        lower(name, &parse::rule_from_str(yaml).expect("rule parses"), now)
    }

    #[test]
    fn columns_renumber_and_references_inline() {
        let a = plan("a", "{ event: purchase, within: 30d }");
        let b = plan(
            "b",
            "all: [{ event: session_start, within: 7d, count: { gte: 2 } }, { segment: a }]",
        );
        let fused = fuse(&[a.clone(), b]);
        let scan = fused.scan.expect("a scan");
        assert_eq!(scan.columns.len(), 2);
        assert_eq!(fused.members[0].1, a.predicate);
        let Pred::And(parts) = &fused.members[1].1 else {
            panic!("b is a conjunction: {:?}", fused.members[1].1)
        };
        assert!(matches!(parts[0], Pred::Value { column: 1, .. }));
        assert_eq!(parts[1], a.predicate, "the reference is a's own predicate");
    }

    #[test]
    fn an_event_read_by_two_segments_is_read_from_the_earlier_window() {
        let a = plan("a", "{ event: purchase, within: 30d }");
        let b = plan("b", "{ event: purchase, within: 90d }");
        let c = plan("c", "{ first_seen: { event: purchase } }");
        let ab = fuse(&[a.clone(), b.clone()]).scan.unwrap();
        assert_eq!(ab.events.len(), 1);
        assert_eq!(ab.events[0].1, b.scan.unwrap().events[0].1);
        let all = fuse(&[a, c]).scan.unwrap();
        assert_eq!(all.events, vec![("purchase".to_string(), None)]);
    }
}
