//! A local double of Braze's REST API (`/users/track`, `/v2/subscription/status/set`, and the
//! messaging endpoints in `braze/messaging.rs`) on loopback: it keeps users' custom attributes,
//! subscription states and the messages it delivered, enforces the documented limits (75 objects,
//! 50 ids, 50 recipients, 4 MB, per-group rate limits with their headers), reports minor errors
//! per object, and injects faults.
//!
//! Users are keyed by external id; others by `alias:<label>:<name>`, `braze:<id>`, `email:<address>`
//! or `phone:<number>`.
// The benchmarks use only part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Map, Value, json};

use super::faults::{self, Allowance, Counter, Faulty, Handle, Picker, Window};

mod messaging;
pub use messaging::{CAMPAIGN_SEND, CANVAS_SEND, Delivered};

const TRACK: &str = "/users/track";
const SUBSCRIPTION: &str = "/v2/subscription/status/set";
const MAX_OBJECTS: usize = 75;
const MAX_BODY: usize = 4 * 1024 * 1024;
const MAX_IDS: usize = 50;
const MAX_EXTERNAL_ID: usize = 512;
const MAX_ARRAY_VALUE: usize = 255;
const MAX_ARRAY_ITEMS: usize = 500;

pub struct BrazeConfig {
    pub api_key: String,
    pub track_limit: (u32, Duration),
    pub subscription_limit: (u32, Duration),
    /// Monthly-active-user plans word their 429 differently (see the reference).
    pub mau_plan: bool,
    /// API-triggered campaigns and canvases that exist.
    pub campaigns: Vec<String>,
    pub canvases: Vec<String>,
    /// The messaging endpoints' shared pool.
    pub messaging_limit: (u32, Duration),
}

impl Default for BrazeConfig {
    fn default() -> BrazeConfig {
        BrazeConfig {
            api_key: "braze-test-key".to_string(),
            track_limit: (3000, Duration::from_secs(3)),
            subscription_limit: (5000, Duration::from_secs(60)),
            mau_plan: false,
            campaigns: vec!["campaign-test".to_string()],
            canvases: vec!["canvas-test".to_string()],
            messaging_limit: (250_000, Duration::from_secs(3600)),
        }
    }
}

enum Attribute {
    Scalar(Value),
    Array(Vec<String>),
}

/// One attribute object's changes, all validated before any is applied.
enum Change {
    Set(String, Value),
    Unset(String),
    SetArray(String, Vec<String>),
    Array {
        key: String,
        add: Vec<String>,
        remove: Vec<String>,
    },
    Subscription(String, bool),
}

pub struct Inner {
    api_key: String,
    mau_plan: bool,
    track: Window,
    subscription: Window,
    users: BTreeMap<String, BTreeMap<String, Attribute>>,
    /// State by subscription group, then user: true when subscribed.
    subscriptions: BTreeMap<String, BTreeMap<String, bool>>,
    campaigns: Vec<String>,
    canvases: Vec<String>,
    messaging: Window,
    /// Every message delivered, in order.
    delivered: Vec<Delivered>,
    dispatches: u64,
    received: u64,
    picker: Picker,
    counter: Counter,
}

pub type BrazeDouble = Handle<Inner>;

impl Handle<Inner> {
    /// Starts on a free loopback port.
    pub fn start(config: BrazeConfig) -> BrazeDouble {
        let inner = Arc::new(Mutex::new(Inner {
            api_key: config.api_key,
            mau_plan: config.mau_plan,
            track: Window::new(config.track_limit),
            subscription: Window::new(config.subscription_limit),
            users: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            campaigns: config.campaigns,
            canvases: config.canvases,
            messaging: Window::new(config.messaging_limit),
            delivered: Vec::new(),
            dispatches: 0,
            received: 0,
            picker: Picker::default(),
            counter: Counter::default(),
        }));
        let app = Router::new()
            .route(TRACK, post(track))
            .route(SUBSCRIPTION, post(subscription))
            .route(CAMPAIGN_SEND, post(campaign_send))
            .route(CANVAS_SEND, post(canvas_send))
            // The 4 MB limit is Braze's, answered in its words.
            .layer(DefaultBodyLimit::disable())
            .with_state(inner.clone());
        Handle {
            url: crate::serve::serve(app),
            inner,
        }
    }

