//! `refresh`, and refresh-then-sync as one chain: members of the applied segments computed in
//! the warehouse, then what changed sent to their destinations.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::membership::refresh::{self, Feedback, Refreshed, Selection};
use crate::ops::Context;
use crate::ops::sync as sync_op;
use crate::project_check;

/// What a refresh found, and what the sync after it sent (with `--sync`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct RefreshReport {
    pub refreshed: Vec<Refreshed>,
    /// Present when the refresh was followed by a sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syncs: Option<Vec<crate::sync::Report>>,
}

impl RefreshReport {
    /// The sync's verdict (a failed target fails the chain), or success after a refresh alone.
    pub fn outcome(&self) -> Result<()> {
        match &self.syncs {
            Some(syncs) => sync_op::verdict(syncs),
            None => Ok(()),
        }
    }
}

/// Refreshes the selected applied segments (and those they refer to) under the project lock;
/// with `then_sync`, sends what changed to their destinations while still holding it.
pub async fn refresh(
    ctx: &Context,
    selection: &Selection,
    wait: Duration,
    then_sync: bool,
) -> Result<RefreshReport> {
    let store = ctx.store().await?;
    let _lock = ctx.lock("refresh", wait).await?;
    let refreshed = refresh_locked(ctx, selection).await?;
    if !then_sync {
        return Ok(RefreshReport {
            refreshed,
            syncs: None,
        });
    }
    let options = crate::sync::Options {
        segments: refreshed.iter().map(|s| s.segment.clone()).collect(),
        ..Default::default()
    };
    let syncs = match sync_op::sync_locked(ctx, store, &options).await {
        Err(Error::NoDestinations { .. }) => Vec::new(),
        other => other?.syncs,
    };
    Ok(RefreshReport {
        refreshed,
        syncs: Some(syncs),
    })
}

/// Refreshes with the project lock already held (by the caller).
pub(crate) async fn refresh_locked(ctx: &Context, selection: &Selection) -> Result<Vec<Refreshed>> {
    let store = ctx.store().await?;
    let mut wh = ctx.warehouse().await?;
    let progress = ctx.reporter.progress();
    let reporter = ctx.reporter.clone();
    let note = move |text: &str| reporter.note(text);
    let tell = Feedback {
        progress: progress.as_ref(),
        note: &note,
        show_sql: ctx.verbose,
    };
    // Cancelled, the refresh stops where it stands: its statements are one warehouse
    // transaction, so the previous membership stays whole, and the next refresh carries on.
    let done = ctx
        .unless_cancelled(refresh::refresh(
            &ctx.project,
            store.as_ref(),
            wh.as_mut(),
            selection,
            &ctx.actor.host,
            ctx.now,
            &tell,
        ))
        .await;
    match done {
        Err(e @ Error::Interrupted) => Err(e),
        Err(e) => Err(project_check::explain(&ctx.project, wh.as_mut(), ctx.now, e).await),
        done => done,
    }
}
