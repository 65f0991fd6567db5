//! The built-in metric tiles, read from the state store: segment sizes, one segment's history,
//! sync runs.

use super::spec::Metric;
use crate::state::{self, StateError, Store};
use crate::table::{Cell, Table};

/// The metric's rows, with the columns `Metric::columns` names.
pub async fn table(metric: &Metric, store: &dyn Store) -> Result<Table, StateError> {
    let rows = match metric {
        Metric::SegmentSizes => {
            let mut rows = Vec::new();
            for def in store.definitions(state::SEGMENT).await? {
                let Some(last) = store.snapshots(&def.name).await?.pop() else {
                    continue;
                };
                rows.push(vec![
                    Cell::Text(def.name),
                    Cell::Int(last.size),
                    Cell::Int(last.entered),
                    Cell::Int(last.exited),
                    Cell::Timestamp(last.at),
                ]);
            }
            rows.sort_by_key(|r| std::cmp::Reverse(r[1].as_i64()));
            rows
        }
        Metric::SegmentHistory { segment } => {
            return Ok(segment_history(&store.snapshots(segment).await?));
        }
        Metric::SyncRuns => store
            .syncs(None, 1_000)
            .await?
            .into_iter()
            .map(|s| {
                vec![
                    Cell::Timestamp(s.started_at),
                    Cell::Text(s.segment),
                    Cell::Text(s.destination),
                    Cell::Text(s.status),
                    Cell::Int(s.stats.sent),
                    Cell::Int(s.stats.rejected),
                    Cell::Float(s.stats.duration_ms as f64 / 1000.0),
                ]
            })
            .collect(),
    };
    Ok(Table::new(metric.columns(), rows))
}

/// A segment's refreshes as the `segment_history` metric reads them: one row each, with
/// `at`, `members`, `entered` and `exited`. (The daemon's UI charts them too.)
pub fn segment_history(snapshots: &[state::Snapshot]) -> Table {
    let rows = snapshots
        .iter()
        .map(|s| {
            vec![
                Cell::Timestamp(s.at),
                Cell::Int(s.size),
                Cell::Int(s.entered),
                Cell::Int(s.exited),
            ]
        })
        .collect();
    let history = Metric::SegmentHistory {
        segment: String::new(),
    };
    Table::new(history.columns(), rows)
}
