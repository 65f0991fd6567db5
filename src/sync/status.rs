//! `cdp sync status`: per (segment, destination), what the destination holds, what a sync would
//! send now, what it refused, and the last run. Also the per-destination counts `plan` shows.

use super::Options;
use super::sql::SyncSql;
use crate::error::{Error, Result};
use crate::membership::sql::Tables;
use crate::project::Project;
use crate::segment::file::SegmentDef;
use crate::state::Store;
use crate::state::sync::SyncRecord;
use crate::warehouse::{Cell, Warehouse};

#[derive(Clone, Debug, serde::Serialize)]
pub struct TargetStatus {
    pub segment: String,
    /// No applied segment sends here any more; a sync removes what it holds.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    pub destination: String,
    #[serde(rename = "as")]
    pub mode: String,
    /// Users the destination has acknowledged.
    pub acknowledged: i64,
    /// Users a sync would add and remove now.
    pub to_add: i64,
    pub to_remove: i64,
    /// Users refused for good (not sent again until `--full`).
    pub invalid: i64,
    /// Users the last run had refused.
    pub rejected: i64,
    pub last_run: Option<SyncRecord>,
}

/// The status of every (segment, destination) of the `applied` segments, and of those a
/// destination still holds users for.
pub async fn status(
    project: &Project,
    store: &dyn Store,
    wh: &mut dyn Warehouse,
    applied: &[SegmentDef],
) -> Result<Vec<TargetStatus>> {
    let tables = Tables::new(wh.kind(), project.warehouse.cdp_schema());
    let mut targets = super::targets(applied, &Options::default());
    // Read-only (plan runs it in CI): tables a first refresh or sync creates may be missing.
    let refreshed = exists(wh, &tables.membership()).await;
    let all = SyncSql::new(&tables, "", "");
    let synced = refreshed && exists(wh, &all.members()).await;
    if synced {
        let held = held_targets(wh, &all).await?;
        let retired = super::retired(&held, &targets, &Options::default());
        targets.extend(retired);
    }
    let mut out = Vec::new();
    for target in targets {
        let sql = SyncSql::new(&tables, &target.segment, &target.key).retired(target.retired);
        let ((acknowledged, invalid), (to_add, to_remove)) = if synced {
            (
                pair(wh, &sql.held_counts()).await?,
                pair(wh, &SyncSql::count_changes(&sql.diff())).await?,
            )
        } else if refreshed {
            ((0, 0), (pair(wh, &sql.current_members()).await?.0, 0))
        } else {
            ((0, 0), (0, 0))
        };
        let last_run = store.last_sync(&target.segment, &target.key).await?;
        out.push(TargetStatus {
            retired: target.retired,
            segment: target.segment,
            destination: target.name,
            mode: target.spec.mode,
            acknowledged,
            to_add,
            to_remove,
            invalid,
            rejected: last_run.as_ref().map_or(0, |r| r.stats.rejected),
            last_run,
        });
    }
    Ok(out)
}

/// Every (segment, destination key) with users a destination holds.
pub(super) async fn held_targets(
    wh: &mut dyn Warehouse,
    all: &SyncSql<'_>,
) -> Result<Vec<(String, String)>> {
    let sql = all.held_targets();
    let rows = wh.rows(&sql).await.map_err(|source| Error::Query {
        sql: sql.clone(),
        source,
    })?;
    Ok(rows
        .iter()
        .map(|r| {
            let text = |i: usize| r.get(i).map(Cell::to_text).unwrap_or_default();
            (text(0), text(1))
        })
        .collect())
}

/// Whether a table can be read.
async fn exists(wh: &mut dyn Warehouse, table: &str) -> bool {
    wh.rows(&format!("select 1 from {table} where 1 = 0"))
        .await
        .is_ok()
}

/// A query's two numbers (counts).
pub(super) async fn pair(wh: &mut dyn Warehouse, sql: &str) -> Result<(i64, i64)> {
    let rows = wh.rows(sql).await.map_err(|source| Error::Query {
        sql: sql.to_string(),
        source,
    })?;
    let row = rows.first();
    let int = |i: usize| row.and_then(|r| r.get(i)).map_or(0, Cell::as_i64);
    Ok((int(0), int(1)))
}
