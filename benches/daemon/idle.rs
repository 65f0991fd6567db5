//! The `idle` part of the daemon benchmark (see `benches/daemon.rs`): resident memory and CPU
//! of a daemon with no job to run, before any job and between jobs.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::daemon::{self, Daemon, cpu_ticks, rss, ticks_per_second};
use crate::{Sizes, get, jobs_of, settle};

/// Seconds until the next quarter hour (when the demo's schedules fire).
fn to_quarter_hour() -> u64 {
    900 - chrono::Utc::now().timestamp().rem_euclid(900) as u64
}

/// Resident memory and CPU of an idle daemon, sampled each second for `window` seconds:
/// (median RSS, its anonymous and file-backed parts, in KiB; CPU ticks; wall seconds).
fn sample(pid: u32, window: u64) -> ((u64, u64, u64), u64, f64) {
    let (t, ticks) = (Instant::now(), cpu_ticks(pid));
    let mut samples = Vec::new();
    for _ in 0..window {
        std::thread::sleep(Duration::from_secs(1));
        samples.push(rss(pid));
    }
    let ticks = cpu_ticks(pid) - ticks;
    samples.sort();
    (samples[samples.len() / 2], ticks, t.elapsed().as_secs_f64())
}

pub fn run(out: &mut impl Write, rt: &tokio::runtime::Runtime, dir: &Path, token: &str, s: &Sizes) {
    let needed = 5 + 2 * s.window + 20;
    if s.window > 5 && to_quarter_hour() < needed {
        let wait = to_quarter_hour() + 15;
        writeln!(out, "idle: waiting {wait} s, past the quarter hour").unwrap();
        std::thread::sleep(Duration::from_secs(wait));
    }
    // A daemon first runs what the schedules missed since the last one stopped, so that the
    // measured one starts with nothing due.
    let catch_up = Daemon::start(dir, &[]);
    settle(rt, &catch_up, token);
    catch_up.stop();
    let spawned = Instant::now();
    let d = Daemon::start(dir, &[]);
    let pid = d.pid();
    std::thread::sleep(Duration::from_secs(5));
    let (first, first_s) = (cpu_ticks(pid), spawned.elapsed().as_secs_f64());
    let (fresh, fresh_ticks, fresh_s) = sample(pid, s.window);
    let fresh_jobs = jobs_of(rt, &d, token, "", &[d.pid()]).len();
    let mappings = daemon::largest_mappings(pid, 4);
    let post = |path: &str| {
        let url = format!("{}{path}", d.url);
        rt.block_on(async {
            let r = reqwest::Client::new().post(url).bearer_auth(token).send();
            r.await.unwrap().json::<Value>().await.unwrap()
        })
    };
    let job = post("/api/v1/segments/active_last_30d/refresh")["job"].clone();
    settle(rt, &d, token);
    let ran = get(
        rt,
        &d,
        token,
        &format!("/api/v1/jobs/{}", job.as_str().unwrap()),
    );
    assert_eq!(ran["status"], "succeeded", "{ran}");
    std::thread::sleep(Duration::from_secs(3));
    let (after, after_ticks, after_s) = sample(pid, s.window);
    let after_jobs = jobs_of(rt, &d, token, "", &[d.pid()]).len() - fresh_jobs - 1;
    let after_mappings = daemon::largest_mappings(pid, 4);
    d.stop();

    let hz = ticks_per_second();
    let pct = |ticks: u64, secs: f64| 100.0 * ticks as f64 / hz / secs;
    let mb = |kib: u64| kib as f64 / 1024.0;
    writeln!(
        out,
        "idle: /proc/{pid} sampled each second; {hz} ticks/s, so one tick is {:.0} ms",
        1000.0 / hz
    )
    .unwrap();
    writeln!(
        out,
        "  baseline, its first {first_s:.1} s (start, schedules read): {first} ticks = {:.2} % CPU",
        pct(first, first_s)
    )
    .unwrap();
    for (what, (r, anon, file), ticks, secs, jobs, maps) in [
        (
            "no job since its start",
            fresh,
            fresh_ticks,
            fresh_s,
            fresh_jobs,
            &mappings,
        ),
        (
            "after one refresh job",
            after,
            after_ticks,
            after_s,
            after_jobs,
            &after_mappings,
        ),
    ] {
        let maps: Vec<String> = maps
            .iter()
            .map(|(m, k)| format!("{m} {:.1}", mb(*k)))
            .collect();
        writeln!(
            out,
            "  idle {secs:.0} s, {what}: RSS {:.1} MB (anonymous {:.1}, file-backed {:.1}; target < 30 MB {}); \
             {ticks} ticks = {:.2} % CPU; other jobs meanwhile: {jobs}; largest mappings (MB): {}",
            mb(r),
            mb(anon),
            mb(file),
            if mb(r) < 30.0 { "ok" } else { "OVER" },
            pct(ticks, secs),
            maps.join(", ")
        )
        .unwrap();
    }
}
