//! The daemon's jobs through faults: a scheduled refresh that keeps failing alerts once, and
//! once more when it recovers; a daemon killed mid-job carries the job on at its next start;
//! SIGTERM gives the running job `--shutdown-timeout`, then it checkpoints and is carried on.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::TempProject;
use crate::daemon_proc::{DaemonProc, token, within};
use crate::destination_doubles::faults::Fault;

#[test]
fn a_failing_schedule_alerts_once_and_once_more_when_it_recovers() {
    let hook = crate::alert_doubles::webhook::WebhookDouble::start();
    let config = "environments:\n  dev:\n    alerts: { webhook: { url: \"${HOOK_URL}\" } }\n";
    let vip =
        "name: vip\nschedule: \"*/2 * * * * *\"\nrules:\n  all:\n    - { trait: tier, eq: gold }\n";
    let p = TempProject::with(config, &[("vip.yaml", vip)]);
    let env = [("HOOK_URL", hook.hook_url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // No `tier` column yet: every refresh fails in the warehouse.
    p.run_env(
        &[
            "query",
            "create table users as select 'u' || range as user_id from range(10)",
        ],
        &env,
    )
    .ok();
    p.run_env(
        &[
            "query",
            "create table events (user_id varchar, event varchar, ts timestamp, properties json)",
        ],
        &env,
    )
    .ok();
    p.run_env(&["apply", "--auto-approve"], &env).ok();
    let token = token(&p, &env);
    let mut d = DaemonProc::spawn(p.path(), &[], &env);

    within(40, "three failed refreshes", || {
        let jobs = d.jobs("refresh:vip", &token);
        (jobs.iter().filter(|j| j["status"] == "failed").count() >= 3).then_some(())
    });
    let messages = hook.messages();
    assert_eq!(
        messages.len(),
        1,
        "one alert per failure streak: {messages:?}"
    );
    let text = messages[0]["text"].as_str().unwrap();
    assert!(
        text.contains("refresh:vip") && text.contains("failed"),
        "{text}"
    );

    // The table is fixed beside the daemon (the command waits for the DuckDB file).
    p.run_env(
        &[
            "query",
            "alter table users add column tier varchar default 'gold'",
            "--wait",
            "30s",
        ],
        &env,
    )
    .ok();
    within(40, "a refresh succeeded, then the recovery alert", || {
        let jobs = d.jobs("refresh:vip", &token);
        let ok = jobs.iter().filter(|j| j["status"] == "succeeded").count();
        (ok >= 2 && hook.messages().len() >= 2).then_some(())
    });
    let messages = hook.messages();
    assert_eq!(
        messages.len(),
        2,
        "one alert when it recovers: {messages:?}"
    );
    let text = messages[1]["text"].as_str().unwrap();
    assert!(
        text.contains("refresh:vip") && text.contains("recovered"),
        "{text}"
    );
    assert!(
        !d.log_text().contains(&hook.hook_url()),
        "the hook's URL is a secret"
    );
    assert_eq!(d.terminate(), Some(0));
}

/// A sync of 100 gold users to a Braze double that answers each request 3 s late, one request
/// at a time (75 users each).
fn slow_sync() -> (crate::sync::Setup, Vec<(&'static str, String)>, String) {
    let s = crate::sync::Setup::new(300, ", concurrency: 1", &[("vip.yaml", crate::sync::VIP)]);
    let env = s.env();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let token = token(&s.p, &pairs);
    (s, env, token)
}

fn start_sync(d: &DaemonProc, token: &str) -> String {
    let (status, started) = d.call("POST", "/api/v1/segments/vip/sync", Some(token));
    assert_eq!(status, 202, "{started}");
    let id = started["job"].as_str().unwrap().to_string();
    within(30, "the sync running", || {
        let (_, j) = d.get(&format!("/api/v1/jobs/{id}"), Some(token));
        (j["status"] == "running").then_some(())
    });
    id
}

fn job(d: &DaemonProc, id: &str, token: &str) -> Value {
    d.get(&format!("/api/v1/jobs/{id}"), Some(token)).1
}

#[test]
fn a_killed_daemon_carries_its_job_on_and_sigterm_gives_it_the_shutdown_timeout() {
    let (s, env, token) = slow_sync();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.braze.inject(&vec![Fault::Delay(3000); 40]);
    let args = ["--shutdown-timeout", "1s"];

    // kill -9 while the sync waits for Braze: the next start carries the job on.
    let mut d = DaemonProc::spawn(s.p.path(), &args, &pairs);
    let id = start_sync(&d, &token);
    std::thread::sleep(Duration::from_millis(500));
    d.kill9();
    let d = DaemonProc::spawn(s.p.path(), &args, &pairs);
    let done = within(60, "the job carried on", || {
        let j = job(&d, &id, &token);
        (j["status"] == "succeeded").then_some(j)
    });
    assert_eq!(done["attempts"], 2, "{done}");
    assert!(
        d.log_text().contains("carrying on a job the last run left"),
        "{}",
        d.log_text()
    );
    assert_eq!(s.braze.users_with("cdp_segments", "vip").len(), 100);

    // SIGTERM mid-sync: the job has 1 s, then it is cancelled and checkpoints; the daemon
    // exits cleanly, and the next start finishes the job.
    s.query("update users set tier = 'gold' where tier = 'silver'");
    s.run(&["refresh"]).ok();
    s.braze.inject(&vec![Fault::Delay(3000); 40]);
    let mut d = d;
    let id = start_sync(&d, &token);
    let asked = Instant::now();
    assert_eq!(d.terminate(), Some(0), "a clean stop:\n{}", d.log_text());
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(15), "stopped in {took:?}");
    let log = d.log_text();
    assert!(
        log.contains("stopping: the running job has until the shutdown timeout"),
        "{log}"
    );
    assert!(log.contains("interrupted"), "{log}");
    let d = DaemonProc::spawn(s.p.path(), &args, &pairs);
    let before = job(&d, &id, &token);
    assert!(
        ["interrupted", "queued", "running", "succeeded"]
            .contains(&before["status"].as_str().unwrap()),
        "{before}"
    );
    let done = within(60, "the interrupted job finished", || {
        let j = job(&d, &id, &token);
        (j["status"] == "succeeded").then_some(j)
    });
    assert_eq!(done["attempts"], 2, "{done}");
    assert_eq!(
        s.braze.users_with("cdp_segments", "vip").len(),
        300,
        "everyone synced once more"
    );
}

#[test]
fn a_campaign_with_a_cron_schedule_is_launched_by_the_daemon_and_messages_each_user_once() {
    let s = crate::campaign_launch::setup(
        600,
        &crate::campaign_launch::public(),
        "",
        crate::destination_doubles::braze::BrazeConfig::default(),
    );
    s.p.write(
        "campaigns/vip_upsell.yaml",
        &crate::campaign_launch::CAMPAIGN.replace("schedule: once", "schedule: \"*/2 * * * * *\""),
    );
    let env = crate::campaign_launch::launch_env(&s);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let token = token(&s.p, &pairs);
    let mut d = DaemonProc::spawn(s.p.path(), &[], &pairs);
    let launches = within(40, "two scheduled launches", || {
        let jobs = d.jobs("launch:vip_upsell", &token);
        let done: Vec<Value> = jobs
            .into_iter()
            .filter(|j| j["status"] == "succeeded")
            .collect();
        (done.len() >= 2).then_some(done)
    });
    let first = &launches[0]["report"];
    let treatment = first["arms"]["treatment"].as_i64().unwrap();
    assert!(treatment > 150, "{first}");
    assert_eq!(first["sent"], treatment, "{first}");
    assert_eq!(
        launches[1]["report"]["sent"], 0,
        "a later tick sends only to new members"
    );
    let per_user = s.braze.messages_per_user();
    assert_eq!(per_user.len() as i64, treatment);
    assert!(per_user.values().all(|n| *n == 1), "messaged once each");
    assert_eq!(d.terminate(), Some(0));
}
