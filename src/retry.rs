//! How long to wait before sending a failed request again: capped exponential backoff with full
//! jitter, and the waits servers ask for in their headers. Shared by every HTTP client of cdp.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};

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

/// The wait a response's headers ask for, from the first that says: `Retry-After` (seconds or
/// an HTTP date), Braze's `X-Ratelimit-Retry-After` (seconds), then `X-RateLimit-Reset`, which
/// Braze documents both as epoch seconds and as seconds remaining: a small number is a delay, a
/// large one an instant.
pub fn server_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    server_wait_at(headers, Utc::now())
}

/// [`server_wait`] as of `now`, which an instant in a header is counted from (one in the past
/// is no wait).
fn server_wait_at(headers: &reqwest::header::HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let number = |name: &str| -> Option<f64> {
        text(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    let until = |instant: DateTime<Utc>| (instant - now).to_std().unwrap_or(Duration::ZERO);
    if let Some(s) = number("retry-after") {
        return Some(Duration::from_secs_f64(s));
    }
    if let Some(date) = text("retry-after").and_then(|v| http_date(v, now)) {
        return Some(until(date));
    }
    if let Some(s) = number("x-ratelimit-retry-after") {
        return Some(Duration::from_secs_f64(s));
    }
    let reset = number("x-ratelimit-reset")?;
    // Ten years of seconds: no delay is that long, and no epoch instant that short.
    if reset < 315_360_000.0 {
        return Some(Duration::from_secs_f64(reset));
    }
    let now = now.timestamp_micros() as f64 / 1e6;
    Some(Duration::from_secs_f64((reset - now).max(0.0)))
}

/// An HTTP date ([RFC 9110 §5.6.7](https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7)): the
/// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, or one of the obsolete forms, RFC 850's
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime's `Sun Nov  6 08:49:37 1994`. The day's name is
/// not checked. A two-digit year more than 50 years after `now` is the latest past year ending
/// in those digits, as the RFC says.
fn http_date(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (_day_name, rest) = text.trim().split_once([',', ' '])?;
    let parse = |format| NaiveDateTime::parse_from_str(rest, format).ok();
    if let Some(date) = parse("%d %b %Y %H:%M:%S GMT") {
        return Some(date.and_utc());
    }
    if let Some(date) = parse("%d-%b-%y %H:%M:%S GMT") {
        let mut year = now.year() - now.year().rem_euclid(100) + date.year().rem_euclid(100);
        if year > now.year() + 50 {
            year -= 100;
        }
        return date.with_year(year).map(|date| date.and_utc());
    }
    parse("%b %e %H:%M:%S %Y").map(|date| date.and_utc())
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
        let now = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .to_utc();
        let soon = now.timestamp() + 3;
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        assert_eq!(server_wait_at(&h, now), Some(Duration::from_secs(3)));
        let later = now + chrono::Duration::seconds(10);
        assert_eq!(server_wait_at(&h, later), Some(Duration::ZERO));
        h.insert("x-ratelimit-retry-after", HeaderValue::from_static("7"));
        assert_eq!(server_wait(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("1"));
        assert_eq!(server_wait(&h), Some(Duration::from_secs(1)));
        assert_eq!(server_wait(&HeaderMap::new()), None);
    }

    fn wait_at(retry_after: &str, now: &str) -> Option<Duration> {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_str(retry_after).unwrap());
        let now = DateTime::parse_from_rfc3339(now).unwrap().to_utc();
        server_wait_at(&h, now)
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now = "1994-11-06T08:49:00Z";
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(wait_at("120", now), secs(120));
        assert_eq!(wait_at(" 1.5 ", now), Some(Duration::from_millis(1500)));
        // IMF-fixdate, the form senders must use.
        assert_eq!(wait_at("Sun, 06 Nov 1994 08:49:37 GMT", now), secs(37));
        assert_eq!(wait_at("Mon, 07 Nov 1994 08:49:00 GMT", now), secs(86_400));
        // The obsolete forms: RFC 850 and asctime (a space-padded day).
        assert_eq!(wait_at("Sunday, 06-Nov-94 08:49:37 GMT", now), secs(37));
        assert_eq!(wait_at("Sun Nov  6 08:49:37 1994", now), secs(37));
        assert_eq!(wait_at("Thu Nov 10 08:49:00 1994", now), secs(4 * 86_400));
        // An instant already past is no wait.
        assert_eq!(wait_at("Sun, 06 Nov 1994 08:48:00 GMT", now), secs(0));
        assert_eq!(wait_at("Sat, 01 Jan 1994 00:00:00 GMT", now), secs(0));
        // Neither a number nor a date: no wait asked for.
        assert_eq!(wait_at("soon", now), None);
        assert_eq!(wait_at("-5", now), None);
        assert_eq!(wait_at("Sun, 32 Nov 1994 08:49:37 GMT", now), None);
        assert_eq!(wait_at("Sun, 06 Nov 1994 08:49:37 PST", now), None);
    }

    #[test]
    fn a_two_digit_year_is_the_nearest_not_more_than_fifty_years_ahead() {
        let now = "2026-01-01T00:00:00Z";
        // 2076 is 50 years ahead: read as it is; 2077 would be 51, so it is 1977.
        assert_eq!(
            wait_at("Friday, 01-Jan-27 00:00:00 GMT", now),
            Some(Duration::from_secs(365 * 86_400))
        );
        assert!(wait_at("Wednesday, 01-Jan-76 00:00:00 GMT", now).unwrap() > Duration::ZERO);
        assert_eq!(
            wait_at("Saturday, 01-Jan-77 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_comes_before_the_other_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-retry-after", HeaderValue::from_static("9"));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        let now = DateTime::parse_from_rfc3339("1994-11-06T08:49:30Z")
            .unwrap()
            .to_utc();
        assert_eq!(server_wait_at(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("later"));
        assert_eq!(server_wait_at(&h, now), Some(Duration::from_secs(9)));
    }
}
