//! The daemon's schedules and queue: a segment's schedule fires and its runs show in the API;
//! `cdp apply` changes the schedules without a restart; a command beside the daemon waits for
//! the embedded DuckDB file; a schedule missed while no daemon ran runs once; and three daemons
//! on one Redis run each scheduled instant once, and finish a job whose daemon was killed.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;

use crate::common::TempProject;
use crate::daemon_proc::{DaemonProc, token, within};

fn segment(name: &str, schedule: Option<&str>) -> String {
    let schedule = schedule
        .map(|s| format!("schedule: \"{s}\"\n"))
        .unwrap_or_default();
    format!("name: {name}\n{schedule}rules:\n  all:\n    - {{ trait: tier, eq: gold }}\n")
}

/// A project on the embedded warehouse with these segments over ten gold users, applied.
pub(crate) fn embedded(segments: &[(&str, &str)]) -> TempProject {
    let p = TempProject::with("", segments);
    p.run(&[
        "query",
        "create table users as select 'u' || range as user_id, 'gold' as tier from range(10)",
    ])
    .ok();
    p.run(&[
        "query",
        "create table events (user_id varchar, event varchar, ts timestamp, properties json)",
    ])
    .ok();
    p.run(&["apply", "--auto-approve"]).ok();
    p
}

fn succeeded(jobs: &[Value]) -> Vec<&Value> {
    jobs.iter().filter(|j| j["status"] == "succeeded").collect()
}

fn instant(job: &Value) -> DateTime<Utc> {
    job["instant"].as_str().unwrap().parse().unwrap()
}

#[test]
fn a_schedule_fires_apply_changes_it_and_commands_beside_wait_for_the_file() {
    let vip = segment("vip", Some("*/2 * * * * *"));
    let p = embedded(&[("vip.yaml", &vip)]);
    let token = token(&p, &[]);
    let mut d = DaemonProc::spawn(p.path(), &["--log-format", "json"], &[]);

    let jobs = within(40, "two scheduled refreshes of vip", || {
        let jobs = d.jobs("refresh:vip", &token);
        (succeeded(&jobs).len() >= 2).then_some(jobs)
    });
    let done = succeeded(&jobs);
    let instants: BTreeSet<_> = done.iter().map(|j| instant(j)).collect();
    assert_eq!(instants.len(), done.len(), "one job per instant: {jobs:?}");
    for j in &done {
        assert_eq!(instant(j).second() % 2, 0, "on the schedule's ticks: {j}");
        assert_eq!(j["attempts"], 1, "{j}");
        assert_eq!(j["report"]["refreshed"][0]["segment"], "vip", "{j}");
        assert!(j["report"]["syncs"].is_array(), "refresh then sync: {j}");
    }
    let (_, runs) = d.get("/api/v1/runs?kind=refresh", Some(&token));
    assert!(runs["runs"].as_array().unwrap().len() >= 2, "{runs}");

    // `cdp apply` moves the schedule to another segment; the daemon is not restarted. The
    // command waits for the DuckDB file whenever a job of the daemon holds it.
    p.write("segments/vip.yaml", &segment("vip", None));
    p.write(
        "segments/gold.yaml",
        &segment("gold", Some("*/3 * * * * *")),
    );
    p.run(&["apply", "--auto-approve", "--wait", "30s"]).ok();
    within(40, "gold's schedule picked up", || {
        (!succeeded(&d.jobs("refresh:gold", &token)).is_empty()).then_some(())
    });
    let before = d.jobs("refresh:vip", &token).len();
    for _ in 0..8 {
        let out = p.run(&["segments", "preview", "gold", "--wait", "30s"]);
        assert_eq!(out.code, 0, "beside the daemon:\n{}", out.snapshot());
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        d.jobs("refresh:vip", &token).len(),
        before,
        "vip is no longer scheduled"
    );

    // The schedules' runs are in /metrics: the queue's depth, each schedule's last success.
    let metrics = d.text("/metrics", &token);
    assert!(metrics.contains("\ncdp_queue_depth "), "{metrics}");
    for job in ["refresh:vip", "refresh:gold"] {
        let series = format!("cdp_schedule_last_success_timestamp_seconds{{job=\"{job}\"}} ");
        assert!(metrics.contains(&series), "{series} missing:\n{metrics}");
    }
    assert_eq!(d.terminate(), Some(0), "a clean stop");
    let log = d.log_text();
    for line in log.lines().filter(|l| !l.starts_with("listening on ")) {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("a JSON log line: {e}: {line}"));
        assert!(
            v["ts"].is_string() && v["level"].is_string() && v["msg"].is_string(),
            "{line}"
        );
    }
    assert!(
        log.contains("\"msg\":\"scheduled\"") && log.contains("refresh:gold"),
        "{log}"
    );
    assert!(log.contains("\"msg\":\"unscheduled\""), "{log}");
}

