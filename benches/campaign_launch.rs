//! Campaign launch benchmark.
//!
//! Workload: a campaign whose audience has 1,000,000 members (`cargo bench --bench
//! campaign_launch`; `CDP_BENCH_MEMBERS` changes it; without `--bench`, as the test suite runs
//! it, 20,000) on the embedded DuckDB with a 10 % holdout, so about 900,000 treatment users,
//! launched by `cdp campaign launch` through the Braze double's `/campaigns/trigger/send` (50
//! recipients a request), the doubles in a process of their own:
//! - to a double whose messaging pool allows 500 requests a second, cdp configured with the
//!   same limit: requests per second while sending against that limit (target: at least 90 %),
//!   and cdp's peak memory (target: under 150 MB);
//! - the baseline, measured in the same run: the same launch (another project, same data) to a
//!   double without a limit, cdp allowed 1,000,000 requests a second: what cdp does when the
//!   limit is not the bottleneck.
//!
//! Every send is recorded in the SQLite state store before its request goes out and after its
//! answer, so the figures include that journal.

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "support/remote.rs"]
mod remote;
#[path = "../tests/support/serve.rs"]
mod serve;
mod support;
use remote::Remote;
use support::{ms, run};

#[path = "../tests/support/destinations/mod.rs"]
mod destinations;

use destinations::braze::{BrazeConfig, BrazeDouble};

const NOW: &str = "2026-06-15T12:00:00Z";
/// The limited double's messaging pool, per second.
const RATE: u32 = 500;

fn serve_doubles() {
    let limited = BrazeDouble::start(BrazeConfig {
        messaging_limit: (RATE, Duration::from_secs(1)),
        ..BrazeConfig::default()
    });
    let unlimited = BrazeDouble::start(BrazeConfig {
        messaging_limit: (u32::MAX, Duration::from_secs(1)),
        ..BrazeConfig::default()
    });
    println!("{} {}", limited.url, unlimited.url);
    for line in std::io::stdin().lines() {
        if line.is_err() {
            break;
        }
        println!(
            "{} {} {} {}",
            limited.requests(),
            limited.delivered_count(),
            unlimited.requests(),
            unlimited.delivered_count()
        );
    }
}

/// A project of `members` gold users (the audience) sending to `url` at `limit` requests a second.
fn project(dir: &Path, url: &str, limit: u32, members: u64) {
    std::fs::write(
        dir.join("cdp.yaml"),
        format!(
            "environments:\n  dev:\n    assets: {{ local: {{ public_base_url: \"https://cdn.acme.test/offers\" }} }}\n    \
             destinations:\n      braze: {{ type: braze, endpoint: \"{url}\", api_key: \"${{BENCH_BRAZE_KEY}}\", \
             message_rate_limit: {{ requests: {limit}, per: 1s }} }}\n"
        ),
    )
    .unwrap();
    for d in ["segments", "campaigns", "assets", ".cdp"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::write(
        dir.join("segments/vip.yaml"),
        "name: vip\nrules: { trait: tier, eq: gold }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("assets/pro.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"30\"><rect width=\"60\" height=\"30\"/></svg>\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("campaigns/vip_upsell.yaml"),
        "name: vip_upsell\naudience: vip\nholdout: 10%\n\
         offer:\n  items:\n    - { sku: pro_annual, title: \"Pro annual\", price: 79.99, currency: USD, image: assets/pro.svg }\n\
         message:\n  via: braze\n  campaign_id: campaign-test\n  \
         trigger_properties: { offer_sku: \"{{ offer.sku }}\", offer_title: \"{{ offer.title }}\", image_url: \"{{ offer.image_url }}\" }\n\
         schedule: once\ngoal: { event: purchase, within: 14d }\n",
    )
    .unwrap();
    let duck = duckdb::Connection::open(dir.join(".cdp/warehouse.duckdb")).unwrap();
    duck.execute_batch(&format!(
        "create table users as select 'user-' || lpad(range::varchar, 8, '0') as user_id, \
         'gold' as tier from range({members});
         create table events (user_id varchar, event varchar, ts timestamp, properties json);"
    ))
    .unwrap();
    drop(duck);
    run(dir, NOW, &["apply", "--auto-approve"], None);
    run(dir, NOW, &["refresh"], None);
}

fn launch(dir: &Path) -> (serde_json::Value, u64, Duration) {
    let t = Instant::now();
    let (out, peak) = run(
        dir,
        NOW,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
        None,
    );
    let wall = t.elapsed();
    (serde_json::from_slice(&out).unwrap(), peak, wall)
}

fn main() {
    if std::env::var("CDP_BENCH_SERVE_DOUBLES").is_ok() {
        return serve_doubles();
    }
    let (_, members) = support::size("CDP_BENCH_MEMBERS", 1_000_000, 20_000);
    let (mut doubles, urls) = Remote::start();
    // SAFETY: set before any thread of this process reads the environment; cdp inherits it.
    unsafe { std::env::set_var("BENCH_BRAZE_KEY", "braze-test-key") };
    let limited_dir = tempfile::tempdir().unwrap();
    let base_dir = tempfile::tempdir().unwrap();
    project(limited_dir.path(), &urls[0], RATE, members);
    project(base_dir.path(), &urls[1], 1_000_000, members);

    let (base, _, base_wall) = launch(base_dir.path());
    let (first, peak, wall) = launch(limited_dir.path());
    let &[requests, delivered, base_requests, base_delivered] = &doubles.counts()[..] else {
        panic!("four counts")
    };
    doubles.stop();
    let treatment = first["arms"]["treatment"].as_u64().unwrap();
    assert_eq!(first["sent"].as_u64().unwrap(), treatment, "{first}");
    assert_eq!(delivered, treatment, "every treatment user messaged once");
    assert_eq!(base_delivered, base["arms"]["treatment"].as_u64().unwrap());

    let per_s = |r: &serde_json::Value| {
        r["requests"].as_f64().unwrap() / (r["sending_ms"].as_f64().unwrap() / 1000.0)
    };
    println!(
        "workload: an audience of {members} members, 10 % holdout: {treatment} treatment users messaged in {requests} requests of at most 50"
    );
    println!(
        "Braze double at {RATE} requests/s: {:.0} requests/s while sending = {:.1} % of the limit (target >= 90 %); \
         {:.0} users/s; whole command {:.1} s; peak memory of cdp {} MB (target < 150 MB)",
        per_s(&first),
        100.0 * per_s(&first) / f64::from(RATE),
        treatment as f64 / (first["sending_ms"].as_f64().unwrap() / 1000.0),
        wall.as_secs_f64(),
        peak / 1024
    );
    println!(
        "baseline, same run, a double without a limit: {:.0} requests/s while sending ({base_requests} requests), \
         whole command {:.1} s; limited / unlimited = {:.2}x the time",
        per_s(&base),
        base_wall.as_secs_f64(),
        wall.as_secs_f64() / base_wall.as_secs_f64()
    );
    println!(
        "whole commands: limited {:.0} ms, unlimited {:.0} ms",
        ms(wall),
        ms(base_wall)
    );
}
