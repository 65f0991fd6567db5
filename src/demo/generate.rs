//! Deterministic, believable users and events of a subscription app: each user a pure function of
//! (spec, index), their window's days one stream, each later day a stream of its own.

use chrono::{DateTime, Duration, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalog::*;
use crate::warehouse::Cell;

/// Sizes and seed of a demo dataset: a window of `days` ending at `end`, then `advanced` days
/// after it (appended by `cdp demo advance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub users: u64,
    pub days: u32,
    pub seed: u64,
    pub end: DateTime<Utc>,
    pub advanced: u32,
}

/// Sign-ups per day at the end of the window, per user per window day: `signup_offset` below
/// makes the sign-up density grow linearly to 1.6 / days at `end`, and later days keep that rate.
const SIGNUP_RATE_AT_END: f64 = 1.6;

impl Spec {
    /// A dataset ending at the start of `now`'s day, so a seed is the same all day long.
    pub fn ending_today(now: DateTime<Utc>, users: u64, days: u32, seed: u64) -> Spec {
        use chrono::DurationRound;
        let end = now.duration_trunc(Duration::days(1)).unwrap_or(now);
        Spec {
            users,
            days,
            seed,
            end,
            advanced: 0,
        }
    }

    pub fn begin(&self) -> DateTime<Utc> {
        self.end - Duration::days(self.days as i64)
    }

    /// Where the generated data ends: `end`, plus the days advanced since.
    pub fn data_end(&self) -> DateTime<Utc> {
        self.later_day(self.advanced)
    }

    /// The start of the `k`th day after the window (0: the day that starts at `end`).
    pub fn later_day(&self, k: u32) -> DateTime<Utc> {
        self.end + Duration::days(k as i64)
    }

    /// Users, window and later sign-ups together, once `k` days after the window exist.
    pub fn users_after(&self, k: u32) -> u64 {
        self.users + self.signups_before(k)
    }

    fn signup_rate(&self) -> f64 {
        self.users as f64 * SIGNUP_RATE_AT_END / self.days.max(1) as f64
    }

    /// Users who signed up in the first `k` days after the window; a pure function of `k`, so
    /// advancing in one step or several numbers them alike.
    fn signups_before(&self, k: u32) -> u64 {
        (self.signup_rate() * k as f64).floor() as u64
    }

    /// The day after the window on which user `i` signed up, for users beyond the window's.
    fn signup_day(&self, i: u64) -> Option<u32> {
        let j = i.checked_sub(self.users)?;
        let rate = self.signup_rate();
        if rate <= 0.0 {
            return None;
        }
        // A float estimate, corrected against the exact counts.
        let mut k = (j as f64 / rate) as u32;
        while k > 0 && self.signups_before(k) > j {
            k -= 1;
        }
        while self.signups_before(k + 1) <= j {
            k += 1;
        }
        Some(k)
    }
}

/// One user's row and events, both a pure function of (spec, index).
pub struct UserRecord {
    pub user: Vec<Cell>,
    pub events: Vec<Vec<Cell>>,
}

pub fn user_id(i: u64) -> String {
    format!("u{:07}", i + 1)
}

/// What drives a user's events, drawn once from the user's own stream.
struct Profile {
    id: String,
    signup: DateTime<Utc>,
    platform: &'static str,
    engagement: f64,
    spender: f64,
    /// No activity from this instant on; `MAX_UTC` for users who never churn.
    churn: DateTime<Utc>,
}

/// Draws user `i`'s row and profile; returns the stream too, which the window's days continue.
fn profile(spec: &Spec, i: u64) -> (Vec<Cell>, Profile, ChaCha8Rng) {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
    let id = user_id(i);
    let begin = spec.begin();
    let u: f64 = rng.random();
    let signup = match spec.signup_day(i) {
        // Signed up after the window: at the same rate as at its end, spread over the day.
        Some(k) => spec.later_day(k) + Duration::seconds((u * 86_400.0) as i64),
        // More users signed up recently; a quarter before the data window.
        None => {
            let signup_offset = (u.sqrt() * 1.25 - 0.25) * spec.days as f64 * 86_400.0;
            begin + Duration::seconds(signup_offset as i64)
        }
    };
    let country = *pick(&mut rng, COUNTRIES);
    let plan = *pick(&mut rng, PLANS);
    let platform = *pick(&mut rng, PLATFORMS);
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let email = format!("{first}.{last}{}@example.com", i + 1);
    // Engagement: most users are light, a few are heavy.
    let engagement: f64 = {
        let u: f64 = rng.random();
        0.03 + 0.9 * u.powi(3)
    };
    let spender = match plan {
        "free" => 0.15,
        "basic" => 0.5,
        _ => 0.9,
    };
    // Some users churn: no activity after this instant.
    let churn = if rng.random_bool(0.45) {
        signup + Duration::seconds((rng.random::<f64>() * 60.0 * 86_400.0) as i64)
    } else {
        DateTime::<Utc>::MAX_UTC
    };
    let opt_in = rng.random_bool(0.6);
    let base_ltv = match plan {
        "free" => 0.0,
        "basic" => 40.0,
        "pro" => 180.0,
        _ => 600.0,
    };
    let ltv: f64 = (base_ltv * (0.5 + rng.random::<f64>() * 2.0) * 100.0).round() / 100.0;
    let row = vec![
        Cell::Text(id.clone()),
        Cell::Text(email),
        Cell::Text(country.into()),
        Cell::Text(plan.into()),
        Cell::Text(platform.into()),
        Cell::Timestamp(signup),
        Cell::Float(ltv),
        Cell::Bool(opt_in),
    ];
    let profile = Profile {
        id,
        signup,
        platform,
        engagement,
        spender,
        churn,
    };
    (row, profile, rng)
}

