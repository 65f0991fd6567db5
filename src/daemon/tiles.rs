//! The dashboards as the daemon serves them: each one's tiles as its last `dashboard` job
//! computed them, read from the state store (never the warehouse, which a request does not
//! open), with its refresh interval and that job's outcome; and the refresh that computes them
//! again, as a job. The API and the UI both read them here.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::App;
use super::work::Work;
use crate::dashboard::DashboardError;
use crate::dashboard::spec::DashboardDef;
use crate::error::Result;
use crate::ops::dashboard::{DashboardReport, find};
use crate::state::daemon_jobs::JobRecord;

/// A page of a dashboard reloads itself at its `refresh:` interval, but not more often than
/// this (seconds): a short interval would keep a phone busy redrawing.
pub const RELOAD_AT_LEAST: i64 = 30;
/// ... nor less often than this (a day), however long the interval.
pub const RELOAD_AT_MOST: i64 = 86_400;

/// A dashboard of the project and what the daemon keeps of it.
pub struct Kept<'a> {
    pub def: &'a DashboardDef,
    /// When its tiles were computed, and the report as kept (JSON); none before the first time.
    pub tiles: Option<(DateTime<Utc>, Value)>,
    /// Its latest job (queued, running or ended), if any.
    pub last_job: Option<JobRecord>,
}

impl Kept<'_> {
    /// When its tiles were last computed.
    pub fn computed_at(&self) -> Option<DateTime<Utc>> {
        self.tiles.as_ref().map(|(at, _)| *at)
    }

    /// The kept report read back; `None` before the first time.
    pub fn report(&self) -> Result<Option<DashboardReport>> {
        let Some((_, data)) = &self.tiles else {
            return Ok(None);
        };
        serde_json::from_value(data.clone())
            .map(Some)
            .map_err(|source| {
                DashboardError::StoredTiles {
                    name: self.def.name.clone(),
                    source,
                }
                .into()
            })
    }

    /// The `refresh:` interval as written (`15m`), if any.
    pub fn interval(&self) -> Option<String> {
        self.def.refresh.map(|s| s.to_string())
    }

    /// How often a page showing it reloads itself (seconds), when it has an interval.
    pub fn reload_every(&self) -> Option<u32> {
        self.def
            .refresh
            .map(|s| s.seconds.clamp(RELOAD_AT_LEAST, RELOAD_AT_MOST) as u32)
    }

    /// Who computes it, and when it was, in one sentence for people.
    pub fn when_computed(&self) -> String {
        let every = match self.interval() {
            Some(i) => format!("computed every {i} by the daemon"),
            None => "computed by the daemon when asked (it has no `refresh:`)".to_string(),
        };
        match self.computed_at() {
            Some(at) => format!("{every}; last at {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
            None => format!("{every}; not computed yet"),
        }
    }

    /// Whether a job for it waits or runs now.
    pub fn busy(&self) -> bool {
        self.last_job
            .as_ref()
            .is_some_and(|j| j.status == "queued" || j.status == "running")
    }

    /// The error of its latest job, when that job failed.
    pub fn failed(&self) -> Option<&str> {
        self.last_job
            .as_ref()
            .filter(|j| j.status == "failed")
            .map(|j| j.error.as_deref().unwrap_or("the job failed"))
    }
}

/// Dashboard `name` of the project and what the daemon keeps of it; an unknown name is
/// `DashboardError::Unknown` (404, with the closest name).
pub async fn kept<'a>(app: &'a App, name: &str) -> Result<Kept<'a>> {
    let def = find(&app.ctx, name)?;
    of(app, def).await
}

/// Every dashboard of the project, in its order, with what the daemon keeps of each.
pub async fn all(app: &App) -> Result<Vec<Kept<'_>>> {
    let mut out = Vec::new();
    for def in &app.ctx.project.dashboards {
        out.push(of(app, def).await?);
    }
    Ok(out)
}

async fn of<'a>(app: &App, def: &'a DashboardDef) -> Result<Kept<'a>> {
    let store = &app.runner.store;
    let tiles = store.tiles(&def.name).await?;
    let key = Work::Dashboard {
        dashboard: def.name.clone(),
    }
    .key();
    let last_job = store.jobs(Some(&key), 1).await?.into_iter().next();
    Ok(Kept {
        def,
        tiles,
        last_job,
    })
}

/// Queues the computing of dashboard `name`'s tiles; its job id.
pub async fn refresh(app: &App, name: &str) -> Result<String> {
    find(&app.ctx, name)?;
    let work = Work::Dashboard {
        dashboard: name.to_string(),
    };
    Ok(app.runner.submit(work, None).await?.unwrap_or_default())
}
