//! One sync run: for each selected (segment, destination), fold what a killed run left, number
//! the changes in the warehouse, send them through the destination, and fold the answers in.

use std::sync::Arc;

use chrono::Utc;

use super::sql::SyncSql;
use super::{Options, Report, Status};
use crate::destinations::util::pipeline;
use crate::destinations::{self, Destination, DestinationError, Prepare, Target};
use crate::error::{Error, Result};
use crate::membership::sql::Tables;
use crate::progress::Progress;
use crate::project::Project;
use crate::retry::Backoff;
use crate::state::sync::{SyncKey, SyncStats};
use crate::state::{RunKind, RunStatus, Store};
use crate::warehouse::Warehouse;

/// An embedded warehouse's memory during a sync: its joins spill beyond it, and the rest of the
/// process (pages, requests in flight) stays small.
pub(crate) const SYNC_MEMORY: &str = "48MB";
/// Everything a sync needs from its caller.
pub struct Syncer<'a> {
    pub project: &'a Project,
    pub store: Arc<dyn Store>,
    /// This machine's name, recorded with the run.
    pub host: &'a str,
    pub progress: Arc<dyn Progress>,
    pub note: &'a (dyn Fn(&str) + Sync),
    pub backoff: Backoff,
    /// Turns true on Ctrl-C: the sync in progress stops after what is in flight, and no other
    /// starts.
    pub cancel: tokio_util::sync::CancellationToken,
}

