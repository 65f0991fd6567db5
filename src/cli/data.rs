//! `cdp query`, `cdp demo seed` and `advance`, `cdp quickstart`: run them and print what they
//! did, with quickstart's next steps.

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::scaffold;
use crate::table::Cell;

pub async fn query(r: &Resolved, sql: &str) -> Result<()> {
    let ctx = r.context()?;
    let mut out = r.printer.stdout_rows();
    ops::data::query(&ctx, sql, &mut out).await?;
    out.finish().map_err(Error::Output)
}

pub async fn seed(
    r: &Resolved,
    users: u64,
    days: u32,
    seed: u64,
    effect: Option<ops::data::CampaignEffect>,
) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::data::seed(&ctx, users, days, seed, effect.as_ref()).await?;
    r.printer.note(&report.summary());
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
    }
    Ok(())
}

pub async fn advance(r: &Resolved, days: u32) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::data::advance(&ctx, days).await?;
    let done = &report.advanced;
    r.printer.note(&format!(
        "advanced {} day{}: {} events, {} new users, now ending {} in {:.1}s",
        done.days,
        if done.days == 1 { "" } else { "s" },
        done.events,
        done.new_users,
        done.end.format("%Y-%m-%d"),
        report.seconds
    ));
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
    }
    Ok(())
}

pub async fn quickstart(r: &Resolved, users: u64) -> Result<()> {
    if !scaffold::has_project(&r.dir) {
        let written = scaffold::write_demo(&r.dir)?;
        r.printer.note(&format!(
            "wrote the demo project ({} files) into {}",
            written.len(),
            r.dir.display()
        ));
    }
    let ctx = r.context()?;
    r.printer.note(&format!(
        "project is valid: {} segments",
        ctx.project.segments.len()
    ));
    let report = ops::data::quickstart(&ctx, users).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    let rows: Vec<Vec<Cell>> = report
        .refreshed
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.refreshed.segment.clone()),
                Cell::Int(s.refreshed.size),
                Cell::Int(s.refreshed.entered),
                Cell::Int(s.refreshed.exited),
                Cell::Text(s.description.clone().unwrap_or_default()),
            ]
        })
        .collect();
    r.printer
        .rows(
            &["segment", "members", "entered", "exited", "description"],
            rows,
        )
        .map_err(Error::Output)?;
    if r.printer.format == Format::Table {
        let largest = report
            .refreshed
            .iter()
            .max_by_key(|s| s.refreshed.size)
            .map(|s| s.refreshed.segment.clone())
            .unwrap_or_default();
        r.printer.note(&next_steps(r, &largest));
    }
    Ok(())
}

/// What to try after quickstart, run from the project folder.
fn next_steps(r: &Resolved, largest: &str) -> String {
    // The demo data ends now; the next day of it is tomorrow, as far as windows can tell.
    let tomorrow = (r.now + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    // The commands below run in the project folder; say so when it is not this one.
    let here = std::env::current_dir().ok();
    let elsewhere =
        std::fs::canonicalize(&r.dir).ok() != here.and_then(|h| std::fs::canonicalize(h).ok());
    let cd = if elsewhere {
        format!("\n  cd {:<38} the project folder", r.dir.display())
    } else {
        String::new()
    };
    format!(
        "\nnext:{cd}\n  cdp segments list                         what each segment says\n  cdp segments members {largest:<20} who is in it now\n  cdp demo advance && cdp refresh --all --now {tomorrow}\n                                            a day later: who entered and exited\n  cdp segments history {largest:<20} one row per refresh\n  cdp plan                                  what an edit to segments/ would change\n  cdp compile {largest:<29} the SQL it runs\n  cdp dashboard run growth                  the demo dashboard's tiles\n  cdp dashboard export growth -o reports    as PDF and Excel"
    )
}
