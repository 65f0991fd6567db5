//! A token bucket set below a documented rate limit, which a rate-limited response can pause.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::project::config::RateLimit;

/// The share of a documented limit cdp uses: the rest absorbs clock skew between cdp and the
/// API's windows.
pub const SHARE: f64 = 0.95;

pub struct TokenBucket {
    /// Tokens added per second.
    rate: f64,
    /// Most tokens held at once.
    burst: f64,
    state: Mutex<State>,
}

struct State {
    tokens: f64,
    at: Instant,
    paused_until: Option<Instant>,
}

impl TokenBucket {
    /// For `limit.requests` per `limit.per`: refills at `share` of the limit, and holds at most
    /// half the rest, so no window of `per` (fixed or sliding) sees more than `limit.requests`
    /// even when requests sent near a window's end arrive in the next.
    pub fn new(limit: RateLimit, share: f64) -> Self {
        let per = limit.per.as_secs_f64().max(0.001);
        let requests = f64::from(limit.requests.max(1));
        let rate = requests * share / per;
        let burst = (requests * (1.0 - share) / 2.0).floor().max(1.0);
        TokenBucket {
            rate,
            burst,
            state: Mutex::new(State {
                tokens: burst,
                at: Instant::now(),
                paused_until: None,
            }),
        }
    }

    /// Waits for a token.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                match s.paused_until {
                    Some(until) if until > now => until - now,
                    _ => {
                        s.paused_until = None;
                        let elapsed = now.duration_since(s.at).as_secs_f64();
                        s.tokens = (s.tokens + elapsed * self.rate).min(self.burst);
                        s.at = now;
                        if s.tokens >= 1.0 {
                            s.tokens -= 1.0;
                            return;
                        }
                        Duration::from_secs_f64((1.0 - s.tokens) / self.rate)
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds every request until `wait` has passed (the API said it is rate limited), and
    /// starts again from an empty bucket.
    pub async fn pause(&self, wait: Duration) {
        let mut s = self.state.lock().await;
        let until = Instant::now() + wait;
        if s.paused_until.is_none_or(|u| u < until) {
            s.paused_until = Some(until);
        }
        s.tokens = 0.0;
        s.at = until;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_sees_more_than_the_limit() {
        let limit = RateLimit {
            requests: 100,
            per: Duration::from_secs(1),
        };
        let bucket = TokenBucket::new(limit, SHARE);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..400 {
            bucket.acquire().await;
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 100, "{in_window} requests in one second");
        }
        // 95 a second after a burst of 2: 400 requests take about 4.19 s.
        let total = times.last().unwrap().as_secs_f64();
        assert!((4.0..4.3).contains(&total), "{total}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request() {
        let limit = RateLimit {
            requests: 1000,
            per: Duration::from_secs(1),
        };
        let bucket = TokenBucket::new(limit, SHARE);
        bucket.pause(Duration::from_secs(2)).await;
        let start = Instant::now();
        bucket.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(2));
    }
}
