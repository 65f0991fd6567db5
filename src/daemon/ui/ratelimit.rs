//! The login's rate limit, in memory: at most [`MAX_FAILURES`] failed logins per [`WINDOW`] for
//! each client address and for each user name; past that, logins are refused until the oldest
//! failure leaves the window. A success clears the user's count.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept at most before the ones with no failure in the window are dropped.
const MAX_KEYS: usize = 10_000;

/// Failures by key (`addr 10.0.0.7`, `user ana`), oldest first.
#[derive(Debug)]
pub struct Limiter {
    max: usize,
    window: Duration,
    failures: HashMap<String, VecDeque<Instant>>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(MAX_FAILURES, WINDOW)
    }
}

impl Limiter {
    pub fn new(max: usize, window: Duration) -> Limiter {
        Limiter {
            max: max.max(1),
            window,
            failures: HashMap::new(),
        }
    }

    fn recent(&mut self, key: &str, now: Instant) -> Option<&mut VecDeque<Instant>> {
        let window = self.window;
        let list = self.failures.get_mut(key)?;
        while list
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            list.pop_front();
        }
        Some(list)
    }

    /// `Err(wait)` when any of `keys` has used up its failures at `now`: how long until the
    /// next try may be made.
    pub fn check(&mut self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let (max, window) = (self.max, self.window);
        let mut wait = Duration::ZERO;
        for key in keys {
            if let Some(list) = self.recent(key, now)
                && list.len() >= max
                && let Some(oldest) = list.get(list.len() - max)
            {
                wait = wait.max(window.saturating_sub(now.saturating_duration_since(*oldest)));
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed login against each of `keys`.
    pub fn fail(&mut self, keys: &[String], now: Instant) {
        if self.failures.len() >= MAX_KEYS {
            let window = self.window;
            self.failures.retain(|_, list| {
                list.back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
            });
        }
        for key in keys {
            let list = self.failures.entry(key.clone()).or_default();
            list.push_back(now);
            // Only the last `max` matter.
            while list.len() > self.max {
                list.pop_front();
            }
        }
    }

    /// Forgets `key`'s failures (after a successful login).
    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }

    /// Keys with failures kept.
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The keys of a login attempt: the client's address and the user name asked for.
pub fn keys(addr: std::net::IpAddr, user: &str) -> [String; 2] {
    [
        format!("addr {addr}"),
        format!("user {}", user.trim().to_lowercase()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_the_window_is_refused_until_the_oldest_leaves_it() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let keys = keys("10.0.0.7".parse().unwrap(), "Ana");
        for i in 0..5 {
            let at = t0 + Duration::from_secs(i * 60);
            assert_eq!(l.check(&keys, at), Ok(()), "attempt {}", i + 1);
            l.fail(&keys, at);
        }
        let sixth = t0 + Duration::from_secs(5 * 60);
        assert_eq!(l.check(&keys, sixth), Err(Duration::from_secs(10 * 60)));
        // The first failure leaves the window 15 minutes after it: one more try is allowed.
        let later = t0 + WINDOW;
        assert_eq!(l.check(&keys, later), Ok(()));
        l.fail(&keys, later);
        assert_eq!(
            l.check(&keys, later),
            Err(Duration::from_secs(60)),
            "the second failure leaves a minute later"
        );
    }

    #[test]
    fn addresses_and_users_are_counted_apart() {
        let mut l = Limiter::new(2, WINDOW);
        let now = Instant::now();
        let ip = "10.0.0.7".parse().unwrap();
        l.fail(&keys(ip, "ana"), now);
        l.fail(&keys(ip, "bob"), now);
        // The address is used up, whichever user it tries next.
        assert!(l.check(&keys(ip, "carl"), now).is_err());
        // Another address may still try ana, who has one failure.
        let other = "10.0.0.8".parse().unwrap();
        assert_eq!(l.check(&keys(other, "ana"), now), Ok(()));
        l.fail(&keys(other, "ANA "), now);
        assert!(
            l.check(&keys("10.0.0.9".parse().unwrap(), "ana"), now)
                .is_err()
        );
        l.clear(&keys(other, "ana")[1]);
        assert_eq!(
            l.check(&keys("10.0.0.9".parse().unwrap(), "ana"), now),
            Ok(())
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..MAX_KEYS {
            l.fail(&[format!("addr {i}")], t0);
        }
        assert_eq!(l.len(), MAX_KEYS);
        l.fail(&["addr new".to_string()], t0 + WINDOW);
        assert_eq!(l.len(), 1, "the expired keys were dropped");
    }
}
