//! A campaign's exposures in Amplitude: one event per user messaged, through the HTTP V2 API,
//! its `insert_id` made of the campaign and the user so that Amplitude ignores a resend. Each
//! accepted request is recorded, so a later launch sends only the events not accepted yet.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{Value, json};

use super::send::Recipient;
use crate::destinations::amplitude::api::identify_outcome;
use crate::destinations::{Delivery, Destination, Limits, Outcome, Sample, exchange};
use crate::project::config::RateLimit;
use crate::state::Store;

/// Amplitude takes fewer than 2,000 events (and under 1 MB) a request.
pub const EVENTS_PER_REQUEST: usize = 1_000;

/// The documented rate that holds on every plan: 1,000 events a second.
pub const DEFAULT_RATE: RateLimit = RateLimit {
    requests: 1,
    per: Duration::from_secs(1),
};

pub struct Exposures {
    pub http: reqwest::Client,
    /// The ingestion host.
    pub endpoint: String,
    pub api_key: String,
    pub event: String,
    pub campaign: String,
    pub send_id: String,
    pub sku: String,
    pub store: Arc<dyn Store>,
    pub rate: RateLimit,
}

impl Exposures {
    fn body(&self, batch: &[Recipient], with_key: bool) -> Value {
        let time = Utc::now().timestamp_millis();
        let events: Vec<Value> = batch
            .iter()
            .map(|r| {
                json!({
                    "user_id": r.user_id,
                    "event_type": self.event,
                    "time": time,
                    "insert_id": format!("cdp-{}-{}", self.campaign, r.user_id),
                    "event_properties": {
                        "campaign": self.campaign,
                        "send_id": self.send_id,
                        "arm": "treatment",
                        "offer_sku": self.sku,
                    },
                })
            })
            .collect();
        let key = if with_key {
            self.api_key.as_str()
        } else {
            "(the API key)"
        };
        json!({ "api_key": key, "events": events, "options": { "min_id_length": 1 } })
    }
}

#[async_trait]
impl Destination<Recipient> for Exposures {
    fn limits(&self) -> Limits {
        Limits {
            batch: EVENTS_PER_REQUEST,
            rate: self.rate,
            concurrency: 4,
        }
    }

    /// The same `insert_id` twice is one event.
    fn delivery(&self) -> Delivery {
        Delivery::Idempotent
    }

    fn sample(&self, batch: &[Recipient]) -> Sample {
        Sample {
            method: "POST",
            url: format!("{}/2/httpapi", self.endpoint),
            body: self.body(batch, false),
        }
    }

    async fn send(&self, batch: &[Recipient]) -> Outcome {
        let request = self
            .http
            .post(format!("{}/2/httpapi", self.endpoint))
            .json(&self.body(batch, true));
        let outcome = match exchange(request).await {
            Ok(a) => identify_outcome(a.status, a.wait, &a.body, batch.len()),
            Err(outcome) => outcome,
        };
        if let Outcome::Done { .. } = outcome {
            let users: Vec<&str> = batch.iter().map(|r| r.user_id.as_str()).collect();
            if let Err(e) = self
                .store
                .mark_exposed(&self.campaign, &users, Utc::now())
                .await
            {
                return Outcome::Fatal(format!(
                    "cannot record the exposures in the state store: {}",
                    crate::error::chain(&e)
                ));
            }
        }
        outcome
    }
}
