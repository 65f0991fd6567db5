//! `segments list`, `preview`, `show`, `history`, `members` and `overlap`: what the project
//! declares and what the warehouse and the state store know of each segment.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ops::Context;
use crate::preview;
use crate::project::Project;
use crate::project_check;
use crate::segment::compile::Compiler;
use crate::segment::file::SegmentDef;
use crate::state::{Definition, Snapshot, Store};
use crate::table::{Cell, Table};
use crate::warehouse::{self, RowSink, Warehouse, WarehouseError};

pub use super::segment_show::{Shown, show, summaries};

/// Looks a segment of the project up, or says which names exist.
pub fn find<'p>(project: &'p Project, name: &str) -> Result<&'p SegmentDef> {
    project.segment(name).ok_or_else(|| unknown(project, name))
}

fn unknown(project: &Project, name: &str) -> Error {
    Error::UnknownSegment {
        name: name.to_string(),
        known: project.segments.iter().map(|s| s.name.clone()).collect(),
    }
}

/// One segment as the project declares it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Listed {
    pub name: String,
    pub description: Option<String>,
    /// `braze (attribute)`, ...
    pub destinations: Vec<String>,
    /// The rules in one line.
    pub rules: String,
}

pub fn list(ctx: &Context) -> Vec<Listed> {
    ctx.project
        .segments
        .iter()
        .map(|s| Listed {
            name: s.name.clone(),
            description: s.description.clone(),
            destinations: s
                .destinations
                .iter()
                .map(|d| format!("{} ({})", d.to, d.mode))
                .collect(),
            rules: s.rules.summary(),
        })
        .collect()
}

/// How many members a segment has now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Count {
    pub segment: String,
    pub members: i64,
}

/// The compiled query of a project segment, as of the context's instant.
fn compiled(ctx: &Context, wh: &dyn Warehouse, name: &str) -> Result<String> {
    find(&ctx.project, name)?;
    let compiler = Compiler {
        dialect: wh.dialect(),
        tables: ctx.project.tables(),
        now: ctx.now,
    };
    compiler
        .segment(&ctx.project.segments, name)
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Counts a segment's members in the warehouse (from the YAML, not the applied version).
pub async fn count(ctx: &Context, name: &str) -> Result<Count> {
    let mut wh = ctx.warehouse().await?;
    let sql = preview::count_sql(&compiled(ctx, wh.as_ref(), name)?);
    match ctx.unless_cancelled(counted(wh.as_mut(), &sql)).await {
        Ok(members) => Ok(Count {
            segment: name.to_string(),
            members,
        }),
        Err(e @ Error::Interrupted) => Err(e),
        Err(e) => Err(project_check::explain(&ctx.project, wh.as_mut(), ctx.now, e).await),
    }
}

async fn counted(wh: &mut dyn Warehouse, sql: &str) -> Result<i64> {
    wh.count(sql).await.map_err(|source| Error::Query {
        sql: sql.to_string(),
        source,
    })
}

/// Streams a segment's members with their traits (from the YAML, as of now) into `sink`, at
/// most `limit`.
pub async fn preview(
    ctx: &Context,
    name: &str,
    limit: Option<u64>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let mut wh = ctx.warehouse().await?;
    let members = compiled(ctx, wh.as_ref(), name)?;
    let tables = ctx.project.tables();
    let sql = preview::members_sql(wh.dialect(), tables, &members, limit);
    let id = Some(tables.users.id.as_str());
    match stream(ctx, wh.as_mut(), &sql, id, sink).await {
        Err(e @ (Error::Interrupted | Error::Output(_))) => Err(e),
        Err(e) => Err(project_check::explain(&ctx.project, wh.as_mut(), ctx.now, e).await),
        done => done,
    }
}

/// Runs `sql` and streams its rows into `sink`, leaving out the column named `drop_id` after
/// the first (the users table's own id, which repeats `user_id`).
pub async fn stream(
    ctx: &Context,
    wh: &mut dyn Warehouse,
    sql: &str,
    drop_id: Option<&str>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let mut filter = DuplicateIdFilter {
        inner: sink,
        id: drop_id,
        skip: None,
        kept: Vec::new(),
    };
    let run = wh.query(sql, &mut filter);
    ctx.unless_cancelled(async {
        run.await.map_err(|source| match source {
            WarehouseError::Sink(e) => Error::Output(std::io::Error::other(e)),
            source => Error::Query {
                sql: sql.to_string(),
                source,
            },
        })
    })
    .await
}

struct DuplicateIdFilter<'a> {
    inner: &'a mut dyn RowSink,
    id: Option<&'a str>,
    skip: Option<usize>,
    /// The row without the skipped column, reused from row to row.
    kept: Vec<Cell>,
}

