//! One sync run: for each selected (segment, destination), fold what a killed run left, number
//! the changes in the warehouse, send them through the destination, and fold the answers in.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::sql::SyncSql;
use super::{Options, Report};
use crate::destinations::util::checkpoint::Writer;
use crate::destinations::util::pipeline::{self, Run};
use crate::destinations::{self, Change, Destination, DestinationError, Prepare, Target};
use crate::error::{Error, Result};
use crate::membership::sql::Tables;
use crate::progress::Progress;
use crate::project::Project;
use crate::retry::Backoff;
use crate::state::sync::{SyncKey, SyncStats};
use crate::state::{RunStatus, Store};
use crate::warehouse::{Cell, ColType, Warehouse};

/// Changes read from the warehouse per query while sending: few in the embedded warehouse, which
/// shares cdp's memory; more from a server, where each query costs a round trip (a second or so on
/// Snowflake) that must stay well below the time the destination takes to accept a page.
fn page_size(kind: crate::segment::sql::dialect::DialectKind) -> usize {
    match kind {
        crate::segment::sql::dialect::DialectKind::Duckdb => 20_000,
        _ => 100_000,
    }
}
/// An embedded warehouse's memory during a sync: its joins spill beyond it, and the rest of the
/// process (pages, requests in flight) stays small.
const SYNC_MEMORY: &str = "48MB";
/// Sample changes of each kind shown by `--dry-run`.
const SAMPLES: usize = 3;

/// Everything a sync needs from its caller.
pub struct Syncer<'a> {
    pub project: &'a Project,
    pub store: Arc<dyn Store>,
    pub now: DateTime<Utc>,
    pub progress: Arc<dyn Progress>,
    pub note: &'a (dyn Fn(&str) + Sync),
    pub backoff: Backoff,
}

/// Syncs the selected targets one after another; the caller holds the project lock. A target
/// that fails is reported and the others still run.
pub async fn sync(
    s: &Syncer<'_>,
    mut wh: Box<dyn Warehouse>,
    options: &Options,
) -> Result<(Vec<Report>, Box<dyn Warehouse>)> {
    let applied: Vec<_> = crate::membership::refresh::applied_segments(s.store.as_ref())
        .await?
        .into_iter()
        .map(|a| a.0)
        .collect();
    for name in &options.segments {
        if !applied.iter().any(|a| &a.name == name) {
            return Err(match s.project.segment(name) {
                Some(_) => Error::NotApplied {
                    names: vec![name.clone()],
                },
                None => Error::UnknownSegment {
                    name: name.clone(),
                    known: applied.iter().map(|a| a.name.clone()).collect(),
                },
            });
        }
    }
    let targets = super::targets(&applied, options);
    if targets.is_empty() {
        // Destinations written in the project but not applied yet are the likely reason.
        let unapplied: Vec<String> = s
            .project
            .segments
            .iter()
            .filter(|d| options.segments.is_empty() || options.segments.contains(&d.name))
            .filter(|d| {
                d.destinations
                    .iter()
                    .any(|r| options.to.as_ref().is_none_or(|to| *to == r.to))
            })
            .filter(|d| {
                !applied
                    .iter()
                    .any(|a| a.name == d.name && !a.destinations.is_empty())
            })
            .map(|d| d.name.clone())
            .collect();
        if !unapplied.is_empty() {
            return Err(Error::NotApplied { names: unapplied });
        }
        return Err(Error::NoDestinations {
            to: options.to.clone(),
        });
    }
    let tables = Tables::new(wh.kind(), s.project.warehouse.cdp_schema());
    crate::membership::refresh::ensure_tables(wh.as_mut(), &tables).await?;
    wh.limit_memory(SYNC_MEMORY).await?;
    // A sync that died is over: its runs are marked, and each target folds what it left.
    for r in s.store.unfinished_runs().await? {
        if r.command == "sync" {
            s.store
                .finish_run(
                    r.id,
                    RunStatus::Interrupted,
                    r.rows,
                    Some("stopped before it finished"),
                    Utc::now(),
                )
                .await?;
        }
    }
    let run_id = if options.dry_run {
        0
    } else {
        s.store
            .start_run("sync", single(&targets), Utc::now())
            .await?
    };
    let mut reports = Vec::new();
    for target in &targets {
        let Some(config) = s.project.destination(&target.name) else {
            return Err(Error::DestinationNotInEnv {
                destination: target.name.clone(),
                env: s.project.env.clone(),
            });
        };
        if s.store.snapshots(&target.segment).await?.is_empty() {
            return Err(Error::NeverRefreshed(target.segment.clone()));
        }
        let destination: Arc<dyn Destination> = Arc::from(destinations::build(target, config)?);
        let sql = SyncSql::new(&tables, &target.segment, &target.key);
        for statement in sql.ensure() {
            exec(wh.as_mut(), &statement).await?;
        }
        fold_leftovers(s, wh.as_mut(), &sql, target).await?;
        let (report, back) = if options.dry_run {
            let r = dry_run(s, wh.as_mut(), &sql, target, destination.as_ref(), options).await?;
            (r, wh)
        } else {
            one(s, wh, &sql, target, destination, options, run_id).await?
        };
        wh = back;
        reports.push(report);
    }
    if !options.dry_run {
        let sent = reports.iter().map(|r| r.stats.sent).sum();
        let failed: Vec<String> = reports
            .iter()
            .filter(|r| r.failed())
            .map(|r| {
                format!(
                    "{} → {}: {}",
                    r.segment,
                    r.destination,
                    r.error.clone().unwrap_or_default()
                )
            })
            .collect();
        let (status, error) = if failed.is_empty() {
            (RunStatus::Succeeded, None)
        } else {
            (RunStatus::Failed, Some(failed.join("; ")))
        };
        s.store
            .finish_run(run_id, status, Some(sent), error.as_deref(), Utc::now())
            .await?;
    }
    Ok((reports, wh))
}