#[test]
fn a_schedule_missed_while_no_daemon_ran_runs_once() {
    // Applied at the tests' fixed instant, months ago: every hour since was missed.
    let vip = segment("vip", Some("0 * * * *"));
    let p = embedded(&[("vip.yaml", &vip)]);
    let token = token(&p, &[]);
    let started = Utc::now();
    let mut d = DaemonProc::spawn(p.path(), &[], &[]);
    let jobs = within(40, "the missed instant caught up", || {
        let jobs = d.jobs("refresh:vip", &token);
        (!succeeded(&jobs).is_empty()).then_some(jobs)
    });
    std::thread::sleep(Duration::from_secs(2));
    let jobs_after = d.jobs("refresh:vip", &token);
    assert_eq!(
        jobs_after.len(),
        jobs.len(),
        "once, not once per missed hour"
    );
    let hour = |t: DateTime<Utc>| {
        t.date_naive()
            .and_hms_opt(t.hour(), 0, 0)
            .unwrap()
            .and_utc()
    };
    assert_eq!(
        instant(&jobs[0]),
        hour(started),
        "the latest missed instant"
    );
    assert_eq!(d.terminate(), Some(0));

    // A restart does not run it again.
    let mut again = DaemonProc::spawn(p.path(), &[], &[]);
    std::thread::sleep(crate::daemon_proc::RELOAD + Duration::from_secs(1));
    let jobs = again.jobs("refresh:vip", &token);
    let instants: BTreeSet<_> = jobs.iter().map(instant).collect();
    assert_eq!(instants.len(), jobs.len(), "{jobs:?}");
    let hours_passed = (hour(Utc::now()) - hour(started)).num_hours() as usize;
    assert_eq!(jobs.len(), 1 + hours_passed, "{jobs:?}");
    assert_eq!(again.terminate(), Some(0));
}

/// Three daemons on one Redis, the warehouse and the state store on PostgreSQL.
#[test]
fn three_daemons_on_one_redis_run_each_instant_once_and_take_up_a_killed_ones_job() {
    let Some(admin) = crate::common::postgres_url("daemon_redis") else {
        return;
    };
    let Some(redis) = crate::daemon_proc::redis_url("daemon_redis") else {
        return;
    };
    let db = crate::common::PgDatabase::create(&admin, "daemon_redis");
    let name = format!(
        "redis_{}_{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    );
    let config = crate::sync::config("", true).replacen(
        "name: synctest\nenvironments:\n  dev:\n",
        &format!("name: {name}\nenvironments:\n  dev:\n    queue: {{ redis_url: \"{redis}\" }}\n"),
        1,
    );
    let slow = "name: slow\nrules:\n  all:\n    - { trait: tier, eq: gold }\n\
                destinations:\n  - { to: braze, as: attribute }\n";
    let p = TempProject::with(
        &config,
        &[
            ("vip.yaml", &segment("vip", Some("*/2 * * * * *"))),
            ("slow.yaml", slow),
        ],
    );
    let s = crate::sync::Setup::around(p, 600, Default::default(), Some(db.url.clone()));
    let env = s.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let token = token(&s.p, &env);
    let args = ["--lock-ttl", "3s"];
    let mut daemons: Vec<DaemonProc> = (0..3)
        .map(|_| DaemonProc::spawn(s.p.path(), &args, &env))
        .collect();

    // Each scheduled instant runs once, whichever daemon takes it.
    std::thread::sleep(Duration::from_secs(14));
    let jobs = daemons[0].jobs("refresh:vip", &token);
    let done = succeeded(&jobs);
    assert!(done.len() >= 4, "{jobs:?}");
    let instants: BTreeSet<_> = done.iter().map(|j| instant(j)).collect();
    assert_eq!(instants.len(), done.len(), "{jobs:?}");
    for j in &jobs {
        assert!(j["attempts"].as_i64().unwrap() <= 1, "run once: {j}");
        assert_ne!(j["status"], "failed", "{j}");
    }
    // The setup's own refresh, then one per job that ran: counted between two looks at the
    // jobs, as the schedule goes on meanwhile.
    let (_, runs) = daemons[1].get("/api/v1/runs?kind=refresh&limit=1000", Some(&token));
    let refreshes = runs["runs"].as_array().unwrap().len();
    let later = daemons[2].jobs("refresh:vip", &token);
    let taken = later.iter().filter(|j| j["attempts"] == 1).count();
    assert!(
        done.len() < refreshes && refreshes <= 1 + taken,
        "each instant refreshed once: {} done, {taken} taken, {refreshes} refreshes",
        done.len()
    );
    let (status, health) = daemons[2].get("/healthz", Some(&token));
    assert_eq!(
        (status, health["queue"]["kind"].as_str()),
        (200, Some("redis")),
        "{health}"
    );

    // A sync that takes a while (each Braze request answered 4 s late), started through one
    // daemon; the daemon running it is killed; another takes it up once its lock expires.
    s.braze.inject(&vec![
        crate::destination_doubles::faults::Fault::Delay(4000);
        64
    ]);
    let url = format!("{}/api/v1/segments/slow/sync", daemons[0].url);
    let token2 = token.clone();
    let started: Value = crate::common::on_own_runtime(async move {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let r = reqwest::Client::new()
            .post(url)
            .bearer_auth(token2)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    });
    let id = started["job"].as_str().unwrap().to_string();
    let runner = within(20, "the sync running", || {
        let (_, j) = daemons[0].get(&format!("/api/v1/jobs/{id}"), Some(&token));
        (j["status"] == "running").then(|| j["daemon"].as_str().unwrap().to_string())
    });
    let victim = daemons
        .iter()
        .position(|d| runner.ends_with(&format!(":{}", d.pid())))
        .unwrap_or_else(|| panic!("{runner} is one of ours"));
    std::thread::sleep(Duration::from_millis(500));
    daemons[victim].kill9();
    let other = (victim + 1) % 3;
    let finished = within(90, "the killed daemon's job finished by another", || {
        let (_, j) = daemons[other].get(&format!("/api/v1/jobs/{id}"), Some(&token));
        (j["status"] == "succeeded").then_some(j)
    });
    assert_eq!(finished["attempts"], 2, "{finished}");
    assert_ne!(
        finished["daemon"].as_str(),
        Some(runner.as_str()),
        "{finished}"
    );
    let gold = s.braze.users_with("cdp_segments", "slow");
    assert_eq!(gold.len(), 200, "every member synced");
    for (i, d) in daemons.iter_mut().enumerate() {
        if i != victim {
            assert_eq!(d.terminate(), Some(0));
        }
    }
}
