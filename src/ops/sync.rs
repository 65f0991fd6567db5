//! `sync`, `sync status` and `sync log`: membership changes sent to destinations, what each
//! destination holds, and what it refused.

use std::sync::Arc;
use std::time::Duration;

use crate::applied::applied_defs;
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::retry::Backoff;
use crate::state::Store;
use crate::state::sync::{Rejection, SyncRecord};
use crate::sync::run::Syncer;
use crate::sync::status::TargetStatus;
use crate::sync::{self, Options, Report};
use crate::warehouse::Session;
use tokio_util::sync::CancellationToken;

/// One report per (segment, destination) a sync worked on.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SyncReport {
    pub syncs: Vec<Report>,
    /// Counted and sampled only; nothing was sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

impl SyncReport {
    /// The run's verdict: see [`verdict`]. A dry run sends nothing and fails on nothing.
    pub fn outcome(&self) -> Result<()> {
        if self.dry_run {
            return Ok(());
        }
        verdict(&self.syncs)
    }
}

/// Interrupted when a target was stopped; failed when a target failed or its destination
/// refused every user it was sent.
pub fn verdict(reports: &[Report]) -> Result<()> {
    if reports
        .iter()
        .any(|r| r.status == sync::Status::Interrupted)
    {
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

/// Takes the project lock and syncs.
pub async fn sync(ctx: &Context, options: &Options, wait: Duration) -> Result<SyncReport> {
    let store = ctx.store().await?;
    let _lock = ctx.lock("sync", wait).await?;
    sync_locked(ctx, store, options).await
}

/// Syncs with the project lock held by the caller (a sync alone, or after a refresh). Cancelled,
/// it stops handing out batches, lets those in flight be answered and checkpointed, and reports
/// the target as interrupted.
pub(crate) async fn sync_locked(
    ctx: &Context,
    store: Arc<dyn Store>,
    options: &Options,
) -> Result<SyncReport> {
    // A sync stops on its own terms (what is in flight answered, checkpointed and folded in),
    // so its statements are not interrupted by the context's token.
    let session = Session {
        cancel: CancellationToken::new(),
        ..ctx.session()
    };
    let wh = crate::warehouse::open(&ctx.project, &session).await?;
    let reporter = ctx.reporter.clone();
    let note = move |text: &str| reporter.note(text);
    let syncer = Syncer {
        project: &ctx.project,
        store,
        progress: ctx.reporter.progress(),
        note: &note,
        backoff: Backoff::default(),
        cancel: ctx.cancel.clone(),
        host: &ctx.actor.host,
    };
    let (syncs, _) = sync::run::sync(&syncer, wh, options).await?;
    Ok(SyncReport {
        syncs,
        dry_run: options.dry_run,
    })
}

/// Per (segment, destination): what the destination holds, what a sync would send, what it
/// refused, and the last run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StatusReport {
    pub destinations: Vec<TargetStatus>,
}

pub async fn status(ctx: &Context) -> Result<StatusReport> {
    let store = ctx.store().await?;
    let mut wh = ctx.warehouse().await?;
    let applied = applied_defs(store.as_ref()).await?;
    let destinations =
        sync::status::status(&ctx.project, store.as_ref(), wh.as_mut(), &applied).await?;
    Ok(StatusReport { destinations })
}

/// A segment's past syncs, newest first.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogReport {
    pub syncs: Vec<SyncRecord>,
}

pub async fn log(ctx: &Context, segment: &str) -> Result<LogReport> {
    let store = ctx.store().await?;
    let syncs = store.syncs(Some(segment), 1_000).await?;
    if syncs.is_empty() && ctx.project.segment(segment).is_none() {
        return Err(Error::UnknownSegment {
            name: segment.to_string(),
            known: ctx
                .project
                .segments
                .iter()
                .map(|s| s.name.clone())
                .collect(),
        });
    }
    Ok(LogReport { syncs })
}

/// Every user a destination refused for a segment, with its reason.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RejectedReport {
    pub rejected: Vec<Rejection>,
}

pub async fn rejected(ctx: &Context, segment: &str) -> Result<RejectedReport> {
    let store = ctx.store().await?;
    Ok(RejectedReport {
        rejected: store.rejection_log(segment).await?,
    })
}
