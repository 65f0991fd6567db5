//! `migrate`, `plan` and `apply`: the state store's schema, the project against what is
//! applied, and recording the project's segments as the applied versions.

use std::time::Duration;

use crate::applied::applied_defs;
use crate::error::Result;
use crate::ops::Context;
use crate::plan::{self, Action, Plan};
use crate::project_check;
use crate::state::{self, Apply};
use crate::sync::status::TargetStatus;

/// The state store and its applied migrations.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MigrateReport {
    pub store: String,
    pub migrations: Vec<Migration>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Migration {
    pub version: i64,
    pub description: String,
}

/// Applies the state store's migrations (opening it does) and lists them.
pub async fn migrate(ctx: &Context) -> Result<MigrateReport> {
    let store = ctx.store().await?;
    let migrations = store
        .migrations()
        .await?
        .into_iter()
        .map(|(version, description)| Migration {
            version,
            description,
        })
        .collect();
    Ok(MigrateReport {
        store: store.describe().to_string(),
        migrations,
    })
}

/// What `apply` would change, and what `sync` would send now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PlanReport {
    pub changes: bool,
    pub add: usize,
    pub change: usize,
    pub remove: usize,
    #[serde(flatten)]
    pub plan: Plan,
    /// Per applied segment and destination: what `cdp sync` would send now.
    #[serde(rename = "destinations", skip_serializing_if = "Vec::is_empty")]
    pub syncs: Vec<TargetStatus>,
}

impl PlanReport {
    pub(crate) fn new(plan: Plan, syncs: Vec<TargetStatus>) -> PlanReport {
        let n = |a: Action| plan.items.iter().filter(|i| i.action == a).count();
        PlanReport {
            changes: plan.has_changes(),
            add: n(Action::Add),
            change: n(Action::Change),
            remove: n(Action::Remove),
            plan,
            syncs,
        }
    }
}

/// The project against what is applied, with each change's member count in the warehouse and
/// what a sync would send to each destination.
pub async fn plan(ctx: &Context) -> Result<PlanReport> {
    let project = &ctx.project;
    let store = ctx.store().await?;
    let mut plan = plan::diff(project, store.as_ref(), ctx.now).await?;
    let applied = applied_defs(store.as_ref()).await?;
    let sends = applied.iter().any(|a| !a.destinations.is_empty());
    let mut syncs = Vec::new();
    if plan.has_changes() || sends {
        let mut wh = ctx.warehouse().await?;
        if plan.has_changes()
            && let Err(e) = plan::count_members(
                &mut plan,
                &plan::Proposed::project(project)?,
                store.as_ref(),
                wh.as_mut(),
                ctx.now,
            )
            .await
        {
            return Err(project_check::explain(project, wh.as_mut(), ctx.now, e).await);
        }
        syncs = crate::sync::status::status(project, store.as_ref(), wh.as_mut(), &applied).await?;
    }
    Ok(PlanReport::new(plan, syncs))
}

/// What `apply` recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ApplyReport {
    /// False when the project already matched what is applied.
    pub applied: bool,
    pub add: usize,
    pub change: usize,
    pub remove: usize,
    pub by: String,
    pub items: Vec<plan::Item>,
}

/// Whether to go ahead with a plan: a person answering on a terminal, `--auto-approve`, or the
/// daemon's own rule. An error ends the apply with nothing changed.
pub type Approve<'a> = &'a (dyn Fn(&Plan) -> Result<()> + Sync);

/// Records the project's segments as the applied versions, under the project lock, once
/// `approve` accepts the plan (which it sees only when there are changes).
pub async fn apply(ctx: &Context, wait: Duration, approve: Approve<'_>) -> Result<ApplyReport> {
    let store = ctx.store().await?;
    let _lock = ctx.lock("apply", wait).await?;
    let plan = plan::diff(&ctx.project, store.as_ref(), ctx.now).await?;
    let report = PlanReport::new(plan, Vec::new());
    if report.changes {
        approve(&report.plan)?;
        store
            .apply(
                state::SEGMENT,
                &changes(&report.plan),
                &ctx.actor.name,
                ctx.now,
                None,
            )
            .await?;
    }
    Ok(ApplyReport {
        applied: report.changes,
        add: report.add,
        change: report.change,
        remove: report.remove,
        by: ctx.actor.name.clone(),
        items: report.plan.items,
    })
}

pub(crate) fn changes(plan: &Plan) -> Vec<Apply> {
    plan.items
        .iter()
        .map(|i| match (&i.action, &i.content, &i.hash) {
            (Action::Remove, _, _) => Apply::Remove {
                name: i.segment.clone(),
            },
            (_, Some(content), Some(hash)) => Apply::Put {
                name: i.segment.clone(),
                hash: hash.clone(),
                content: content.clone(),
            },
            _ => unreachable!("additions and changes carry their YAML"),
        })
        .collect()
}
