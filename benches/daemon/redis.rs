//! The `redis` part of the daemon benchmark (see `benches/daemon.rs`): a scheduled refresh's
//! duration with one daemon on the in-process queue against three daemons on one Redis.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::daemon::Daemon;
use crate::{day, jobs_of, median, pg, seeded, token};

const PHASES: usize = 3;
/// Scheduled refreshes a phase waits for; the first (caught up at the start) is not counted.
const JOBS: usize = 6;
const SEGMENT: &str =
    "name: active_7d\nschedule: \"*/4 * * * * *\"\nrules:\n  event: session_start\n  within: 7d\n";

fn config(url: &str, name: &str, redis: Option<&str>) -> String {
    let queue = redis
        .map(|r| format!("    queue: {{ redis_url: \"{r}\" }}\n"))
        .unwrap_or_default();
    format!(
        "name: {name}\nenvironments:\n  dev:\n    warehouse: {{ type: postgres, url: \"{url}\" }}\n    \
         state: {{ url: \"{url}\" }}\n{queue}tables:\n  users: {{ table: users, id: user_id }}\n  \
         events: {{ table: events, user_id: user_id, name: event, timestamp: ts, properties: properties }}\n"
    )
}

fn at(j: &Value, field: &str) -> DateTime<Utc> {
    j[field].as_str().unwrap().parse().unwrap()
}

/// Starts `n` daemons, waits for `JOBS` scheduled refreshes they ran, stops them; the
/// durations in ms of those refreshes after the first, in the order of their instants.
fn phase(rt: &tokio::runtime::Runtime, dir: &Path, token: &str, n: usize) -> Vec<f64> {
    let daemons: Vec<Daemon> = (0..n).map(|_| Daemon::start(dir, &[])).collect();
    let pids: Vec<u32> = daemons.iter().map(Daemon::pid).collect();
    let begun = Instant::now();
    let mut done = loop {
        std::thread::sleep(Duration::from_secs(1));
        let jobs = jobs_of(rt, &daemons[0], token, "refresh:active_7d", &pids);
        let done: Vec<Value> = jobs
            .into_iter()
            .filter(|j| j["status"] == "succeeded")
            .collect();
        if done.len() >= JOBS {
            break done;
        }
        assert!(begun.elapsed() < Duration::from_secs(180), "{done:?}");
    };
    daemons.into_iter().for_each(Daemon::stop);
    done.sort_by_key(|j| at(j, "instant"));
    let ms = |j: &Value| {
        (at(j, "ended_at") - at(j, "started_at"))
            .num_microseconds()
            .unwrap()
    };
    done[1..].iter().map(|j| ms(j) as f64 / 1000.0).collect()
}

pub fn run_all(out: &mut impl Write, rt: &tokio::runtime::Runtime, admin: &str, redis: &str) {
    let (_, users) = crate::support::size("CDP_BENCH_REDIS_USERS", 200_000, 2_000);
    let db = format!("cdp_bench_daemon_{}", std::process::id());
    pg::pg(admin, &format!("create database {db}"));
    let url = pg::db_url(admin, &db);
    let name = format!(
        "bench_daemon_{}_{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("segments")).unwrap();
    std::fs::write(p.join("segments/active_7d.yaml"), SEGMENT).unwrap();
    std::fs::write(p.join("cdp.yaml"), config(&url, &name, None)).unwrap();
    seeded(p, &day(0), users, "30");
    let token = token(p);

    let (mut local, mut shared) = (Vec::new(), Vec::new());
    for _ in 0..PHASES {
        std::fs::write(p.join("cdp.yaml"), config(&url, &name, None)).unwrap();
        local.push(phase(rt, p, &token, 1));
        std::fs::write(p.join("cdp.yaml"), config(&url, &name, Some(redis))).unwrap();
        shared.push(phase(rt, p, &token, 3));
    }
    pg::pg(admin, &format!("drop database {db} with (force)"));

    writeln!(
        out,
        "redis: segment active_7d over {users} users, warehouse and state on PostgreSQL, scheduled \
         every 4 s; {PHASES} phases of each setup in turn, {} refreshes counted a phase",
        JOBS - 1
    )
    .unwrap();
    let show = |v: &[Vec<f64>]| -> String {
        let each: Vec<String> = v
            .iter()
            .map(|p| format!("{:.0}", median(p.clone())))
            .collect();
        each.join(" / ")
    };
    let (l, s) = (median(local.concat()), median(shared.concat()));
    writeln!(
        out,
        "  one daemon, in-process queue (baseline): median {l:.0} ms (phases: {} ms)",
        show(&local)
    )
    .unwrap();
    writeln!(
        out,
        "  three daemons, one Redis:                median {s:.0} ms (phases: {} ms)",
        show(&shared)
    )
    .unwrap();
    writeln!(
        out,
        "  three on Redis / one in-process = {:.3}x (target at most 1.10x {})",
        s / l,
        if s / l <= 1.10 { "ok" } else { "OVER" }
    )
    .unwrap();
}
