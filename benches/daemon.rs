//! Daemon benchmark: the HTTP API and UI under load, the idle daemon, and three daemons on Redis.
//!
//! `cargo bench --bench daemon [-- api idle redis]` (all three parts when none is named; without
//! `--bench`, as `cargo test --all-targets` runs it, a small size and a few requests check that it
//! works, and the Redis part is left out). Each figure stands beside a baseline measured in the
//! same run, as the machine is shared and its timings noisy.
//!
//! Workload of `api` and `idle`: the demo project (`cdp init`, `cdp demo seed` of 20,000 users
//! over 90 days, `CDP_BENCH_USERS` changes it), applied and refreshed five days back, then five
//! rounds of `cdp demo advance --days 1` and `cdp refresh`, so every segment has six refreshes of
//! history; state in SQLite, then (when `CDP_TEST_POSTGRES_URL` names a server) the same state
//! migrated to PostgreSQL. The release `cdp daemon` starts on it, runs the schedules it missed
//! (once each) and settles; then:
//! - `api`: 50 concurrent keep-alive clients (tokio + reqwest) for 5 s on each of `GET /healthz`
//!   (the baseline: it asks the state store and the queue), `GET /api/v1/segments`, `GET
//!   /api/v1/segments/{name}` (the ten segments in turn) with a token, and the UI pages
//!   `/segments`, `/segments/{name}`, `/runs`, `/campaigns`, `/environment` with a session
//!   cookie; 3 rounds in turn, medians of each round's p50/p95/p99 and requests/s, p99 over
//!   `/healthz`'s (targets: the API under 50 ms at p99, the UI under 100 ms);
//! - `idle`: a daemon started again with no schedule due (not across a quarter hour, when the
//!   demo's schedules fire), its `/proc/PID` sampled each second for 30 s: resident memory and
//!   CPU (ticks over wall time) with no job run since its start, then the same after one refresh
//!   job (between jobs); its first 5 s of CPU as the baseline (targets: under 30 MB, no
//!   measurable CPU).
//!
//! Workload of `redis` (needs `CDP_TEST_POSTGRES_URL` and `CDP_TEST_REDIS_URL`): warehouse and
//! state in a new PostgreSQL database, `cdp demo seed` of 200,000 users over 30 days
//! (`CDP_BENCH_REDIS_USERS`), one segment `active_7d` (a session in the last 7 days) scheduled
//! `*/4 * * * * *` and refreshed once by hand. Phases alternate, 3 of each: one daemon on the
//! in-process queue (the baseline), three daemons on one Redis (a `name:` of its own per run);
//! each phase waits for 6 scheduled refreshes, and the durations (`started_at` to `ended_at` of
//! the state store's `daemon_jobs`, from `/api/v1/jobs`) after each phase's first are pooled per
//! setup; the ratio of medians (target: Redis at most 1.10x).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/daemon.rs"]
mod daemon;
#[path = "daemon/redis.rs"]
mod daemon_redis;
#[path = "daemon/idle.rs"]
mod idle;
#[path = "support/pg.rs"]
mod pg;
mod support;
use daemon::{Daemon, Load, client, load, login};
use support::run;

const PASSWORD: &str = "bench-password-1234";
const ROUNDS: u32 = 5;

/// The `now` of setup commands, `days_back` days before today's midnight (UTC).
fn day(days_back: u32) -> String {
    let today = chrono::Utc::now().date_naive();
    format!("{}T00:00:00Z", today - chrono::Days::new(days_back.into()))
}