/// Syncs the selected targets one after another; the caller holds the project lock. A target
/// that fails is reported and the others still run.
pub async fn sync(
    s: &Syncer<'_>,
    mut wh: Box<dyn Warehouse>,
    options: &Options,
) -> Result<(Vec<Report>, Box<dyn Warehouse>)> {
    let versions = crate::applied::applied_segments(s.store.as_ref()).await?;
    for (def, version) in crate::applied::edited_since_applied(s.project, &versions)? {
        if !def.destinations.is_empty()
            && (options.segments.is_empty() || options.segments.contains(&def.name))
        {
            (s.note)(&format!(
                "{}: differs from the applied version {version}; syncing to the applied version's destinations (`cdp plan` shows the change)",
                def.file
            ));
        }
    }
    let applied: Vec<_> = versions.into_iter().map(|a| a.0).collect();
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
    let tables = Tables::new(wh.kind(), s.project.warehouse.cdp_schema());
    crate::membership::refresh::ensure_tables(wh.as_mut(), &tables).await?;
    let all = SyncSql::new(&tables, "", "");
    for statement in all.ensure() {
        exec(wh.as_mut(), &statement).await?;
    }
    let held = super::status::held_targets(wh.as_mut(), &all).await?;
    let mut targets = super::targets(&applied, options);
    targets.extend(super::retired(&held, &targets, options));
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
    wh.limit_memory(SYNC_MEMORY).await?;
    // A sync that died is over: its runs are marked, and each target folds what it left.
    for r in s.store.unfinished_runs().await? {
        if r.kind == RunKind::Sync {
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
            .start_run(RunKind::Sync, single(&targets), s.host, Utc::now())
            .await?
    };
    let mut reports = Vec::new();
    let mut refreshed = std::collections::HashSet::new();
    for target in &targets {
        let Some(config) = s.project.destination(&target.name) else {
            if target.retired {
                (s.note)(&format!(
                    "{} → {}: the segment no longer goes there, but `{}` is not declared in environment `{}` to remove its users",
                    target.segment, target.name, target.name, s.project.env
                ));
                continue;
            }
            return Err(Error::DestinationNotInEnv {
                destination: target.name.clone(),
                env: s.project.env.clone(),
            });
        };
        // A segment with several destinations is looked up once.
        if !target.retired
            && !refreshed.contains(&target.segment)
            && s.store.snapshots(&target.segment).await?.is_empty()
        {
            return Err(Error::NeverRefreshed(target.segment.clone()));
        }
        refreshed.insert(target.segment.clone());
        if target.retired {
            (s.note)(&format!(
                "{} → {} ({}): no applied segment sends there any more; removing the users it holds",
                target.segment, target.name, target.spec.mode
            ));
        }
        let destination: Arc<dyn Destination> = Arc::from(destinations::build(target, config)?);
        let sql = SyncSql::new(&tables, &target.segment, &target.key).retired(target.retired);
        super::fold::fold_leftovers(s, wh.as_mut(), &sql, target).await?;
        let (report, back) = if options.dry_run {
            let r = super::dry_run::dry_run(
                s,
                wh.as_mut(),
                &sql,
                target,
                destination.as_ref(),
                options,
            )
            .await?;
            (r, wh)
        } else {
            one(s, wh, &sql, target, destination, options, run_id).await?
        };
        wh = back;
        let stopped = report.status == Status::Interrupted;
        reports.push(report);
        if stopped || s.cancel.is_cancelled() {
            break;
        }
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
        let (status, error) = if !failed.is_empty() {
            (RunStatus::Failed, Some(failed.join("; ")))
        } else if s.cancel.is_cancelled() {
            (
                RunStatus::Interrupted,
                Some("stopped by Ctrl-C".to_string()),
            )
        } else {
            (RunStatus::Succeeded, None)
        };
        s.store
            .finish_run(run_id, status, Some(sent), error.as_deref(), Utc::now())
            .await?;
    }
    Ok((reports, wh))
}

/// Why a destination cannot hold `after` users of `segment`, if it cannot.
fn over_capacity(segment: &str, after: i64, capacity: Option<i64>) -> Option<String> {
    let cap = capacity?;
    (after > cap)
        .then(|| format!("`{segment}` would hold {after} users there, and it holds at most {cap}"))
}

#[cfg(test)]
#[test]
fn a_destination_is_never_filled_past_its_capacity() {
    assert_eq!(over_capacity("vip", 2_000_000, Some(2_000_000)), None);
    assert_eq!(over_capacity("vip", 5_000_000, None), None);
    let m = over_capacity("vip", 2_000_001, Some(2_000_000)).unwrap();
    assert_eq!(
        m,
        "`vip` would hold 2000001 users there, and it holds at most 2000000"
    );
}

fn single(targets: &[Target]) -> Option<&str> {
    let first = &targets.first()?.segment;
    targets
        .iter()
        .all(|t| &t.segment == first)
        .then_some(first.as_str())
}

pub(super) async fn exec(wh: &mut dyn Warehouse, sql: &str) -> Result<()> {
    wh.execute(sql).await.map_err(|source| Error::Query {
        sql: sql.to_string(),
        source,
    })
}

pub(super) async fn transaction(wh: &mut dyn Warehouse, statements: &[String]) -> Result<()> {
    wh.transaction(statements).await.map_err(|f| Error::Query {
        sql: statements[f.index].clone(),
        source: f.source,
    })
}

fn label(target: &Target) -> String {
    format!(
        "{} → {} ({})",
        target.segment, target.name, target.spec.mode
    )
}

pub(super) fn report(target: &Target, entered: i64, exited: i64) -> Report {
    Report {
        segment: target.segment.clone(),
        destination: target.name.clone(),
        mode: target.spec.mode.clone(),
        entered,
        exited,
        stats: SyncStats::default(),
        status: Status::Succeeded,
        retired: target.retired,
        error: None,
        refused_again: 0,
        samples: Vec::new(),
    }
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
    let after = if options.full {
        entered
    } else {
        held - exited + entered
    };
    let prepared = match over_capacity(&target.segment, after, destination.capacity()) {
        // Refused before the first request, not when the destination's limit is reached midway.
        Some(message) => Err(DestinationError::Fatal {
            destination: target.name.clone(),
            message,
        }),
        None => {
            destination
                .prepare(&Prepare {
                    store: s.store.as_ref(),
                    fresh: options.full || held == 0,
                })
                .await
        }
    };
    let (sent, mut wh) = match prepared {
        Err(e) => (
            pipeline::Sent {
                stats: SyncStats::default(),
                acked_seq: 0,
                failure: Some(e),
                stopped: false,
                unknown: Vec::new(),
            },
            wh,
        ),
        Ok(()) => {
            s.progress.start(&label(target), (entered + exited) as u64);
            let result = super::stream::send(s, wh, sql, target, destination, run_id).await;
            s.progress.finish();
            result?
        }
    };
    let (stats, failure) = (sent.stats, sent.failure);
    r.stats = stats;
    // A user refused by an earlier run (a malformed id stays malformed) is sent again until it
    // is refused for good; refused again, it is a known refusal, reported but no failure. A
    // destination that refuses every user it had not refused before (a wrong id column or
    // attribute) fails the run.
    r.refused_again = if stats.rejected > 0 {
        s.store.refused_before(key).await?
    } else {
        0
    };
    let all_refused = stats.sent == 0 && stats.rejected > r.refused_again;
    let (status, error) = match &failure {
        Some(e) => (Status::Failed, Some(crate::error::chain(e))),
        None if sent.stopped && sent.acked_seq < entered + exited => (
            Status::Interrupted,
            Some(format!(
                "stopped with {} of {} changes answered; `cdp sync` sends the rest",
                sent.acked_seq,
                entered + exited
            )),
        ),
        None if all_refused => (
            Status::Rejected,
            Some(match r.refused_again {
                0 => format!(
                    "{} refused every user it was sent ({})",
                    target.name, stats.rejected
                ),
                again => format!(
                    "{} refused every user it was sent ({}, of which {again} it had refused before)",
                    target.name, stats.rejected
                ),
            }),
        ),
        None => (Status::Succeeded, None),
    };
    r.status = status;
    r.error = error.clone();
    if status == Status::Succeeded && r.refused_again > 0 {
        let n = r.refused_again;
        (s.note)(&format!(
            "{}: {n} user{} refused by an earlier run {} refused again; known refusals do not fail a sync",
            label(target),
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
        ));
    }
    s.store
        .finish_sync(
            key,
            status.run_status(),
            &stats,
            error.as_deref(),
            Utc::now(),
        )
        .await?;
    super::fold::fold(s, wh.as_mut(), sql, target, run_id, sent.acked_seq).await?;
    if let Some(DestinationError::State(e)) = failure {
        return Err(Error::State(e));
    }
    Ok((r, wh))
}
