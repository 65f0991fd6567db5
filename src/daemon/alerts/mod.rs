//! The daemon's alerts: a failed job, or a sync whose rejected users pass the threshold, is
//! reported once per failure streak, and once more when the job recovers, by webhook
//! (Slack-compatible JSON) and by email through SendGrid.
//!
//! Each job key (`refresh:vip`, `sync:vip`, ...) has its streak in the state store
//! ([`crate::state::alert`]). A finished job records its outcome there; when that outcome owes
//! an alert, the daemon that wins the claim on it sends it (so daemons sharing a PostgreSQL
//! store send it once), then records whether it was sent.
//!
//! An alert counts as sent when at least one channel took it. One that no channel took stays
//! owed, and the job's next outcome of the same kind (the next failure of the streak, or the
//! next success after a recovery) tries again; an outcome that changes the state drops it, so
//! a streak whose failure alert never went out ends without a recovery alert. Sending is
//! bounded in time ([`send::BUDGET`] per channel, both at once), so a dead channel never holds
//! the job runner for long.

mod message;
mod send;
mod sendgrid;
mod streak;
mod webhook;

use chrono::Utc;

use crate::error::Result;
use crate::project::config::AlertsSpec;
use crate::state::Store;

pub use message::AlertKind;
pub use send::{AlertError, Channel, Delivery};

/// How a finished job turned out, as the alerts see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    /// It finished; `rejected` users were refused by a destination (0 for jobs that send none).
    Succeeded {
        rejected: u64,
    },
    Failed {
        error: String,
    },
}

/// What [`Alerts::finished`] did with one outcome.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AlertReport {
    pub job: String,
    /// Whether the job counts as failing after this outcome.
    pub failing: bool,
    #[serde(flatten)]
    pub action: Action,
    /// One per channel tried, when an alert was sent.
    pub deliveries: Vec<Delivery>,
}

impl AlertReport {
    /// Whether an alert went out through at least one channel.
    pub fn delivered(&self) -> bool {
        self.deliveries.iter().any(|d| d.delivered)
    }
}

/// Why an alert was or was not sent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The environment has no `alerts:`; nothing was recorded.
    Disabled,
    /// Nothing new to say: the streak goes on, or the job is still fine.
    Quiet,
    /// An alert is owed, and another daemon is sending it.
    ClaimedElsewhere,
    /// This call sent (or tried to send) an alert.
    Alerted { kind: AlertKind },
}

fn quiet(job: &str, streak: &crate::state::alert::Streak, action: Action) -> AlertReport {
    AlertReport {
        job: job.to_string(),
        failing: streak.failing,
        action,
        deliveries: Vec::new(),
    }
}

/// The alerts of one environment: its channels and the HTTP client they share.
pub struct Alerts {
    spec: Option<AlertsSpec>,
    project: String,
    env: String,
    client: Result<reqwest::Client, String>,
}

impl Alerts {
    /// `spec` is the environment's `alerts:` (none: alerts are off), with secrets resolved.
    pub fn new(spec: Option<&AlertsSpec>, project_name: &str, env: &str) -> Self {
        Alerts {
            spec: spec.cloned(),
            project: project_name.to_string(),
            env: env.to_string(),
            client: crate::http::client(send::ATTEMPT_TIMEOUT),
        }
    }

    /// Called once per finished job. `job` is a stable key such as `refresh:vip`, `sync:vip`,
    /// `launch:spring`, `dashboard:overview` (the schedule). Decides, from the streak kept in
    /// the state store, whether to alert (first failure of a streak, or a recovery), sends,
    /// records. Sending failures are in the report; only the state store's are errors.
    pub async fn finished(
        &self,
        store: &dyn Store,
        job: &str,
        outcome: &JobOutcome,
    ) -> Result<AlertReport> {
        let Some(spec) = &self.spec else {
            return Ok(AlertReport {
                job: job.to_string(),
                failing: streak::failure(outcome, u64::MAX).is_some(),
                action: Action::Disabled,
                deliveries: Vec::new(),
            });
        };
        let now = Utc::now();
        let decision = streak::decide(store, job, outcome, spec.rejected_threshold, now).await?;
        let (claim, streak) = match decision {
            streak::Decision::Send { claim, streak } => (claim, streak),
            streak::Decision::Quiet(streak) => return Ok(quiet(job, &streak, Action::Quiet)),
            streak::Decision::Elsewhere(streak) => {
                return Ok(quiet(job, &streak, Action::ClaimedElsewhere));
            }
        };
        let alert = message::Alert::of(&streak, &self.project, &self.env, now);
        let deliveries = self.send(spec, &alert).await;
        let sent = deliveries.iter().any(|d| d.delivered);
        streak::settle(store, job, &claim, sent.then(Utc::now)).await?;
        Ok(AlertReport {
            job: job.to_string(),
            failing: streak.failing,
            action: Action::Alerted { kind: alert.kind },
            deliveries,
        })
    }

    /// Sends through every configured channel at once.
    async fn send(&self, spec: &AlertsSpec, alert: &message::Alert) -> Vec<Delivery> {
        let client = match &self.client {
            Ok(c) => c,
            Err(e) => {
                let failed = |channel| Delivery::failed(channel, 0, AlertError::Client(e.clone()));
                let mut out = Vec::new();
                if spec.webhook.is_some() {
                    out.push(failed(Channel::Webhook));
                }
                if spec.sendgrid.is_some() {
                    out.push(failed(Channel::Sendgrid));
                }
                return out;
            }
        };
        let hook = async {
            match &spec.webhook {
                Some(w) => Some(webhook::send(client, w, alert).await),
                None => None,
            }
        };
        let mail = async {
            match &spec.sendgrid {
                Some(s) => Some(sendgrid::send(client, s, alert).await),
                None => None,
            }
        };
        let (hook, mail) = futures::join!(hook, mail);
        hook.into_iter().chain(mail).collect()
    }
}
