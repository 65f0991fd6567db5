//! `cdp segments`: list, preview, show, history, members and overlap.

use super::{Context, find_segment};
use crate::error::{Error, Result};
use crate::output::{Format, RowWriter};
use crate::preview;
use crate::segment::compile::Compiler;
use crate::warehouse::{self, Cell, Warehouse, project_check};

pub fn list(ctx: &Context) -> Result<()> {
    let project = ctx.load()?;
    let rows: Vec<Vec<Cell>> = project
        .segments
        .iter()
        .map(|s| {
            let dests: Vec<String> = s
                .destinations
                .iter()
                .map(|d| format!("{} ({})", d.to, d.mode))
                .collect();
            vec![
                Cell::Text(s.name.clone()),
                Cell::Text(s.description.clone().unwrap_or_default()),
                Cell::Text(dests.join(", ")),
                Cell::Text(truncate(
                    &s.rules.summary(),
                    if ctx.printer.format == Format::Table {
                        90
                    } else {
                        usize::MAX
                    },
                )),
            ]
        })
        .collect();
    ctx.printer
        .rows(&["name", "description", "destinations", "rules"], &rows)
        .map_err(Error::Output)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

pub async fn preview(ctx: &Context, name: &str, limit: Option<u64>, count: bool) -> Result<()> {
    let project = ctx.load()?;
    find_segment(&project, name)?;
    let mut wh = warehouse::open(&project).await?;
    let compiler = Compiler {
        dialect: wh.dialect(),
        tables: project.tables(),
        now: ctx.now,
    };
    let members = compiler
        .segment(&project.segments, name)
        .expect("validated segments compile");
    if count {
        let sql = preview::count_sql(&members);
        let n = match wh.count(&sql).await {
            Ok(n) => n,
            Err(source) => {
                let e = Error::Query { sql, source };
                return Err(project_check::explain(&project, wh.as_mut(), ctx.now, e).await);
            }
        };
        return ctx
            .printer
            .rows(
                &["segment", "members"],
                &[vec![Cell::Text(name.into()), Cell::Int(n)]],
            )
            .map_err(Error::Output);
    }
    let limit = limit.or((ctx.printer.format == Format::Table).then_some(20));
    let sql = preview::members_sql(wh.dialect(), project.tables(), &members, limit);
    match stream(ctx, wh.as_mut(), &sql, Some(&project.tables().users.id)).await {
        Err(e) => Err(project_check::explain(&project, wh.as_mut(), ctx.now, e).await),
        done => done,
    }
}

/// Runs `sql` and streams its rows to stdout in the chosen format.
pub async fn stream(
    ctx: &Context,
    wh: &mut dyn Warehouse,
    sql: &str,
    drop_duplicate_id: Option<&str>,
) -> Result<()> {
    let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut writer = RowWriter::new(ctx.printer, out);
    let mut sink = DuplicateIdFilter {
        inner: &mut writer,
        id: drop_duplicate_id,
    };
    wh.query(sql, &mut sink)
        .await
        .map_err(|source| match source {
            warehouse::WarehouseError::Sink(e) => Error::Output(std::io::Error::other(e)),
            source => Error::Query {
                sql: sql.to_string(),
                source,
            },
        })?;
    writer.finish().map_err(Error::Output)
}

/// Leaves out the users table's own id column, which repeats `user_id`.
struct DuplicateIdFilter<'a, W: std::io::Write + Send> {
    inner: &'a mut RowWriter<W>,
    id: Option<&'a str>,
}

impl<W: std::io::Write + Send> warehouse::RowSink for DuplicateIdFilter<'_, W> {
    fn columns(&mut self, names: &[String]) -> Result<(), warehouse::WarehouseError> {
        if let Some(id) = self.id {
            let skip = names
                .iter()
                .skip(1)
                .position(|n| n.eq_ignore_ascii_case(id))
                .map(|i| i + 1);
            self.inner.skip = skip;
        }
        self.inner.columns(names)
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), warehouse::WarehouseError> {
        self.inner.row(row)
    }
}

/// The membership tables of the project's warehouse.
fn membership_tables(project: &crate::project::Project) -> crate::membership::sql::Tables {
    crate::membership::sql::Tables::new(
        warehouse::dialect_of(&project.warehouse),
        project.warehouse.cdp_schema(),
    )
}

/// A segment known to the project or to the state store (removed segments keep their history).
async fn known(
    project: &crate::project::Project,
    store: &dyn crate::state::Store,
    name: &str,
) -> Result<(
    Vec<crate::state::Definition>,
    Option<chrono::DateTime<chrono::Utc>>,
)> {
    let (versions, removed) = store.versions(crate::state::SEGMENT, name).await?;
    if versions.is_empty() && project.segment(name).is_none() {
        return Err(Error::UnknownSegment {
            name: name.to_string(),
            known: project.segments.iter().map(|s| s.name.clone()).collect(),
        });
    }
    Ok((versions, removed))
}

