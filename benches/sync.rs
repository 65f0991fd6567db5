//! Sync benchmark.
//!
//! Workload: a segment of 1,000,000 members (`cargo bench --bench sync`; `CDP_BENCH_MEMBERS`
//! changes it; without `--bench`, as the test suite runs it, 20,000) on the embedded DuckDB,
//! synced by `cdp sync` to local doubles of Braze and Amplitude running in a process of their
//! own:
//! - a first sync to the Braze double held to Braze's real limit (3,000 requests per 3 s, 75
//!   users each, so at most 75,000 users/s): throughput against that limit (target: at least
//!   90%), and cdp's peak memory (target: under 150 MB). The baseline, measured in the same run,
//!   is the same sync to a second Braze double with no rate limit: what cdp can do when the limit
//!   is not the bottleneck;
//! - the same cohort to the Amplitude double (target: at most 11 requests);
//! - a re-sync after 1% of the members changed (half left, as many joined): its requests against
//!   the first sync's (target: about 1%).

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

use destinations::amplitude::{AmplitudeConfig, AmplitudeDouble};
use destinations::braze::{BrazeConfig, BrazeDouble};

const NOW: &str = "2026-06-15T12:00:00Z";

/// The doubles run in a process of their own: a child's peak memory counts what it inherits from
/// the process that starts it, and the doubles hold a million users.
fn serve_doubles() {
    let limited = BrazeDouble::start(BrazeConfig::default());
    let unlimited = BrazeDouble::start(BrazeConfig {
        track_limit: (u32::MAX, Duration::from_secs(1)),
        ..BrazeConfig::default()
    });
    let amplitude = AmplitudeDouble::start(AmplitudeConfig::default());
    println!("{} {} {}", limited.url, unlimited.url, amplitude.url);
    // Each line asks for counts: requests to each double, and users each holds in `vip`.
    for line in std::io::stdin().lines() {
        if line.is_err() {
            break;
        }
        println!(
            "{} {} {} {} {} {}",
            limited.requests(),
            unlimited.requests(),
            amplitude.requests(),
            limited.users_with("cdp_segments", "vip").len(),
            unlimited.users_with("cdp_segments", "vip").len(),
            amplitude.cohort_members("vip (cdp)").map_or(0, |m| m.len()),
        );
    }
}

fn sync(dir: &std::path::Path, to: &str) -> (serde_json::Value, u64, Duration) {
    let t = Instant::now();
    let (out, peak) = run(dir, NOW, &["sync", "--to", to, "--format", "json"], None);
    let elapsed = t.elapsed();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    (v["syncs"][0].clone(), peak, elapsed)
}

