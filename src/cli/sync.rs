//! `cdp sync`, `sync status` and `sync log`: run the operations and print their reports.

use std::time::Duration;

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::sync::{Options, Report};
use crate::table::Cell;

pub async fn sync(r: &Resolved, options: &Options, wait: Duration) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::sync::sync(&ctx, options, wait).await?;
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
        notes(r, &report.syncs, report.dry_run);
        return report.outcome();
    }
    print_reports(r, &report.syncs, report.dry_run)?;
    report.outcome()
}

/// The summary table (or the dry run's counts and sample requests), then the notes.
pub fn print_reports(r: &Resolved, reports: &[Report], dry_run: bool) -> Result<()> {
    if dry_run {
        let rows: Vec<Vec<Cell>> = reports
            .iter()
            .map(|t| {
                vec![
                    segment_cell(&t.segment, t.retired),
                    Cell::Text(t.destination.clone()),
                    Cell::Text(t.mode.clone()),
                    Cell::Int(t.entered),
                    Cell::Int(t.exited),
                ]
            })
            .collect();
        r.printer
            .rows(
                &["segment", "destination", "as", "to add", "to remove"],
                rows,
            )
            .map_err(Error::Output)?;
        if r.printer.format == Format::Table {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            for t in reports {
                for sample in &t.samples {
                    writeln!(
                        out,
                        "\n{} → {} ({}): {} {}\n{}",
                        t.segment,
                        t.destination,
                        t.mode,
                        sample.method,
                        sample.url,
                        serde_json::to_string_pretty(&sample.body).unwrap_or_default()
                    )
                    .map_err(Error::Output)?;
                }
            }
        }
        r.printer.note("Dry run: nothing was sent.");
    } else {
        let rows: Vec<Vec<Cell>> = reports.iter().map(summary_row).collect();
        r.printer
            .rows(
                &[
                    "segment",
                    "destination",
                    "as",
                    "sent",
                    "entered",
                    "exited",
                    "rejected",
                    "retried",
                    "requests",
                    "duration",
                    "users/s",
                    "status",
                ],
                rows,
            )
            .map_err(Error::Output)?;
    }
    notes(r, reports, dry_run);
    Ok(())
}

/// The notes on stderr after a sync: why a target failed, and who was refused.
pub fn notes(r: &Resolved, reports: &[Report], dry_run: bool) {
    for t in reports.iter().filter(|t| t.failed()) {
        r.printer.note(&format!(
            "{} → {}: {}",
            t.segment,
            t.destination,
            t.error.as_deref().unwrap_or("failed")
        ));
    }
    let rejected: i64 = reports.iter().map(|t| t.stats.rejected).sum();
    if rejected > 0 && !dry_run {
        r.printer.note(&format!(
            "{rejected} user{} refused: `cdp sync log <segment> --rejected` lists them with the reasons; those not refused for good are sent again next time",
            if rejected == 1 { " was" } else { "s were" }
        ));
    }
}

/// The segment's name, marked when no applied segment sends there any more.
fn segment_cell(segment: &str, retired: bool) -> Cell {
    Cell::Text(if retired {
        format!("{segment} (retired)")
    } else {
        segment.to_string()
    })
}

fn summary_row(r: &Report) -> Vec<Cell> {
    vec![
        segment_cell(&r.segment, r.retired),
        Cell::Text(r.destination.clone()),
        Cell::Text(r.mode.clone()),
        Cell::Int(r.stats.sent),
        Cell::Int(r.entered),
        Cell::Int(r.exited),
        Cell::Int(r.stats.rejected),
        Cell::Int(r.stats.retried),
        Cell::Int(r.stats.requests),
        Cell::Text(seconds(r.stats.duration_ms)),
        Cell::Int(r.users_per_second().round() as i64),
        Cell::Text(r.status.to_string()),
    ]
}

fn seconds(ms: i64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

pub async fn status(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::sync::status(&ctx).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    let rows: Vec<Vec<Cell>> = report
        .destinations
        .iter()
        .map(|s| {
            let (at, status) = match &s.last_run {
                Some(r) => (Cell::Timestamp(r.started_at), Cell::Text(r.status.clone())),
                None => (Cell::Null, Cell::Text("never synced".into())),
            };
            vec![
                segment_cell(&s.segment, s.retired),
                Cell::Text(s.destination.clone()),
                Cell::Text(s.mode.clone()),
                Cell::Int(s.acknowledged),
                Cell::Int(s.to_add),
                Cell::Int(s.to_remove),
                Cell::Int(s.rejected),
                Cell::Int(s.invalid),
                at,
                status,
            ]
        })
        .collect();
    r.printer
        .rows(
            &[
                "segment",
                "destination",
                "as",
                "acknowledged",
                "pending add",
                "pending remove",
                "rejected",
                "invalid",
                "last run",
                "status",
            ],
            rows,
        )
        .map_err(Error::Output)
}

pub async fn log(r: &Resolved, segment: &str, rejected: bool) -> Result<()> {
    let ctx = r.context()?;
    if rejected {
        let report = ops::sync::rejected(&ctx, segment).await?;
        if r.printer.format == Format::Json {
            return r.printer.json(&report).map_err(Error::Output);
        }
        let rows: Vec<Vec<Cell>> = report
            .rejected
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.user_id.clone()),
                    Cell::Text(r.destination.clone()),
                    Cell::Int(r.run_id),
                    Cell::Timestamp(r.at),
                    Cell::Text(if r.is_member { "add" } else { "remove" }.into()),
                    Cell::Text(r.reason.clone()),
                    Cell::Bool(r.permanent),
                ]
            })
            .collect();
        return r
            .printer
            .rows(
                &[
                    "user_id",
                    "destination",
                    "run",
                    "at",
                    "change",
                    "reason",
                    "permanent",
                ],
                rows,
            )
            .map_err(Error::Output);
    }
    let report = ops::sync::log(&ctx, segment).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    let rows: Vec<Vec<Cell>> = report
        .syncs
        .iter()
        .map(|r| {
            vec![
                Cell::Int(r.run_id),
                Cell::Timestamp(r.started_at),
                Cell::Text(r.destination.clone()),
                Cell::Text(r.status.clone()),
                Cell::Int(r.entered),
                Cell::Int(r.exited),
                Cell::Int(r.stats.sent),
                Cell::Int(r.stats.rejected),
                Cell::Int(r.stats.retried),
                Cell::Int(r.stats.requests),
                Cell::Text(seconds(r.stats.duration_ms)),
            ]
        })
        .collect();
    r.printer
        .rows(
            &[
                "run",
                "at",
                "destination",
                "status",
                "entered",
                "exited",
                "sent",
                "rejected",
                "retried",
                "requests",
                "duration",
            ],
            rows,
        )
        .map_err(Error::Output)
}
