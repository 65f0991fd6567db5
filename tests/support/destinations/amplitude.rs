//! A local double of Amplitude on loopback, both hosts at one address: the Behavioral Cohorts API
//! (`/api/3/cohorts`, upload, membership) and the ingestion `/identify` and `/2/httpapi`
//! endpoints. It keeps
//! cohorts and user properties, enforces the documented limits and junk-id rules, and injects
//! faults.
//!
//! Users identified only by a device id are keyed `device:<id>`.
// The benchmarks use only part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use serde_json::{Map, Value, json};

use super::faults::{self, Counter, Faulty, Handle, Picker, Window};

mod events;
pub use events::{Event, HTTPAPI};

const COHORTS: &str = "/api/3/cohorts";
const UPLOAD: &str = "/api/3/cohorts/upload";
const MEMBERSHIP: &str = "/api/3/cohorts/membership";
const IDENTIFY: &str = "/identify";
const MAX_COHORT: usize = 2_000_000;
const MAX_IDENTIFICATIONS: usize = 2_000;
const MIN_USER_ID: usize = 5;
const INVALID_SAMPLE: usize = 10;
const OPERATIONS: [&str; 9] = [
    "$set",
    "$setOnce",
    "$add",
    "$append",
    "$prepend",
    "$unset",
    "$preInsert",
    "$postInsert",
    "$remove",
];

pub struct AmplitudeConfig {
    pub api_key: String,
    pub secret_key: String,
    pub ids_per_request: usize,
    /// None: the cohort API is never rate limited (none is documented).
    pub cohort_limit: Option<(u32, Duration)>,
}

impl Default for AmplitudeConfig {
    fn default() -> AmplitudeConfig {
        AmplitudeConfig {
            api_key: "amplitude-test-key".to_string(),
            secret_key: "amplitude-test-secret".to_string(),
            ids_per_request: 100_000,
            cohort_limit: None,
        }
    }
}

struct Cohort {
    id: String,
    name: String,
    app_id: Value,
    owner: String,
    published: bool,
    members: HashSet<String>,
    last_computed: u64,
}

pub struct Inner {
    api_key: String,
    secret_key: String,
    ids_per_request: usize,
    limit: Option<Window>,
    /// In creation order.
    cohorts: Vec<Cohort>,
    created: u64,
    users: BTreeMap<String, Map<String, Value>>,
    /// Events ingested by `/2/httpapi`, in order, each `insert_id` once.
    events: Vec<Event>,
    insert_ids: HashSet<String>,
    picker: Picker,
    counter: Counter,
}

pub type AmplitudeDouble = Handle<Inner>;

impl Handle<Inner> {
    /// Starts on a free loopback port.
    pub fn start(config: AmplitudeConfig) -> AmplitudeDouble {
        let inner = Arc::new(Mutex::new(Inner {
            api_key: config.api_key,
            secret_key: config.secret_key,
            ids_per_request: config.ids_per_request,
            limit: config.cohort_limit.map(Window::new),
            cohorts: Vec::new(),
            created: 0,
            users: BTreeMap::new(),
            events: Vec::new(),
            insert_ids: HashSet::new(),
            picker: Picker::default(),
            counter: Counter::default(),
        }));
        let app = Router::new()
            .route(COHORTS, get(list))
            .route(UPLOAD, post(upload))
            .route(MEMBERSHIP, post(membership))
            .route(IDENTIFY, post(identify))
            .route(HTTPAPI, post(http_events))
            // 100,000 ids exceed axum's default; Amplitude's own limits are checked instead.
            .layer(DefaultBodyLimit::disable())
            .with_state(inner.clone());
        Handle {
            url: crate::serve::serve(app),
            inner,
        }
    }

    /// The events `/2/httpapi` ingested, in order.
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// Every cohort as (id, name, size), in creation order.
    pub fn cohorts(&self) -> Vec<(String, String, usize)> {
        self.lock()
            .cohorts
            .iter()
            .map(|c| (c.id.clone(), c.name.clone(), c.members.len()))
            .collect()
    }

