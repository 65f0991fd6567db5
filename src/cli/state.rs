//! `cdp migrate`, `plan`, `apply` and `refresh`: run the operations, confirm an apply with the
//! person at the terminal, and print the reports.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use super::Resolved;
use super::plan_view::{plan_text, print_plan};
use crate::error::{Error, Result};
use crate::membership::refresh::{Refreshed, Selection};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub async fn migrate(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::plan::migrate(&ctx).await?;
    r.printer
        .note(&format!("the state store {} is up to date", report.store));
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    let rows = report
        .migrations
        .iter()
        .map(|m| vec![Cell::Int(m.version), Cell::Text(m.description.clone())])
        .collect();
    r.printer
        .rows(&["version", "migration"], rows)
        .map_err(Error::Output)
}

pub async fn plan(r: &Resolved, detailed_exitcode: bool) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::plan::plan(&ctx).await?;
    print_plan(r, &report)?;
    if detailed_exitcode && report.changes {
        return Err(Error::ChangesPresent);
    }
    Ok(())
}

pub async fn apply(r: &Resolved, auto_approve: bool, wait: Duration) -> Result<()> {
    let ctx = r.context()?;
    let printer = r.printer;
    let approve = |plan: &crate::plan::Plan| {
        if !printer.quiet || !auto_approve {
            let _ = write!(std::io::stderr().lock(), "{}", plan_text(plan, &[]));
        }
        if auto_approve { Ok(()) } else { confirm() }
    };
    let report = ops::plan::apply(&ctx, wait, &approve).await?;
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
    }
    if !report.applied {
        r.printer
            .note("No changes: the applied definitions match the project.");
        return Ok(());
    }
    r.printer.note(&format!(
        "Applied: {} added, {} changed, {} removed (by {}).",
        report.add, report.change, report.remove, report.by
    ));
    Ok(())
}

fn confirm() -> Result<()> {
    confirm_typed("Apply these changes? Only `yes` is accepted: ", "yes")
}

/// Asks on the terminal and goes on only when the answer is `expected`, typed out.
pub(super) fn confirm_typed(question: &str, expected: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::NeedsApproval);
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\n{question}");
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::Output)?;
    if answer.trim() == expected {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

pub async fn refresh(
    r: &Resolved,
    segments: Vec<String>,
    all: bool,
    wait: Duration,
    then_sync: bool,
) -> Result<()> {
    let ctx = r.context()?;
    let selection = if all || segments.is_empty() {
        Selection::All
    } else {
        Selection::Named(segments)
    };
    let report = ops::refresh::refresh(&ctx, &selection, wait, then_sync).await?;
    if r.printer.format == Format::Json {
        // One document for pipelines: what the refresh found and what the sync sent.
        r.printer.json(&report).map_err(Error::Output)?;
        if let Some(syncs) = &report.syncs {
            super::sync::notes(r, syncs, false);
        }
        return report.outcome();
    }
    print_refreshed(r, &report.refreshed)?;
    match &report.syncs {
        None => Ok(()),
        Some(syncs) if syncs.is_empty() => {
            r.printer
                .note("No refreshed segment has destinations: nothing to sync.");
            Ok(())
        }
        Some(syncs) => {
            super::sync::print_reports(r, syncs, false)?;
            report.outcome()
        }
    }
}

fn refreshed_rows(done: &[Refreshed]) -> Vec<Vec<Cell>> {
    done.iter()
        .map(|s| {
            vec![
                Cell::Text(s.segment.clone()),
                Cell::Int(s.version),
                Cell::Int(s.size),
                Cell::Int(s.entered),
                Cell::Int(s.exited),
                Cell::Text(format!("{:.1}s", s.duration_ms as f64 / 1000.0)),
            ]
        })
        .collect()
}

fn print_refreshed(r: &Resolved, done: &[Refreshed]) -> Result<()> {
    r.printer
        .rows(
            &[
                "segment", "version", "members", "entered", "exited", "duration",
            ],
            refreshed_rows(done),
        )
        .map_err(Error::Output)
}