fn single(targets: &[Target]) -> Option<&str> {
    let first = &targets.first()?.segment;
    targets
        .iter()
        .all(|t| &t.segment == first)
        .then_some(first.as_str())
}

async fn exec(wh: &mut dyn Warehouse, sql: &str) -> Result<()> {
    wh.execute(sql).await.map_err(|source| Error::Query {
        sql: sql.to_string(),
        source,
    })
}

async fn transaction(wh: &mut dyn Warehouse, statements: &[String]) -> Result<()> {
    wh.transaction(statements).await.map_err(|f| Error::Query {
        sql: statements[f.index].clone(),
        source: f.source,
    })
}

/// Folds the acknowledged changes of runs that stopped before folding them, then clears what
/// any earlier run left in the warehouse.
async fn fold_leftovers(
    s: &Syncer<'_>,
    wh: &mut dyn Warehouse,
    sql: &SyncSql<'_>,
    target: &Target,
) -> Result<()> {
    for record in s.store.unfolded_syncs(&target.segment, &target.key).await? {
        fold(s, wh, sql, target, record.run_id, record.acked_seq).await?;
    }
    for statement in sql.clear() {
        exec(wh, &statement).await?;
    }
    Ok(())
}

/// Makes the changes of `run_id` numbered up to `acked` what the destination holds, less those
/// it refused for now (sent again next time); then marks the run folded.
async fn fold(
    s: &Syncer<'_>,
    wh: &mut dyn Warehouse,
    sql: &SyncSql<'_>,
    target: &Target,
    run_id: i64,
    acked: i64,
) -> Result<()> {
    let key = SyncKey {
        run_id,
        segment: &target.segment,
        destination: &target.key,
    };
    let refused = s.store.settle_rejections(key).await?;
    exec(wh, &sql.clear_rejected(run_id)).await?;
    if !refused.is_empty() {
        let columns = [
            ("run_id", ColType::Int),
            ("segment", ColType::Text),
            ("destination", ColType::Text),
            ("user_id", ColType::Text),
            ("permanent", ColType::Bool),
        ];
        let mut rows = refused.iter().map(|r| {
            vec![
                Cell::Int(r.run_id),
                Cell::Text(r.segment.clone()),
                Cell::Text(r.destination.clone()),
                Cell::Text(r.user_id.clone()),
                Cell::Bool(r.permanent),
            ]
        });
        wh.append(&sql.rejected(), &columns, &mut rows).await?;
    }
    transaction(wh, &sql.fold(run_id, acked)).await?;
    s.store.mark_folded(key).await?;
    Ok(())
}

fn label(target: &Target) -> String {
    format!(
        "{} → {} ({})",
        target.segment, target.name, target.spec.mode
    )
}

fn report(target: &Target, entered: i64, exited: i64) -> Report {
    Report {
        segment: target.segment.clone(),
        destination: target.name.clone(),
        mode: target.spec.mode.clone(),
        entered,
        exited,
        stats: SyncStats::default(),
        status: String::new(),
        error: None,
        samples: Vec::new(),
    }
}

