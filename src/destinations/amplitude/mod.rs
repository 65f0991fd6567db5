//! Amplitude: a segment as a behavioral cohort (upload, then membership ADD/REMOVE), or as a
//! user property set and unset with `/identify`.

pub mod api;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::{
    Change, Delivery, Destination, DestinationError, Limits, Outcome, Prepare, Sample, Target,
    exchange,
};
use crate::project::config::{AmplitudeConfig, RateLimit};

/// The kind of object recorded in the state store for a cohort cdp made.
pub const COHORT: &str = "cohort";

enum Mode {
    Cohort(Cohort),
    UserProperty { property: String },
}

struct Cohort {
    name: String,
    id: Mutex<Option<String>>,
    /// The next request replaces the cohort's contents (or creates it) instead of changing
    /// its membership: the destination holds nothing cdp knows of.
    replace: AtomicBool,
    /// A creation was sent and not answered: look for the cohort before creating another.
    created_unanswered: AtomicBool,
}

pub struct Amplitude {
    http: reqwest::Client,
    config: AmplitudeConfig,
    target: Target,
    mode: Mode,
}

impl Amplitude {
    pub fn new(
        http: reqwest::Client,
        config: &AmplitudeConfig,
        target: &Target,
    ) -> Result<Self, DestinationError> {
        let mode = match target.spec.mode.as_str() {
            "cohort" => Mode::Cohort(Cohort {
                name: cohort_name(&target.segment),
                id: Mutex::new(None),
                replace: AtomicBool::new(true),
                created_unanswered: AtomicBool::new(false),
            }),
            "user_property" => Mode::UserProperty {
                property: target
                    .spec
                    .property
                    .clone()
                    .unwrap_or_else(|| target.segment.clone()),
            },
            other => {
                return Err(DestinationError::Setup {
                    destination: target.name.clone(),
                    message: format!("Amplitude cannot receive a segment `as: {other}`"),
                });
            }
        };
        Ok(Amplitude {
            http,
            config: config.clone(),
            target: target.clone(),
            mode,
        })
    }

