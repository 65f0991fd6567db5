//! Deterministic, believable users and events of a subscription app, generated per user.

use chrono::{DateTime, Duration, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::warehouse::Cell;

const COUNTRIES: &[(&str, u32)] = &[
    ("US", 38),
    ("GB", 10),
    ("DE", 9),
    ("FR", 7),
    ("CA", 7),
    ("BR", 8),
    ("IN", 9),
    ("JP", 6),
    ("ES", 6),
];
const PLANS: &[(&str, u32)] = &[("free", 68), ("basic", 16), ("pro", 13), ("team", 3)];
const PLATFORMS: &[(&str, u32)] = &[("ios", 45), ("android", 35), ("web", 20)];
const FIRST_NAMES: &[&str] = &[
    "ana", "ben", "chloe", "diego", "emma", "farid", "grace", "hiro", "ines", "jonas", "kofi",
    "lena", "maya", "noah", "olga", "pablo", "quinn", "rosa", "sam", "tara", "umar", "vera", "wei",
    "yara", "zoe",
];
const LAST_NAMES: &[&str] = &[
    "alvarez", "brown", "chen", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito",
    "jensen", "kumar", "lopez", "martin", "nakamura", "okafor", "patel", "rossi", "schmidt",
    "tanaka", "weber",
];
/// (sku, price in USD, weight)
const SKUS: &[(&str, f64, u32)] = &[
    ("pro_monthly", 12.99, 40),
    ("pro_annual", 99.99, 12),
    ("basic_monthly", 4.99, 30),
    ("team_seat", 29.0, 6),
    ("credits_100", 9.99, 12),
];
const PAGES: &[&str] = &[
    "/home",
    "/pricing",
    "/library",
    "/search",
    "/settings",
    "/checkout",
    "/help",
];
const CURRENCIES: &[(&str, f64, u32)] = &[
    ("USD", 1.0, 60),
    ("EUR", 0.92, 25),
    ("GBP", 0.79, 10),
    ("JPY", 150.0, 5),
];

/// Sizes and seed of a demo dataset ending at `end`.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub users: u64,
    pub days: u32,
    pub seed: u64,
    pub end: DateTime<Utc>,
}

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
        }
    }
}

/// One user's row and events, both a pure function of (seed, index).
pub struct UserRecord {
    pub user: Vec<Cell>,
    pub events: Vec<Vec<Cell>>,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

pub fn user_id(i: u64) -> String {
    format!("u{:07}", i + 1)
}

/// Generates user `i`; with `events`, also its events from day `start_day` of the dataset on.
pub fn user(spec: &Spec, i: u64, start_day: u32, with_events: bool) -> UserRecord {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
    let id = user_id(i);
    let begin = spec.end - Duration::days(spec.days as i64);
    // More users signed up recently; a quarter before the data window.
    let signup_offset = {
        let u: f64 = rng.random();
        (u.sqrt() * 1.25 - 0.25) * spec.days as f64 * 86_400.0
    };
    let signup = begin + Duration::seconds(signup_offset as i64);
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
        spec.end
    };
    let opt_in = rng.random_bool(0.6);
    let base_ltv = match plan {
        "free" => 0.0,
        "basic" => 40.0,
        "pro" => 180.0,
        _ => 600.0,
    };
    let ltv: f64 = (base_ltv * (0.5 + rng.random::<f64>() * 2.0) * 100.0).round() / 100.0;
    let user = vec![
        Cell::Text(id.clone()),
        Cell::Text(email),
        Cell::Text(country.into()),
        Cell::Text(plan.into()),
        Cell::Text(platform.into()),
        Cell::Timestamp(signup),
        Cell::Float(ltv),
        Cell::Bool(opt_in),
    ];
    let mut events = Vec::new();
    if !with_events {
        return UserRecord { user, events };
    }
    if signup >= begin && signup < spec.end {
        events.push(event(
            &id,
            "app_install",
            signup,
            format!(r#"{{"platform":"{platform}"}}"#),
        ));
    }
    let active_from = signup.max(begin);
    let active_until = churn.min(spec.end);
    let mut day = begin + Duration::days(start_day as i64);
    while day < spec.end {
        let day_end = day + Duration::days(1);
        if day_end > active_from && day < active_until {
            let sessions = poisson(&mut rng, engagement);
            for _ in 0..sessions {
                let at = day + Duration::seconds(rng.random_range(0..86_400));
                if at < active_from || at >= active_until {
                    continue;
                }
                session(&mut rng, &id, at, platform, spender, &mut events);
            }
        }
        day = day_end;
    }
    UserRecord { user, events }
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
        let (sku, price, _) = SKUS[weighted_sku(rng)];
        t += Duration::seconds(rng.random_range(10..600));
        events.push(event(
            id,
            "add_to_cart",
            t,
            format!(r#"{{"sku":"{sku}","price":{price}}}"#),
        ));
        if rng.random_bool(0.45 * spender + 0.05) {
            let (currency, rate) = {
                let c = pick_currency(rng);
                (c.0, c.1)
            };
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

fn weighted_sku(rng: &mut ChaCha8Rng) -> usize {
    let total: u32 = SKUS.iter().map(|s| s.2).sum();
    let mut x = rng.random_range(0..total);
    for (i, s) in SKUS.iter().enumerate() {
        if x < s.2 {
            return i;
        }
        x -= s.2;
    }
    0
}

fn pick_currency(rng: &mut ChaCha8Rng) -> (&'static str, f64) {
    let total: u32 = CURRENCIES.iter().map(|c| c.2).sum();
    let mut x = rng.random_range(0..total);
    for c in CURRENCIES {
        if x < c.2 {
            return (c.0, c.1);
        }
        x -= c.2;
    }
    ("USD", 1.0)
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    // Knuth's method: lambdas here are small.
    let l = (-lambda).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.random::<f64>();
        if p <= l || k > 50 {
            return k;
        }
        k += 1;
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
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let spec = Spec {
            users: 10,
            days: 30,
            seed: 7,
            end: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        let a = user(&spec, 3, 0, true);
        let b = user(&spec, 3, 0, true);
        assert_eq!(a.user, b.user);
        assert_eq!(a.user, user(&spec, 3, 0, false).user);
        assert_eq!(a.events, b.events);
        let other = user(&Spec { seed: 8, ..spec }, 3, 0, true);
        assert_ne!(a.events, other.events);
    }
}
