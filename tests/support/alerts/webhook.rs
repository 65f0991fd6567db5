//! A local receiver of Slack-compatible incoming webhooks on loopback: it listens on one secret
//! path (404 `no_service` elsewhere), takes JSON with a non-empty `text` or `blocks` (400
//! `invalid_payload` / `no_text` otherwise), answers 200 `ok` in plain text, records every
//! message it took, and injects faults as the other doubles.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::destination_doubles::faults::{self, Counter, Faulty, Handle, Picker};

/// The path a receiver listens on, as Slack's `services/<team>/<bot>/<token>`.
pub const HOOK_PATH: &str = "/services/T0001/B0001/sEcReTtOkEn42";

pub struct Inner {
    messages: Vec<Value>,
    picker: Picker,
    counter: Counter,
}

pub type WebhookDouble = Handle<Inner>;

impl Handle<Inner> {
    pub fn start() -> WebhookDouble {
        let inner = Arc::new(Mutex::new(Inner {
            messages: Vec::new(),
            picker: Picker::default(),
            counter: Counter::default(),
        }));
        let app = Router::new()
            .fallback(post(receive))
            .with_state(inner.clone());
        Handle {
            url: crate::serve::serve(app),
            inner,
        }
    }

    /// The URL to configure: the receiver's secret path.
    pub fn hook_url(&self) -> String {
        format!("{}{HOOK_PATH}", self.url)
    }

    /// Every message taken, in order.
    pub fn messages(&self) -> Vec<Value> {
        self.lock().messages.clone()
    }
}

fn text(status: u16, body: &'static str) -> Response {
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let reply = faults::answer(&mut *inner.lock().unwrap(), &path, |s| {
        s.receive(&path, &headers, &body)
    });
    faults::deliver(reply).await
}

impl Faulty for Inner {
    fn picker(&mut self) -> &mut Picker {
        &mut self.picker
    }

    fn counter(&mut self) -> &mut Counter {
        &mut self.counter
    }

    fn refusal(&mut self, status: u16, _path: &str) -> Response {
        let mut r = text(
            status,
            if status == 429 {
                "rate_limited"
            } else {
                "server_error"
            },
        );
        if status == 429 {
            r.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        r
    }
}

impl Inner {
    fn receive(&mut self, path: &str, headers: &HeaderMap, body: &[u8]) -> Response {
        if path != HOOK_PATH {
            return text(404, "no_service");
        }
        let json_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let Some(message) = serde_json::from_slice::<Value>(body)
            .ok()
            .filter(|v| json_type && v.is_object())
        else {
            return text(400, "invalid_payload");
        };
        let has_text = message["text"]
            .as_str()
            .is_some_and(|t| !t.trim().is_empty());
        let has_blocks = message["blocks"].as_array().is_some_and(|b| !b.is_empty());
        if !has_text && !has_blocks {
            return text(400, "no_text");
        }
        self.messages.push(message);
        self.counter.applied();
        text(200, "ok")
    }
}
