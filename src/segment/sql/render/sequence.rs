//! Scans with sequences: per-row step flags, running maxima in time order, then the aggregate.

use super::{EventCols, Renderer, events_cte};
use crate::segment::ir::{Column, Scan};

impl Renderer<'_> {
    /// A scan with sequences: the scanned rows reduced to what later steps need (per-row values
    /// of each column, a flag per sequence step), then running maxima over each user's rows in
    /// time order carrying the latest start of each partial sequence, then the aggregate. The
    /// window sorts narrow rows: properties are read once, before it.
    pub(super) fn sequence_scan(
        &self,
        segment: &str,
        scan: &Scan,
        raw: &EventCols,
        from: &str,
        out: &mut Vec<(String, String)>,
    ) {
        let rows = format!("cdp_{segment}_rows");
        let mut select = vec![
            format!("{} as cdp_uid", raw.uid),
            format!("{} as cdp_ts", raw.ts),
        ];
        for (i, c) in scan.columns.iter().enumerate() {
            if let Some((_, value)) = self.column_parts(c, raw) {
                select.push(format!("{value} as cdp_v{i}"));
            }
        }
        for (q, seq) in scan.sequences.iter().enumerate() {
            for (k, step) in seq.steps.iter().enumerate() {
                select.push(format!("{} as cdp_t{q}_{k}", self.test(step, raw)));
            }
        }
        out.push((
            rows.clone(),
            format!("select {}\nfrom {from}", select.join(",\n  ")),
        ));
        // Only rows where some step matches take part in the ordered windows.
        let steps = format!("cdp_{segment}_steps");
        let mut flags_in = vec!["cdp_uid".to_string(), "cdp_ts".to_string()];
        let mut any = Vec::new();
        for (q, seq) in scan.sequences.iter().enumerate() {
            for k in 0..seq.steps.len() {
                flags_in.push(format!("cdp_t{q}_{k}"));
                any.push(format!("cdp_t{q}_{k}"));
            }
        }
        out.push((
            steps.clone(),
            format!(
                "select {}\nfrom {rows}\nwhere {}",
                flags_in.join(", "),
                any.join(" or ")
            ),
        ));
        let depth = scan
            .sequences
            .iter()
            .map(|s| s.steps.len() - 1)
            .max()
            .unwrap_or(0);
        let mut prev = steps;
        for k in 0..depth {
            let mut adds = Vec::new();
            for (q, seq) in scan.sequences.iter().enumerate() {
                if k + 1 >= seq.steps.len() {
                    continue;
                }
                let carried = if k == 0 {
                    "cdp_ts".to_string()
                } else {
                    format!("cdp_s{q}_{}", k - 1)
                };
                // The next step may be the same kind of event: then a row must not chain with itself.
                let frame = if seq.steps[k + 1].event == seq.steps[k].event {
                    "rows between unbounded preceding and 1 preceding"
                } else {
                    "range between unbounded preceding and current row"
                };
                adds.push(format!(
                    "max(case when cdp_t{q}_{k} then {carried} end) over (partition by cdp_uid order by cdp_ts {frame}) as cdp_s{q}_{k}"
                ));
            }
            let name = format!("cdp_{segment}_seq{k}");
            out.push((
                name.clone(),
                format!("select *,\n  {}\nfrom {prev}", adds.join(",\n  ")),
            ));
            prev = name;
        }
        let (mut flags, mut aggs) = (vec!["cdp_uid".to_string()], vec!["cdp_uid".to_string()]);
        let mut outer = vec!["a.cdp_uid".to_string()];
        for (i, c) in scan.columns.iter().enumerate() {
            match (c, self.column_parts(c, raw)) {
                (_, Some((func, _))) => {
                    aggs.push(format!("{func}(cdp_v{i}) as cdp_c{i}"));
                    outer.push(format!("a.cdp_c{i}"));
                }
                (Column::SequenceMatched(q), None) => {
                    flags.push(format!("{} as cdp_c{i}", self.sequence_flag(*q, scan)));
                    outer.push(format!("f.cdp_c{i}"));
                }
                _ => unreachable!("only sequence flags have no per-row value"),
            }
        }
        let flags_body = format!(
            "select {}\nfrom {prev}\ngroup by cdp_uid",
            flags.join(",\n  ")
        );
        if aggs.len() == 1 {
            out.push((events_cte(segment), flags_body));
            return;
        }
        // Every user with a matching step has scanned rows, so the aggregates hold every user.
        let flags_name = format!("cdp_{segment}_flags");
        out.push((flags_name.clone(), flags_body));
        let aggs_name = format!("cdp_{segment}_aggregates");
        out.push((
            aggs_name.clone(),
            format!(
                "select {}\nfrom {rows}\ngroup by cdp_uid",
                aggs.join(",\n  ")
            ),
        ));
        out.push((
            events_cte(segment),
            format!(
                "select {}\nfrom {aggs_name} as a\nleft join {flags_name} as f on f.cdp_uid = a.cdp_uid",
                outer.join(", ")
            ),
        ));
    }

    /// 1 when the last step of sequence `q` happened within its span of the carried start.
    fn sequence_flag(&self, q: usize, scan: &Scan) -> String {
        let seq = &scan.sequences[q];
        let last = seq.steps.len() - 1;
        let start = format!("cdp_s{q}_{}", last - 1);
        format!(
            "max(case when cdp_t{q}_{last} and {start} is not null and cdp_ts <= {start} + {} then 1 else 0 end)",
            self.dialect.interval_seconds(seq.within.seconds)
        )
    }
}
