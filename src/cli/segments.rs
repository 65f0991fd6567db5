//! `cdp segments list|preview`.

use super::{Context, find_segment};
use crate::error::{Error, Result};
use crate::output::{Format, RowWriter};
use crate::preview;
use crate::segment::compile::Compiler;
use crate::warehouse::{self, Cell, Warehouse};

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
        let n = wh
            .count(&sql)
            .await
            .map_err(|source| Error::Query { sql, source })?;
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
    stream(ctx, wh.as_mut(), &sql, Some(&project.tables().users.id)).await
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
