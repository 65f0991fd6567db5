//! What a daemon job does (a segment's refresh, then its sync; a sync; a campaign's launch; a
//! dashboard's tiles), the key that names it, and how it runs: the same operations as the
//! command line, on a context of its own.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::Result;
use crate::ops::{self, Context};

/// How long a job waits for another refresh, sync or launch to release the project.
pub const LOCK_WAIT: Duration = Duration::from_secs(300);

/// A job's work.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// A segment's refresh (and those it refers to); with `then_sync`, what changed is sent to
    /// its destinations in the same job, as a segment's `schedule:` asks.
    Refresh { segment: String, then_sync: bool },
    /// A segment's sync to its destinations.
    Sync { segment: String },
    /// A campaign's launch (new members of its audience frozen and messaged).
    Launch { campaign: String },
    /// A dashboard's tiles, computed and kept for the UI.
    Dashboard { dashboard: String },
}

impl Work {
    /// The job's key: what a lock and a schedule are named by (`refresh:vip`).
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind(), self.subject())
    }

    /// The work a key names, as the state store records it: a scheduled refresh is followed by
    /// its sync, one from the API or the UI is not.
    pub fn from_key(key: &str, scheduled: bool) -> Option<Work> {
        let (kind, subject) = key.split_once(':')?;
        let subject = subject.to_string();
        Some(match kind {
            "refresh" => Work::Refresh {
                segment: subject,
                then_sync: scheduled,
            },
            "sync" => Work::Sync { segment: subject },
            "launch" => Work::Launch { campaign: subject },
            "dashboard" => Work::Dashboard { dashboard: subject },
            _ => return None,
        })
    }

    /// `refresh`, `sync`, `launch` or `dashboard`.
    pub fn kind(&self) -> &'static str {
        match self {
            Work::Refresh { .. } => "refresh",
            Work::Sync { .. } => "sync",
            Work::Launch { .. } => "launch",
            Work::Dashboard { .. } => "dashboard",
        }
    }

    /// The segment, campaign or dashboard it works on.
    pub fn subject(&self) -> &str {
        match self {
            Work::Refresh { segment, .. } | Work::Sync { segment } => segment,
            Work::Launch { campaign } => campaign,
            Work::Dashboard { dashboard } => dashboard,
        }
    }

    /// Runs the work; its report as the command line's `--format json` prints it, and the users
    /// destinations refused (for alerts).
    pub async fn run(&self, ctx: &Context) -> Result<Done> {
        match self {
            Work::Refresh { segment, then_sync } => {
                let selection = crate::membership::refresh::Selection::Named(vec![segment.clone()]);
                let report = ops::refresh::refresh(ctx, &selection, LOCK_WAIT, *then_sync).await?;
                let rejected = report.syncs.as_deref().map(rejected).unwrap_or(0);
                report.outcome()?;
                Ok(Done::new(&report, rejected))
            }
            Work::Sync { segment } => {
                let options = crate::sync::Options {
                    segments: vec![segment.clone()],
                    ..Default::default()
                };
                let report = ops::sync::sync(ctx, &options, LOCK_WAIT).await?;
                report.outcome()?;
                Ok(Done::new(&report, rejected(&report.syncs)))
            }
            Work::Launch { campaign } => {
                let options = ops::campaign_launch::LaunchOptions {
                    resend_unknown: false,
                    wait: LOCK_WAIT,
                };
                let report = ops::campaign_launch::launch(ctx, campaign, &options).await?;
                report.outcome()?;
                Ok(Done::new(&report, 0))
            }
            Work::Dashboard { dashboard } => {
                let report = ops::dashboard::run(ctx, dashboard, &[]).await?;
                let data = serde_json::to_value(&report).unwrap_or_default();
                ctx.store()
                    .await?
                    .put_tiles(dashboard, ctx.now, &data)
                    .await?;
                Ok(Done {
                    report: serde_json::json!({ "dashboard": dashboard, "tiles": report.tiles.len() }),
                    rejected: 0,
                })
            }
        }
    }
}

/// What a job that ended well leaves.
#[derive(Clone, Debug)]
pub struct Done {
    pub report: Value,
    /// Users the destinations refused in this job.
    pub rejected: u64,
}

impl Done {
    fn new(report: &impl serde::Serialize, rejected: u64) -> Done {
        Done {
            report: serde_json::to_value(report).unwrap_or_default(),
            rejected,
        }
    }
}

fn rejected(syncs: &[crate::sync::Report]) -> u64 {
    syncs.iter().map(|s| s.stats.rejected.max(0) as u64).sum()
}

/// One job in a queue: its work, and the scheduled instant it runs for (none when started from
/// the API or the UI).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub id: String,
    pub work: Work,
    pub instant: Option<DateTime<Utc>>,
}

impl Entry {
    pub fn new(work: Work, instant: Option<DateTime<Utc>>) -> Entry {
        Entry {
            id: new_id(),
            work,
            instant,
        }
    }

    /// What makes two entries the same job: the key and the instant (an entry with no instant
    /// is only itself).
    pub fn dedupe_key(&self) -> String {
        match self.instant {
            Some(at) => format!("{}@{}", self.work.key(), at.timestamp()),
            None => format!("{}#{}", self.work.key(), self.id),
        }
    }
}

/// A job id: 16 random hex digits.
fn new_id() -> String {
    use rand::RngExt as _;
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}
