//! `cdp migrate`, `plan`, `apply` and `refresh`: the workflow that keeps the state store and the
//! warehouse's membership in step with the project.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use super::Context;
use super::plan_view::{counts, plan_text, print_plan};
use crate::error::{Error, Result};
use crate::membership::refresh::{self, Selection};
use crate::output::Format;
use crate::plan::{self, Action, Plan};
use crate::project::Project;
use crate::state::{self, Apply, Lock, Store};
use crate::warehouse::{self, Cell, project_check};

/// Opens the environment's state store (migrating it on first use).
pub async fn open_store(project: &Project) -> Result<Box<dyn Store>> {
    Ok(state::open(project.state_url.as_ref(), &project.local_dir()).await?)
}

/// Takes the project lock, saying on stderr whom it waits for.
pub async fn lock(ctx: &Context, store: &dyn Store, what: &str, wait: Duration) -> Result<Lock> {
    let printer = ctx.printer;
    let owner = state::LockOwner {
        holder: format!("cdp {what}"),
        actor: super::actor(),
        host: super::host(),
    };
    let waiting = move |h: &state::LockHolder| {
        printer.note(&format!(
            "waiting up to {}s for the project lock, held by {h}",
            wait.as_secs()
        ));
    };
    Ok(store
        .lock(state::PROJECT_LOCK, &owner, wait, &waiting)
        .await?)
}

pub async fn migrate(ctx: &Context) -> Result<()> {
    let project = ctx.load()?;
    let store = open_store(&project).await?;
    let rows: Vec<Vec<Cell>> = store
        .migrations()
        .await?
        .into_iter()
        .map(|(v, d)| vec![Cell::Int(v), Cell::Text(d)])
        .collect();
    ctx.printer.note(&format!(
        "the state store {} is up to date",
        store.describe()
    ));
    ctx.printer
        .rows(&["version", "migration"], &rows)
        .map_err(Error::Output)
}

pub async fn plan(ctx: &Context, detailed_exitcode: bool) -> Result<()> {
    let project = ctx.load()?;
    let store = open_store(&project).await?;
    let mut plan = plan::diff(&project, store.as_ref(), ctx.now).await?;
    let applied = refresh::applied_defs(store.as_ref()).await?;
    let sends = applied.iter().any(|a| !a.destinations.is_empty());
    if plan.has_changes() || sends {
        let mut wh = warehouse::open(&project).await?;
        if plan.has_changes()
            && let Err(e) =
                plan::count_members(&mut plan, &project, store.as_ref(), wh.as_mut(), ctx.now).await
        {
            return Err(project_check::explain(&project, wh.as_mut(), ctx.now, e).await);
        }
        plan.syncs =
            crate::sync::status::status(&project, store.as_ref(), wh.as_mut(), &applied).await?;
    }
    print_plan(ctx, &plan)?;
    if detailed_exitcode && plan.has_changes() {
        return Err(Error::ChangesPresent);
    }
    Ok(())
}

pub async fn apply(ctx: &Context, auto_approve: bool, wait: Duration) -> Result<()> {
    let project = ctx.load()?;
    let store = open_store(&project).await?;
    let _lock = lock(ctx, store.as_ref(), "apply", wait).await?;
    let plan = plan::diff(&project, store.as_ref(), ctx.now).await?;
    if !plan.has_changes() {
        ctx.printer
            .note("No changes: the applied definitions match the project.");
        return Ok(());
    }
    if !ctx.printer.quiet || !auto_approve {
        let _ = write!(std::io::stderr().lock(), "{}", plan_text(&plan));
    }
    if !auto_approve {
        confirm()?;
    }
    let changes = changes(&plan);
    let actor = super::actor();
    store
        .apply(state::SEGMENT, &changes, &actor, ctx.now)
        .await?;
    let (add, change, remove) = counts(&plan);
    ctx.printer.note(&format!(
        "Applied: {add} added, {change} changed, {remove} removed (by {actor})."
    ));
    Ok(())
}

