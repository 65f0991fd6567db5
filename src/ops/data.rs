//! `query`, `demo seed`, `demo advance` and `quickstart`: SQL run in the warehouse, demo data
//! written into it, and the main job on a fresh project (seed, apply, refresh).

use std::time::{Duration, Instant};

use crate::campaign::spec::CampaignDef;
use crate::demo::effect::Planted;
use crate::demo::{self, Advanced, Seeded, Spec, SpecTable};
use crate::error::{Error, Result};
use crate::membership::refresh::{Refreshed, Selection};
use crate::membership::sql::Tables as CdpTables;
use crate::ops::Context;
use crate::ops::plan::apply;
use crate::ops::refresh::refresh;
use crate::project::Project;
use crate::warehouse::{self, RowSink};

/// Runs `sql` in the warehouse and streams its rows into `sink`.
pub async fn query(ctx: &Context, sql: &str, sink: &mut dyn RowSink) -> Result<()> {
    let mut wh = ctx.warehouse().await?;
    crate::ops::segments::stream(ctx, wh.as_mut(), sql, None, sink).await
}

/// What `demo seed` wrote, and how long it took.
#[derive(Debug, serde::Serialize)]
pub struct SeedReport {
    #[serde(flatten)]
    pub seeded: Seeded,
    /// The campaign effect planted, when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<Planted>,
    pub seconds: f64,
}

/// `demo seed --campaign-effect`: the campaign (by default the project's first) and the
/// absolute effect to plant (0.05: treatment converts five points more than the holdout).
#[derive(Clone, Debug)]
pub struct CampaignEffect {
    pub campaign: Option<String>,
    pub effect: f64,
}

impl SeedReport {
    /// One line for people: what was written and how long it took.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "seeded {} users and {} events ending {} in {:.1}s",
            self.seeded.users,
            self.seeded.events,
            self.seeded.end.format("%Y-%m-%d"),
            self.seconds
        );
        if let Some(p) = &self.campaign {
            text.push_str(&format!(
                "\ncampaign `{}` assigned as of {}: {} treatment, {} holdout; {} goal events added \
                 for an effect of {:+.2} points over a base rate of {:.2} %",
                p.campaign,
                p.assigned_at.format("%Y-%m-%d %H:%M"),
                p.treatment,
                p.holdout,
                p.added,
                p.effect * 100.0,
                p.base_rate * 100.0
            ));
        }
        text
    }
}

/// Replaces the users and events tables with `users` generated users and `days` of events
/// ending at the context's day; then, when asked, plants a campaign effect (`demo::effect`).
pub async fn seed(
    ctx: &Context,
    users: u64,
    days: u32,
    seed: u64,
    effect: Option<&CampaignEffect>,
) -> Result<SeedReport> {
    let campaign = match effect.and_then(|e| e.campaign.as_deref()) {
        Some(name) => Some(crate::ops::campaign::find(&ctx.project, name)?),
        None if effect.is_some() => Some(first_campaign(&ctx.project)?),
        None => None,
    };
    let spec = Spec::ending_today(ctx.now, users, days, seed);
    let started = Instant::now();
    let mut wh = ctx.warehouse().await?;
    let progress = ctx.reporter.progress();
    let project = &ctx.project;
    let seeded = ctx
        .unless_cancelled(async {
            Ok(demo::seed(
                wh.as_mut(),
                project.tables(),
                &spec_table(project),
                spec,
                progress.as_ref(),
            )
            .await?)
        })
        .await?;
    let planted = match (campaign, effect) {
        (Some(c), Some(e)) => {
            let cdp = CdpTables::new(wh.kind(), project.warehouse.cdp_schema());
            let plant = demo::effect::plant(
                wh.as_mut(),
                project.tables(),
                &cdp,
                &project.segments,
                c,
                seeded.end,
                e.effect,
            );
            Some(ctx.unless_cancelled(plant).await?)
        }
        _ => None,
    };
    Ok(SeedReport {
        seeded,
        campaign: planted,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The campaign an effect goes to when none is named: the project's first.
fn first_campaign(project: &Project) -> Result<&CampaignDef> {
    project.campaigns.first().ok_or_else(|| {
        Error::Usage(
            "`--campaign-effect` needs a campaign, and the project has none under `campaigns/`"
                .into(),
        )
    })
}

/// What `demo advance` appended, and how long it took.
#[derive(Debug, serde::Serialize)]
pub struct AdvanceReport {
    #[serde(flatten)]
    pub advanced: Advanced,
    pub seconds: f64,
}

/// Appends the next `days` of demo activity after where the demo data ends.
pub async fn advance(ctx: &Context, days: u32) -> Result<AdvanceReport> {
    let started = Instant::now();
    let mut wh = ctx.warehouse().await?;
    let progress = ctx.reporter.progress();
    let project = &ctx.project;
    let advanced = ctx
        .unless_cancelled(demo::advance(
            wh.as_mut(),
            project.tables(),
            &spec_table(project),
            days,
            progress.as_ref(),
        ))
        .await?;
    Ok(AdvanceReport {
        advanced,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Where seed records the demo spec for advance: the project's cdp schema.
fn spec_table(project: &Project) -> SpecTable {
    SpecTable::new(
        warehouse::dialect_of(&project.warehouse),
        project.warehouse.cdp_schema(),
    )
}

/// The main job on the demo: data seeded, every segment applied and refreshed.
#[derive(Debug, serde::Serialize)]
pub struct QuickstartReport {
    pub seeded: SeedReport,
    /// Segment versions applied by this run (none when they already were).
    pub applied: usize,
    pub refreshed: Vec<QuickstartSegment>,
}

#[derive(Debug, serde::Serialize)]
pub struct QuickstartSegment {
    #[serde(flatten)]
    pub refreshed: Refreshed,
    pub description: Option<String>,
}

/// How long quickstart waits for another command holding the project lock.
const QUICKSTART_WAIT: Duration = Duration::from_secs(300);

/// Seeds `users` demo users with 90 days of events, applies every segment and refreshes them
/// all, as of the context's instant.
pub async fn quickstart(ctx: &Context, users: u64) -> Result<QuickstartReport> {
    let seeded = seed(ctx, users, 90, 42, None).await?;
    ctx.note(&seeded.summary());
    let applied = apply(ctx, QUICKSTART_WAIT, &|_| Ok(())).await?;
    let applied = applied.items.len();
    if applied > 0 {
        ctx.note(&format!(
            "applied {applied} segment versions (state in the state store)"
        ));
    }
    let done = refresh(ctx, &Selection::All, QUICKSTART_WAIT, false).await?;
    let refreshed = done
        .refreshed
        .into_iter()
        .map(|r| QuickstartSegment {
            description: ctx
                .project
                .segment(&r.segment)
                .and_then(|d| d.description.clone()),
            refreshed: r,
        })
        .collect();
    Ok(QuickstartReport {
        seeded,
        applied,
        refreshed,
    })
}