pub async fn show(ctx: &Context, name: &str) -> Result<()> {
    let project = ctx.load()?;
    let store = super::state::open_store(&project).await?;
    let (versions, removed) = known(&project, store.as_ref(), name).await?;
    let def = project.segment(name);
    let applied = versions.last();
    let last = store.snapshots(name).await?.pop();
    let compiled = match def {
        Some(_) => {
            let compiler = Compiler {
                dialect: warehouse::dialect_of(&project.warehouse).dialect(),
                tables: project.tables(),
                now: ctx.now,
            };
            compiler.segment(&project.segments, name).ok()
        }
        None => None,
    };
    let text = |s: Option<String>| s.map(Cell::Text).unwrap_or(Cell::Null);
    let status = match (def, applied, removed) {
        (_, Some(_), Some(at)) => format!("removed {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        (Some(_), None, _) => "not applied (run `cdp apply`)".to_string(),
        (Some(d), Some(a), None) => {
            let path = project.root.join(&d.file);
            let same = std::fs::read_to_string(path)
                .map(|t| crate::plan::content_hash(&t) == a.hash)
                .unwrap_or(false);
            if same {
                "applied, up to date".to_string()
            } else {
                "applied; the YAML has changes not applied (see `cdp plan`)".to_string()
            }
        }
        (None, Some(_), None) => "applied, no longer in the project (see `cdp plan`)".to_string(),
        (None, None, _) => "unknown".to_string(),
    };
    let fields: Vec<(&str, Cell)> = vec![
        ("name", Cell::Text(name.to_string())),
        ("status", Cell::Text(status)),
        ("description", text(def.and_then(|d| d.description.clone()))),
        (
            "schedule",
            text(def.and_then(|d| d.schedule.as_ref().map(|s| s.to_string()))),
        ),
        ("rules", text(def.map(|d| d.rules.summary()))),
        (
            "applied version",
            applied.map(|a| Cell::Int(a.version)).unwrap_or(Cell::Null),
        ),
        (
            "applied by",
            text(applied.map(|a| {
                format!(
                    "{} at {}",
                    a.applied_by,
                    a.applied_at.format("%Y-%m-%d %H:%M:%S UTC")
                )
            })),
        ),
        (
            "last refresh",
            text(
                last.as_ref()
                    .map(|s| s.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            ),
        ),
        (
            "members",
            last.as_ref()
                .map(|s| Cell::Int(s.size))
                .unwrap_or(Cell::Null),
        ),
        (
            "entered / exited",
            text(
                last.as_ref()
                    .map(|s| format!("+{} / -{}", s.entered, s.exited)),
            ),
        ),
        ("compiled SQL", text(compiled)),
    ];
    match ctx.printer.format {
        Format::Json => {
            let obj: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| (k.replace([' ', '/'], "_").replace("__", "_"), v.to_json()))
                .collect();
            ctx.printer
                .json(&serde_json::Value::Object(obj))
                .map_err(Error::Output)
        }
        _ => {
            // The SQL reads best as itself, under the table rather than in a cell.
            let (sql, fields): (Vec<_>, Vec<_>) =
                fields.into_iter().partition(|(k, _)| *k == "compiled SQL");
            let rows: Vec<Vec<Cell>> = fields
                .into_iter()
                .map(|(k, v)| vec![Cell::Text(k.to_string()), v])
                .collect();
            ctx.printer
                .rows(&["field", "value"], &rows)
                .map_err(Error::Output)?;
            if let Some((_, Cell::Text(sql))) = sql.into_iter().next() {
                use std::io::Write as _;
                writeln!(std::io::stdout().lock(), "\n{sql}").map_err(Error::Output)?;
            }
            Ok(())
        }
    }
}

pub async fn history(ctx: &Context, name: &str) -> Result<()> {
    let project = ctx.load()?;
    let store = super::state::open_store(&project).await?;
    known(&project, store.as_ref(), name).await?;
    let rows: Vec<Vec<Cell>> = store
        .snapshots(name)
        .await?
        .into_iter()
        .map(|s| {
            vec![
                Cell::Timestamp(s.at),
                Cell::Int(s.run_id),
                Cell::Int(s.version),
                Cell::Int(s.size),
                Cell::Int(s.entered),
                Cell::Int(s.exited),
                Cell::Float(s.duration_ms as f64 / 1000.0),
            ]
        })
        .collect();
    ctx.printer
        .rows(
            &[
                "at", "run", "version", "members", "entered", "exited", "seconds",
            ],
            &rows,
        )
        .map_err(Error::Output)
}

pub async fn members(
    ctx: &Context,
    name: &str,
    at: Option<&str>,
    limit: Option<u64>,
) -> Result<()> {
    let at = at
        .map(|t| {
            crate::segment::parse::instant_from_str(t).ok_or_else(|| Error::BadNow(t.to_string()))
        })
        .transpose()?;
    let project = ctx.load()?;
    let store = super::state::open_store(&project).await?;
    let (versions, removed) = known(&project, store.as_ref(), name).await?;
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
        ctx.printer.note(&format!(
            "`{name}` was first refreshed as of {}; it had no recorded members at {}",
            first.at.format("%Y-%m-%d %H:%M:%S UTC"),
            t.format("%Y-%m-%d %H:%M:%S UTC")
        ));
    }
    let mut wh = warehouse::open(&project).await?;
    let tables = membership_tables(&project);
    let members = tables.members_sql(name, at);
    let limit = limit.or((ctx.printer.format == Format::Table).then_some(20));
    let sql = preview::members_with_traits(wh.dialect(), project.tables(), &members, limit);
    stream(ctx, wh.as_mut(), &sql, Some(&project.tables().users.id)).await
}

pub async fn overlap(ctx: &Context, names: &[String]) -> Result<()> {
    let project = ctx.load()?;
    let store = super::state::open_store(&project).await?;
    for name in names {
        known(&project, store.as_ref(), name).await?;
    }
    let mut wh = warehouse::open(&project).await?;
    let tables = membership_tables(&project);
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
    ctx.printer.rows(&columns, &rows).map_err(Error::Output)
}
