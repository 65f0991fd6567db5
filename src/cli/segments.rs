//! `cdp segments`: list, preview, show, history, members and overlap, printed.

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub fn list(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let listed = ops::segments::list(&ctx);
    if r.printer.format == Format::Json {
        return r.printer.json(&listed).map_err(Error::Output);
    }
    let width = if r.printer.format == Format::Table {
        90
    } else {
        usize::MAX
    };
    let rows = listed
        .into_iter()
        .map(|s| {
            vec![
                Cell::Text(s.name),
                Cell::Text(s.description.unwrap_or_default()),
                Cell::Text(s.destinations.join(", ")),
                Cell::Text(truncate(&s.rules, width)),
            ]
        })
        .collect();
    r.printer
        .rows(&["name", "description", "destinations", "rules"], rows)
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

/// A table shows the first 20 rows unless told; csv and json stream every row.
fn default_limit(r: &Resolved, limit: Option<u64>) -> Option<u64> {
    limit.or((r.printer.format == Format::Table).then_some(20))
}

pub async fn preview(r: &Resolved, name: &str, limit: Option<u64>, count: bool) -> Result<()> {
    let ctx = r.context()?;
    if count {
        let counted = ops::segments::count(&ctx, name).await?;
        if r.printer.format == Format::Json {
            return r.printer.json(&counted).map_err(Error::Output);
        }
        return r
            .printer
            .rows(
                &["segment", "members"],
                vec![vec![
                    Cell::Text(counted.segment),
                    Cell::Int(counted.members),
                ]],
            )
            .map_err(Error::Output);
    }
    let mut out = r.printer.stdout_rows();
    ops::segments::preview(&ctx, name, default_limit(r, limit), &mut out).await?;
    out.finish().map_err(Error::Output)
}

pub async fn show(r: &Resolved, name: &str) -> Result<()> {
    let ctx = r.context()?;
    let shown = ops::segments::show(&ctx, name).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&shown).map_err(Error::Output);
    }
    let text = |s: Option<String>| s.map(Cell::Text).unwrap_or(Cell::Null);
    let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let fields: Vec<(&str, Cell)> = vec![
        ("name", Cell::Text(shown.name.clone())),
        ("status", Cell::Text(shown.status.clone())),
        ("description", text(shown.description.clone())),
        ("schedule", text(shown.schedule.clone())),
        ("rules", text(shown.rules.clone())),
        (
            "applied version",
            shown.applied_version.map(Cell::Int).unwrap_or(Cell::Null),
        ),
        (
            "applied by",
            text(
                shown
                    .applied_by
                    .as_ref()
                    .zip(shown.applied_at)
                    .map(|(by, t)| format!("{by} at {}", at(t))),
            ),
        ),
        ("last refresh", text(shown.last_refresh.map(at))),
        (
            "members",
            shown.members.map(Cell::Int).unwrap_or(Cell::Null),
        ),
        (
            "entered / exited",
            text(
                shown
                    .entered
                    .zip(shown.exited)
                    .map(|(e, x)| format!("+{e} / -{x}")),
            ),
        ),
    ];
    let rows = fields
        .into_iter()
        .map(|(k, v)| vec![Cell::Text(k.to_string()), v])
        .collect();
    r.printer
        .rows(&["field", "value"], rows)
        .map_err(Error::Output)?;
    // The SQL reads best as itself, under the table rather than in a cell.
    if let Some(sql) = &shown.compiled_sql {
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), "\n{sql}").map_err(Error::Output)?;
    }
    Ok(())
}

pub async fn history(r: &Resolved, name: &str) -> Result<()> {
    let ctx = r.context()?;
    let snapshots = ops::segments::history(&ctx, name).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&snapshots).map_err(Error::Output);
    }
    let rows = snapshots
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
    r.printer
        .rows(
            &[
                "at", "run", "version", "members", "entered", "exited", "seconds",
            ],
            rows,
        )
        .map_err(Error::Output)
}

pub async fn members(r: &Resolved, name: &str, at: Option<&str>, limit: Option<u64>) -> Result<()> {
    let at = at
        .map(|t| {
            crate::syntax::time::instant_from_str(t).ok_or_else(|| Error::BadNow(t.to_string()))
        })
        .transpose()?;
    let ctx = r.context()?;
    let mut out = r.printer.stdout_rows();
    ops::segments::members(&ctx, name, at, default_limit(r, limit), &mut out).await?;
    out.finish().map_err(Error::Output)
}

pub async fn overlap(r: &Resolved, names: &[String]) -> Result<()> {
    let ctx = r.context()?;
    let table = ops::segments::overlap(&ctx, names).await?;
    r.printer.table(&table).map_err(Error::Output)
}
