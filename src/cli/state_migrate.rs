//! `cdp state migrate` and `cdp state history`: the state store copied to another backend, and
//! the log of such copies.

use std::time::Duration;

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::ops::state_migrate::MigrateOptions;
use crate::output::Format;
use crate::project::interpolate::{InterpolateError, from_env, interpolate};
use crate::secret::Secret;
use crate::table::Cell;

/// `--to`, with its `${NAME}` references resolved from the environment.
fn target_url(to: &str) -> Result<Secret> {
    interpolate(to, from_env)
        .map(Secret::new)
        .map_err(|e| match e {
            InterpolateError::Missing(name) => Error::MissingEnvVar {
                argument: "--to".into(),
                name,
            },
            InterpolateError::Malformed(part) => Error::MalformedEnvRef {
                argument: "--to".into(),
                part,
            },
        })
}

pub async fn migrate(r: &Resolved, to: &str, force: bool, wait: Duration) -> Result<()> {
    let ctx = r.context()?;
    let opts = MigrateOptions {
        to: target_url(to)?,
        force,
        wait,
        backup_dir: ctx.project.local_dir().join("backups"),
    };
    let report = ops::state_migrate::migrate(&ctx, &opts).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    let rows = report
        .tables
        .iter()
        .map(|t| {
            vec![
                Cell::Text(t.table.clone()),
                Cell::Int(t.rows as i64),
                Cell::Text(t.checksum[..16].to_string()),
            ]
        })
        .collect();
    r.printer
        .rows(&["table", "rows", "checksum (same in both)"], rows)
        .map_err(Error::Output)?;
    if let Some(backup) = &report.backup {
        r.printer
            .note(&format!("the target as it was: {}", backup.display()));
    }
    let seconds = report.duration_ms as f64 / 1000.0;
    r.printer.note(&if report.already_done {
        format!(
            "{} already holds this state ({} rows, every table compared); nothing copied",
            report.target, report.rows
        )
    } else {
        format!(
            "copied {} rows from {} to {} in {seconds:.1}s; every table compared",
            report.rows, report.source, report.target
        )
    });
    r.printer.note(
        "point `state: { url }` of the environment at the target to use it; the source is unchanged",
    );
    Ok(())
}

pub async fn history(r: &Resolved, limit: i64) -> Result<()> {
    let ctx = r.context()?;
    let log = ops::state_migrate::history(&ctx, limit).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&log).map_err(Error::Output);
    }
    let rows = log
        .into_iter()
        .map(|m| {
            vec![
                Cell::Timestamp(m.started_at),
                Cell::Text(m.role.as_str().into()),
                Cell::Text(m.source),
                Cell::Text(m.target),
                Cell::Int(m.tables),
                Cell::Int(m.rows),
                Cell::Int(m.duration_ms),
                Cell::Text(m.result),
                Cell::Text(m.actor),
                Cell::Text(m.error.unwrap_or_default()),
            ]
        })
        .collect();
    r.printer
        .rows(
            &[
                "started_at",
                "role",
                "source",
                "target",
                "tables",
                "rows",
                "ms",
                "result",
                "by",
                "error",
            ],
            rows,
        )
        .map_err(Error::Output)
}