impl RowSink for DuplicateIdFilter<'_> {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        if let Some(id) = self.id {
            self.skip = names
                .iter()
                .skip(1)
                .position(|n| n.eq_ignore_ascii_case(id))
                .map(|i| i + 1);
        }
        let kept: Vec<String> = keep(names, self.skip).cloned().collect();
        self.inner.columns(&kept)
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        match self.skip {
            None => self.inner.row(row),
            skip => {
                self.kept.clear();
                self.kept.extend(keep(row, skip).cloned());
                self.inner.row(&self.kept)
            }
        }
    }
}

fn keep<T>(items: &[T], skip: Option<usize>) -> impl Iterator<Item = &T> {
    items
        .iter()
        .enumerate()
        .filter(move |(i, _)| Some(*i) != skip)
        .map(|(_, x)| x)
}

/// The membership tables of the project's warehouse.
pub(crate) fn membership_tables(project: &Project) -> crate::membership::sql::Tables {
    crate::membership::sql::Tables::new(
        warehouse::dialect_of(&project.warehouse),
        project.warehouse.cdp_schema(),
    )
}

/// A segment known to the project or to the state store (removed segments keep their history):
/// its applied versions, and when it was removed.
pub(super) async fn known(
    project: &Project,
    store: &dyn Store,
    name: &str,
) -> Result<(Vec<Definition>, Option<DateTime<Utc>>)> {
    let (versions, removed) = store.versions(crate::state::SEGMENT, name).await?;
    if versions.is_empty() && project.segment(name).is_none() {
        return Err(unknown(project, name));
    }
    Ok((versions, removed))
}

/// One row per refresh of a segment, oldest first.
pub async fn history(ctx: &Context, name: &str) -> Result<Vec<Snapshot>> {
    let store = ctx.store().await?;
    known(&ctx.project, store.as_ref(), name).await?;
    Ok(store.snapshots(name).await?)
}

/// Streams a segment's members as of its last refresh (or as of `at`) with their traits into
/// `sink`, at most `limit`.
pub async fn members(
    ctx: &Context,
    name: &str,
    at: Option<DateTime<Utc>>,
    limit: Option<u64>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let project = &ctx.project;
    let store = ctx.store().await?;
    let (versions, removed) = known(project, store.as_ref(), name).await?;
    if versions.is_empty() {
        return Err(Error::NotApplied {
            names: vec![name.to_string()],
        });
    }
    if let (None, Some(at)) = (at, removed) {
        return Err(Error::Removed {
            name: name.to_string(),
            at,
        });
    }
    let snapshots = store.snapshots(name).await?;
    let Some(first) = snapshots.first() else {
        return Err(Error::NeverRefreshed(name.to_string()));
    };
    if let Some(t) = at
        && t < first.at
    {
        ctx.note(&format!(
            "`{name}` was first refreshed as of {}; it had no recorded members at {}",
            first.at.format("%Y-%m-%d %H:%M:%S UTC"),
            t.format("%Y-%m-%d %H:%M:%S UTC")
        ));
    }
    let mut wh = ctx.warehouse().await?;
    let members = membership_tables(project).members_sql(name, at);
    let tables = project.tables();
    let sql = preview::members_with_traits(wh.dialect(), tables, &members, limit);
    stream(ctx, wh.as_mut(), &sql, Some(&tables.users.id), sink).await
}

/// Current members shared by each pair of the named segments: a square table, one row and one
/// column per segment.
pub async fn overlap(ctx: &Context, names: &[String]) -> Result<Table> {
    let store = ctx.store().await?;
    for name in names {
        known(&ctx.project, store.as_ref(), name).await?;
    }
    let mut wh = ctx.warehouse().await?;
    let tables = membership_tables(&ctx.project);
    crate::membership::refresh::ensure_tables(wh.as_mut(), &tables).await?;
    let sql = tables.overlap_sql(names);
    let pairs = wh
        .rows(&sql)
        .await
        .map_err(|source| Error::Query { sql, source })?;
    let mut columns = vec!["segment"];
    columns.extend(names.iter().map(String::as_str));
    let rows: Vec<Vec<Cell>> = names
        .iter()
        .map(|a| {
            let mut row = vec![Cell::Text(a.clone())];
            for b in names {
                let n = pairs
                    .iter()
                    .find(|p| p[0].to_text() == *a && p[1].to_text() == *b)
                    .map_or(0, |p| p[2].as_i64());
                row.push(Cell::Int(n));
            }
            row
        })
        .collect();
    Ok(Table::new(&columns, rows))
}