    /// Every user's value of an array attribute.
    pub fn array_attribute(&self, attribute: &str) -> BTreeMap<String, Vec<String>> {
        self.lock()
            .users
            .iter()
            .filter_map(|(user, attributes)| match attributes.get(attribute) {
                Some(Attribute::Array(values)) => Some((user.clone(), values.clone())),
                _ => None,
            })
            .collect()
    }

    /// Users whose array attribute holds `value`.
    pub fn users_with(&self, attribute: &str, value: &str) -> BTreeSet<String> {
        self.lock()
            .users
            .iter()
            .filter(|(_, attributes)| {
                matches!(attributes.get(attribute),
                    Some(Attribute::Array(values)) if values.iter().any(|v| v == value))
            })
            .map(|(user, _)| user.clone())
            .collect()
    }

    /// Users whose state in the group is subscribed.
    pub fn subscribed(&self, group_id: &str) -> BTreeSet<String> {
        self.lock()
            .subscriptions
            .get(group_id)
            .map(|states| {
                states
                    .iter()
                    .filter(|(_, subscribed)| **subscribed)
                    .map(|(user, _)| user.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message delivered, in order.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.lock().delivered.clone()
    }

    /// How many messages each user received.
    pub fn messages_per_user(&self) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        for d in &self.lock().delivered {
            *out.entry(d.external_user_id.clone()).or_insert(0) += 1;
        }
        out
    }

    /// Messages delivered by trigger sends, counted without copying them.
    pub fn delivered_count(&self) -> u64 {
        self.lock().delivered.len() as u64
    }

    /// Attribute objects processed in total: more than the users synced means resends.
    pub fn users_received(&self) -> u64 {
        self.lock().received
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

async fn track(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), TRACK, |s| {
        s.guarded(TRACK, &headers, &body, Inner::track)
    });
    faults::deliver(reply).await
}

async fn subscription(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), SUBSCRIPTION, |s| {
        s.guarded(SUBSCRIPTION, &headers, &body, Inner::subscription_status)
    });
    faults::deliver(reply).await
}

async fn campaign_send(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), CAMPAIGN_SEND, |s| {
        s.guarded(CAMPAIGN_SEND, &headers, &body, Inner::campaign_send)
    });
    faults::deliver(reply).await
}

async fn canvas_send(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), CANVAS_SEND, |s| {
        s.guarded(CANVAS_SEND, &headers, &body, Inner::canvas_send)
    });
    faults::deliver(reply).await
}

fn message(status: u16, message: &str) -> Response {
    faults::json(status, json!({ "message": message }))
}

/// A fatal error: nothing in the request was processed.
fn fatal(message: &str, error: String) -> Response {
    faults::json(400, json!({ "message": message, "errors": [error] }))
}

impl Faulty for Inner {
    fn picker(&mut self) -> &mut Picker {
        &mut self.picker
    }

    fn counter(&mut self) -> &mut Counter {
        &mut self.counter
    }

    fn refusal(&mut self, status: u16, path: &str) -> Response {
        let mut allowance = self.window(path).peek();
        let response = if status == 429 {
            allowance.allowed = false;
            allowance.remaining = 0;
            message(429, "Rate limit exceeded")
        } else if status == 202 {
            // Braze's maintenance answer.
            message(202, "queued")
        } else {
            message(status, faults::reason(status))
        };
        self.with_limit(response, &allowance)
    }
}

impl Inner {
    fn window(&mut self, path: &str) -> &mut Window {
        match path {
            SUBSCRIPTION => &mut self.subscription,
            CAMPAIGN_SEND | CANVAS_SEND => &mut self.messaging,
            _ => &mut self.track,
        }
    }

