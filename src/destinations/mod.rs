//! Destinations: where a segment's members go (Braze, Amplitude). Each says how to send one
//! batch and what a response means; `util` holds what they share: batching, rate limiting,
//! several requests in flight, retries and checkpoints.

pub mod amplitude;
pub mod braze;
pub mod util;

use std::time::Duration;

use async_trait::async_trait;

use crate::project::config::{DestinationConfig, RateLimit};
use crate::segment::file::DestinationRef;
use crate::state::Store;

/// What the pipeline sends: one numbered item of a run, for one user. Membership changes are
/// one kind; a sender of another kind (a campaign message) brings its own.
pub trait Item: Send + Sync + 'static {
    /// Position in the run's numbered items; checkpoints count in it.
    fn seq(&self) -> i64;
    /// The user it is for.
    fn user_id(&self) -> &str;
    /// What a refusal of it records as its change: whether it adds the user (an entry) or
    /// removes them (an exit).
    fn is_member(&self) -> bool;
}

/// One membership change to send: the user entered (`is_member`) or exited the segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Position in the run's numbered changes; checkpoints count in it.
    pub seq: i64,
    pub user_id: String,
    pub is_member: bool,
}

impl Item for Change {
    fn seq(&self) -> i64 {
        self.seq
    }

    fn user_id(&self) -> &str {
        &self.user_id
    }

    fn is_member(&self) -> bool {
        self.is_member
    }
}

/// What sending a request twice does, as its sender declares it for the requests it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Twice does what once does (add, remove, set, unset): a request whose answer was lost is
    /// sent again.
    Idempotent,
    /// Each copy that arrives acts again (a message is sent): a request that may have been
    /// processed is never sent again, and its items are reported as unknown.
    AtMostOnce,
}

/// A change a destination refused, by its index in the batch sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Refused {
    pub index: usize,
    pub reason: String,
    /// The destination says this id can never be accepted.
    pub permanent: bool,
}

/// What one response means for its batch.
#[derive(Debug)]
pub enum Outcome {
    /// Processed, except the refused changes; `created` names an object the request made
    /// (kind, id), such as a cohort.
    Done {
        refused: Vec<Refused>,
        created: Option<(&'static str, String)>,
    },
    /// Not processed, so safe to send again whatever the delivery (a rate limit, a connection
    /// refused before the request went out): send the batch again after a pause (`after`, when
    /// the server said how long). `pause_all` holds every request, not just this one (a rate
    /// limit).
    Retry {
        after: Option<Duration>,
        pause_all: bool,
        reason: String,
    },
    /// The request went out and may or may not have been processed (a timeout, a connection
    /// dropped after sending, a 5xx). An idempotent request is sent again as after `Retry`
    /// (never pausing the others); an at-most-once request is not, and its items are unknown.
    Unknown {
        after: Option<Duration>,
        reason: String,
    },
    /// Some changes failed for a reason that may pass: send only `retry` (indexes) again, which
    /// were not processed; `refused` will never pass; the rest were processed.
    RetryItems {
        retry: Vec<usize>,
        refused: Vec<Refused>,
        after: Option<Duration>,
        reason: String,
    },
    /// A fault that sending again cannot fix: a wrong key, a missing permission, a bad payload.
    Fatal(String),
}

/// The ids of a batch's entries (`member`) or exits, in order.
pub fn ids(batch: &[Change], member: bool) -> Vec<&str> {
    batch
        .iter()
        .filter(|c| c.is_member == member)
        .map(|c| c.user_id.as_str())
        .collect()
}

/// What a destination allows: changes per request, requests per period, requests in flight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub batch: usize,
    pub rate: RateLimit,
    pub concurrency: usize,
}

/// A request as it would be sent, for `--dry-run` (secrets left out).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Sample {
    pub method: &'static str,
    pub url: String,
    pub body: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error("{destination} refused the request: {message}")]
    Fatal {
        destination: String,
        message: String,
    },
    #[error("{destination} failed {attempts} times in a row; the last failure: {last}")]
    GaveUp {
        destination: String,
        attempts: u32,
        last: String,
    },
    #[error("cannot set up {destination}: {message}")]
    Setup {
        destination: String,
        message: String,
    },
    #[error("cannot record the sync's progress")]
    State(#[from] crate::state::StateError),
}

impl DestinationError {
    /// What to do about it, when the destination layer knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            DestinationError::GaveUp { .. } => {
                Some("what was acknowledged is kept; run `cdp sync` again to send the rest".into())
            }
            _ => None,
        }
    }
}

/// The segment and way of sending a destination works for.
#[derive(Clone, Debug)]
pub struct Target {
    pub segment: String,
    /// The destination's name in `cdp.yaml`.
    pub name: String,
    /// `DestinationRef::key`: how state and warehouse tables name this way of sending.
    pub key: String,
    pub spec: DestinationRef,
    /// The applied segment no longer goes here (it, or this destination, was removed from the
    /// project): everyone the destination holds for it is removed.
    pub retired: bool,
}

/// What `prepare` may consult: the state store and whether the destination holds nothing
/// acknowledged for this target (a first sync, or `--full`).
pub struct Prepare<'a> {
    pub store: &'a dyn Store,
    pub fresh: bool,
}