    /// The members of the cohort with this name (the latest created, as names need not be
    /// unique).
    pub fn cohort_members(&self, name: &str) -> Option<BTreeSet<String>> {
        self.lock()
            .cohorts
            .iter()
            .rev()
            .find(|c| c.name == name)
            .map(|c| c.members.iter().cloned().collect())
    }

    /// Users having the property set, with its value.
    pub fn user_property(&self, property: &str) -> BTreeMap<String, Value> {
        self.lock()
            .users
            .iter()
            .filter_map(|(user, properties)| {
                properties
                    .get(property)
                    .map(|value| (user.clone(), value.clone()))
            })
            .collect()
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

async fn list(State(inner): Shared, headers: HeaderMap) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), COHORTS, |s| {
        s.cohort_api(&headers, None, |s, _| s.list())
    });
    faults::deliver(reply).await
}

async fn upload(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), UPLOAD, |s| {
        s.cohort_api(&headers, Some(&body), Inner::upload)
    });
    faults::deliver(reply).await
}

async fn membership(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), MEMBERSHIP, |s| {
        s.cohort_api(&headers, Some(&body), Inner::membership)
    });
    faults::deliver(reply).await
}

async fn identify(
    State(inner): Shared,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    // A body that is no form lacks the api_key field, as Amplitude reads it.
    let fields = form.map(|f| f.0).unwrap_or_default();
    let reply = faults::answer(&mut *inner.lock().unwrap(), IDENTIFY, |s| {
        s.identify(&fields)
    });
    faults::deliver(reply).await
}

async fn http_events(State(inner): Shared, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), HTTPAPI, |s| {
        s.http_events(&body)
    });
    faults::deliver(reply).await
}

/// The cohort API's error shape.
fn error(status: u16, kind: &str, message: &str, metadata: Value) -> Response {
    faults::json(
        status,
        json!({ "http_code": status, "type": kind, "message": message, "metadata": metadata }),
    )
}

fn bad_request(message: &str) -> Response {
    error(400, "bad_request", message, json!({}))
}

/// The ingestion API's error shape.
fn ingestion_error(status: u16, mut body: Value) -> Response {
    body["code"] = json!(status);
    faults::json(status, body)
}

/// Amplitude's junk ids, refused wherever a user is named.
fn junk(id: &str) -> bool {
    id.is_empty()
        || id.chars().any(char::is_whitespace)
        || ["null", "anonymous", "0", "-1"]
            .iter()
            .any(|j| id.eq_ignore_ascii_case(j))
}