    /// The rate-limit headers every response carries; a MAU plan's 429 carries only a delay,
    /// and its `Reset` is seconds remaining rather than an epoch.
    fn with_limit(&self, mut response: Response, a: &Allowance) -> Response {
        let headers = response.headers_mut();
        let mut put = |name: &'static str, value: u64| {
            headers.insert(name, HeaderValue::from(value));
        };
        if self.mau_plan && !a.allowed {
            put("x-ratelimit-retry-after", a.retry_after());
            return response;
        }
        put("x-ratelimit-limit", u64::from(a.limit));
        put("x-ratelimit-remaining", u64::from(a.remaining));
        let reset = if self.mau_plan {
            a.retry_after()
        } else {
            a.reset_epoch()
        };
        put("x-ratelimit-reset", reset);
        response
    }

    /// What both endpoints check before reading the body: the key, the rate limit, the
    /// content type, the size, and that the body is JSON.
    fn guarded(
        &mut self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        handle: fn(&mut Inner, &Value) -> Response,
    ) -> Response {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if bearer != Some(self.api_key.as_str()) {
            // The key itself is not echoed: responses end up in logs.
            let response = message(401, "Invalid API key: not a REST API key of this workspace");
            let allowance = self.window(path).peek();
            return self.with_limit(response, &allowance);
        }
        let allowance = self.window(path).take();
        if !allowance.allowed {
            return self.with_limit(message(429, "Rate limit exceeded"), &allowance);
        }
        let json_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        let response = if !json_type {
            message(400, "Content-Type must be application/json")
        } else if body.len() > MAX_BODY {
            message(413, "Request body too large: at most 4 MB")
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(value) if value.is_object() => handle(self, &value),
                _ => message(400, "Invalid JSON: the body must be a JSON object"),
            }
        };
        self.with_limit(response, &allowance)
    }

    fn track(&mut self, body: &Value) -> Response {
        let mut lists: [&[Value]; 3] = [&[], &[], &[]];
        for (list, name) in lists.iter_mut().zip(["attributes", "events", "purchases"]) {
            match body.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => *list = items.as_slice(),
                Some(_) => return message(400, &format!("'{name}' must be an array")),
            }
        }
        let total: usize = lists.iter().map(|l| l.len()).sum();
        if total > MAX_OBJECTS {
            return fatal(
                "Max Input Length Exceeded",
                format!(
                    "{total} attributes, events and purchases in total; at most {MAX_OBJECTS} per request"
                ),
            );
        }
        let [attributes, events, purchases] = lists;
        let mut errors = Vec::new();
        let mut minor = |array: &str, index: usize, reason: String| {
            errors.push(json!({ "type": reason, "input_array": array, "index": index }));
        };
        let mut processed = [0u64; 3];
        for (i, object) in attributes.iter().enumerate() {
            match self.attribute_object(object) {
                Ok(()) => processed[0] += 1,
                Err(reason) => minor("attributes", i, reason),
            }
        }
        // Events and purchases are only counted: cdp sends neither.
        for (n, (array, items, required)) in [
            ("events", events, ["name", "time"]),
            ("purchases", purchases, ["product_id", "time"]),
        ]
        .into_iter()
        .enumerate()
        {
            for (i, object) in items.iter().enumerate() {
                let checked = object
                    .as_object()
                    .ok_or_else(|| "must be a JSON object".to_string())
                    .and_then(|o| identity(o).map(|_| o))
                    .and_then(|o| match required.iter().find(|k| !o.contains_key(**k)) {
                        Some(k) => Err(format!("'{k}' is required")),
                        None => Ok(()),
                    });
                match checked {
                    Ok(()) => processed[n + 1] += 1,
                    Err(reason) => minor(array, i, reason),
                }
            }
        }
        self.counter.applied();
        self.received += processed[0];
        let mut response = json!({
            "message": "success",
            "attributes_processed": processed[0],
            "events_processed": processed[1],
            "purchases_processed": processed[2],
        });
        if !errors.is_empty() {
            response["errors"] = Value::Array(errors);
        }
        faults::json(201, response)
    }

    /// Applies one attribute object, or rejects it whole with the reason.
    fn attribute_object(&mut self, object: &Value) -> Result<(), String> {
        let object = object
            .as_object()
            .ok_or_else(|| "an attribute object must be a JSON object".to_string())?;
        let who = identity(object)?;
        let update_existing_only = match object.get("_update_existing_only") {
            None => who.update_existing_only,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("'_update_existing_only' must be a boolean".to_string()),
        };
        let mut changes = Vec::new();
        for (key, value) in object {
            if key == who.field || key == "_update_existing_only" {
                continue;
            }
            if key == "subscription_groups" {
                changes.extend(subscription_changes(value)?);
                continue;
            }
            changes.push(attribute_change(key, value)?);
        }
        let exists = self.users.contains_key(&who.key);
        if !exists && (update_existing_only || !who.can_create) {
            return Ok(());
        }
        let attributes = self.users.entry(who.key.clone()).or_default();
        for change in changes {
            match change {
                Change::Set(key, value) => {
                    attributes.insert(key, Attribute::Scalar(value));
                }
                Change::Unset(key) => {
                    attributes.remove(&key);
                }
                Change::SetArray(key, values) => {
                    let mut array = Vec::new();
                    add_all(&mut array, values);
                    attributes.insert(key, Attribute::Array(array));
                }
                Change::Array { key, add, remove } => {
                    // A scalar under the same name gives way to the array.
                    let mut array = match attributes.remove(&key) {
                        Some(Attribute::Array(array)) => array,
                        _ => Vec::new(),
                    };
                    // Braze does not say which comes first; a value in both ends up absent.
                    add_all(&mut array, add);
                    array.retain(|v| !remove.contains(v));
                    attributes.insert(key, Attribute::Array(array));
                }
                Change::Subscription(group, subscribed) => {
                    self.subscriptions
                        .entry(group)
                        .or_default()
                        .insert(who.key.clone(), subscribed);
                }
            }
        }
        Ok(())
    }

    fn subscription_status(&mut self, body: &Value) -> Response {
        let Some(groups) = body
            .get("subscription_groups")
            .and_then(Value::as_array)
            .filter(|g| !g.is_empty())
        else {
            return message(400, "'subscription_groups' must be a non-empty array");
        };
        let mut planned = Vec::new();
        for group in groups {
            let Some(group_id) = group
                .get("subscription_group_id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
            else {
                return message(400, "'subscription_group_id' is required");
            };
            let subscribed = match group.get("subscription_state").and_then(Value::as_str) {
                Some("subscribed") => true,
                Some("unsubscribed") => false,
                _ => {
                    return message(
                        400,
                        "'subscription_state' must be 'subscribed' or 'unsubscribed'",
                    );
                }
            };
            let mut named = false;
            for (field, prefix) in [
                ("external_ids", ""),
                ("emails", "email:"),
                ("phones", "phone:"),
            ] {
                let Some(ids) = group.get(field) else {
                    continue;
                };
                let Some(ids) = ids.as_array() else {
                    return message(400, &format!("'{field}' must be an array"));
                };
                if ids.len() > MAX_IDS {
                    return message(
                        400,
                        &format!(
                            "Too many {field}: {} in one subscription group object, at most {MAX_IDS}",
                            ids.len()
                        ),
                    );
                }
                for id in ids {
                    let valid = match (field, id.as_str()) {
                        ("external_ids", _) => valid_external_id(id),
                        (_, Some(s)) => !s.is_empty(),
                        _ => false,
                    };
                    if !valid {
                        return message(400, &format!("Invalid value in '{field}'"));
                    }
                    let user = format!("{prefix}{}", id.as_str().unwrap_or_default());
                    planned.push((group_id.to_string(), user, subscribed));
                }
                named = true;
            }
            if !named {
                return message(
                    400,
                    "One of 'external_ids', 'emails' or 'phones' is required",
                );
            }
        }
        // Applied only once every group object is valid: a 400 changes nothing.
        for (group, user, subscribed) in planned {
            self.subscriptions
                .entry(group)
                .or_default()
                .insert(user, subscribed);
        }
        self.counter.applied();
        message(201, "success")
    }
}