/// A token for the API, made with the command line.
fn token(dir: &Path) -> String {
    let (out, _) = run(
        dir,
        &day(0),
        &["token", "create", "bench", "--format", "json"],
        None,
    );
    serde_json::from_slice::<Value>(&out).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `cdp demo seed` of `users` over `days` as of `now`, applied and refreshed.
fn seeded(dir: &Path, now: &str, users: u64, days: &str) {
    let users = users.to_string();
    run(
        dir,
        now,
        &["demo", "seed", "--users", &users, "--days", days],
        None,
    );
    run(dir, now, &["apply", "--auto-approve"], None);
    run(dir, now, &["refresh"], None);
}

/// The demo project of `users`, with history; its token. A UI user `ana` too.
fn demo(dir: &Path, users: u64) -> String {
    run(dir, &day(ROUNDS), &["init"], None);
    seeded(dir, &day(ROUNDS), users, "90");
    for k in (0..ROUNDS).rev() {
        run(dir, &day(k), &["demo", "advance", "--days", "1"], None);
        run(dir, &day(k), &["refresh"], None);
    }
    let mut add = Command::new(env!("CARGO_BIN_EXE_cdp"))
        .arg("--project-dir")
        .arg(dir)
        .args(["user", "add", "ana"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success(), "cdp user add");
    token(dir)
}

/// GET of the API with the token; its JSON.
pub fn get(rt: &tokio::runtime::Runtime, d: &Daemon, token: &str, path: &str) -> Value {
    let url = format!("{}{path}", d.url);
    rt.block_on(async {
        let r = reqwest::Client::new().get(url).bearer_auth(token).send();
        r.await.unwrap().json().await.unwrap()
    })
}

/// The jobs of key `key` (all when empty) in the state store that the daemons of `pids` ran,
/// asked of `d`.
pub fn jobs_of(
    rt: &tokio::runtime::Runtime,
    d: &Daemon,
    token: &str,
    key: &str,
    pids: &[u32],
) -> Vec<Value> {
    let only = if key.is_empty() {
        String::new()
    } else {
        format!("&job={key}")
    };
    let all = get(rt, d, token, &format!("/api/v1/jobs?limit=1000{only}"));
    let all = all["jobs"].as_array().cloned().unwrap_or_default();
    all.into_iter()
        .filter(|j| {
            let daemon = j["daemon"].as_str().unwrap_or_default();
            pids.iter().any(|p| daemon.ends_with(&format!(":{p}")))
        })
        .collect()
}

/// Waits until the state store has no job queued or running (the missed schedules caught up).
fn settle(rt: &tokio::runtime::Runtime, d: &Daemon, token: &str) {
    let begun = Instant::now();
    let mut quiet = 0;
    while quiet < 3 {
        std::thread::sleep(Duration::from_millis(500));
        let all = get(rt, d, token, "/api/v1/jobs?limit=1000");
        let busy = all["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| matches!(j["status"].as_str(), Some("queued" | "running")));
        quiet = if busy { 0 } else { quiet + 1 };
        assert!(
            begun.elapsed() < Duration::from_secs(300),
            "jobs never settled"
        );
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Sizes {
    clients: usize,
    time: Duration,
    rounds: usize,
    window: u64,
}

/// The API and the UI under load: medians over rounds of each scenario's figures.
fn api(out: &mut impl Write, rt: &tokio::runtime::Runtime, dir: &Path, token: &str, s: &Sizes) {
    let d = Daemon::start(dir, &[]);
    settle(rt, &d, token);
    let before = jobs_of(rt, &d, token, "", &[d.pid()]).len();
    let segments = get(rt, &d, token, "/api/v1/segments");
    let names = segments["segments"].as_array().unwrap().iter();
    let names: Vec<String> = names
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let each =
        |prefix: &str| -> Vec<String> { names.iter().map(|n| format!("{prefix}{n}")).collect() };
    let one = |p: &str| vec![p.to_string()];
    let scenarios = [
        ("GET /healthz (baseline)", false, one("/healthz")),
        ("GET /api/v1/segments", false, one("/api/v1/segments")),
        (
            "GET /api/v1/segments/{name}",
            false,
            each("/api/v1/segments/"),
        ),
        ("UI /segments", true, one("/segments")),
        ("UI /segments/{name}", true, each("/segments/")),
        ("UI /runs", true, one("/runs")),
        ("UI /campaigns", true, one("/campaigns")),
        ("UI /environment", true, one("/environment")),
    ];
    let mut results: Vec<Vec<Load>> = scenarios.iter().map(|_| Vec::new()).collect();
    rt.block_on(async {
        let bearer = client(("authorization", &format!("Bearer {token}")));
        let cookie = login(&d.url, "ana", PASSWORD).await;
        let session = client(("cookie", &cookie));
        for _ in 0..s.rounds {
            for (i, (_, ui, paths)) in scenarios.iter().enumerate() {
                let c = if *ui { &session } else { &bearer };
                results[i].push(load(c, &d.url, paths, s.clients, s.time).await);
            }
        }
    });
    let during = jobs_of(rt, &d, token, "", &[d.pid()]).len() - before;
    let stat = |r: &[Load], f: &dyn Fn(&Load) -> f64| median(r.iter().map(f).collect());
    let base = stat(&results[0], &|l| l.at(0.99));
    writeln!(
        out,
        "api: {} clients, {} s a scenario, {} rounds in turn, medians of the rounds (ms); \
         {during} scheduled jobs ran meanwhile",
        s.clients,
        s.time.as_secs_f64(),
        s.rounds
    )
    .unwrap();
    for ((what, ui, _), r) in scenarios.iter().zip(&results) {
        let p99 = stat(r, &|l| l.at(0.99));
        let errors: usize = r.iter().map(|l| l.errors).sum();
        let target = if *ui { 100.0 } else { 50.0 };
        let verdict = match (what.contains("baseline"), p99 < target) {
            (true, _) => String::new(),
            (false, ok) => format!(
                "  target p99 < {target} ms: {}",
                if ok { "ok" } else { "OVER" }
            ),
        };
        writeln!(
            out,
            "  {what:<30} p50 {:>6.1}  p95 {:>6.1}  p99 {p99:>6.1}  {:>6.0} req/s  p99/healthz {:>5.1}x{verdict}{}",
            stat(r, &|l| l.at(0.5)),
            stat(r, &|l| l.at(0.95)),
            stat(r, &|l| l.per_second()),
            p99 / base,
            if errors > 0 {
                format!("; {errors} not 200, first: {}", r.iter().find_map(|l| l.first_error.clone()).unwrap())
            } else {
                String::new()
            }
        )
        .unwrap();
    }
    d.stop();
}

fn main() {
    let (bench, users) = support::size("CDP_BENCH_USERS", 20_000, 2_000);
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let part = |p: &str| parts.is_empty() || parts.iter().any(|a| a == p);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = if bench {
        Sizes {
            clients: 50,
            time: Duration::from_secs(5),
            rounds: 3,
            window: 30,
        }
    } else {
        Sizes {
            clients: 5,
            time: Duration::from_millis(300),
            rounds: 1,
            window: 2,
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let admin = std::env::var("CDP_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if part("api") || part("idle") {
        let dir = tempfile::tempdir().unwrap();
        let token = demo(dir.path(), users);
        writeln!(
            out,
            "demo project: {users} users, {ROUNDS} days advanced and refreshed; state in SQLite"
        )
        .unwrap();
        if part("api") {
            api(&mut out, &rt, dir.path(), &token, &s);
        }
        if part("idle") {
            idle::run(&mut out, &rt, dir.path(), &token, &s);
        }
        if let (Some(admin), true) = (&admin, part("api")) {
            let db = format!("cdp_bench_daemon_state_{}", std::process::id());
            pg::pg(admin, &format!("create database {db}"));
            let url = pg::db_url(admin, &db);
            run(
                dir.path(),
                &day(0),
                &["state", "migrate", "--to", &url],
                None,
            );
            let yaml = std::fs::read_to_string(dir.path().join("cdp.yaml")).unwrap();
            let pg_state = format!("  dev:\n    state: {{ url: \"{url}\" }}");
            let yaml = yaml.replacen("  dev: {}", &pg_state, 1);
            std::fs::write(dir.path().join("cdp.yaml"), yaml).unwrap();
            writeln!(out, "the same, state migrated to PostgreSQL").unwrap();
            api(&mut out, &rt, dir.path(), &token, &s);
            pg::pg(admin, &format!("drop database {db} with (force)"));
        }
    }
    if part("redis") {
        let redis = std::env::var("CDP_TEST_REDIS_URL")
            .ok()
            .filter(|u| !u.is_empty());
        match (bench, admin, redis) {
            (true, Some(admin), Some(redis)) => {
                daemon_redis::run_all(&mut out, &rt, &admin, &redis)
            }
            (false, _, _) => writeln!(out, "redis: left out without --bench").unwrap(),
            _ => writeln!(
                out,
                "redis: set CDP_TEST_POSTGRES_URL and CDP_TEST_REDIS_URL"
            )
            .unwrap(),
        }
    }
}
