//! `cdp sync`, `sync status` and `sync log`: send membership changes to destinations, and show
//! what each destination holds and refused.

use std::sync::Arc;
use std::time::Duration;

use super::Context;
use super::state::{lock, open_store};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::project::Project;
use crate::retry::Backoff;
use crate::state::Store;
use crate::sync::run::Syncer;
use crate::sync::{self, Options, Report};
use crate::warehouse::{self, Cell};

pub async fn sync(ctx: &Context, options: Options, wait: Duration) -> Result<()> {
    let project = ctx.load()?;
    let store: Arc<dyn Store> = Arc::from(open_store(&project).await?);
    let _lock = lock(ctx, store.as_ref(), "sync", wait).await?;
    let reports = run_sync(ctx, &project, store, &options).await?;
    print_reports(ctx, &reports, options.dry_run)
}

/// Syncs with the lock held (by the caller); shared with `refresh --sync`.
pub async fn run_sync(
    ctx: &Context,
    project: &Project,
    store: Arc<dyn Store>,
    options: &Options,
) -> Result<Vec<Report>> {
    let wh = warehouse::open(project).await?;
    let printer = ctx.printer;
    let note = move |text: &str| printer.note(text);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    // The first Ctrl-C lets what is in flight be answered and checkpointed; a second ends cdp.
    let on_signal = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            printer.note("stopping after the requests in flight (Ctrl-C again to quit now)");
            let _ = stop_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let host = super::host();
    let syncer = Syncer {
        project,
        store,
        host: &host,
        progress: Arc::new(ctx.printer.bar()),
        note: &note,
        backoff: Backoff::default(),
        stop,
    };
    let result = sync::run::sync(&syncer, wh, options).await;
    on_signal.abort();
    Ok(result?.0)
}

/// The summary table (or JSON); a failed target, or one whose every user was refused, makes
/// the command fail after printing.
pub fn print_reports(ctx: &Context, reports: &[Report], dry_run: bool) -> Result<()> {
    if ctx.printer.format == Format::Json {
        ctx.printer
            .json(&serde_json::json!({ "syncs": reports }))
            .map_err(Error::Output)?;
    } else if dry_run {
        let rows: Vec<Vec<Cell>> = reports
            .iter()
            .map(|r| {
                vec![
                    segment_cell(&r.segment, r.retired),
                    Cell::Text(r.destination.clone()),
                    Cell::Text(r.mode.clone()),
                    Cell::Int(r.entered),
                    Cell::Int(r.exited),
                ]
            })
            .collect();
        ctx.printer
            .rows(
                &["segment", "destination", "as", "to add", "to remove"],
                &rows,
            )
            .map_err(Error::Output)?;
        if ctx.printer.format == Format::Table {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            for r in reports {
                for sample in &r.samples {
                    writeln!(
                        out,
                        "\n{} → {} ({}): {} {}\n{}",
                        r.segment,
                        r.destination,
                        r.mode,
                        sample.method,
                        sample.url,
                        serde_json::to_string_pretty(&sample.body).unwrap_or_default()
                    )
                    .map_err(Error::Output)?;
                }
            }
        }
        ctx.printer.note("Dry run: nothing was sent.");
    } else {
        let rows: Vec<Vec<Cell>> = reports.iter().map(summary_row).collect();
        ctx.printer
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
                &rows,
            )
            .map_err(Error::Output)?;
    }
    outcome(ctx, reports, dry_run)
}

/// The notes on stderr after a sync, and its verdict: a failed target, or one whose every user
/// was refused, fails the command.
pub fn outcome(ctx: &Context, reports: &[Report], dry_run: bool) -> Result<()> {
    for r in reports.iter().filter(|r| r.failed()) {
        ctx.printer.note(&format!(
            "{} → {}: {}",
            r.segment,
            r.destination,
            r.error.as_deref().unwrap_or("failed")
        ));
    }
    let rejected: i64 = reports.iter().map(|r| r.stats.rejected).sum();
    if rejected > 0 && !dry_run {
        ctx.printer.note(&format!(
            "{rejected} user{} refused: `cdp sync log <segment> --rejected` lists them with the reasons; those not refused for good are sent again next time",
            if rejected == 1 { " was" } else { "s were" }
        ));
    }
    if reports.iter().any(|r| r.status == "interrupted") {
        return Err(Error::Interrupted);
    }
    let failed = reports.iter().filter(|r| r.failed()).count();
    if failed > 0 {
        return Err(Error::SyncFailed {
            failed,
            total: reports.len(),
        });
    }
    Ok(())
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
        Cell::Text(r.status.clone()),
    ]
}

fn seconds(ms: i64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

pub async fn status(ctx: &Context) -> Result<()> {
    let project = ctx.load()?;
    let store = open_store(&project).await?;
    let mut wh = warehouse::open(&project).await?;
    let applied = crate::membership::refresh::applied_defs(store.as_ref()).await?;
    let all = sync::status::status(&project, store.as_ref(), wh.as_mut(), &applied).await?;
    if ctx.printer.format == Format::Json {
        return ctx
            .printer
            .json(&serde_json::json!({ "destinations": all }))
            .map_err(Error::Output);
    }
    let rows: Vec<Vec<Cell>> = all
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
    ctx.printer
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
            &rows,
        )
        .map_err(Error::Output)
}

pub async fn log(ctx: &Context, segment: &str, rejected: bool) -> Result<()> {
    let project = ctx.load()?;
    let store = open_store(&project).await?;
    if rejected {
        let all = store.rejection_log(segment).await?;
        if ctx.printer.format == Format::Json {
            return ctx
                .printer
                .json(&serde_json::json!({ "rejected": all }))
                .map_err(Error::Output);
        }
        let rows: Vec<Vec<Cell>> = all
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
        return ctx
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
                &rows,
            )
            .map_err(Error::Output);
    }
    let all = store.syncs(Some(segment), 1_000).await?;
    if all.is_empty() && project.segment(segment).is_none() {
        return Err(Error::UnknownSegment {
            name: segment.to_string(),
            known: project.segments.iter().map(|s| s.name.clone()).collect(),
        });
    }
    if ctx.printer.format == Format::Json {
        return ctx
            .printer
            .json(&serde_json::json!({ "syncs": all }))
            .map_err(Error::Output);
    }
    let rows: Vec<Vec<Cell>> = all
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
    ctx.printer
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
            &rows,
        )
        .map_err(Error::Output)
}