/// Who an object names, and what that allows.
struct Identity {
    key: String,
    /// The key holding the identifier, which is then no attribute.
    field: &'static str,
    /// Without `_update_existing_only`: only external ids create users by default.
    update_existing_only: bool,
    can_create: bool,
}

fn identity(object: &Map<String, Value>) -> Result<Identity, String> {
    let primaries: Vec<&str> = ["external_id", "user_alias", "braze_id"]
        .into_iter()
        .filter(|k| object.contains_key(*k))
        .collect();
    let field = match primaries[..] {
        [field] => field,
        [] if object.contains_key("email") => "email",
        [] if object.contains_key("phone") => "phone",
        [] => {
            return Err(
                "one of 'external_id', 'user_alias', 'braze_id', 'email' or 'phone' is required"
                    .to_string(),
            );
        }
        _ => {
            return Err(
                "only one of 'external_id', 'user_alias' or 'braze_id' may identify a user"
                    .to_string(),
            );
        }
    };
    let value = &object[field];
    let text = value.as_str().filter(|s| !s.is_empty());
    let key = match (field, text) {
        ("external_id", _) if valid_external_id(value) => text.unwrap_or_default().to_string(),
        ("external_id", _) => return Err("Invalid 'external_id'".to_string()),
        ("user_alias", _) => {
            let part = |k: &str| {
                value
                    .get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            match (part("alias_name"), part("alias_label")) {
                (Some(name), Some(label)) => format!("alias:{label}:{name}"),
                _ => {
                    return Err("'user_alias' needs 'alias_name' and 'alias_label'".to_string());
                }
            }
        }
        ("braze_id", Some(id)) => format!("braze:{id}"),
        ("email", Some(email)) => format!("email:{email}"),
        ("phone", Some(phone)) => format!("phone:{phone}"),
        _ => return Err(format!("Invalid '{field}'")),
    };
    Ok(Identity {
        key,
        field,
        update_existing_only: field != "external_id",
        // Braze assigns its own ids: an unknown one names nobody.
        can_create: field != "braze_id",
    })
}

fn valid_external_id(id: &Value) -> bool {
    id.as_str().is_some_and(|s| {
        !s.is_empty()
            && s.chars().count() <= MAX_EXTERNAL_ID
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// An array attribute's values: strings, or numbers as written.
fn array_values(values: &Value, key: &str) -> Result<Vec<String>, String> {
    let Some(values) = values.as_array() else {
        return Err(format!("'{key}' must be an array"));
    };
    values
        .iter()
        .map(|v| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(format!("values of '{key}' must be strings")),
            };
            if text.chars().count() > MAX_ARRAY_VALUE {
                return Err(format!(
                    "a value of '{key}' is longer than {MAX_ARRAY_VALUE} characters"
                ));
            }
            Ok(text)
        })
        .collect()
}

fn attribute_change(key: &str, value: &Value) -> Result<Change, String> {
    let incremental = value
        .as_object()
        .filter(|o| !o.is_empty() && o.keys().all(|k| k == "add" || k == "remove"));
    Ok(match (value, incremental) {
        (_, Some(o)) => {
            let list = |k: &str| match o.get(k) {
                Some(v) => array_values(v, key),
                None => Ok(Vec::new()),
            };
            Change::Array {
                key: key.to_string(),
                add: list("add")?,
                remove: list("remove")?,
            }
        }
        (Value::Array(_), None) => Change::SetArray(key.to_string(), array_values(value, key)?),
        // Braze removes an attribute set to null.
        (Value::Null, None) => Change::Unset(key.to_string()),
        (_, None) => Change::Set(key.to_string(), value.clone()),
    })
}

fn subscription_changes(value: &Value) -> Result<Vec<Change>, String> {
    let Some(groups) = value.as_array() else {
        return Err("'subscription_groups' must be an array".to_string());
    };
    groups
        .iter()
        .map(|g| {
            let id = g
                .get("subscription_group_id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .ok_or_else(|| "'subscription_group_id' is required".to_string())?;
            match g.get("subscription_state").and_then(Value::as_str) {
                Some("subscribed") => Ok(Change::Subscription(id.to_string(), true)),
                Some("unsubscribed") => Ok(Change::Subscription(id.to_string(), false)),
                _ => Err("'subscription_state' must be 'subscribed' or 'unsubscribed'".to_string()),
            }
        })
        .collect()
}

/// Values stay unique, a re-added one moves to the end, and past the cap the oldest go.
fn add_all(array: &mut Vec<String>, values: Vec<String>) {
    for value in values {
        array.retain(|v| *v != value);
        array.push(value);
    }
    if array.len() > MAX_ARRAY_ITEMS {
        array.drain(..array.len() - MAX_ARRAY_ITEMS);
    }
}