async fn dry_run(
    s: &Syncer<'_>,
    wh: &mut dyn Warehouse,
    sql: &SyncSql<'_>,
    target: &Target,
    destination: &dyn Destination,
    options: &Options,
) -> Result<Report> {
    let (entered, exited) =
        super::status::pair(wh, &SyncSql::count_changes(&sql.diff_of(options.full))).await?;
    let (held, _) = super::status::pair(wh, &sql.held_counts()).await?;
    destination
        .prepare(&Prepare {
            store: s.store.as_ref(),
            fresh: options.full || held == 0,
        })
        .await?;
    let mut r = report(target, entered, exited);
    for member in [true, false] {
        let rows = wh
            .rows(&sql.sample(options.full, member, SAMPLES))
            .await
            .map_err(Error::Warehouse)?;
        let batch: Vec<Change> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| Change {
                seq: i as i64 + 1,
                user_id: row.first().map(Cell::to_text).unwrap_or_default(),
                is_member: member,
            })
            .collect();
        if !batch.is_empty() {
            r.samples.push(destination.sample(&batch));
        }
    }
    r.status = "dry run".into();
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
async fn one(
    s: &Syncer<'_>,
    mut wh: Box<dyn Warehouse>,
    sql: &SyncSql<'_>,
    target: &Target,
    destination: Arc<dyn Destination>,
    options: &Options,
    run_id: i64,
) -> Result<(Report, Box<dyn Warehouse>)> {
    let (held, _) = super::status::pair(wh.as_mut(), &sql.held_counts()).await?;
    exec(wh.as_mut(), &sql.fill_pending(run_id, options.full)).await?;
    let (entered, exited) = super::status::pair(wh.as_mut(), &sql.pending_counts(run_id)).await?;
    let key = SyncKey {
        run_id,
        segment: &target.segment,
        destination: &target.key,
    };
    s.store
        .start_sync(key, (entered + exited, entered, exited), Utc::now())
        .await?;
    let mut r = report(target, entered, exited);
    let prepared = destination
        .prepare(&Prepare {
            store: s.store.as_ref(),
            fresh: options.full || held == 0,
        })
        .await;
    let (sent, mut wh) = match prepared {
        Err(e) => (
            pipeline::Sent {
                stats: SyncStats::default(),
                acked_seq: 0,
                failure: Some(e),
            },
            wh,
        ),
        Ok(()) => {
            s.progress.start(&label(target), (entered + exited) as u64);
            let result = send(s, wh, sql, target, destination, run_id).await;
            s.progress.finish();
            result?
        }
    };
    let (stats, failure) = (sent.stats, sent.failure);
    r.stats = stats;
    let all_refused = stats.sent == 0 && stats.rejected > 0;
    let (status, error) = match &failure {
        Some(e) => ("failed", Some(crate::error::chain(e))),
        None if all_refused => (
            "rejected",
            Some(format!(
                "{} refused every user it was sent ({})",
                target.name, stats.rejected
            )),
        ),
        None => ("succeeded", None),
    };
    r.status = status.into();
    r.error = error.clone();
    let run_status = if status == "succeeded" {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    };
    s.store
        .finish_sync(key, run_status, &stats, error.as_deref(), Utc::now())
        .await?;
    fold(s, wh.as_mut(), sql, target, run_id, sent.acked_seq).await?;
    if let Some(DestinationError::State(e)) = failure {
        return Err(Error::State(e));
    }
    Ok((r, wh))
}

/// Streams the run's changes out of the warehouse (a page ahead) into the pipeline.
async fn send(
    s: &Syncer<'_>,
    mut wh: Box<dyn Warehouse>,
    sql: &SyncSql<'_>,
    target: &Target,
    destination: Arc<dyn Destination>,
    run_id: i64,
) -> Result<(pipeline::Sent, Box<dyn Warehouse>)> {
    let (tx, rx) = mpsc::channel::<Vec<Change>>(2);
    let page_rows = page_size(wh.kind());
    let page_sql = sql.pages(run_id, page_rows);
    // The reader owns the warehouse while it reads, and hands it back at the end.
    let producer = tokio::spawn(async move {
        let mut after = 0i64;
        loop {
            let text = page_sql(after);
            let rows = match wh.rows(&text).await {
                Ok(rows) => rows,
                Err(source) => {
                    return (Err(Error::Query { sql: text, source }), wh);
                }
            };
            let n = rows.len();
            let page: Vec<Change> = rows
                .into_iter()
                .map(|row| Change {
                    seq: row.first().map_or(0, Cell::as_i64),
                    user_id: row.get(1).map(Cell::to_text).unwrap_or_default(),
                    is_member: matches!(row.get(2), Some(Cell::Bool(true))),
                })
                .collect();
            if let Some(last) = page.last() {
                after = last.seq;
            }
            if n > 0 && tx.send(page).await.is_err() {
                break;
            }
            if n < page_rows {
                break;
            }
        }
        (Ok(()), wh)
    });
    let progress = s.progress.clone();
    let store = s.store.clone();
    let (segment, key) = (target.segment.clone(), target.key.clone());
    let created: Box<dyn Fn(&'static str, String) + Send + Sync> = {
        let (store, segment, key) = (store.clone(), segment.clone(), key.clone());
        Box::new(move |kind, id| {
            let (store, segment, key) = (store.clone(), segment.clone(), key.clone());
            // Recorded at once: a run that dies next still finds the object by this id.
            tokio::spawn(async move {
                let _ = store
                    .put_object(&segment, &key, kind, &id, Utc::now())
                    .await;
            });
        })
    };
    let run = Run {
        destination,
        name: target.name.clone(),
        run_id,
        segment: segment.clone(),
        key: key.clone(),
        backoff: s.backoff,
        progress: Box::new(move |n| progress.advance(n)),
        created,
    };
    let writer = Writer::start(store, (run_id, segment, key));
    let sent = pipeline::send_all(run, rx, writer).await;
    let (read, wh) = producer.await.expect("the page reader panicked");
    read?;
    Ok((sent, wh))
}
