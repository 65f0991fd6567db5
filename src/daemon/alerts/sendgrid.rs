//! The email channel: SendGrid's v3 `POST /v3/mail/send` with a bearer API key, one
//! personalization naming every recipient, text/plain then text/html content (the order
//! SendGrid requires). 202 Accepted is delivered; error bodies are
//! `{"errors":[{"message","field","help"}]}`.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::message::Alert;
use super::send::{self, AlertError, Channel, Delivery, Post};
use crate::project::config::SendgridSpec;

pub const MAIL_SEND: &str = "/v3/mail/send";

pub async fn send(client: &reqwest::Client, spec: &SendgridSpec, alert: &Alert) -> Delivery {
    let key = spec.api_key.expose();
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    match HeaderValue::from_str(&format!("Bearer {key}")) {
        Ok(mut v) => {
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        Err(_) => {
            let error =
                AlertError::Client("the SendGrid API key is not a valid header value".into());
            return Delivery::failed(Channel::Sendgrid, 0, error);
        }
    }
    let url = format!("{}{MAIL_SEND}", spec.endpoint);
    send::post(
        client,
        Post {
            channel: Channel::Sendgrid,
            url: &url,
            headers,
            body: body(spec, alert).to_string().into_bytes(),
            secrets: vec![key],
            answer,
        },
    )
    .await
}

/// The request's JSON.
pub fn body(spec: &SendgridSpec, alert: &Alert) -> Value {
    let to: Vec<Value> = spec.to.iter().map(|e| json!({ "email": e })).collect();
    json!({
        "personalizations": [{ "to": to }],
        "from": { "email": spec.from, "name": "cdp" },
        "subject": alert.subject(),
        "content": [
            { "type": "text/plain", "value": alert.text() },
            { "type": "text/html", "value": alert.html() }
        ]
    })
}

/// The messages of an error body (`message (field)`), or the body as it came.
fn answer(body: &str) -> String {
    let parsed: Option<Vec<String>> = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        let errors = v.get("errors")?.as_array()?;
        Some(
            errors
                .iter()
                .map(|e| {
                    let message = e.get("message").and_then(Value::as_str).unwrap_or("error");
                    match e.get("field").and_then(Value::as_str) {
                        Some(field) => format!("{message} (`{field}`)"),
                        None => message.to_string(),
                    }
                })
                .collect(),
        )
    });
    match parsed {
        Some(messages) if !messages.is_empty() => messages.join("; "),
        _ => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_read_as_their_messages() {
        let body = r#"{"errors":[{"message":"from.email is not a valid address","field":"from.email","help":"http://x"},{"message":"bad","field":null}]}"#;
        assert_eq!(
            answer(body),
            "from.email is not a valid address (`from.email`); bad"
        );
        assert_eq!(answer("upstream timeout"), "upstream timeout");
    }
}
