//! Several segments as one plan: shared scans of events and a predicate per segment.
//!
//! `refresh` computes every selected segment together. Their aggregate conditions share one scan
//! per event name (read from its earliest window): a filter of one name is pushed into the
//! table scan, where an `or` of names and windows is evaluated row by row, and each row is
//! aggregated only into the columns of its own name. Each distinct sequence has a scan of its own,
//! since following a user's events in time is a different pass from counting them. Columns keep
//! one numbering across all scans, and a `segment:` reference becomes the referenced segment's
//! own predicate.

use super::ir::{Column, Plan, Pred, Scan, Sequence, need};

/// Members of each segment as one boolean over the shared scans.
#[derive(Clone, Debug, PartialEq)]
pub struct Fused {
    pub groups: Vec<Group>,
    /// (segment, predicate), in the order the plans were given.
    pub members: Vec<(String, Pred)>,
}

/// One scan, and which of its columns (local number) is which predicate column (global
/// number); a column two segments share is computed once and read under both numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub scan: Scan,
    pub columns: Vec<(usize, usize)>,
}

/// Fuses plans given in dependency order (a referenced segment before the segments using it).
pub fn fuse(plans: &[Plan]) -> Fused {
    let mut aggregates: Vec<Group> = Vec::new();
    let mut sequences: Vec<Group> = Vec::new();
    let mut members: Vec<(String, Pred)> = Vec::new();
    let mut next = 0;
    for plan in plans {
        let offset = next;
        if let Some(scan) = &plan.scan {
            for (i, c) in scan.columns.iter().enumerate() {
                match c {
                    Column::SequenceMatched(q) => {
                        let seq = &scan.sequences[*q];
                        let at = sequences
                            .iter()
                            .position(|g| g.scan.sequences[0] == *seq)
                            .unwrap_or_else(|| {
                                sequences.push(Group::sequence(seq));
                                sequences.len() - 1
                            });
                        sequences[at].columns.push((0, offset + i));
                    }
                    Column::Aggregate { test, .. } | Column::Seen { test, .. } => {
                        let at = aggregates
                            .iter()
                            .position(|g| g.scan.events[0].0 == test.event)
                            .unwrap_or_else(|| {
                                aggregates.push(Group::empty());
                                aggregates.len() - 1
                            });
                        let group = &mut aggregates[at];
                        need(&mut group.scan.events, &test.event, test.from.map(|b| b.at));
                        let columns = &mut group.scan.columns;
                        let local = columns.iter().position(|x| x == c).unwrap_or_else(|| {
                            columns.push(c.clone());
                            columns.len() - 1
                        });
                        group.columns.push((local, offset + i));
                    }
                }
            }
            next += scan.columns.len();
        }
        let pred = renumber(&plan.predicate, offset, &members);
        members.push((plan.segment.clone(), pred));
    }
    let groups = aggregates.into_iter().chain(sequences).collect();
    Fused { groups, members }
}

impl Group {
    fn empty() -> Self {
        Group {
            scan: Scan {
                events: Vec::new(),
                columns: Vec::new(),
                sequences: Vec::new(),
            },
            columns: Vec::new(),
        }
    }

    /// The scan of one sequence, its single column the sequence's flag.
    fn sequence(seq: &Sequence) -> Self {
        let mut group = Group::empty();
        let since = seq.steps[0].from.map(|b| b.at);
        for step in &seq.steps {
            need(&mut group.scan.events, &step.event, since);
        }
        group.scan.sequences.push(seq.clone());
        group.scan.columns.push(Column::SequenceMatched(0));
        group
    }
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
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::segment::lower::lower;
    use crate::segment::parse;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 0, 0, 0).unwrap()
    }

    fn plan(name: &str, yaml: &str) -> Plan {
        lower(
            name,
            &parse::rule_from_str(yaml).expect("rule parses"),
            now(),
        )
    }

    #[test]
    fn columns_renumber_and_references_inline() {
        let a = plan("a", "{ event: purchase, within: 30d }");
        let b = plan(
            "b",
            "all: [{ event: session_start, within: 7d, count: { gte: 2 } }, { segment: a }]",
        );
        let fused = fuse(&[a.clone(), b]);
        assert_eq!(fused.groups.len(), 2, "one scan per event name");
        assert_eq!(fused.groups[0].columns, vec![(0, 0)]);
        assert_eq!(fused.groups[1].columns, vec![(0, 1)]);
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
        let ab = fuse(&[a.clone(), b.clone()]);
        let events = &ab.groups[0].scan.events;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].1, b.scan.unwrap().events[0].1);
        let all = fuse(&[a, c]);
        assert_eq!(
            all.groups[0].scan.events,
            vec![("purchase".to_string(), None)]
        );
    }

    #[test]
    fn a_condition_two_segments_share_is_computed_once() {
        let a = plan("a", "{ event: purchase, within: 30d }");
        let b = plan("b", "not: { event: purchase, within: 30d }");
        let fused = fuse(&[a, b]);
        assert_eq!(fused.groups[0].scan.columns.len(), 1);
        assert_eq!(fused.groups[0].columns, vec![(0, 0), (0, 1)]);
    }

    #[test]
    fn sequences_get_a_scan_of_their_own_with_the_same_numbering() {
        let a = plan("a", "{ event: purchase, within: 30d }");
        let s = plan(
            "s",
            "all: [{ event: page_view, within: 7d }, { sequence: [add_to_cart, purchase], within: 1d, since: 14d }]",
        );
        let fused = fuse(&[a, s]);
        assert_eq!(fused.groups.len(), 3);
        assert_eq!(fused.groups[0].columns, vec![(0, 0)]);
        assert_eq!(fused.groups[1].columns, vec![(0, 1)]);
        assert_eq!(fused.groups[2].columns, vec![(0, 2)]);
        assert_eq!(
            fused.groups[2].scan.columns,
            vec![Column::SequenceMatched(0)]
        );
        let names: Vec<&str> = fused.groups[2]
            .scan
            .events
            .iter()
            .map(|e| e.0.as_str())
            .collect();
        assert_eq!(names, ["add_to_cart", "purchase"]);
        assert!(matches!(
            &fused.members[1].1,
            Pred::And(p) if p[1] == Pred::Flag { column: 2 }
        ));
    }
}
