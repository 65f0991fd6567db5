//! `campaign plan` and `campaign status`: what a launch would do (audience, arms, the goal's
//! base rate, the effect the split can detect, the first requests as they would go out), and
//! where each campaign stands.

use super::segments::membership_tables;
use crate::campaign::CampaignError;
use crate::campaign::freeze::{audience_sql, candidates_sql, counts_sql, ensure_sql};
use crate::campaign::goal::base_rate_sql;
use crate::campaign::journal::Journal;
use crate::campaign::launch::{running, setup};
use crate::campaign::send::{Messenger, Recipient};
use crate::campaign::spec::CampaignDef;
use crate::campaign::stats::planned_mde;
use crate::destinations::braze::messaging::{DEFAULT_RATE, RECIPIENTS};
use crate::destinations::{Destination, Sample};
use crate::error::{Error, Result};
use crate::membership::sql::Tables;
use crate::ops::Context;
use crate::project::Project;
use crate::state::Store;
use crate::state::campaign::{LaunchRecord, SendStatus};
use crate::warehouse::{Cell, Warehouse};

/// Users per arm.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct ArmCounts {
    pub treatment: i64,
    pub holdout: i64,
}

/// The project's campaign of that name.
pub fn find<'a>(project: &'a Project, name: &str) -> Result<&'a CampaignDef> {
    project
        .campaigns
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            CampaignError::Unknown {
                name: name.to_string(),
                known: project.campaigns.iter().map(|c| c.name.clone()).collect(),
            }
            .into()
        })
}

async fn query(wh: &mut dyn Warehouse, sql: String) -> Result<Vec<Vec<Cell>>> {
    wh.rows(&sql)
        .await
        .map_err(|source| Error::Query { sql, source })
}

/// Users per arm of the assignments `sql` counts (`arm, users` rows).
async fn counted(wh: &mut dyn Warehouse, sql: String) -> Result<ArmCounts> {
    let mut out = ArmCounts::default();
    for row in query(wh, sql).await? {
        let n = row.get(1).map_or(0, Cell::as_i64);
        match row.first().map(Cell::to_text).as_deref() {
            Some("treatment") => out.treatment = n,
            Some("holdout") => out.holdout = n,
            _ => {}
        }
    }
    Ok(out)
}

/// The campaign's frozen assignments per arm.
pub async fn arm_counts(wh: &mut dyn Warehouse, t: &Tables, campaign: &str) -> Result<ArmCounts> {
    counted(wh, counts_sql(t, campaign)).await
}

/// The other campaigns running now (see `campaign::launch::running`).
pub async fn running_now(ctx: &Context, store: &dyn Store, except: &str) -> Result<Vec<String>> {
    let launches = store.launches(None, 10_000).await?;
    Ok(running::running(
        &ctx.project.campaigns,
        &launches,
        except,
        ctx.now,
    ))
}

