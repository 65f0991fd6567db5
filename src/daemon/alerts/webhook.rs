//! The webhook channel: the alert's Slack-compatible JSON posted to the configured URL. Any
//! 2xx is delivered; the URL (a secret: whoever holds it may post) is never reported.

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

use super::message::Alert;
use super::send::{self, Channel, Delivery, Post};
use crate::project::config::WebhookSpec;

pub async fn send(client: &reqwest::Client, spec: &WebhookSpec, alert: &Alert) -> Delivery {
    let url = spec.url.expose();
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    send::post(
        client,
        Post {
            channel: Channel::Webhook,
            url,
            headers,
            body: alert.slack().to_string().into_bytes(),
            secrets: secrets(url),
            // Slack answers refusals in plain text (`invalid_payload`, `no_service`).
            answer: |body| body.to_string(),
        },
    )
    .await
}

/// The URL and its path: a server that echoes either would give the secret away.
fn secrets(url: &str) -> Vec<&str> {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .filter(|p| p.len() > 8);
    std::iter::once(url).chain(path).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_url_and_its_path_are_secrets() {
        assert_eq!(
            super::secrets("https://hooks.example.com/services/T1/B2/xyz"),
            [
                "https://hooks.example.com/services/T1/B2/xyz",
                "/services/T1/B2/xyz"
            ]
        );
        assert_eq!(
            super::secrets("http://127.0.0.1:9/x"),
            ["http://127.0.0.1:9/x"]
        );
    }
}