    /// POSTs to the cohort API; the JSON answer, or what a failure means.
    async fn cohort_call(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<Value, Outcome> {
        let request = self
            .http
            .post(format!("{}{path}", self.config.endpoint))
            .basic_auth(
                self.config.api_key.expose(),
                Some(self.config.secret_key.expose()),
            )
            .json(body);
        let a = exchange(request).await?;
        if a.status != 200 {
            return Err(api::cohort_failure(a.status, a.wait, &a.body));
        }
        // Answered 200, so processed, but with what result is not known.
        serde_json::from_str(&a.body).map_err(|_| Outcome::Unknown {
            after: None,
            reason: format!("unreadable response: {}", super::excerpt(&a.body)),
        })
    }

    /// Cohorts of the project that are not archived: (id, name); tried again on failures that
    /// may pass.
    async fn cohorts(&self) -> Result<Vec<(String, String)>, String> {
        let backoff = crate::retry::Backoff::default();
        let mut attempt = 0;
        loop {
            match self.list_cohorts().await {
                Ok(list) => return Ok(list),
                Err((message, Some(wait))) if attempt + 1 < backoff.attempts => {
                    tokio::time::sleep(backoff.delay(attempt, wait)).await;
                    attempt += 1;
                    let _ = message;
                }
                Err((message, _)) => return Err(message),
            }
        }
    }

    /// One listing; a failure that may pass carries the wait the server asked for (if any).
    #[allow(clippy::type_complexity)]
    async fn list_cohorts(
        &self,
    ) -> Result<Vec<(String, String)>, (String, Option<Option<Duration>>)> {
        let response = self
            .http
            .get(format!("{}/api/3/cohorts", self.config.endpoint))
            .basic_auth(
                self.config.api_key.expose(),
                Some(self.config.secret_key.expose()),
            )
            .send()
            .await
            .map_err(|e| (e.without_url().to_string(), Some(None)))?;
        let status = response.status().as_u16();
        let wait = crate::retry::server_wait(response.headers());
        let text = response
            .text()
            .await
            .map_err(|e| (e.without_url().to_string(), Some(None)))?;
        if status != 200 {
            return Err(match api::cohort_failure(status, wait, &text) {
                Outcome::Fatal(m) => (m, None),
                Outcome::Retry { after, reason, .. } | Outcome::Unknown { after, reason } => {
                    (reason, Some(after))
                }
                _ => (format!("{status} listing cohorts"), None),
            });
        }
        let body: Value = serde_json::from_str(&text).map_err(|e| (e.to_string(), Some(None)))?;
        Ok(body["cohorts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| !c["archived"].as_bool().unwrap_or(false))
            .filter_map(|c| {
                let id = match &c["id"] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((id, c["name"].as_str().unwrap_or("").to_string()))
            })
            .collect())
    }

    async fn send_cohort(&self, cohort: &Cohort, batch: &[Change]) -> Outcome {
        if cohort.replace.load(Ordering::SeqCst) {
            return self.upload(cohort, batch).await;
        }
        let Some(id) = cohort.id.lock().unwrap().clone() else {
            return Outcome::Fatal("no cohort to change".into());
        };
        let body = api::membership_body(&id, batch);
        match self.cohort_call("/api/3/cohorts/membership", &body).await {
            Ok(v) => Outcome::Done {
                refused: api::skipped(&v, batch),
                created: None,
            },
            Err(outcome) => outcome,
        }
    }

    /// Creates the cohort with the batch's entries, or replaces the contents of the one found;
    /// exits need nothing: they are not among the contents.
    async fn upload(&self, cohort: &Cohort, batch: &[Change]) -> Outcome {
        if cohort.id.lock().unwrap().is_none() && cohort.created_unanswered.load(Ordering::SeqCst) {
            // The listing tries again by itself; if it still fails, creating is all that is left.
            if let Ok(list) = self.cohorts().await
                && let Some((id, _)) = list.into_iter().find(|(_, n)| *n == cohort.name)
            {
                *cohort.id.lock().unwrap() = Some(id);
            }
        }
        let existing = cohort.id.lock().unwrap().clone();
        let ids = super::ids(batch, true);
        let body = api::upload_body(&self.upload_of(cohort, existing.as_deref()), &ids);
        cohort.created_unanswered.store(true, Ordering::SeqCst);
        let v = match self.cohort_call("/api/3/cohorts/upload", &body).await {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        let id = match &v["cohortId"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Outcome::Fatal(format!(
                    "no cohortId in {}",
                    super::excerpt(&v.to_string())
                ));
            }
        };
        *cohort.id.lock().unwrap() = Some(id.clone());
        cohort.replace.store(false, Ordering::SeqCst);
        cohort.created_unanswered.store(false, Ordering::SeqCst);
        let invalid: Vec<(String, bool)> = v["metadata"]["invalid_ids_sample"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i.as_str().map(|s| (s.to_string(), true)))
            .collect();
        Outcome::Done {
            refused: api::refused_by_id(batch, &invalid, "an invalid id for Amplitude", true),
            created: Some((COHORT, id)),
        }
    }

    fn upload_of<'a>(&'a self, cohort: &'a Cohort, existing: Option<&'a str>) -> api::Upload<'a> {
        api::Upload {
            name: &cohort.name,
            app_id: &self.config.app_id,
            owner: &self.config.owner,
            existing,
        }
    }

    async fn identify(&self, property: &str, batch: &[Change]) -> Outcome {
        let identification = api::identify_body(property, batch).to_string();
        let request = self
            .http
            .post(format!("{}/identify", self.config.ingest_endpoint))
            .form(&[
                ("api_key", self.config.api_key.expose()),
                ("identification", identification.as_str()),
            ]);
        match exchange(request).await {
            Ok(a) => api::identify_outcome(a.status, a.wait, &a.body, batch.len()),
            Err(outcome) => outcome,
        }
    }
}

