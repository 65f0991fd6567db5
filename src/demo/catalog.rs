//! What the demo world is made of: countries, plans, names, products, pages and currencies
//! with their weights, and the draws that pick among them.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

pub const COUNTRIES: &[(&str, u32)] = &[
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
pub const PLANS: &[(&str, u32)] = &[("free", 68), ("basic", 16), ("pro", 13), ("team", 3)];
pub const PLATFORMS: &[(&str, u32)] = &[("ios", 45), ("android", 35), ("web", 20)];
pub const FIRST_NAMES: &[&str] = &[
    "ana", "ben", "chloe", "diego", "emma", "farid", "grace", "hiro", "ines", "jonas", "kofi",
    "lena", "maya", "noah", "olga", "pablo", "quinn", "rosa", "sam", "tara", "umar", "vera", "wei",
    "yara", "zoe",
];
pub const LAST_NAMES: &[&str] = &[
    "alvarez", "brown", "chen", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito",
    "jensen", "kumar", "lopez", "martin", "nakamura", "okafor", "patel", "rossi", "schmidt",
    "tanaka", "weber",
];
/// (sku, price in USD, weight)
pub const SKUS: &[(&str, f64, u32)] = &[
    ("pro_monthly", 12.99, 40),
    ("pro_annual", 99.99, 12),
    ("basic_monthly", 4.99, 30),
    ("team_seat", 29.0, 6),
    ("credits_100", 9.99, 12),
];
pub const PAGES: &[&str] = &[
    "/home",
    "/pricing",
    "/library",
    "/search",
    "/settings",
    "/checkout",
    "/help",
];
pub const CURRENCIES: &[(&str, f64, u32)] = &[
    ("USD", 1.0, 60),
    ("EUR", 0.92, 25),
    ("GBP", 0.79, 10),
    ("JPY", 150.0, 5),
];

/// An index drawn in proportion to `weights`.
pub fn weighted(rng: &mut ChaCha8Rng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut x = rng.random_range(0..total);
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if x < w {
            return i;
        }
        x -= w;
        last = i;
    }
    last
}

/// An item drawn in proportion to its weight.
pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    &items[weighted(rng, items.iter().map(|(_, w)| *w))].0
}

pub fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
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
