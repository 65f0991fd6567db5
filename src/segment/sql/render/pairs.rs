//! Scans of one sequence of two steps: each step's events joined to the next within the span.

use super::{EventCols, Renderer, events_cte};
use crate::segment::ir::{Column, Scan};

impl Renderer<'_> {
    /// Whether `scan` is one sequence of two steps of different events and nothing else, which
    /// `pair_scan` renders. Two steps of one event need two distinct rows, which a join of the
    /// events cannot tell from one row with itself when their times are equal.
    pub(super) fn is_pair(scan: &Scan) -> bool {
        scan.columns == [Column::SequenceMatched(0)]
            && scan.sequences.len() == 1
            && matches!(scan.sequences[0].steps.as_slice(), [a, b] if a.event != b.event)
    }

    /// A sequence of two steps as a join: each step's events read on their own (its name and
    /// window filtered in the scan, its property tests before the join), then each second step
    /// paired with the first steps of the same user it follows within the span. The engine
    /// hashes the users and compares times within each user's pairs, where the pass in time
    /// order of `sequence_scan` sorts every event of both steps.
    pub(super) fn pair_scan(
        &self,
        segment: &str,
        scan: &Scan,
        raw: &EventCols,
        out: &mut Vec<(String, String)>,
    ) {
        let d = self.dialect;
        let seq = &scan.sequences[0];
        let table = d.ident(&self.tables.events.table);
        // Each side reads one name: its tests need not compare it again.
        let one = EventCols {
            one_name: true,
            ..raw.clone()
        };
        let side = |k: usize| {
            let step = &seq.steps[k];
            let mut filter = vec![format!("{} = {}", raw.name, d.string(&step.event))];
            let since = scan.events.iter().find(|(n, _)| *n == step.event);
            filter.extend(
                since
                    .and_then(|(_, at)| *at)
                    .map(|at| format!("{} >= {}", raw.ts, d.timestamp(at))),
            );
            filter.push(self.test(step, &one));
            format!(
                "select {} as cdp_uid, {} as cdp_ts\nfrom {table} as ev\nwhere {}",
                raw.uid,
                raw.ts,
                filter.join("\n  and ")
            )
        };
        let first = format!("cdp_{segment}_first");
        let then = format!("cdp_{segment}_then");
        out.push((first.clone(), side(0)));
        out.push((then.clone(), side(1)));
        out.push((
            events_cte(segment),
            format!(
                "select b.cdp_uid, 1 as cdp_c0\nfrom {then} as b\njoin {first} as a on a.cdp_uid = b.cdp_uid\n  and a.cdp_ts <= b.cdp_ts and b.cdp_ts <= a.cdp_ts + {}\ngroup by b.cdp_uid",
                d.interval_seconds(seq.within.seconds)
            ),
        ));
    }
}
