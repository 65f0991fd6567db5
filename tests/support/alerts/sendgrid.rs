//! A local double of SendGrid's v3 `POST /v3/mail/send` on loopback: it checks the bearer key
//! (401 without a valid one, 403 for a key without the Mail Send permission), the content type,
//! the 20 MB payload limit (413), the required fields (`personalizations[].to[]`, `from.email`,
//! `subject`, `content[]`), the limits (1000 personalizations, 1000 recipients in all), a rate
//! limit with its `X-RateLimit-*` headers (429), and records the mails it accepted (202, empty
//! body). Errors are `{"errors":[{"message","field","help"}]}`; faults as the other doubles.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::destination_doubles::faults::{
    self, Allowance, Counter, Faulty, Handle, Picker, Window,
};

pub const MAIL_SEND: &str = "/v3/mail/send";
const MAX_PAYLOAD: usize = 20 * 1024 * 1024;
const MAX_PERSONALIZATIONS: usize = 1000;
const MAX_RECIPIENTS: usize = 1000;

pub struct SendgridConfig {
    pub api_key: String,
    /// Keys that exist but lack the Mail Send permission.
    pub forbidden_keys: Vec<String>,
    pub limit: (u32, Duration),
}

impl Default for SendgridConfig {
    fn default() -> Self {
        SendgridConfig {
            api_key: "SG.test-key".into(),
            forbidden_keys: vec!["SG.read-only".into()],
            limit: (600, Duration::from_secs(60)),
        }
    }
}

/// One mail accepted: its request body as sent.
#[derive(Clone, Debug)]
pub struct Mail {
    pub body: Value,
}

impl Mail {
    pub fn subject(&self) -> &str {
        self.body["subject"].as_str().unwrap_or("")
    }

    pub fn to(&self) -> Vec<String> {
        self.body["personalizations"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["to"].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t["email"].as_str().map(str::to_string))
            .collect()
    }

    /// The content of one type (`text/plain`, `text/html`).
    pub fn content(&self, kind: &str) -> Option<String> {
        self.body["content"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == kind)
            .and_then(|c| c["value"].as_str().map(str::to_string))
    }
}

pub struct Inner {
    api_key: String,
    forbidden: Vec<String>,
    window: Window,
    mails: Vec<Mail>,
    picker: Picker,
    counter: Counter,
}

pub type SendgridDouble = Handle<Inner>;

impl Handle<Inner> {
    pub fn start(config: SendgridConfig) -> SendgridDouble {
        let inner = Arc::new(Mutex::new(Inner {
            api_key: config.api_key,
            forbidden: config.forbidden_keys,
            window: Window::new(config.limit),
            mails: Vec::new(),
            picker: Picker::default(),
            counter: Counter::default(),
        }));
        let app = Router::new()
            .route(MAIL_SEND, post(mail_send))
            // The 20 MB limit is SendGrid's, answered in its words.
            .layer(DefaultBodyLimit::disable())
            .with_state(inner.clone());
        Handle {
            url: crate::serve::serve(app),
            inner,
        }
    }

    /// Every mail accepted, in order.
    pub fn mails(&self) -> Vec<Mail> {
        self.lock().mails.clone()
    }
}

async fn mail_send(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = faults::answer(&mut *inner.lock().unwrap(), MAIL_SEND, |s| {
        s.mail_send(&headers, &body)
    });
    faults::deliver(reply).await
}

/// SendGrid's error body: one entry per problem.
fn errors(status: u16, problems: &[(&str, Option<&str>)]) -> Response {
    let list: Vec<Value> = problems
        .iter()
        .map(|(message, field)| json!({ "message": message, "field": field, "help": null }))
        .collect();
    faults::json(status, json!({ "errors": list }))
}

impl Faulty for Inner {
    fn picker(&mut self) -> &mut Picker {
        &mut self.picker
    }

    fn counter(&mut self) -> &mut Counter {
        &mut self.counter
    }

    fn refusal(&mut self, status: u16, _path: &str) -> Response {
        let mut a = self.window.peek();
        if status == 429 {
            a.allowed = false;
            a.remaining = 0;
            return limited(errors(429, &[("too many requests", None)]), &a);
        }
        let message = faults::reason(status).to_lowercase();
        errors(status, &[(&message, None)])
    }
}