/// Generates user `i`; with `events`, also its events in the window.
pub fn user(spec: &Spec, i: u64, with_events: bool) -> UserRecord {
    let (user, p, mut rng) = profile(spec, i);
    let mut events = Vec::new();
    if !with_events {
        return UserRecord { user, events };
    }
    let (begin, end) = (spec.begin(), spec.end);
    if p.signup >= begin && p.signup < end {
        events.push(install(&p));
    }
    // The window's days continue the user's one stream, as they always have, so `cdp demo
    // seed` writes the same data it did before later days existed.
    let (from, until) = (p.signup.max(begin), p.churn.min(end));
    let mut day = begin;
    while day < end {
        sessions_on(&mut rng, &p, day, from, until, &mut events);
        day += Duration::days(1);
    }
    UserRecord { user, events }
}

/// User `i`'s events on the days `later` after the window. Each day draws from a stream of its
/// own, so any day is generated without replaying the days before it.
pub fn later_events(spec: &Spec, i: u64, later: std::ops::Range<u32>) -> Vec<Vec<Cell>> {
    let (_, p, _) = profile(spec, i);
    let mut events = Vec::new();
    for k in later {
        let day = spec.later_day(k);
        if p.signup >= day && p.signup < day + Duration::days(1) {
            events.push(install(&p));
        }
        let mut rng = day_stream(spec.seed, i, day);
        sessions_on(&mut rng, &p, day, p.signup, p.churn, &mut events);
    }
    events
}

/// The stream of (seed, user, day); its seed bytes spell the three, so no two collide.
fn day_stream(seed: u64, i: u64, day: DateTime<Utc>) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&i.to_le_bytes());
    key[16..24].copy_from_slice(&day.timestamp().div_euclid(86_400).to_le_bytes());
    key[24..].copy_from_slice(b"cdp/day\0");
    ChaCha8Rng::from_seed(key)
}

fn install(p: &Profile) -> Vec<Cell> {
    event(
        &p.id,
        "app_install",
        p.signup,
        format!(r#"{{"platform":"{}"}}"#, p.platform),
    )
}

/// The sessions of one day, kept to instants in [from, until).
fn sessions_on(
    rng: &mut ChaCha8Rng,
    p: &Profile,
    day: DateTime<Utc>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    events: &mut Vec<Vec<Cell>>,
) {
    if day + Duration::days(1) <= from || day >= until {
        return;
    }
    let sessions = poisson(rng, p.engagement);
    for _ in 0..sessions {
        let at = day + Duration::seconds(rng.random_range(0..86_400));
        if at < from || at >= until {
            continue;
        }
        session(rng, &p.id, at, p.platform, p.spender, events);
    }
}

fn session(
    rng: &mut ChaCha8Rng,
    id: &str,
    at: DateTime<Utc>,
    platform: &str,
    spender: f64,
    events: &mut Vec<Vec<Cell>>,
) {
    let mut t = at;
    events.push(event(
        id,
        "session_start",
        t,
        format!(r#"{{"platform":"{platform}"}}"#),
    ));
    let views = poisson(rng, 1.6);
    for _ in 0..views {
        t += Duration::seconds(rng.random_range(5..240));
        let page = PAGES[rng.random_range(0..PAGES.len())];
        events.push(event(id, "page_view", t, format!(r#"{{"path":"{page}"}}"#)));
    }
    if rng.random_bool(0.05) {
        t += Duration::seconds(rng.random_range(5..120));
        let feature = ["export", "share", "playlist", "offline"][rng.random_range(0..4)];
        events.push(event(
            id,
            "feature_used",
            t,
            format!(r#"{{"feature":"{feature}"}}"#),
        ));
    }
    if rng.random_bool(0.09) {
        let (sku, price, _) = SKUS[weighted(rng, SKUS.iter().map(|s| s.2))];
        t += Duration::seconds(rng.random_range(10..600));
        events.push(event(
            id,
            "add_to_cart",
            t,
            format!(r#"{{"sku":"{sku}","price":{price}}}"#),
        ));
        if rng.random_bool(0.45 * spender + 0.05) {
            let (currency, rate, _) = CURRENCIES[weighted(rng, CURRENCIES.iter().map(|c| c.2))];
            let amount = ((price * rate) * 100.0).round() / 100.0;
            t += Duration::seconds(rng.random_range(30..1_800));
            events.push(event(
                id,
                "purchase",
                t,
                format!(r#"{{"sku":"{sku}","amount":{amount},"currency":"{currency}"}}"#),
            ));
        }
    }
    if rng.random_bool(0.01) {
        t += Duration::seconds(rng.random_range(30..600));
        events.push(event(
            id,
            "support_ticket",
            t,
            r#"{"topic":"billing"}"#.to_string(),
        ));
    }
}

fn event(id: &str, name: &str, ts: DateTime<Utc>, props: String) -> Vec<Cell> {
    vec![
        Cell::Text(id.to_string()),
        Cell::Text(name.into()),
        Cell::Timestamp(ts),
        Cell::Json(props),
    ]
}

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
