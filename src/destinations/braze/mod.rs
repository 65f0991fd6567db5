//! Braze: a segment as a value of an array custom attribute (`/users/track`), or as a
//! subscription group's state (`/v2/subscription/status/set`).

pub mod api;
pub mod messaging;

use std::time::Duration;

use async_trait::async_trait;

use super::{
    Change, Delivery, Destination, DestinationError, Limits, Outcome, Sample, Target, exchange,
};
use crate::project::config::{BrazeConfig, RateLimit};

enum Mode {
    Attribute { attribute: String },
    SubscriptionGroup { id: String },
}

pub struct Braze {
    http: reqwest::Client,
    endpoint: String,
    api_key: String,
    segment: String,
    mode: Mode,
    rate: Option<RateLimit>,
    concurrency: Option<usize>,
}

impl Braze {
    pub fn new(
        http: reqwest::Client,
        config: &BrazeConfig,
        target: &Target,
    ) -> Result<Self, DestinationError> {
        let mode = match (
            target.spec.mode.as_str(),
            &target.spec.subscription_group_id,
        ) {
            ("attribute", _) => Mode::Attribute {
                attribute: config.attribute.clone(),
            },
            ("subscription_group", Some(id)) => Mode::SubscriptionGroup { id: id.clone() },
            (other, _) => {
                return Err(DestinationError::Setup {
                    destination: target.name.clone(),
                    message: format!("Braze cannot receive a segment `as: {other}`"),
                });
            }
        };
        Ok(Braze {
            http,
            endpoint: config.endpoint.clone(),
            api_key: config.api_key.expose().to_string(),
            segment: target.segment.clone(),
            mode,
            rate: config.rate_limit,
            concurrency: config.concurrency,
        })
    }

    fn request(&self, batch: &[Change]) -> (String, serde_json::Value) {
        match &self.mode {
            Mode::Attribute { attribute } => (
                format!("{}/users/track", self.endpoint),
                api::track_body(attribute, &self.segment, batch),
            ),
            Mode::SubscriptionGroup { id } => (
                format!("{}/v2/subscription/status/set", self.endpoint),
                api::subscription_body(id, batch),
            ),
        }
    }
}

#[async_trait]
impl Destination for Braze {
    fn limits(&self) -> Limits {
        let (batch, rate) = match self.mode {
            // Data-point plans: 3,000 requests per 3 seconds, unless the contract says otherwise.
            Mode::Attribute { .. } => (
                api::TRACK_BATCH,
                self.rate.unwrap_or(RateLimit {
                    requests: 3_000,
                    per: Duration::from_secs(3),
                }),
            ),
            Mode::SubscriptionGroup { .. } => (
                api::SUBSCRIPTION_BATCH,
                self.rate.unwrap_or(RateLimit {
                    requests: 5_000,
                    per: Duration::from_secs(60),
                }),
            ),
        };
        Limits {
            batch,
            rate,
            concurrency: self.concurrency.unwrap_or_else(|| in_flight_for(rate)),
        }
    }

    /// Adding or removing an attribute's value and setting a subscription state may be repeated.
    fn delivery(&self) -> Delivery {
        Delivery::Idempotent
    }

    fn refuse(&self, user_id: &str) -> Option<String> {
        user_id
            .trim()
            .is_empty()
            .then(|| "an empty external_id".to_string())
    }

    fn sample(&self, batch: &[Change]) -> Sample {
        let (url, body) = self.request(batch);
        Sample {
            method: "POST",
            url,
            body,
        }
    }

    async fn send(&self, batch: &[Change]) -> Outcome {
        let (url, body) = self.request(batch);
        let request = self.http.post(url).bearer_auth(&self.api_key).json(&body);
        match exchange(request).await {
            Ok(a) => api::classify(a.status, a.wait, &a.body, batch.len()),
            Err(outcome) => outcome,
        }
    }
}

/// Requests in flight for the rate to be reached when each takes up to 250 ms to answer.
pub fn in_flight_for(rate: RateLimit) -> usize {
    let per_second = f64::from(rate.requests) / rate.per.as_secs_f64().max(0.001);
    ((per_second * 0.25).ceil() as usize).clamp(8, 256)
}
