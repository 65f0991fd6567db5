//! How often and how patiently a request is tried again.

use std::time::Duration;

use rand::RngExt;

/// Retry limits: attempts per request and the backoff between them.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// Pause between polls of a running statement.
    pub poll: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 8,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(20),
            poll: Duration::from_millis(500),
        }
    }
}

impl Policy {
    /// Full jitter: a random pause up to base * 2^attempt, never above the cap; a server's
    /// `Retry-After` wins when it asks for longer.
    pub fn delay(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let jittered = ceiling.mul_f64(rand::rng().random::<f64>());
        match retry_after {
            Some(s) => jittered
                .max(Duration::from_secs(s))
                .min(self.cap.max(Duration::from_secs(s))),
            None => jittered,
        }
    }
}
