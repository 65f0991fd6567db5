//! Messaging a launch's treatment users through Braze, at most once each: every request's
//! recipients are recorded `pending` in the launch's journal before it goes out and settled by
//! its answer (sent, failed, unknown), or put back as they were when it was not processed.

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{Map, Value};

use super::journal::Journal;
use crate::destinations::braze::api;
use crate::destinations::braze::messaging::{RECIPIENTS, Trigger, trigger_body};
use crate::destinations::{
    Delivery, Destination, Item, Limits, Outcome, Sample, braze::in_flight_for, exchange,
};
use crate::project::config::RateLimit;
use crate::state::campaign::{SendEntry, SendStatus};

/// One treatment user to message, numbered in the launch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub seq: i64,
    pub user_id: String,
}

impl Item for Recipient {
    fn seq(&self) -> i64 {
        self.seq
    }

    fn user_id(&self) -> &str {
        &self.user_id
    }

    /// A message adds: a refusal is recorded like a refused entry.
    fn is_member(&self) -> bool {
        true
    }
}

/// Braze's trigger send, journaled in the state store.
pub struct Messenger {
    pub http: reqwest::Client,
    pub endpoint: String,
    pub api_key: String,
    pub trigger: Trigger,
    pub send_id: String,
    /// Each recipient's `trigger_properties` (or canvas `context`), rendered from the offer.
    pub properties: Map<String, Value>,
    pub journal: Journal,
    pub rate: RateLimit,
    pub concurrency: Option<usize>,
}

impl Messenger {
    fn request(&self, batch: &[Recipient]) -> (String, Value) {
        let users: Vec<&str> = batch.iter().map(|r| r.user_id.as_str()).collect();
        (
            format!("{}{}", self.endpoint, self.trigger.path()),
            trigger_body(&self.trigger, &self.send_id, &self.properties, &users),
        )
    }

    /// Records what the answer means for the recipients; an answer that cannot be recorded
    /// stops the launch (its recipients stay pending, so the next launch lists them unknown).
    async fn settle(&self, batch: &[Recipient], outcome: Outcome) -> Outcome {
        let first = batch.first().map_or(0, |r| r.seq);
        let at = Utc::now();
        let entry = match &outcome {
            Outcome::Done { refused, .. } => SendEntry::Settle {
                batch: first,
                status: SendStatus::Sent,
                reason: None,
                refused: refused
                    .iter()
                    .filter_map(|r| {
                        batch
                            .get(r.index)
                            .map(|u| (u.user_id.clone(), r.reason.clone()))
                    })
                    .collect(),
                at,
            },
            Outcome::Unknown { reason, .. } => SendEntry::Settle {
                batch: first,
                status: SendStatus::Unknown,
                reason: Some(reason.clone()),
                refused: Vec::new(),
                at,
            },
            // Not processed: sent again later, or (fatal) by the next launch.
            Outcome::Retry { .. } | Outcome::RetryItems { .. } | Outcome::Fatal(_) => {
                SendEntry::Restore { batch: first }
            }
        };
        match self.journal.write(entry).await {
            Ok(()) => outcome,
            Err(e) => Outcome::Fatal(format!("cannot record the answer in the state store: {e}")),
        }
    }
}

/// What an answer to a trigger send means: as for Braze's other endpoints, with what the
/// messaging endpoints' refusals need said.
fn classify(status: u16, wait: Option<std::time::Duration>, body: &str, n: usize) -> Outcome {
    match api::classify(status, wait, body, n) {
        Outcome::Fatal(message) if status == 403 => Outcome::Fatal(format!(
            "{message}; trigger sends need the `campaigns.trigger.send` (or `canvas.trigger.send`) permission"
        )),
        Outcome::Fatal(message) if message.contains("Invalid C") => Outcome::Fatal(format!(
            "{message}; check that the id is of an API-triggered campaign or canvas of this workspace"
        )),
        other => other,
    }
}

#[async_trait]
impl Destination<Recipient> for Messenger {
    fn limits(&self) -> Limits {
        Limits {
            batch: RECIPIENTS,
            rate: self.rate,
            concurrency: self.concurrency.unwrap_or_else(|| in_flight_for(self.rate)),
        }
    }

    /// Each copy of a trigger send that arrives messages its recipients again.
    fn delivery(&self) -> Delivery {
        Delivery::AtMostOnce
    }

    fn refuse(&self, user_id: &str) -> Option<String> {
        user_id
            .trim()
            .is_empty()
            .then(|| "an empty external_id".to_string())
    }

    fn sample(&self, batch: &[Recipient]) -> Sample {
        let (url, body) = self.request(batch);
        Sample {
            method: "POST",
            url,
            body,
        }
    }

    async fn send(&self, batch: &[Recipient]) -> Outcome {
        // Nothing goes out before its recipients are recorded: a launch killed after this
        // finds them pending, and never sends them again on its own.
        let begin = SendEntry::Begin {
            batch: batch.first().map_or(0, |r| r.seq),
            users: batch.iter().map(|r| r.user_id.clone()).collect(),
            at: Utc::now(),
        };
        if let Err(e) = self.journal.write(begin).await {
            return Outcome::Fatal(format!(
                "cannot record the send in the state store before it goes out: {e}"
            ));
        }
        let (url, body) = self.request(batch);
        let request = self.http.post(url).bearer_auth(&self.api_key).json(&body);
        let outcome = match exchange(request).await {
            Ok(a) => classify(a.status, a.wait, &a.body, batch.len()),
            Err(outcome) => outcome,
        };
        self.settle(batch, outcome).await
    }
}
