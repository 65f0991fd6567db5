//! How often and how patiently a statement is tried again, and how often a running one is polled.

use std::time::Duration;

use crate::retry::Backoff;

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Attempts per request and the pause between them, as every HTTP client of cdp retries.
    pub backoff: Backoff,
    /// Pause between polls of a running statement.
    pub poll: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            backoff: Backoff::default(),
            poll: Duration::from_millis(500),
        }
    }
}

impl Policy {
    /// The pause before attempt `attempt + 1`; `retry_after` is the wait a server asked for.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.backoff.delay(attempt, retry_after)
    }
}
