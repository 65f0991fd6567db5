//! Posting an alert to one channel: retried with the shared backoff on 429, 5xx and lost
//! connections, within a time budget; a refusal (another 4xx) is final. What a channel says
//! back is kept, with the channel's secrets scrubbed out.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::retry::{Backoff, server_wait};

/// The longest one channel may take, retries and waits included.
pub const BUDGET: Duration = Duration::from_secs(30);
/// The longest one request may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts and pauses: a few, short; an alert that cannot go now is tried again at the job's
/// next outcome.
pub const BACKOFF: Backoff = Backoff {
    attempts: 4,
    base: Duration::from_millis(500),
    cap: Duration::from_secs(8),
};
/// The most of a server's answer kept in a report.
const MAX_ANSWER: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Webhook,
    Sendgrid,
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Channel::Webhook => "the webhook",
            Channel::Sendgrid => "SendGrid",
        })
    }
}

/// Why a channel did not take an alert. Never holds a secret: texts are scrubbed when made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("{channel} refused the alert with HTTP {status}: {answer}")]
    Refused {
        channel: Channel,
        status: u16,
        answer: String,
    },
    #[error("{channel} still failed after {attempts} attempts: {last}")]
    GaveUp {
        channel: Channel,
        attempts: u32,
        last: String,
    },
    #[error(
        "{channel} asked to wait {}s, past the alert's time budget: {last}",
        wait.as_secs()
    )]
    TooLong {
        channel: Channel,
        wait: Duration,
        last: String,
    },
    #[error("cannot make the HTTP client: {0}")]
    Client(String),
}

/// How one channel's sending went.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub channel: Channel,
    pub delivered: bool,
    /// Requests made.
    pub attempts: u32,
    /// Why it was not delivered (or what failed before it was), secrets scrubbed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Delivery {
    pub fn failed(channel: Channel, attempts: u32, error: AlertError) -> Delivery {
        Delivery {
            channel,
            delivered: false,
            attempts,
            error: Some(error.to_string()),
        }
    }
}

/// One request as a channel builds it, and how the channel reads a refusal's body.
pub struct Post<'a> {
    pub channel: Channel,
    pub url: &'a str,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Texts that must never be reported (the key, the webhook URL and its path).
    pub secrets: Vec<&'a str>,
    pub answer: fn(&str) -> String,
}

/// Posts until a 2xx, a refusal, or the budget runs out.
pub async fn post(client: &reqwest::Client, p: Post<'_>) -> Delivery {
    let started = tokio::time::Instant::now();
    let scrub = |text: &str| scrub(&shorten(text), &p.secrets);
    let mut attempts = 0;
    loop {
        let left = BUDGET.saturating_sub(started.elapsed());
        attempts += 1;
        let sent = client
            .post(p.url)
            .headers(p.headers.clone())
            .body(p.body.clone())
            .timeout(ATTEMPT_TIMEOUT.min(left))
            .send()
            .await;
        let mut wait = None;
        let last = match sent {
            Ok(r) if r.status().is_success() => {
                return Delivery {
                    channel: p.channel,
                    delivered: true,
                    attempts,
                    error: None,
                };
            }
            Ok(r) => {
                let status = r.status().as_u16();
                // A 429's reset, or a 503's `Retry-After` (other answers may carry a reset
                // that says nothing about retrying).
                if status == 429 || status == 503 {
                    wait = server_wait(r.headers());
                }
                let body = r.text().await.unwrap_or_default();
                let answer = scrub(&(p.answer)(&body));
                if status != 429 && !(500..600).contains(&status) {
                    let error = AlertError::Refused {
                        channel: p.channel,
                        status,
                        answer,
                    };
                    return Delivery::failed(p.channel, attempts, error);
                }
                format!("HTTP {status}: {answer}")
            }
            // The URL is the webhook's secret: left out, and scrubbed should a cause name it.
            Err(e) => scrub(&crate::error::chain(&e.without_url())),
        };
        if attempts >= BACKOFF.attempts {
            let error = AlertError::GaveUp {
                channel: p.channel,
                attempts,
                last,
            };
            return Delivery::failed(p.channel, attempts, error);
        }
        let delay = BACKOFF.delay(attempts - 1, wait);
        if started.elapsed() + delay >= BUDGET {
            let error = match wait {
                Some(wait) => AlertError::TooLong {
                    channel: p.channel,
                    wait,
                    last,
                },
                None => AlertError::GaveUp {
                    channel: p.channel,
                    attempts,
                    last,
                },
            };
            return Delivery::failed(p.channel, attempts, error);
        }
        tokio::time::sleep(delay).await;
    }
}

fn shorten(text: &str) -> String {
    super::streak::shorten(text.trim(), MAX_ANSWER)
}

/// `text` with every secret (of a few characters at least) replaced by `****`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s, "****");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_wherever_they_appear() {
        let key = "SG.abcdef";
        assert_eq!(
            scrub("bad key SG.abcdef (SG.abcdef)", &[key, ""]),
            "bad key **** (****)"
        );
        assert_eq!(scrub("short ab", &["ab"]), "short ab");
    }

    #[test]
    fn errors_name_the_channel_and_not_the_secret() {
        let e = AlertError::Refused {
            channel: Channel::Sendgrid,
            status: 401,
            answer: "the API key is invalid, expired or revoked".into(),
        };
        assert_eq!(
            e.to_string(),
            "SendGrid refused the alert with HTTP 401: the API key is invalid, expired or revoked"
        );
    }
}