fn json_of(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// The name of the cohort cdp keeps for a segment.
pub fn cohort_name(segment: &str) -> String {
    format!("{segment} (cdp)")
}

#[async_trait]
impl Destination for Amplitude {
    fn limits(&self) -> Limits {
        match self.mode {
            // No limit is documented for the cohort API: a few requests a second, each large.
            Mode::Cohort(_) => Limits {
                batch: api::COHORT_BATCH,
                rate: self.config.rate_limit.unwrap_or(RateLimit {
                    requests: 4,
                    per: Duration::from_secs(1),
                }),
                concurrency: self.config.concurrency.unwrap_or(2),
            },
            Mode::UserProperty { .. } => Limits {
                batch: api::IDENTIFY_BATCH,
                rate: self.config.rate_limit.unwrap_or(RateLimit {
                    requests: 20,
                    per: Duration::from_secs(1),
                }),
                concurrency: self.config.concurrency.unwrap_or(4),
            },
        }
    }

    /// Cohort membership ADD and REMOVE, `/identify` set and unset, and an upload that replaces
    /// a cohort's contents may all be repeated; a creation whose answer was lost is found again
    /// by name before another is made.
    fn delivery(&self) -> Delivery {
        Delivery::Idempotent
    }

    async fn prepare(&self, p: &Prepare<'_>) -> Result<(), DestinationError> {
        let Mode::Cohort(cohort) = &self.mode else {
            return Ok(());
        };
        let setup = |message: String| DestinationError::Setup {
            destination: self.target.name.clone(),
            message,
        };
        let recorded = p
            .store
            .object(&self.target.segment, &self.target.key, COHORT)
            .await?;
        // The recorded cohort, unless someone deleted it; else one of cdp's name from a run
        // that died before recording it. A key that is refused stops here; a listing that fails
        // otherwise leaves the recorded id to be trusted.
        let found = match self.cohorts().await {
            Ok(list) => recorded
                .filter(|id| list.iter().any(|(i, _)| i == id))
                .or_else(|| {
                    list.iter()
                        .find(|(_, n)| *n == cohort.name)
                        .map(|(i, _)| i.clone())
                }),
            Err(message) if message.starts_with("401") || message.starts_with("403") => {
                return Err(setup(message));
            }
            Err(_) => recorded,
        };
        let replace = p.fresh || found.is_none();
        *cohort.id.lock().unwrap() = found;
        cohort.replace.store(replace, Ordering::SeqCst);
        Ok(())
    }

    fn capacity(&self) -> Option<i64> {
        match self.mode {
            Mode::Cohort(_) => Some(api::COHORT_CAPACITY),
            Mode::UserProperty { .. } => None,
        }
    }

    fn next_alone(&self) -> bool {
        match &self.mode {
            Mode::Cohort(c) => c.replace.load(Ordering::SeqCst),
            Mode::UserProperty { .. } => false,
        }
    }

    fn refuse(&self, user_id: &str) -> Option<String> {
        if api::junk_id(user_id) {
            return Some(
                "Amplitude refuses this id (empty, `null`, `anonymous`, `0` or `-1`)".into(),
            );
        }
        match self.mode {
            Mode::UserProperty { .. } if user_id.chars().count() < 5 => {
                Some("Amplitude needs a user_id of at least 5 characters".into())
            }
            _ => None,
        }
    }

    fn sample(&self, batch: &[Change]) -> Sample {
        match &self.mode {
            Mode::Cohort(c) => {
                let id = c.id.lock().unwrap().clone();
                if c.replace.load(Ordering::SeqCst) {
                    let ids = super::ids(batch, true);
                    Sample {
                        method: "POST",
                        url: format!("{}/api/3/cohorts/upload", self.config.endpoint),
                        body: json_of(&api::upload_body(&self.upload_of(c, id.as_deref()), &ids)),
                    }
                } else {
                    Sample {
                        method: "POST",
                        url: format!("{}/api/3/cohorts/membership", self.config.endpoint),
                        body: json_of(&api::membership_body(
                            id.as_deref().unwrap_or("<cohort id>"),
                            batch,
                        )),
                    }
                }
            }
            Mode::UserProperty { property } => Sample {
                method: "POST",
                url: format!("{}/identify", self.config.ingest_endpoint),
                body: serde_json::json!({
                    "api_key": "****",
                    "identification": api::identify_body(property, batch),
                }),
            },
        }
    }

    async fn send(&self, batch: &[Change]) -> Outcome {
        match &self.mode {
            Mode::Cohort(c) => self.send_cohort(c, batch).await,
            Mode::UserProperty { property } => self.identify(property, batch).await,
        }
    }
}