/// An id as sent: numbers (Amplitude ids) as written; anything else is junk.
fn id_text(id: &Value) -> Option<String> {
    match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Splits ids into the valid ones and the junk, both as text.
fn sort_ids(ids: &[Value]) -> (Vec<String>, Vec<String>) {
    let mut valid = Vec::new();
    let mut invalid = Vec::new();
    for id in ids {
        match id_text(id) {
            Some(text) if !junk(&text) => valid.push(text),
            Some(text) => invalid.push(text),
            None => invalid.push(id.to_string()),
        }
    }
    (valid, invalid)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

impl Faulty for Inner {
    fn picker(&mut self) -> &mut Picker {
        &mut self.picker
    }

    fn counter(&mut self) -> &mut Counter {
        &mut self.counter
    }

    fn refusal(&mut self, status: u16, path: &str) -> Response {
        match (path, status) {
            (IDENTIFY, 429) => ingestion_error(
                429,
                json!({ "error": "Too many requests for some devices and users", "eps_threshold": 30 }),
            ),
            (IDENTIFY, _) => ingestion_error(status, json!({ "error": faults::reason(status) })),
            (_, 429) => error(429, "rate_limited", "Too many requests", json!({})),
            _ => error(status, "server_error", faults::reason(status), json!({})),
        }
    }
}

impl Inner {
    /// What every cohort API call checks first: the key pair, the rate limit if any, a JSON body.
    fn cohort_api(
        &mut self,
        headers: &HeaderMap,
        body: Option<&[u8]>,
        handle: fn(&mut Inner, &Value) -> Response,
    ) -> Response {
        let expected = format!("{}:{}", self.api_key, self.secret_key);
        let authorised = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()
            })
            .is_some_and(|pair| pair == expected.as_bytes());
        if !authorised {
            return error(
                401,
                "unauthorized",
                "Invalid API key or secret key",
                json!({}),
            );
        }
        if let Some(window) = self.limit.as_mut()
            && !window.take().allowed
        {
            return error(429, "rate_limited", "Too many requests", json!({}));
        }
        let body = match body.map(serde_json::from_slice::<Value>) {
            None => Value::Null,
            Some(Ok(value)) if value.is_object() => value,
            Some(_) => return bad_request("The request body must be a JSON object"),
        };
        handle(self, &body)
    }

    fn list(&mut self) -> Response {
        let cohorts: Vec<Value> = self
            .cohorts
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "name": c.name, "appId": c.app_id, "archived": false,
                    "description": "", "owners": [c.owner], "published": c.published,
                    "size": c.members.len(), "lastComputed": c.last_computed,
                })
            })
            .collect();
        faults::json(200, json!({ "cohorts": cohorts }))
    }

    /// Ids look random, as Amplitude's do, yet never repeat: an invertible mix of a counter.
    fn new_cohort_id(&mut self) -> String {
        const SPACE: u64 = 36u64.pow(7);
        self.created += 1;
        let mut n = (self.created * 2_654_435_761 + 1_234_567) % SPACE;
        let mut id = String::new();
        for _ in 0..7 {
            id.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
            n /= 36;
        }
        id
    }

    fn upload(&mut self, body: &Value) -> Response {
        let text = |k: &str| body.get(k).and_then(Value::as_str);
        let Some(name) = text("name").filter(|n| !n.is_empty()) else {
            return bad_request("'name' is required");
        };
        let Some(app_id) = body
            .get("app_id")
            .filter(|a| a.is_number() || a.is_string())
        else {
            return bad_request("'app_id' is required");
        };
        if !matches!(text("id_type"), Some("BY_AMP_ID" | "BY_USER_ID")) {
            return bad_request("'id_type' must be BY_AMP_ID or BY_USER_ID");
        }
        let Some(ids) = body.get("ids").and_then(Value::as_array) else {
            return bad_request("'ids' must be an array");
        };
        let Some(owner) = text("owner").filter(|o| !o.is_empty()) else {
            return bad_request("'owner' is required");
        };
        let Some(published) = body.get("published").and_then(Value::as_bool) else {
            return bad_request("'published' is required (true or false)");
        };
        let skip_invalid = match body.get("skip_invalid_ids") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return bad_request("'skip_invalid_ids' must be a boolean"),
        };
        let existing = match body.get("existing_cohort_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => match self.cohorts.iter().position(|c| c.id == *id) {
                Some(index) => Some(index),
                None => {
                    return error(
                        404,
                        "not_found",
                        "Cohort not found",
                        json!({ "cohort_id": id }),
                    );
                }
            },
            Some(_) => return bad_request("'existing_cohort_id' must be a string"),
        };
        if ids.len() > self.ids_per_request {
            return error(
                400,
                "bad_request",
                &format!("At most {} ids per request", self.ids_per_request),
                json!({ "ids": ids.len(), "limit": self.ids_per_request }),
            );
        }
        let (valid, invalid) = sort_ids(ids);
        let sample: Vec<&String> = invalid.iter().take(INVALID_SAMPLE).collect();
        if !invalid.is_empty() && !skip_invalid {
            return error(
                400,
                "bad_request",
                "Invalid ids",
                json!({ "invalid_ids_sample": sample, "invalid": invalid.len() }),
            );
        }
        let members: HashSet<String> = valid.into_iter().collect();
        if members.len() > MAX_COHORT {
            return bad_request(&format!("A cohort holds at most {MAX_COHORT} users"));
        }
        let matched = members.len();
        let cohort = Cohort {
            id: match existing {
                Some(index) => self.cohorts[index].id.clone(),
                None => self.new_cohort_id(),
            },
            name: name.to_string(),
            app_id: app_id.clone(),
            owner: owner.to_string(),
            published,
            members,
            last_computed: now_ms(),
        };
        let id = cohort.id.clone();
        match existing {
            Some(index) => self.cohorts[index] = cohort,
            None => self.cohorts.push(cohort),
        }
        self.counter.applied();
        faults::json(
            200,
            json!({
                "cohortId": id,
                "metadata": { "matched": matched, "totals": ids.len(), "invalid_ids_sample": sample },
            }),
        )
    }

    fn membership(&mut self, body: &Value) -> Response {
        let Some(cohort_id) = body.get("cohort_id").and_then(Value::as_str) else {
            return bad_request("'cohort_id' is required");
        };
        let Some(memberships) = body
            .get("memberships")
            .and_then(Value::as_array)
            .filter(|m| !m.is_empty())
        else {
            return bad_request("'memberships' must be a non-empty array");
        };
        if body
            .get("skip_invalid_ids")
            .is_some_and(|v| !v.is_boolean() && !v.is_null())
        {
            return bad_request("'skip_invalid_ids' must be a boolean");
        }
        if body
            .get("count_group")
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            return bad_request("'count_group' must be a string");
        }
        let mut planned = Vec::new();
        for m in memberships {
            let id_type = m.get("id_type").and_then(Value::as_str);
            if !matches!(id_type, Some("BY_ID" | "BY_NAME")) {
                return bad_request("'id_type' must be BY_ID or BY_NAME");
            }
            let operation = m.get("operation").and_then(Value::as_str);
            if !matches!(operation, Some("ADD" | "REMOVE")) {
                return bad_request("'operation' must be ADD or REMOVE");
            }
            let Some(ids) = m.get("ids").and_then(Value::as_array) else {
                return bad_request("'ids' must be an array");
            };
            planned.push((ids, id_type.unwrap_or_default(), operation == Some("ADD")));
        }
        let total: usize = planned.iter().map(|p| p.0.len()).sum();
        if total > self.ids_per_request {
            return error(
                400,
                "bad_request",
                &format!("At most {} ids per request", self.ids_per_request),
                json!({ "ids": total, "limit": self.ids_per_request }),
            );
        }
        let Some(cohort) = self.cohorts.iter_mut().find(|c| c.id == cohort_id) else {
            return error(
                404,
                "not_found",
                "Cohort not found",
                json!({ "cohort_id": cohort_id }),
            );
        };
        // What changed, so that a request taking the cohort past its cap changes nothing.
        let mut undo: Vec<(String, bool)> = Vec::new();
        let mut results = Vec::new();
        for (ids, id_type, add) in planned {
            let (valid, invalid) = sort_ids(ids);
            for id in valid {
                let changed = if add {
                    cohort.members.insert(id.clone())
                } else {
                    cohort.members.remove(&id)
                };
                if changed {
                    undo.push((id, add));
                }
            }
            results.push(json!({
                "skipped_ids": invalid,
                "id_type": id_type,
                "operation": if add { "ADD" } else { "REMOVE" },
            }));
        }
        if cohort.members.len() > MAX_COHORT {
            for (id, added) in undo.into_iter().rev() {
                if added {
                    cohort.members.remove(&id);
                } else {
                    cohort.members.insert(id);
                }
            }
            return bad_request(&format!("A cohort holds at most {MAX_COHORT} users"));
        }
        cohort.last_computed = now_ms();
        self.counter.applied();
        faults::json(
            200,
            json!({ "cohort_id": cohort_id, "memberships_result": results }),
        )
    }

    fn identify(&mut self, fields: &[(String, String)]) -> Response {
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let missing = |name: &str| {
            ingestion_error(
                400,
                json!({ "error": "Request missing required field", "missing_field": name }),
            )
        };
        let Some(api_key) = field("api_key") else {
            return missing("api_key");
        };
        if *api_key != self.api_key {
            return ingestion_error(400, json!({ "error": "Invalid API key" }));
        }
        let Some(identification) = field("identification") else {
            return missing("identification");
        };
        let identifications = match serde_json::from_str::<Value>(identification) {
            Ok(Value::Array(items)) => items,
            Ok(object @ Value::Object(_)) => vec![object],
            _ => return ingestion_error(400, json!({ "error": "Invalid JSON request body" })),
        };
        if identifications.len() > MAX_IDENTIFICATIONS {
            return ingestion_error(413, json!({ "error": "Payload too large" }));
        }
        let mut missing_ids = Vec::new();
        let mut invalid: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut planned = Vec::new();
        for (i, item) in identifications.iter().enumerate() {
            let Some(item) = item.as_object() else {
                return ingestion_error(400, json!({ "error": "Invalid event JSON" }));
            };
            let valid_id = |v: &Value| {
                v.as_str()
                    .is_some_and(|s| !junk(s) && s.chars().count() >= MIN_USER_ID)
            };
            let mut ok = true;
            for name in ["user_id", "device_id"] {
                if item.get(name).is_some_and(|v| !v.is_null() && !valid_id(v)) {
                    invalid.entry(name).or_default().push(i);
                    ok = false;
                }
            }
            let key = match (
                item.get("user_id").and_then(Value::as_str),
                item.get("device_id").and_then(Value::as_str),
            ) {
                (Some(user), _) => user.to_string(),
                (None, Some(device)) => format!("device:{device}"),
                (None, None) => {
                    if ok {
                        missing_ids.push(i);
                    }
                    continue;
                }
            };
            match operations(item.get("user_properties")) {
                Some(ops) if ok => planned.push((key, ops)),
                Some(_) => {}
                None => invalid.entry("user_properties").or_default().push(i),
            }
        }
        if !invalid.is_empty() {
            return ingestion_error(
                400,
                json!({
                    "error": "Invalid field values on some events",
                    "events_with_invalid_fields": invalid,
                }),
            );
        }
        if !missing_ids.is_empty() {
            return ingestion_error(
                400,
                json!({
                    "error": "Request missing required field",
                    "events_with_missing_fields": { "user_id": missing_ids },
                }),
            );
        }
        for (key, ops) in planned {
            let properties = self.users.entry(key).or_default();
            for (op, values) in ops {
                for (name, value) in values {
                    match op.as_str() {
                        "$set" => {
                            properties.insert(name, value);
                        }
                        "$setOnce" => {
                            properties.entry(name).or_insert(value);
                        }
                        "$unset" => {
                            properties.remove(&name);
                        }
                        // Accepted but not modelled: cdp sets and unsets only.
                        _ => {}
                    }
                }
            }
        }
        self.counter.applied();
        (axum::http::StatusCode::OK, "success").into_response()
    }
}

/// A user_properties object as (operation, properties) pairs in the order given; plain
/// properties are a `$set`. None when operations and plain properties are mixed, an operation
/// is unknown, or its value is no object.
fn operations(properties: Option<&Value>) -> Option<Vec<(String, Map<String, Value>)>> {
    let properties = match properties {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Object(p)) => p,
        Some(_) => return None,
    };
    let ops = properties.keys().filter(|k| k.starts_with('$')).count();
    if ops == 0 {
        return Some(vec![("$set".to_string(), properties.clone())]);
    }
    if ops != properties.len() {
        return None;
    }
    properties
        .iter()
        .map(|(op, values)| {
            let values = match values {
                Value::Object(v) => v.clone(),
                // `$unset` may also name properties in a list.
                Value::Array(names) if op == "$unset" => names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| (n.to_string(), json!("-")))
                    .collect(),
                _ => return None,
            };
            OPERATIONS
                .contains(&op.as_str())
                .then(|| (op.clone(), values))
        })
        .collect()
}
