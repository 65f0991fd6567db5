//! A refresh: the selected applied segments (and those they refer to) computed as of one
//! instant in one fused query, then merged into their intervals together in one transaction.

use std::time::Instant;

use chrono::{DateTime, Utc};

use super::sql::{Merge, MergeSegment, Tables};
use crate::applied::applied_segments;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::project::Project;
use crate::segment::compile::Compiler;
use crate::segment::file::SegmentDef;
use crate::state::{RunKind, RunStatus, Snapshot, Store};
use crate::warehouse::{Cell, Warehouse};

/// What one refresh found for one segment.
pub type Refreshed = Snapshot;

/// What a refresh tells the person running it as it goes.
pub struct Feedback<'a> {
    pub progress: &'a dyn Progress,
    /// Notes on stderr.
    pub note: &'a dyn Fn(&str),
    /// Print the membership query.
    pub show_sql: bool,
}

/// Which segments to refresh.
#[derive(Clone, Debug)]
pub enum Selection {
    All,
    Named(Vec<String>),
}

/// Refreshes the selected segments (and those they refer to) as of `now`, recording the run as
/// on `host`. The caller holds the project lock.
pub async fn refresh(
    project: &Project,
    store: &dyn Store,
    wh: &mut dyn Warehouse,
    selection: &Selection,
    host: &str,
    now: DateTime<Utc>,
    tell: &Feedback<'_>,
) -> Result<Vec<Refreshed>> {
    let (progress, note) = (tell.progress, tell.note);
    let applied = applied_segments(store).await?;
    let names = select(project, &applied, selection)?;
    for (def, version) in crate::applied::edited_since_applied(project, &applied)? {
        if names.contains(&def.name) {
            note(&format!(
                "{}: differs from the applied version {version}; refreshing the applied one (`cdp plan` shows the change)",
                def.file
            ));
        }
    }
    let tables = Tables::new(
        crate::warehouse::dialect_of(&project.warehouse),
        project.warehouse.cdp_schema(),
    );
    ensure_tables(wh, &tables).await?;
    recover(store, wh, &tables).await?;
    check_not_before_last(wh, &tables, &names, now).await?;

    let defs: Vec<SegmentDef> = applied.iter().map(|a| a.0.clone()).collect();
    let compiler = Compiler {
        dialect: wh.dialect(),
        tables: project.tables(),
        now,
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (order, query) = compiler
        .fused(&defs, &refs)
        .map_err(|e| Error::Internal(e.to_string()))?;

    if tell.show_sql {
        note(&format!(
            "-- the membership query of {}:\n{query}",
            order.join(", ")
        ));
    }
    let single = (order.len() == 1).then(|| order[0].as_str());
    let run_id = store
        .start_run(RunKind::Refresh, single, host, Utc::now())
        .await?;
    let started = Instant::now();
    let result = run(
        wh, &tables, &applied, &order, &query, run_id, now, started, store, progress,
    )
    .await;
    for table in [tables.stage(), tables.changes()] {
        let _ = wh.execute(&format!("drop table if exists {table}")).await;
    }
    match &result {
        Ok(done) => {
            let rows = done.iter().map(|s| s.entered + s.exited).sum();
            store
                .finish_run(run_id, RunStatus::Succeeded, Some(rows), None, Utc::now())
                .await?;
        }
        Err(e) => {
            let text = crate::error::chain(e);
            store
                .finish_run(run_id, RunStatus::Failed, None, Some(&text), Utc::now())
                .await?;
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn run(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    applied: &[(SegmentDef, i64, String)],
    order: &[String],
    query: &str,
    run_id: i64,
    now: DateTime<Utc>,
    started: Instant,
    store: &dyn Store,
    progress: &dyn Progress,
) -> Result<Vec<Refreshed>> {
    progress.start("computing members", order.len() as u64 + 1);
    for sql in tables.stage_sql(query) {
        wh.execute(&sql).await.map_err(|source| Error::Query {
            sql: sql.clone(),
            source,
        })?;
    }
    progress.advance(1);
    let segments: Vec<MergeSegment> = order
        .iter()
        .enumerate()
        .map(|(column, name)| MergeSegment {
            name: name.clone(),
            column,
            version: applied
                .iter()
                .find(|a| &a.0.name == name)
                .map(|a| a.1)
                .unwrap_or(0),
        })
        .collect();
    for sql in tables.changes_sql(&segments) {
        wh.execute(&sql).await.map_err(|source| Error::Query {
            sql: sql.clone(),
            source,
        })?;
    }
    let merge = Merge {
        segments: &segments,
        run_id,
        at: now,
        duration_ms: started.elapsed().as_millis() as i64,
    };
    // Every segment as of one instant, in one transaction: all of it lands, or none.
    let statements = tables.merge_sql(&merge);
    wh.transaction(&statements)
        .await
        .map_err(|f| Error::Query {
            sql: statements[f.index].clone(),
            source: f.source,
        })?;
    progress.advance(order.len() as u64);
    let found = snapshots(wh, tables, &[run_id]).await?;
    let mut done = Vec::new();
    for name in order {
        let snapshot = found
            .iter()
            .find(|s| &s.segment == name)
            .cloned()
            .ok_or_else(|| Error::Internal(format!("the refresh record of `{name}` is missing")))?;
        store.record_snapshot(&snapshot).await?;
        done.push(snapshot);
    }
    progress.finish();
    Ok(done)
}

fn select(
    project: &Project,
    applied: &[(SegmentDef, i64, String)],
    selection: &Selection,
) -> Result<Vec<String>> {
    let names: Vec<String> = match selection {
        Selection::All => applied.iter().map(|a| a.0.name.clone()).collect(),
        Selection::Named(n) => n.clone(),
    };
    if names.is_empty() {
        return Err(Error::NothingApplied);
    }
    let unapplied: Vec<String> = names
        .iter()
        .filter(|n| !applied.iter().any(|a| &a.0.name == *n))
        .cloned()
        .collect();
    if let Some(first) = unapplied.first()
        && project.segment(first).is_none()
    {
        return Err(Error::UnknownSegment {
            name: first.clone(),
            known: applied.iter().map(|a| a.0.name.clone()).collect(),
        });
    }
    if !unapplied.is_empty() {
        return Err(Error::NotApplied { names: unapplied });
    }
    Ok(names)
}

pub async fn ensure_tables(wh: &mut dyn Warehouse, tables: &Tables) -> Result<()> {
    for sql in tables.ensure() {
        wh.execute(&sql).await.map_err(|source| Error::Query {
            sql: sql.clone(),
            source,
        })?;
    }
    Ok(())
}

/// A run that died after committing some segments left their refresh records in the warehouse:
/// copy them into the state store, and mark the run interrupted.
async fn recover(store: &dyn Store, wh: &mut dyn Warehouse, tables: &Tables) -> Result<()> {
    let runs = store.unfinished_runs().await?;
    let ids: Vec<i64> = runs
        .iter()
        .filter(|r| r.kind == RunKind::Refresh)
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let found = snapshots(wh, tables, &ids).await?;
    for s in &found {
        store.record_snapshot(s).await?;
    }
    for id in ids {
        let committed = found.iter().filter(|s| s.run_id == id).count();
        let why = format!(
            "stopped before it finished; {committed} segment{} had committed",
            if committed == 1 { "" } else { "s" }
        );
        store
            .finish_run(id, RunStatus::Interrupted, None, Some(&why), Utc::now())
            .await?;
    }
    Ok(())
}

/// Intervals need time to move forward: a refresh as of an instant before a segment's last one
/// would rewrite its history.
async fn check_not_before_last(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    names: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    for row in wh.rows(&tables.last_refreshes()).await? {
        let (segment, at) = (text(row.first()), instant(row.get(1)));
        if at > now && names.contains(&segment) {
            return Err(Error::RefreshInPast {
                segment,
                last: at,
                now,
            });
        }
    }
    Ok(())
}

/// The `refreshes` rows of some runs, as snapshots.
async fn snapshots(wh: &mut dyn Warehouse, tables: &Tables, runs: &[i64]) -> Result<Vec<Snapshot>> {
    let rows = wh.rows(&tables.refreshes_of_runs(runs)).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let int = |i: usize| row.get(i).map_or(0, Cell::as_i64);
            Snapshot {
                run_id: int(0),
                segment: text(row.get(1)),
                version: int(2),
                at: instant(row.get(3)),
                size: int(4),
                entered: int(5),
                exited: int(6),
                duration_ms: int(7),
            }
        })
        .collect())
}

fn text(c: Option<&Cell>) -> String {
    match c {
        Some(Cell::Text(t)) => t.clone(),
        Some(other) => other.to_text(),
        None => String::new(),
    }
}

fn instant(c: Option<&Cell>) -> DateTime<Utc> {
    match c {
        Some(Cell::Timestamp(t)) => *t,
        _ => DateTime::<Utc>::MIN_UTC,
    }
}
