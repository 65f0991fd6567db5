//! `cdp query`, `cdp demo seed` and `advance`, `cdp quickstart`.

use super::Context;
use super::segments::stream;
use crate::demo::{self, Advanced, Seeded, Spec, SpecTable};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::project::Project;
use crate::scaffold;
use crate::warehouse::{self, Cell, Warehouse};

pub async fn query(ctx: &Context, sql: &str) -> Result<()> {
    let project = ctx.load()?;
    let mut wh = warehouse::open(&project).await?;
    stream(ctx, wh.as_mut(), sql, None).await
}

pub async fn seed(ctx: &Context, users: u64, days: u32, seed: u64) -> Result<Seeded> {
    let project = ctx.load()?;
    let mut wh = warehouse::open(&project).await?;
    seed_into(
        ctx,
        &project,
        wh.as_mut(),
        Spec::ending_today(ctx.now, users, days, seed),
    )
    .await
}

async fn seed_into(
    ctx: &Context,
    project: &Project,
    wh: &mut dyn Warehouse,
    spec: Spec,
) -> Result<Seeded> {
    let started = std::time::Instant::now();
    let bar = ctx.printer.bar();
    let seeded = demo::seed(wh, project.tables(), &spec_table(project), spec, &bar).await?;
    ctx.printer.note(&format!(
        "seeded {} users and {} events ending {} in {:.1}s",
        seeded.users,
        seeded.events,
        seeded.end.format("%Y-%m-%d"),
        started.elapsed().as_secs_f64()
    ));
    Ok(seeded)
}

pub async fn advance(ctx: &Context, days: u32) -> Result<Advanced> {
    let project = ctx.load()?;
    let mut wh = warehouse::open(&project).await?;
    let started = std::time::Instant::now();
    let bar = ctx.printer.bar();
    let done = demo::advance(
        wh.as_mut(),
        project.tables(),
        &spec_table(&project),
        days,
        &bar,
    )
    .await?;
    ctx.printer.note(&format!(
        "advanced {} day{}: {} events, {} new users, now ending {} in {:.1}s",
        done.days,
        if done.days == 1 { "" } else { "s" },
        done.events,
        done.new_users,
        done.end.format("%Y-%m-%d"),
        started.elapsed().as_secs_f64()
    ));
    Ok(done)
}

/// Where seed records the demo spec for advance: the project's cdp schema.
fn spec_table(project: &Project) -> SpecTable {
    SpecTable::new(
        warehouse::dialect_of(&project.warehouse),
        project.warehouse.cdp_schema(),
    )
}

pub async fn quickstart(ctx: &Context, users: u64) -> Result<()> {
    if !scaffold::has_project(&ctx.dir) {
        let written = scaffold::write_demo(&ctx.dir)?;
        ctx.printer.note(&format!(
            "wrote the demo project ({} files) into {}",
            written.len(),
            ctx.dir.display()
        ));
    }
    let project = ctx.load()?;
    ctx.printer.note(&format!(
        "project is valid: {} segments",
        project.segments.len()
    ));
    let mut wh = warehouse::open(&project).await?;
    seed_into(
        ctx,
        &project,
        wh.as_mut(),
        Spec::ending_today(ctx.now, users, 90, 42),
    )
    .await?;
    // The refresh opens the warehouse itself; DuckDB allows one open database per file.
    drop(wh);
    let applied = super::state::apply_all(ctx, &project).await?;
    if applied > 0 {
        ctx.printer.note(&format!(
            "applied {applied} segment versions (state in the state store)"
        ));
    }
    let refreshed = super::state::run_refresh(
        ctx,
        &project,
        &crate::membership::refresh::Selection::All,
        std::time::Duration::from_secs(300),
    )
    .await?;
    let rows: Vec<Vec<Cell>> = refreshed
        .iter()
        .map(|s| {
            let description = project
                .segment(&s.segment)
                .and_then(|d| d.description.clone())
                .unwrap_or_default();
            vec![
                Cell::Text(s.segment.clone()),
                Cell::Int(s.size),
                Cell::Int(s.entered),
                Cell::Int(s.exited),
                Cell::Text(description),
            ]
        })
        .collect();
    ctx.printer
        .rows(
            &["segment", "members", "entered", "exited", "description"],
            &rows,
        )
        .map_err(Error::Output)?;
    if ctx.printer.format == Format::Table {
        let largest = rows
            .iter()
            .max_by_key(|r| match r[1] {
                Cell::Int(n) => n,
                _ => 0,
            })
            .map(|r| r[0].to_text())
            .unwrap_or_default();
        // The demo data ends now; the next day of it is tomorrow, as far as windows can tell.
        let tomorrow = (ctx.now + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
        // The commands below run in the project folder; say so when it is not this one.
        let here = std::env::current_dir().ok();
        let elsewhere = std::fs::canonicalize(&ctx.dir).ok()
            != here.and_then(|h| std::fs::canonicalize(h).ok());
        let cd = if elsewhere {
            format!("\n  cd {:<38} the project folder", ctx.dir.display())
        } else {
            String::new()
        };
        ctx.printer.note(&format!(
            "\nnext:{cd}\n  cdp segments list                         what each segment says\n  cdp segments members {largest:<20} who is in it now\n  cdp demo advance && cdp refresh --all --now {tomorrow}\n                                            a day later: who entered and exited\n  cdp segments history {largest:<20} one row per refresh\n  cdp plan                                  what an edit to segments/ would change\n  cdp compile {largest:<29} the SQL it runs"
        ));
    }
    Ok(())
}
