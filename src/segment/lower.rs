//! Lowering a checked rule tree to the plan: collect event conditions into one scan's columns.

use chrono::{DateTime, Duration, Utc};

use super::ir::{Agg, Bound, Column, EventTest, Plan, Pred, Scan, Sequence};
use super::rule::{EventMatch, Measure, Rule, SeenCond, Window};

/// Plans `rules` of segment `name`, with every relative window anchored at `now`.
pub fn lower(name: &str, rules: &Rule, now: DateTime<Utc>) -> Plan {
    let mut b = Builder {
        now,
        columns: Vec::new(),
        sequences: Vec::new(),
        events: Vec::new(),
    };
    let predicate = b.pred(rules);
    let scan = (!b.events.is_empty()).then_some(Scan {
        events: b.events,
        columns: b.columns,
        sequences: b.sequences,
    });
    Plan {
        segment: name.to_string(),
        scan,
        predicate,
    }
}

struct Builder {
    now: DateTime<Utc>,
    columns: Vec<Column>,
    sequences: Vec<Sequence>,
    /// Event names read so far, each with its widest lower bound (`None`: all history).
    events: Vec<(String, Option<DateTime<Utc>>)>,
}

impl Builder {
    fn pred(&mut self, rule: &Rule) -> Pred {
        match rule {
            Rule::All(rs) => Pred::And(rs.iter().map(|r| self.pred(r)).collect()),
            Rule::Any(rs) => Pred::Or(rs.iter().map(|r| self.pred(r)).collect()),
            Rule::Not(r) => Pred::Not(Box::new(self.pred(r))),
            Rule::Trait { name, cond } => Pred::Trait {
                name: name.clone(),
                cond: cond.clone(),
            },
            Rule::Segment(name) => Pred::InSegment(name.clone()),
            Rule::Sql(sql) => Pred::Sql(sql.clone()),
            Rule::Event(e) => {
                let test = self.test(&e.matching);
                let (agg, property) = match &e.measure {
                    Measure::Count => (Agg::Count, None),
                    Measure::Sum(p) => (Agg::Sum, Some(p.clone())),
                    Measure::Avg(p) => (Agg::Avg, Some(p.clone())),
                    Measure::Min(p) => (Agg::Min, Some(p.clone())),
                    Measure::Max(p) => (Agg::Max, Some(p.clone())),
                };
                let column = self.column(Column::Aggregate {
                    agg,
                    property,
                    test,
                });
                Pred::Value {
                    column,
                    cond: e.cond.clone(),
                    zero_when_empty: e.measure.zero_when_empty(),
                }
            }
            Rule::FirstSeen(s) => self.seen(s, false),
            Rule::LastSeen(s) => self.seen(s, true),
            Rule::Sequence(seq) => {
                let since = seq.since.map(|s| self.now - Duration::seconds(s.seconds));
                let steps = seq
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, step)| {
                        let from = if i == 0 {
                            since.map(|at| Bound {
                                at,
                                inclusive: false,
                            })
                        } else {
                            None
                        };
                        // Later steps come at or after the first, so the scan starts at its window.
                        self.note(&step.event, since);
                        EventTest {
                            event: step.event.clone(),
                            from,
                            until: Some(self.until_now()),
                            filters: step.filters.clone(),
                        }
                    })
                    .collect();
                self.sequences.push(Sequence {
                    steps,
                    within: seq.within,
                });
                let column = self.column(Column::SequenceMatched(self.sequences.len() - 1));
                Pred::Flag { column }
            }
        }
    }

    /// First seen reads all of history up to now, last seen only from the window's start.
    fn seen(&mut self, s: &SeenCond, latest: bool) -> Pred {
        let (from, until) = self.bounds(&s.window);
        let scan_from = if latest { from } else { None };
        self.note(&s.event, scan_from.map(|b| b.at));
        let test = EventTest {
            event: s.event.clone(),
            from: scan_from,
            until: Some(self.until_now()),
            filters: s.filters.clone(),
        };
        let column = self.column(Column::Seen { latest, test });
        Pred::SeenIn {
            column,
            from,
            until,
        }
    }

    fn test(&mut self, m: &EventMatch) -> EventTest {
        let (from, until) = self.bounds(&m.window);
        self.note(&m.event, from.map(|b| b.at));
        EventTest {
            event: m.event.clone(),
            from,
            until,
            filters: m.filters.clone(),
        }
    }

    fn bounds(&self, w: &Window) -> (Option<Bound>, Option<Bound>) {
        match w {
            Window::Within(span) => (
                Some(Bound {
                    at: self.now - Duration::seconds(span.seconds),
                    inclusive: false,
                }),
                Some(self.until_now()),
            ),
            Window::During(start, end) => (
                Some(Bound {
                    at: *start,
                    inclusive: true,
                }),
                Some(Bound {
                    at: *end,
                    inclusive: false,
                }),
            ),
            Window::Ever => (None, Some(self.until_now())),
        }
    }

    fn until_now(&self) -> Bound {
        Bound {
            at: self.now,
            inclusive: true,
        }
    }

    fn note(&mut self, event: &str, from: Option<DateTime<Utc>>) {
        super::ir::need(&mut self.events, event, from);
    }

    /// Reuses an identical column, so a condition written twice is computed once.
    fn column(&mut self, c: Column) -> usize {
        if let Some(i) = self.columns.iter().position(|x| *x == c) {
            return i;
        }
        self.columns.push(c);
        self.columns.len() - 1
    }
}