/// Creates the assignments table when missing.
pub async fn ensure(wh: &mut dyn Warehouse, t: &Tables) -> Result<()> {
    let statements = ensure_sql(t);
    wh.transaction(&statements).await.map_err(|f| Error::Query {
        sql: statements[f.index].clone(),
        source: f.source,
    })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PlanReport {
    pub campaign: String,
    pub audience: String,
    /// The audience's current members.
    pub members: i64,
    /// Assigned by earlier launches.
    pub assigned: ArmCounts,
    /// What this launch would assign.
    pub new: ArmCounts,
    pub holdout_share: f64,
    /// Treatment users this launch would message (those assigned before and not messaged, and
    /// the new ones), before the frequency cap.
    pub to_message: i64,
    /// Share of the audience with a goal event in the last `within`.
    pub base_rate: Option<f64>,
    pub base_window_days: f64,
    /// The smallest absolute change of the conversion rate the split detects with 80 % power
    /// at 5 % two-sided significance.
    pub mde: Option<f64>,
    pub excluded_running: Vec<String>,
    /// The Braze destination a launch would send through.
    pub destination: Option<String>,
    pub image_url: String,
    /// What a launch would refuse, as things stand (no Braze destination, an id not set).
    pub notes: Vec<String>,
    /// The first requests, as they would be sent (the API key is a header, never shown).
    pub payloads: Vec<Sample>,
}

pub async fn plan(ctx: &Context, name: &str) -> Result<PlanReport> {
    let c = find(&ctx.project, name)?.clone();
    // What a launch would refuse is said, and the rest of the plan still shown.
    let mut notes = Vec::new();
    let mut note = |e: Error| {
        let hint = e.hint().map(|h| format!("; {h}")).unwrap_or_default();
        notes.push(format!("{e}{hint}"));
    };
    let braze = setup::braze(&ctx.project, &c).map_err(&mut note).ok();
    let trigger = setup::trigger(&c).map_err(&mut note).ok();
    let store = ctx.store().await?;
    if store.snapshots(&c.audience).await?.is_empty() {
        return Err(Error::NeverRefreshed(c.audience.clone()));
    }
    let assets_spec = ctx.project.assets_of(&ctx.project.env)?;
    let assets = crate::assets::open(&assets_spec, &ctx.project.root).await?;
    let image_url = match c.offer.first() {
        Some(item) => setup::image_url(&ctx.project, assets.as_ref(), &c, item, false).await?,
        None => String::new(),
    };
    let mut wh = ctx.warehouse().await?;
    let t = membership_tables(&ctx.project);
    ensure(wh.as_mut(), &t).await?;
    let excluded_running = if c.exclude_running {
        running_now(ctx, store.as_ref(), &c.name).await?
    } else {
        Vec::new()
    };
    let assigned = arm_counts(wh.as_mut(), &t, &c.name).await?;
    let candidates = candidates_sql(&t, &c, &audience_sql(&t, &c), ctx.now, &excluded_running);
    let new = counted(
        wh.as_mut(),
        format!("select arm, count(*) as users from ({candidates}) p group by arm"),
    )
    .await?;
    let base = query(
        wh.as_mut(),
        base_rate_sql(ctx.project.tables(), &t, &c, ctx.now),
    )
    .await?;
    let (members, converted) = base
        .first()
        .map(|r| {
            (
                r.first().map_or(0, Cell::as_i64),
                r.get(1).map_or(0, Cell::as_i64),
            )
        })
        .unwrap_or((0, 0));
    let base_rate = (members > 0).then(|| converted as f64 / members as f64);
    let recorded = store
        .users_with(
            &c.name,
            &[
                SendStatus::Pending,
                SendStatus::Sent,
                SendStatus::Failed,
                SendStatus::Capped,
                SendStatus::Unknown,
            ],
        )
        .await?;
    let to_message = (assigned.treatment - recorded.len() as i64).max(0) + new.treatment;
    let holdout_share = f64::from(c.holdout_bp) / 10_000.0;
    let total = (assigned.treatment + assigned.holdout + new.treatment + new.holdout).max(0) as u64;
    let mde = base_rate.and_then(|r| planned_mde(total, holdout_share, r));
    // The first recipients: treatment users in id order, assigned before or now.
    let d = t.dialect();
    let first_sql = format!(
        "select user_id from (select user_id from {a} where campaign = {name} and arm = 'treatment' \
         union all select user_id from ({candidates}) p where p.arm = 'treatment') f order by user_id {limit}",
        a = crate::campaign::freeze::assignments(&t),
        name = d.string(&c.name),
        limit = d.limit((2 * RECIPIENTS + recorded.len().min(10_000)) as u64),
    );
    let mut users = Vec::new();
    for row in query(wh.as_mut(), first_sql).await? {
        let user = row.first().map(Cell::to_text).unwrap_or_default();
        if !recorded.contains(&user) && users.len() < 2 * RECIPIENTS {
            users.push(Recipient {
                seq: users.len() as i64 + 1,
                user_id: user,
            });
        }
    }
    let payloads = match (braze, trigger) {
        (Some((_, braze)), Some(trigger)) => {
            let messenger = Messenger {
                http: crate::http::client(std::time::Duration::from_secs(60))
                    .map_err(Error::Internal)?,
                endpoint: braze.endpoint.clone(),
                api_key: String::new(),
                trigger,
                send_id: "(the launch's send id)".into(),
                properties: setup::properties(&c, &image_url),
                journal: Journal::start(store, c.name.clone(), 0),
                rate: braze.message_rate_limit.unwrap_or(DEFAULT_RATE),
                concurrency: braze.concurrency,
            };
            users
                .chunks(RECIPIENTS)
                .map(|b| messenger.sample(b))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(PlanReport {
        campaign: c.name.clone(),
        audience: c.audience.clone(),
        members,
        assigned,
        new,
        holdout_share,
        to_message,
        base_rate,
        base_window_days: c.goal.within.seconds as f64 / 86_400.0,
        mde,
        excluded_running,
        destination: braze.map(|(name, _)| name.to_string()),
        notes,
        image_url,
        payloads,
    })
}

/// Where one campaign stands.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CampaignStatus {
    pub campaign: String,
    pub audience: String,
    /// The audience's size at its last refresh.
    pub audience_size: Option<i64>,
    /// The arms as frozen in the warehouse; none when read from the state store alone.
    pub treatment: Option<i64>,
    pub holdout: Option<i64>,
    pub sent: i64,
    pub unknown: i64,
    pub failed: i64,
    pub capped: i64,
    /// Out when cdp stopped (settled `unknown` by the next launch).
    pub pending: i64,
    pub last_run: Option<LaunchRecord>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct StatusReport {
    pub campaigns: Vec<CampaignStatus>,
}

/// Every campaign of the project (or the one named), with its arms, sends and last launch.
pub async fn status(ctx: &Context, name: Option<&str>) -> Result<StatusReport> {
    status_with(ctx, name, true).await
}

/// As `status`, from the state store alone, without the arms (they are in the warehouse): for
/// pages served while the warehouse is left to the daemon's jobs.
pub async fn recorded_status(ctx: &Context, name: Option<&str>) -> Result<StatusReport> {
    status_with(ctx, name, false).await
}

async fn status_with(ctx: &Context, name: Option<&str>, arms: bool) -> Result<StatusReport> {
    let chosen: Vec<&CampaignDef> = match name {
        Some(n) => vec![find(&ctx.project, n)?],
        None => ctx.project.campaigns.iter().collect(),
    };
    let store = ctx.store().await?;
    let t = membership_tables(&ctx.project);
    let mut wh = match arms {
        true => {
            let mut wh = ctx.warehouse().await?;
            ensure(wh.as_mut(), &t).await?;
            Some(wh)
        }
        false => None,
    };
    let mut campaigns = Vec::new();
    for c in chosen {
        let arms = match wh.as_mut() {
            Some(wh) => Some(arm_counts(wh.as_mut(), &t, &c.name).await?),
            None => None,
        };
        let mut s = CampaignStatus {
            campaign: c.name.clone(),
            audience: c.audience.clone(),
            audience_size: store.last_snapshot(&c.audience).await?.map(|s| s.size),
            treatment: arms.as_ref().map(|a| a.treatment),
            holdout: arms.as_ref().map(|a| a.holdout),
            sent: 0,
            unknown: 0,
            failed: 0,
            capped: 0,
            pending: 0,
            last_run: store.launches(Some(&c.name), 1).await?.into_iter().next(),
        };
        for (status, n) in store.send_counts(&c.name).await? {
            match status {
                SendStatus::Sent => s.sent = n,
                SendStatus::Unknown => s.unknown = n,
                SendStatus::Failed => s.failed = n,
                SendStatus::Capped => s.capped = n,
                SendStatus::Pending => s.pending = n,
            }
        }
        campaigns.push(s);
    }
    Ok(StatusReport { campaigns })
}