fn main() {
    if std::env::var("CDP_BENCH_SERVE_DOUBLES").is_ok() {
        return serve_doubles();
    }
    let (bench, members) = support::size("CDP_BENCH_MEMBERS", 1_000_000, 20_000);
    let changed = members / 100;
    let (mut doubles, urls) = Remote::start();
    // SAFETY: set before any thread of this process reads the environment; cdp inherits it.
    unsafe {
        std::env::set_var("BENCH_BRAZE_KEY", "braze-test-key");
        std::env::set_var("BENCH_AMP_KEY", "amplitude-test-key");
        std::env::set_var("BENCH_AMP_SECRET", "amplitude-test-secret");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cdp.yaml"),
        format!(
            "environments:\n  dev:\n    destinations:\n      \
             braze: {{ type: braze, endpoint: \"{}\", api_key: \"${{BENCH_BRAZE_KEY}}\", rate_limit: {{ requests: 3000, per: 3s }} }}\n      \
             braze_unlimited: {{ type: braze, endpoint: \"{}\", api_key: \"${{BENCH_BRAZE_KEY}}\", rate_limit: {{ requests: 1000000, per: 1s }} }}\n      \
             amplitude: {{ type: amplitude, endpoint: \"{}\", ingest_endpoint: \"{}\", api_key: \"${{BENCH_AMP_KEY}}\", \
             secret_key: \"${{BENCH_AMP_SECRET}}\", app_id: 1, owner: bench@acme.test }}\n",
            urls[0], urls[1], urls[2], urls[2]
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("segments")).unwrap();
    std::fs::write(
        dir.path().join("segments/vip.yaml"),
        "name: vip\nrules: { trait: tier, eq: gold }\ndestinations:\n  - { to: braze, as: attribute }\n  \
         - { to: braze_unlimited, as: attribute }\n  - { to: amplitude, as: cohort }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join(".cdp")).unwrap();
    let duck = duckdb::Connection::open(dir.path().join(".cdp/warehouse.duckdb")).unwrap();
    duck.execute_batch(&format!(
        "create table users as select 'user-' || lpad(range::varchar, 8, '0') as user_id, \
         case when range < {members} then 'gold' else 'silver' end as tier from range({});
         create table events (user_id varchar, event varchar, ts timestamp, properties json);",
        members + changed
    ))
    .unwrap();
    drop(duck);
    run(dir.path(), NOW, &["apply", "--auto-approve"], None);
    run(dir.path(), NOW, &["refresh"], None);

    let (base, _, base_wall) = sync(dir.path(), "braze_unlimited");
    let (first, peak, wall) = sync(dir.path(), "braze");
    let (amp, amp_peak, _) = sync(dir.path(), "amplitude");
    let &[
        braze_requests,
        _,
        amp_requests,
        held,
        held_unlimited,
        cohort,
    ] = &doubles.counts()[..]
    else {
        panic!("six counts")
    };
    assert_eq!(
        (held, held_unlimited, cohort),
        (members, members, members),
        "every member arrives"
    );

    // 1% of members change: half of them leave, as many join.
    let duck = duckdb::Connection::open(dir.path().join(".cdp/warehouse.duckdb")).unwrap();
    duck.execute_batch(&format!(
        "update users set tier = case when tier = 'gold' then 'silver' else 'gold' end \
         where user_id in (select user_id from users where tier = 'gold' order by user_id limit {half}) \
         or user_id in (select user_id from users where tier = 'silver' order by user_id limit {half})",
        half = changed / 2
    ))
    .unwrap();
    drop(duck);
    run(dir.path(), "2026-06-16T12:00:00Z", &["refresh"], None);
    let (again, _, _) = sync(dir.path(), "braze");
    let braze_after = doubles.counts()[0];
    doubles.stop();

    let users_per_s = |r: &serde_json::Value| {
        r["sent"].as_f64().unwrap() / (r["duration_ms"].as_f64().unwrap() / 1000.0)
    };
    let allowed = 75_000.0;
    println!(
        "workload: a segment of {members} members; first sync to each double, then a re-sync after {changed} changed"
    );
    println!(
        "Braze at 3,000 requests / 3 s: {:.0} users/s while sending = {:.1}% of the {allowed:.0} the limit allows (target >= 90%); \
         whole command {:.1} s = {:.0} users/s",
        users_per_s(&first),
        100.0 * users_per_s(&first) / allowed,
        wall.as_secs_f64(),
        members as f64 / wall.as_secs_f64()
    );
    println!(
        "baseline, same run, Braze without a limit: {:.0} users/s while sending, whole command {:.1} s; limited / unlimited = {:.2}x the time",
        users_per_s(&base),
        base_wall.as_secs_f64(),
        wall.as_secs_f64() / base_wall.as_secs_f64()
    );
    println!(
        "requests: {} to Braze for {members} users ({} retried); peak memory of cdp: {} MB (target < 150 MB)",
        braze_requests,
        first["retried"],
        peak / 1024
    );
    println!(
        "Amplitude cohort: {amp_requests} requests for {members} members (target <= 11), peak memory {} MB, {:.0} ms sending",
        amp_peak / 1024,
        amp["duration_ms"].as_f64().unwrap()
    );
    println!(
        "whole commands: Braze {:.0} ms, Braze without a limit {:.0} ms",
        ms(wall),
        ms(base_wall)
    );
    let resent = braze_after - braze_requests;
    println!(
        "re-sync after {changed} of {members} changed ({} entered, {} exited): {resent} requests = {:.2}% of the first sync's {braze_requests}",
        again["entered"],
        again["exited"],
        100.0 * resent as f64 / braze_requests as f64
    );
    assert!(
        amp_requests <= 11 || !bench,
        "{amp_requests} Amplitude requests"
    );
}
