//! The Amplitude double's HTTP V2 endpoint, `/2/httpapi`: events as the reference documents them
//! (fewer than 2,000 and under 1 MB a request, `event_type` and an id of at least 5 characters
//! unless `options.min_id_length`), the whole request refused when one event is invalid, and
//! events deduplicated by `insert_id`, as Amplitude ignores the same `insert_id` again.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Inner, ingestion_error, now_ms};

pub const HTTPAPI: &str = "/2/httpapi";
const MAX_EVENTS: usize = 2_000;
const MAX_BYTES: usize = 1024 * 1024;
const MIN_ID_LENGTH: usize = 5;

/// One event ingested.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub user_id: String,
    pub event_type: String,
    pub insert_id: Option<String>,
    pub event_properties: Value,
}

impl Inner {
    pub(super) fn http_events(&mut self, body: &[u8]) -> Response {
        if body.len() >= MAX_BYTES {
            return ingestion_error(413, json!({ "error": "Payload too large" }));
        }
        let Ok(doc) = serde_json::from_slice::<Value>(body) else {
            return ingestion_error(400, json!({ "error": "Invalid JSON request body" }));
        };
        let missing = |field: &str| {
            ingestion_error(
                400,
                json!({ "error": "Request missing required field", "missing_field": field }),
            )
        };
        let Some(key) = doc.get("api_key").and_then(Value::as_str) else {
            return missing("api_key");
        };
        if key != self.api_key {
            return ingestion_error(400, json!({ "error": "Invalid API key" }));
        }
        let Some(events) = doc.get("events").and_then(Value::as_array) else {
            return missing("events");
        };
        if events.len() >= MAX_EVENTS {
            return ingestion_error(413, json!({ "error": "Payload too large" }));
        }
        let min_id = doc
            .pointer("/options/min_id_length")
            .and_then(Value::as_u64)
            .map_or(MIN_ID_LENGTH, |n| n as usize);
        let mut no_type = Vec::new();
        let mut bad_id = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.get("event_type")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                no_type.push(i);
            }
            let id = e
                .get("user_id")
                .or_else(|| e.get("device_id"))
                .and_then(Value::as_str);
            if id.is_none_or(|id| id.chars().count() < min_id) {
                bad_id.push(i);
            }
        }
        if !no_type.is_empty() {
            return ingestion_error(
                400,
                json!({ "error": "Request missing required field", "missing_field": "event_type",
                        "events_with_missing_fields": { "event_type": no_type } }),
            );
        }
        if !bad_id.is_empty() {
            return ingestion_error(
                400,
                json!({ "error": "Invalid field values on some events",
                        "events_with_invalid_fields": { "user_id": bad_id } }),
            );
        }
        for e in events {
            let insert_id = e
                .get("insert_id")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(id) = &insert_id
                && !self.insert_ids.insert(id.clone())
            {
                continue;
            }
            self.events.push(Event {
                user_id: e
                    .get("user_id")
                    .or_else(|| e.get("device_id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                event_type: e["event_type"].as_str().unwrap_or_default().to_string(),
                insert_id,
                event_properties: e
                    .get("event_properties")
                    .cloned()
                    .unwrap_or(Value::Object(Map::new())),
            });
        }
        super::faults::json(
            200,
            json!({ "code": 200, "events_ingested": events.len(), "payload_size_bytes": body.len(),
                    "server_upload_time": now_ms() }),
        )
    }
}
