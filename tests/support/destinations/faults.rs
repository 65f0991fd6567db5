//! What the destination doubles share: the faults they answer with (queued, or drawn from a
//! seeded generator), a fixed-window rate limiter, request counts, and serving on loopback.
// The benchmarks use only part of it.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// A fault a double answers one request with instead of (or besides) the real response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status (with the API's error body) without processing.
    Status(u16),
    /// Process the request fully, then answer this status: the acknowledgement is lost.
    After(u16),
    /// Drop the connection without processing.
    DropBefore,
    /// Process fully, then drop the connection without answering.
    DropAfter,
    /// Answer normally, this many milliseconds late.
    Delay(u64),
    /// Answer 429 as the rate limiter would (with its headers), without processing.
    RateLimit,
}

/// The faults `fail_randomly` draws from, equally likely.
const RANDOM: [Fault; 8] = [
    Fault::Status(500),
    Fault::Status(502),
    Fault::Status(503),
    Fault::After(500),
    Fault::DropBefore,
    Fault::DropAfter,
    Fault::RateLimit,
    Fault::Delay(200),
];

/// Chooses each request's fault: injected ones first, in order, then random ones if asked for.
#[derive(Default)]
pub struct Picker {
    queue: VecDeque<Fault>,
    random: Option<(f64, ChaCha8Rng)>,
    injected: u64,
}

impl Picker {
    pub fn inject(&mut self, faults: &[Fault]) {
        self.queue.extend(faults.iter().copied());
    }

    /// A seeded generator, so that a failing run can be replayed request for request.
    pub fn fail_randomly(&mut self, share: f64, seed: u64) {
        self.random = Some((share, ChaCha8Rng::seed_from_u64(seed)));
    }

    pub fn pick(&mut self) -> Option<Fault> {
        let fault = self.queue.pop_front().or_else(|| {
            let (share, rng) = self.random.as_mut()?;
            if rng.random::<f64>() >= *share {
                return None;
            }
            Some(RANDOM[rng.random_range(0..RANDOM.len())])
        });
        self.injected += u64::from(fault.is_some());
        fault
    }

    pub fn injected(&self) -> u64 {
        self.injected
    }
}

/// What a double has seen, for tests that assert on retries and resends.
#[derive(Default)]
pub struct Counter {
    requests: u64,
    by_path: HashMap<String, u64>,
    processed: u64,
    rate_limited: u64,
}

impl Counter {
    pub fn received(&mut self, path: &str) {
        self.requests += 1;
        *self.by_path.entry(path.to_string()).or_default() += 1;
    }

    /// A request changed (or was allowed to change) the double's state.
    pub fn applied(&mut self) {
        self.processed += 1;
    }

    pub fn requests(&self) -> u64 {
        self.requests
    }

    pub fn requests_to(&self, path: &str) -> u64 {
        self.by_path.get(path).copied().unwrap_or(0)
    }

    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Every 429 answered, whether the limiter or an injected fault chose it.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited
    }
}

/// A fixed-window limiter: `limit` requests per window, windows back to back from its creation.
pub struct Window {
    limit: u32,
    length: Duration,
    start: Instant,
    used: u32,
}

/// The limiter's verdict on one request, and what its headers say.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Until the current window ends.
    pub left: Duration,
}

impl Allowance {
    /// The window's end, in epoch seconds rounded up (a client waiting until then is safe).
    pub fn reset_epoch(&self) -> u64 {
        let end = (SystemTime::now() + self.left)
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        end.as_secs() + u64::from(end.subsec_nanos() > 0)
    }

    /// Whole seconds until the window ends, rounded up and never 0 (0 would invite a busy loop).
    pub fn retry_after(&self) -> u64 {
        (self.left.as_secs() + u64::from(self.left.subsec_nanos() > 0)).max(1)
    }
}

impl Window {
    pub fn new((limit, length): (u32, Duration)) -> Window {
        Window {
            limit,
            length,
            start: Instant::now(),
            used: 0,
        }
    }

    /// Counts the request when the window still has room.
    pub fn take(&mut self) -> Allowance {
        let mut a = self.peek();
        if a.remaining > 0 {
            self.used += 1;
            a.remaining -= 1;
        } else {
            a.allowed = false;
        }
        a
    }