/// Where a run's items go: how many per request, how fast, what sending one batch means. It is
/// generic over what it sends: membership changes (`Change`, the default), or another item.
#[async_trait]
pub trait Destination<I: Item = Change>: Send + Sync {
    fn limits(&self) -> Limits;

    /// What sending a request twice does. Asked as each batch goes out, so a destination whose
    /// requests change kind answers for the next one.
    fn delivery(&self) -> Delivery;

    /// Runs before the first batch (e.g. finds the cohort cdp made before).
    async fn prepare(&self, _p: &Prepare<'_>) -> Result<(), DestinationError> {
        Ok(())
    }

    /// Whether the next batch must be answered before any other is sent (it creates an object
    /// the others refer to).
    fn next_alone(&self) -> bool {
        false
    }

    /// The most users this destination can hold for one segment, if it has a limit.
    fn capacity(&self) -> Option<i64> {
        None
    }

    /// Why a user can never be sent here (an id the API refuses whatever happens), if so.
    fn refuse(&self, _user_id: &str) -> Option<String> {
        None
    }

    /// The request a batch becomes, for `--dry-run`.
    fn sample(&self, batch: &[I]) -> Sample;

    /// Sends one batch as one request; what its answer (or the lack of one) means.
    async fn send(&self, batch: &[I]) -> Outcome;
}

/// Builds the destination a segment names, from the environment's configuration.
pub fn build(
    target: &Target,
    config: &DestinationConfig,
) -> Result<Box<dyn Destination>, DestinationError> {
    let http = crate::http::client(Duration::from_secs(60)).map_err(|message| {
        DestinationError::Setup {
            destination: target.name.clone(),
            message,
        }
    })?;
    match config {
        DestinationConfig::Braze(c) => Ok(Box::new(braze::Braze::new(http, c, target)?)),
        DestinationConfig::Amplitude(c) => {
            Ok(Box::new(amplitude::Amplitude::new(http, c, target)?))
        }
    }
}

/// The text of a response body for a message: trimmed, and cut at 300 characters.
pub fn excerpt(body: &str) -> String {
    let t = body.trim();
    match t.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

/// An answered request: its status, the wait its headers ask for, and its body.
pub struct Answer {
    pub status: u16,
    pub wait: Option<Duration>,
    pub body: String,
}

/// Sends a request and reads the whole answer; a failed exchange is an outcome already.
pub async fn exchange(request: reqwest::RequestBuilder) -> Result<Answer, Outcome> {
    let response = request.send().await.map_err(transport_failure)?;
    let status = response.status().as_u16();
    let wait = crate::retry::server_wait(response.headers());
    let body = response.text().await.map_err(transport_failure)?;
    Ok(Answer { status, wait, body })
}

/// A change for the tests of request bodies and responses.
#[cfg(test)]
pub fn change(user_id: &str, is_member: bool) -> Change {
    Change {
        seq: 1,
        user_id: user_id.into(),
        is_member,
    }
}

/// No answer. A connection that could not be made (refused, no route, a failed TLS handshake)
/// or a request that could not be built sent nothing; anything else (a timeout, a connection
/// dropped, a body cut off) may or may not have been processed.
pub fn transport_failure(e: reqwest::Error) -> Outcome {
    let unsent = e.is_connect() || e.is_builder();
    // reqwest's own text ("error sending request") leaves out why: the causes say it.
    let reason = crate::error::chain(&e.without_url());
    if unsent {
        Outcome::Retry {
            after: None,
            pause_all: false,
            reason,
        }
    } else {
        Outcome::Unknown {
            after: None,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::net::TcpListener;

    use super::*;

    /// A server on loopback that reads each request, then drops the connection (`hold` false)
    /// or keeps it open without answering; its URL.
    fn unanswering(hold: bool) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/users/track", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for mut stream in listener.incoming().flatten() {
                let _ = stream.read(&mut [0; 4096]);
                if hold {
                    held.push(stream);
                }
            }
        });
        url
    }

    /// What a POST to `url` that gets no answer means, waiting at most `timeout`.
    async fn unanswered(url: String, timeout: Duration) -> Outcome {
        let http = crate::http::client(timeout).unwrap();
        match exchange(http.post(url).body("{}")).await {
            Ok(a) => panic!("answered {}", a.status),
            Err(outcome) => outcome,
        }
    }

    #[tokio::test]
    async fn a_refused_connection_sent_nothing() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/users/track", listener.local_addr().unwrap());
        drop(listener);
        let outcome = unanswered(url, Duration::from_secs(30)).await;
        assert!(
            matches!(
                outcome,
                Outcome::Retry {
                    pause_all: false,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn a_request_sent_and_then_dropped_or_timed_out_may_have_been_processed() {
        let dropped = unanswered(unanswering(false), Duration::from_secs(30)).await;
        assert!(matches!(dropped, Outcome::Unknown { .. }), "{dropped:?}");
        let timed_out = unanswered(unanswering(true), Duration::from_millis(200)).await;
        match timed_out {
            Outcome::Unknown { reason, .. } => assert!(reason.contains("timed out"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