/// The rate-limit headers: the limit, what is left, and the window's end in epoch seconds.
fn limited(mut response: Response, a: &Allowance) -> Response {
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(a.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(a.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(a.reset_epoch()));
    response
}

impl Inner {
    fn mail_send(&mut self, headers: &HeaderMap, body: &[u8]) -> Response {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match bearer {
            None => return errors(401, &[("authorization required", None)]),
            Some(k) if self.forbidden.iter().any(|f| f == k) => {
                return errors(403, &[("access forbidden", None)]);
            }
            // The key is never echoed back.
            Some(k) if k != self.api_key => {
                return errors(401, &[("the API key is invalid, expired or revoked", None)]);
            }
            Some(_) => {}
        }
        let a = self.window.take();
        if !a.allowed {
            return limited(errors(429, &[("too many requests", None)]), &a);
        }
        let json_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let response = if body.len() > MAX_PAYLOAD {
            errors(413, &[("content too large: the limit is 20 MB", None)])
        } else if !json_type {
            errors(400, &[("Content-Type should be application/json", None)])
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) if v.is_object() => {
                    let problems = check(&v);
                    if problems.is_empty() {
                        self.mails.push(Mail { body: v });
                        self.counter.applied();
                        let mut r = StatusCode::ACCEPTED.into_response();
                        let id = format!("double-{}", self.mails.len());
                        r.headers_mut()
                            .insert("x-message-id", HeaderValue::from_str(&id).unwrap());
                        r
                    } else {
                        let refs: Vec<(&str, Option<&str>)> = problems
                            .iter()
                            .map(|(m, f)| (m.as_str(), Some(*f)))
                            .collect();
                        errors(400, &refs)
                    }
                }
                _ => errors(400, &[("Bad Request", None)]),
            }
        };
        limited(response, &a)
    }
}

/// Every problem of a mail, as (message, field).
fn check(v: &Value) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut problem = |m: &str, f: &'static str| out.push((m.to_string(), f));
    let email_ok = |e: &Value| {
        e.as_str()
            .and_then(|e| e.split_once('@'))
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains(' '))
    };
    match v["personalizations"].as_array() {
        None => problem(
            "personalizations is required: at least one",
            "personalizations",
        ),
        Some(ps) if ps.is_empty() || ps.len() > MAX_PERSONALIZATIONS => problem(
            "personalizations must hold 1 to 1000 entries",
            "personalizations",
        ),
        Some(ps) => {
            let mut recipients = 0;
            for p in ps {
                let to = p["to"].as_array().cloned().unwrap_or_default();
                if to.is_empty() {
                    problem(
                        "every personalization needs `to` with at least one address",
                        "personalizations.0.to",
                    );
                }
                for t in &to {
                    if !email_ok(&t["email"]) {
                        problem("not a valid email address", "personalizations.0.to.0.email");
                    }
                }
                let mut seen: Vec<String> = Vec::new();
                for t in &to {
                    let e = t["email"].as_str().unwrap_or("").to_lowercase();
                    if seen.contains(&e) {
                        problem(
                            "an address may appear only once in a personalization",
                            "personalizations.0.to",
                        );
                    }
                    seen.push(e);
                }
                recipients += to.len();
            }
            if recipients > MAX_RECIPIENTS {
                problem("at most 1000 recipients in all", "personalizations");
            }
            let subject_everywhere = ps.iter().all(|p| p["subject"].is_string());
            let subject = v["subject"].as_str().is_some_and(|s| !s.is_empty());
            if !subject && !subject_everywhere {
                problem(
                    "subject is required, at the top level or in every personalization",
                    "subject",
                );
            }
        }
    }
    if !email_ok(&v["from"]["email"]) {
        problem("from.email is required and must be a valid address", "from");
    }
    match v["content"].as_array() {
        Some(cs) if !cs.is_empty() => {
            for c in cs {
                if !c["type"].is_string() || c["value"].as_str().is_none_or(str::is_empty) {
                    problem(
                        "every content value must be a non-empty string",
                        "content.0.value",
                    );
                }
            }
            let kinds: Vec<&str> = cs.iter().filter_map(|c| c["type"].as_str()).collect();
            if let Some(html) = kinds.iter().position(|k| *k == "text/html")
                && kinds
                    .iter()
                    .position(|k| *k == "text/plain")
                    .is_some_and(|p| p > html)
            {
                problem("text/plain must come before text/html", "content");
            }
        }
        _ => problem(
            "content is required unless a template_id is given",
            "content",
        ),
    }
    out
}
