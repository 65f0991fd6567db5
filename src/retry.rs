//! How long to wait before sending a failed request again: capped exponential backoff with full
//! jitter, and the waits servers ask for in their headers. Shared by every HTTP client of cdp.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::RngExt;

/// Attempts per request and the backoff between them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            attempts: 8,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(20),
        }
    }
}

impl Backoff {
    /// Full jitter: a random pause up to base * 2^attempt, never above the cap; a server that
    /// asks for longer (`server`) gets what it asked for.
    pub fn delay(&self, attempt: u32, server: Option<Duration>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let jittered = ceiling.mul_f64(rand::rng().random::<f64>());
        match server {
            Some(s) => jittered.max(s),
            None => jittered,
        }
    }
}

/// The wait a response's headers ask for, from the first that says: `Retry-After` (seconds),
/// Braze's `X-Ratelimit-Retry-After` (seconds), then `X-RateLimit-Reset`, which Braze documents
/// both as epoch seconds and as seconds remaining: a small number is a delay, a large one an
/// instant.
pub fn server_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    if let Some(s) = number("retry-after").or_else(|| number("x-ratelimit-retry-after")) {
        return Some(Duration::from_secs_f64(s));
    }
    let reset = number("x-ratelimit-reset")?;
    // Ten years of seconds: no delay is that long, and no epoch instant that short.
    if reset < 315_360_000.0 {
        return Some(Duration::from_secs_f64(reset));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(Duration::from_secs_f64((reset - now).max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn delays_stay_under_the_cap_unless_the_server_asks_for_more() {
        let b = Backoff {
            attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        };
        for attempt in 0..20 {
            assert!(b.delay(attempt, None) <= Duration::from_secs(2));
        }
        assert!(b.delay(0, Some(Duration::from_secs(5))) >= Duration::from_secs(5));
    }

    #[test]
    fn reset_is_read_as_a_delay_or_an_instant() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("2"));
        assert_eq!(server_wait(&h), Some(Duration::from_secs(2)));
        let soon = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3;
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        let w = server_wait(&h).unwrap();
        assert!(
            w <= Duration::from_secs(3) && w >= Duration::from_secs(1),
            "{w:?}"
        );
        h.insert("x-ratelimit-retry-after", HeaderValue::from_static("7"));
        assert_eq!(server_wait(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("1"));
        assert_eq!(server_wait(&h), Some(Duration::from_secs(1)));
        assert_eq!(server_wait(&HeaderMap::new()), None);
    }
}