    /// The state without counting a request, for responses the limiter did not decide.
    pub fn peek(&mut self) -> Allowance {
        let now = Instant::now();
        let length = self.length.as_nanos().max(1);
        let elapsed = now.duration_since(self.start).as_nanos();
        if elapsed >= length {
            // Whole windows only, so that boundaries stay where they were.
            let skip = elapsed / length * length;
            self.start += Duration::from_nanos(skip as u64);
            self.used = 0;
        }
        Allowance {
            allowed: true,
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.used),
            left: (self.start + self.length).saturating_duration_since(now),
        }
    }
}

/// The state a double keeps behind its lock gives the shared fault handling what it needs.
/// A running double: its state behind a lock, and where it listens. What every double answers
/// about faults and requests is here; each API adds its own state's views.
pub struct Handle<I> {
    pub(crate) inner: std::sync::Arc<std::sync::Mutex<I>>,
    pub url: String,
}

impl<I> Clone for Handle<I> {
    fn clone(&self) -> Self {
        Handle {
            inner: self.inner.clone(),
            url: self.url.clone(),
        }
    }
}

impl<I: Faulty> Handle<I> {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, I> {
        self.inner.lock().unwrap()
    }

    /// Faults for the next requests, one each, in order, before anything else.
    pub fn inject(&self, faults: &[Fault]) {
        self.lock().picker().inject(faults);
    }

    /// From now on about `share` of requests (after injected faults) get a random fault.
    pub fn fail_randomly(&self, share: f64, seed: u64) {
        self.lock().picker().fail_randomly(share, seed);
    }

    /// Faults answered so far.
    pub fn injected(&self) -> u64 {
        self.lock().picker().injected()
    }

    pub fn requests(&self) -> u64 {
        self.lock().counter().requests()
    }

    pub fn requests_to(&self, path: &str) -> u64 {
        self.lock().counter().requests_to(path)
    }

    /// Requests applied to the state (including those whose answer a fault then lost).
    pub fn processed(&self) -> u64 {
        self.lock().counter().processed()
    }

    /// 429s answered.
    pub fn rate_limited(&self) -> u64 {
        self.lock().counter().rate_limited()
    }
}

pub trait Faulty {
    fn picker(&mut self) -> &mut Picker;
    fn counter(&mut self) -> &mut Counter;
    /// The API's own answer with this status and no processing; 429 worded as its limiter does.
    fn refusal(&mut self, status: u16, path: &str) -> Response;
}

/// A response decided under the lock, to be sent (or not) after it is released.
pub struct Reply {
    delay: u64,
    response: Option<Response>,
}

/// Counts the request, then answers it under its fault, if it has one; `process` is the
/// real handling.
pub fn answer<S: Faulty>(s: &mut S, path: &str, process: impl FnOnce(&mut S) -> Response) -> Reply {
    s.counter().received(path);
    let fault = s.picker().pick();
    let mut delay = 0;
    let response = match fault {
        None => Some(process(s)),
        Some(Fault::Status(status)) => Some(s.refusal(status, path)),
        Some(Fault::RateLimit) => Some(s.refusal(429, path)),
        Some(Fault::DropBefore) => None,
        Some(Fault::After(status)) => {
            process(s);
            Some(s.refusal(status, path))
        }
        Some(Fault::DropAfter) => {
            process(s);
            None
        }
        Some(Fault::Delay(ms)) => {
            delay = ms;
            Some(process(s))
        }
    };
    if response
        .as_ref()
        .is_some_and(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
    {
        s.counter().rate_limited += 1;
    }
    Reply { delay, response }
}

/// Sends a reply; must be called with the double's lock released, since a dropped connection
/// unwinds this task.
pub async fn deliver(reply: Reply) -> Response {
    if reply.delay > 0 {
        tokio::time::sleep(Duration::from_millis(reply.delay)).await;
    }
    match reply.response {
        Some(r) => r,
        // Ends this connection's task before any byte of the response is written.
        None => std::panic::resume_unwind(Box::new("connection dropped by the double")),
    }
}

pub fn json(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

/// The standard phrase for a status, for error bodies that name it.
pub fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}