/// Applies every change of the project without asking (quickstart); returns how many.
pub async fn apply_all(ctx: &Context, project: &Project) -> Result<usize> {
    let store = open_store(project).await?;
    let _lock = lock(ctx, store.as_ref(), "quickstart", Duration::from_secs(300)).await?;
    let plan = plan::diff(project, store.as_ref(), ctx.now).await?;
    let changes = changes(&plan);
    store
        .apply(state::SEGMENT, &changes, &super::actor(), ctx.now)
        .await?;
    Ok(changes.len())
}

fn changes(plan: &Plan) -> Vec<Apply> {
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

fn confirm() -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::NeedsApproval);
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\nApply these changes? Only `yes` is accepted: ");
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(Error::Output)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

pub async fn refresh(
    ctx: &Context,
    segments: Vec<String>,
    all: bool,
    wait: Duration,
    then_sync: bool,
) -> Result<()> {
    let project = ctx.load()?;
    let selection = if all || segments.is_empty() {
        Selection::All
    } else {
        Selection::Named(segments)
    };
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::from(open_store(&project).await?);
    let done = {
        let _lock = lock(ctx, store.as_ref(), "refresh", wait).await?;
        let done = refresh_locked(ctx, &project, store.as_ref(), &selection).await?;
        if then_sync {
            let json = ctx.printer.format == Format::Json;
            if !json {
                print_refreshed(ctx, &done)?;
            }
            let options = crate::sync::Options {
                segments: done.iter().map(|s| s.segment.clone()).collect(),
                ..Default::default()
            };
            let reports = match super::sync::run_sync(ctx, &project, store.clone(), &options).await
            {
                Err(Error::NoDestinations { .. }) => Vec::new(),
                other => other?,
            };
            if json {
                // One document for pipelines: what the refresh found and what the sync sent.
                ctx.printer
                    .json(&serde_json::json!({ "refreshed": done, "syncs": reports }))
                    .map_err(Error::Output)?;
                return super::sync::outcome(ctx, &reports, false);
            }
            if reports.is_empty() {
                ctx.printer
                    .note("No refreshed segment has destinations: nothing to sync.");
                return Ok(());
            }
            return super::sync::print_reports(ctx, &reports, false);
        }
        done
    };
    print_refreshed(ctx, &done)
}

fn print_refreshed(ctx: &Context, done: &[refresh::Refreshed]) -> Result<()> {
    let rows: Vec<Vec<Cell>> = done
        .iter()
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
        .collect();
    ctx.printer
        .rows(
            &[
                "segment", "version", "members", "entered", "exited", "duration",
            ],
            &rows,
        )
        .map_err(Error::Output)
}

/// Lock, then refresh in the warehouse; shared with `quickstart`.
pub async fn run_refresh(
    ctx: &Context,
    project: &Project,
    selection: &Selection,
    wait: Duration,
) -> Result<Vec<refresh::Refreshed>> {
    let store = open_store(project).await?;
    let _lock = lock(ctx, store.as_ref(), "refresh", wait).await?;
    refresh_locked(ctx, project, store.as_ref(), selection).await
}

async fn refresh_locked(
    ctx: &Context,
    project: &Project,
    store: &dyn Store,
    selection: &Selection,
) -> Result<Vec<refresh::Refreshed>> {
    let mut wh = warehouse::open(project).await?;
    let bar = ctx.printer.bar();
    let printer = ctx.printer;
    let tell = refresh::Feedback {
        progress: &bar,
        note: &|text| printer.note(text),
        show_sql: ctx.verbose,
    };
    let host = super::host();
    match refresh::refresh(
        project,
        store,
        wh.as_mut(),
        selection,
        &host,
        ctx.now,
        &tell,
    )
    .await
    {
        Err(e) => Err(project_check::explain(project, wh.as_mut(), ctx.now, e).await),
        done => done,
    }
}
