//! How often and how patiently a request is tried again.

use std::time::Duration;

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
    /// The shared backoff; `retry_after` is the seconds a server asked for.
    pub fn delay(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        let backoff = crate::retry::Backoff {
            attempts: self.attempts,
            base: self.base,
            cap: self.cap,
        };
        let server = retry_after.map(Duration::from_secs);
        // A server's wait is honoured, but never beyond the cap when the cap is longer.
        backoff
            .delay(attempt, server)
            .min(self.cap.max(server.unwrap_or_default()))
    }
}
