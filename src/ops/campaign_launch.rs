//! `campaign launch`: freezes the audience's new members into the campaign's arms, then messages
//! the treatment users not messaged yet through Braze, at most once each, recording every send.
//! A launch killed anywhere and run again sends only the rest; a request whose answer was lost
//! leaves its users `unknown`, sent again only with `resend_unknown`. Holdout users are never
//! read, so never messaged.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;

use super::campaign::{ArmCounts, arm_counts, ensure, find, running_now};
use super::segments::membership_tables;
use crate::campaign::freeze::{freeze_excluding_sql, treatment_page_sql};
use crate::campaign::journal::Journal;
use crate::campaign::launch::setup;
use crate::campaign::send::{Messenger, Recipient};
use crate::campaign::{CampaignError, spec::CampaignDef};
use crate::destinations::braze::messaging::DEFAULT_RATE;
use crate::destinations::util::checkpoint::Writer;
use crate::destinations::util::pipeline::{self, Run};
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::retry::Backoff;
use crate::state::Store;
use crate::state::campaign::{BatchKey, LaunchTotals, NewLaunch, SendStatus};
use crate::warehouse::{Cell, Warehouse};

/// Treatment users read from the warehouse per query.
const PAGE: u64 = 20_000;

#[derive(Clone, Debug, Default)]
pub struct LaunchOptions {
    /// Message again the users a lost answer left `unknown` (they may get it twice).
    pub resend_unknown: bool,
    /// How long to wait for the project lock.
    pub wait: Duration,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct LaunchReport {
    pub campaign: String,
    pub launch_id: i64,
    pub send_id: String,
    /// Carries on the send id of a launch that did not finish.
    pub resumed: bool,
    /// Assigned by this launch.
    pub assigned_now: ArmCounts,
    /// Assigned in all.
    pub arms: ArmCounts,
    /// Treatment users skipped because a send of theirs is recorded already.
    pub already: i64,
    /// Running campaigns whose treatment users were left out (`exclude_running`).
    pub excluded_running: Vec<String>,
    #[serde(flatten)]
    pub totals: LaunchTotals,
    /// `succeeded`, `failed` or `interrupted`.
    pub status: String,
    pub error: Option<String>,
    /// Exposure events sent to Amplitude, when the campaign records them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposures: Option<super::campaign_exposures::Sent>,
    /// The whole launch.
    pub duration_ms: u64,
    /// From the first request to the last answer.
    pub sending_ms: i64,
}

impl LaunchReport {
    pub fn outcome(&self) -> Result<()> {
        match self.status.as_str() {
            "interrupted" => Err(Error::Interrupted),
            "failed" => Err(CampaignError::LaunchFailed {
                campaign: self.campaign.clone(),
                message: self.error.clone().unwrap_or_default(),
            }
            .into()),
            _ => Ok(()),
        }
    }
}

fn new_send_id(campaign: &str, at: chrono::DateTime<Utc>) -> String {
    let safe: String = campaign
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect();
    format!("{safe}-{}", at.format("%Y%m%d%H%M%S"))
}

pub async fn launch(ctx: &Context, name: &str, options: &LaunchOptions) -> Result<LaunchReport> {
    let started = Instant::now();
    let c = find(&ctx.project, name)?.clone();
    let (braze_name, braze) = setup::braze(&ctx.project, &c)?;
    let trigger = setup::trigger(&c)?;
    let amplitude = super::campaign_exposures::destination(ctx, &c)?;
    let store = ctx.store().await?;
    let _lock = ctx.lock("campaign launch", options.wait).await?;
    if store.snapshots(&c.audience).await?.is_empty() {
        return Err(Error::NeverRefreshed(c.audience.clone()));
    }
    let assets_spec = ctx.project.assets_of(&ctx.project.env)?;
    let assets = crate::assets::open(&assets_spec, &ctx.project.root).await?;
    let image_url = match c.offer.first() {
        Some(item) => setup::image_url(&ctx.project, assets.as_ref(), &c, item, true).await?,
        None => String::new(),
    };
    let resumed = store.recover_launches(&c.name, ctx.now).await?;
    let send_id = resumed
        .clone()
        .unwrap_or_else(|| new_send_id(&c.name, ctx.now));
    let actor = &ctx.actor;
    let launch_id = store
        .start_launch(&NewLaunch {
            campaign: &c.name,
            send_id: &send_id,
            actor: &actor.name,
            host: &actor.host,
            at: Utc::now(),
        })
        .await?;
    let messenger = Messenger {
        http: crate::http::client(Duration::from_secs(60)).map_err(Error::Internal)?,
        endpoint: braze.endpoint.clone(),
        api_key: braze.api_key.expose().to_string(),
        trigger,
        send_id: send_id.clone(),
        properties: setup::properties(&c, &image_url),
        journal: Journal::start(store.clone(), c.name.clone(), launch_id),
        rate: braze.message_rate_limit.unwrap_or(DEFAULT_RATE),
        concurrency: braze.concurrency,
    };
    let mut report = LaunchReport {
        campaign: c.name.clone(),
        launch_id,
        send_id,
        resumed: resumed.is_some(),
        assigned_now: ArmCounts::default(),
        arms: ArmCounts::default(),
        already: 0,
        excluded_running: Vec::new(),
        totals: LaunchTotals::default(),
        status: "failed".into(),
        error: None,
        exposures: None,
        duration_ms: 0,
        sending_ms: 0,
    };
    let mut done = run(ctx, &c, braze_name, messenger, options, &mut report).await;
    // Exposures of everyone messaged (by this launch or an earlier one), unless it was stopped.
    if let (Some(amplitude), Ok(false)) = (amplitude, &done) {
        match super::campaign_exposures::send(ctx, &c, amplitude, store.clone(), &report.send_id)
            .await
        {
            Ok(x) => {
                if report.error.is_none() {
                    report.error = x.error.as_ref().map(|e| format!("exposures: {e}"));
                }
                report.exposures = Some(x);
            }
            Err(e) => done = Err(e),
        }
    }
    report.status = match &done {
        Ok(true) => "interrupted",
        Ok(false) if report.error.is_none() => "succeeded",
        _ => "failed",
    }
    .into();
    if let Err(e) = &done {
        report.error = Some(crate::error::chain(e));
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    store
        .finish_launch(
            launch_id,
            &report.status,
            &report.totals,
            report.error.as_deref(),
            Utc::now(),
        )
        .await?;
    done.map(|_| report)
}

/// Freezes the new assignments and sends; returns whether it was stopped. A failure that
/// stopped the sending is in `report.error`.
async fn run(
    ctx: &Context,
    c: &CampaignDef,
    braze_name: &str,
    messenger: Messenger,
    options: &LaunchOptions,
    report: &mut LaunchReport,
) -> Result<bool> {
    let store = ctx.store().await?;
    let mut wh = ctx.warehouse().await?;
    wh.limit_memory(crate::sync::run::SYNC_MEMORY).await?;
    let t = membership_tables(&ctx.project);
    ensure(wh.as_mut(), &t).await?;
    if c.exclude_running {
        report.excluded_running = running_now(ctx, store.as_ref(), &c.name).await?;
    }
    let before = arm_counts(wh.as_mut(), &t, &c.name).await?;
    let freeze = freeze_excluding_sql(&t, c, ctx.now, &report.excluded_running);
    wh.execute(&freeze).await.map_err(|source| Error::Query {
        sql: freeze,
        source,
    })?;
    report.arms = arm_counts(wh.as_mut(), &t, &c.name).await?;
    report.assigned_now = ArmCounts {
        treatment: report.arms.treatment - before.treatment,
        holdout: report.arms.holdout - before.holdout,
    };
    report.totals.assigned = report.assigned_now.treatment + report.assigned_now.holdout;

    let mut skip = vec![
        SendStatus::Pending,
        SendStatus::Sent,
        SendStatus::Failed,
        SendStatus::Capped,
    ];
    if !options.resend_unknown {
        skip.push(SendStatus::Unknown);
    }
    let recorded = store.users_with(&c.name, &skip).await?;
    let capped = match &c.frequency_cap {
        Some(cap) => {
            let since = ctx.now - chrono::Duration::seconds(cap.per.seconds);
            store.messaged_since(since, i64::from(cap.max)).await?
        }
        None => HashSet::new(),
    };
    let progress = ctx.reporter.progress();
    progress.start(
        "messages",
        (report.arms.treatment - recorded.len() as i64).max(0) as u64,
    );
    let (tx, rx) = mpsc::channel::<Vec<Recipient>>(2);
    let reader = Reader {
        store: store.clone(),
        campaign: c.name.clone(),
        launch_id: report.launch_id,
        recorded,
        capped,
    };
    let producer = tokio::spawn(reader.read(wh, t, tx));
    let destination = Arc::new(messenger);
    let sent = pipeline::send_all(
        Run {
            destination,
            name: braze_name.to_string(),
            run_id: report.launch_id,
            segment: c.name.clone(),
            key: "campaign".into(),
            backoff: Backoff::default(),
            progress: Box::new(move |n| progress.advance(n)),
            created: Box::new(|_, _| {}),
            cancel: ctx.cancel.clone(),
        },
        rx,
        Writer::discard(),
    )
    .await;
    let read = producer
        .await
        .map_err(|e| Error::Internal(format!("the recipients' reader failed: {e}")))?;
    let counts = read?;
    report.already = counts.already;
    report.totals.to_send = counts.to_send;
    report.totals.capped = counts.capped;
    report.totals.sent = sent.stats.sent;
    report.totals.failed = sent.stats.rejected;
    report.totals.unknown = sent.unknown.len() as i64;
    report.totals.requests = sent.stats.requests;
    report.totals.retried = sent.stats.retried;
    report.sending_ms = sent.stats.duration_ms;
    if let Some(failure) = &sent.failure {
        report.error = Some(crate::error::chain(failure));
    }
    Ok(sent.stopped)
}

/// What the reader counted.
struct Counts {
    to_send: i64,
    already: i64,
    capped: i64,
}

/// Reads the treatment users a page at a time, in id order, leaving out those with a send
/// recorded and recording those at the frequency cap; hands the rest to the pipeline numbered.
struct Reader {
    store: Arc<dyn Store>,
    campaign: String,
    launch_id: i64,
    recorded: HashSet<String>,
    capped: HashSet<String>,
}

impl Reader {
    async fn read(
        self,
        mut wh: Box<dyn Warehouse>,
        t: crate::membership::sql::Tables,
        tx: mpsc::Sender<Vec<Recipient>>,
    ) -> Result<Counts> {
        let mut counts = Counts {
            to_send: 0,
            already: 0,
            capped: 0,
        };
        let mut after: Option<String> = None;
        let mut seq = 0i64;
        loop {
            let sql = treatment_page_sql(&t, &self.campaign, after.as_deref(), PAGE);
            let rows = wh
                .rows(&sql)
                .await
                .map_err(|source| Error::Query { sql, source })?;
            let n = rows.len() as u64;
            let mut page = Vec::with_capacity(rows.len());
            let mut at_cap = Vec::new();
            for row in rows {
                let user = row.first().map(Cell::to_text).unwrap_or_default();
                if self.recorded.contains(&user) {
                    counts.already += 1;
                } else if self.capped.contains(&user) {
                    at_cap.push(user.clone());
                } else {
                    seq += 1;
                    page.push(Recipient {
                        seq,
                        user_id: user.clone(),
                    });
                }
                after = Some(user);
            }
            if !at_cap.is_empty() {
                let users: Vec<&str> = at_cap.iter().map(String::as_str).collect();
                let key = BatchKey {
                    campaign: &self.campaign,
                    launch_id: self.launch_id,
                    batch: 0,
                };
                self.store
                    .record_unsent(
                        key,
                        &users,
                        SendStatus::Capped,
                        "at the frequency cap",
                        Utc::now(),
                    )
                    .await?;
                counts.capped += at_cap.len() as i64;
            }
            counts.to_send += page.len() as i64;
            if !page.is_empty() && tx.send(page).await.is_err() {
                break;
            }
            if n < PAGE {
                break;
            }
        }
        Ok(counts)
    }
}
