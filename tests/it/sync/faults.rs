//! Faults: injected failures, kills at random moments, and users a destination refuses.

use super::{Setup, VIP, batches, wait_until};
use crate::destination_doubles::faults::Fault;

#[test]
fn a_fifth_of_requests_failing_still_ends_exact() {
    let s = Setup::new(6_000, ", concurrency: 4", &[("vip.yaml", VIP)]);
    s.braze.fail_randomly(0.2, 7);
    s.amplitude.fail_randomly(0.2, 8);
    let out = s.run(&["sync", "--format", "json"]);
    out.ok();
    let members = s.members("vip");
    assert_eq!(s.braze_holds("vip"), members);
    assert_eq!(s.cohort("vip"), members);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let braze = &v["syncs"][0];
    let (requests, retried) = (
        braze["requests"].as_u64().unwrap(),
        braze["retried"].as_u64().unwrap(),
    );
    // Every batch once, plus one request per fault answered.
    assert_eq!(requests - retried, batches(2_000, 75), "{braze}");
    assert!(retried >= 1 && s.braze.injected() >= 1);
    assert!(
        requests <= batches(2_000, 75) + s.braze.injected(),
        "{braze}"
    );

    // The next sync has nothing left to send.
    s.braze.fail_randomly(0.0, 0);
    let before = s.braze.requests();
    s.run(&["sync", "--to", "braze"]).ok();
    assert_eq!(s.braze.requests(), before);
}

#[test]
fn a_sync_killed_at_random_moments_ends_exact_when_run_again() {
    for seed in 1..=4u64 {
        let s = Setup::new(6_000, ", concurrency: 2", &[("vip.yaml", VIP)]);
        let total = batches(2_000, 75);
        // Slow answers, so that the kill lands mid-run.
        s.braze.inject(&vec![Fault::Delay(25); 200]);
        // Between the 3rd and the 16th of 27 requests: a loaded machine may take a while to kill.
        let kill_at = 2 + (seed * 7) % (total - 12);
        let mut child = s.spawn(&["sync", "--to", "braze"]);
        wait_until("requests", || s.braze.requests() >= kill_at);
        child.kill().unwrap();
        child.wait().unwrap();
        let first = s.braze.requests();
        assert!(first < total, "seed {seed}: the kill came after the end");

        let again = s.run(&["sync", "--to", "braze", "--wait", "0"]);
        again.ok();
        let members = s.members("vip");
        assert_eq!(s.braze_holds("vip"), members, "seed {seed}");
        // Only what was not acknowledged is sent again: a few batches that were in flight or
        // answered after the last checkpoint, never everything.
        let all = s.braze.requests();
        assert!(all >= total, "seed {seed}");
        assert!(
            all <= total + 6,
            "seed {seed}: {all} requests for {total} batches"
        );
        let status = s.run(&["sync", "log", "vip", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
        let runs: Vec<&str> = v["syncs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(runs, ["succeeded", "interrupted"], "seed {seed}");
    }
}

#[test]
fn refused_users_are_logged_retried_and_in_the_end_left_alone() {
    let s = Setup::new(300, "", &[("vip.yaml", VIP)]);
    // An id both refuse (whitespace), and one only Amplitude refuses (`null`).
    s.query("insert into users values ('bad id', 'gold'), ('null', 'gold')");
    s.run(&["refresh"]).ok();
    let out = s.run(&["sync"]);
    out.ok();
    assert!(
        out.stderr.contains("3 users were refused"),
        "{}",
        out.stderr
    );
    let members = s.members("vip");
    let mut accepted = members.clone();
    accepted.remove("bad id");
    assert_eq!(s.braze_holds("vip"), accepted);
    let mut in_cohort = accepted.clone();
    in_cohort.remove("null");
    assert_eq!(s.cohort("vip"), in_cohort);

    let log = s.run(&["sync", "log", "vip", "--rejected", "--format", "csv"]);
    let lines: Vec<&str> = log.ok().stdout.lines().collect();
    assert_eq!(
        lines[0],
        "user_id,destination,run,at,change,reason,permanent"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("bad id,braze:attribute,") && l.ends_with(",false")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("null,amplitude:cohort,") && l.ends_with(",true")),
        "{lines:?}"
    );

    // Braze's refusal is retried each sync (one request) until the third, then left alone. A
    // run that sends only that user, refused again, succeeds: a known refusal is no failure.
    for run in 2..=4 {
        let before = s.braze.requests();
        let out = s.run(&["sync"]);
        let sent = s.braze.requests() - before;
        assert_eq!(sent, if run <= 3 { 1 } else { 0 }, "sync {run}");
        assert_eq!(out.code, 0, "sync {run}: {}", out.snapshot());
    }
    let status = s.run(&["sync", "status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
    assert_eq!(v["destinations"][0]["invalid"].as_i64(), Some(1));
    assert_eq!(v["destinations"][1]["invalid"].as_i64(), Some(2));
    assert_eq!(v["destinations"][0]["to_add"].as_i64(), Some(0));
}

#[test]
fn a_run_whose_every_user_is_refused_fails() {
    let segment = "name: broken\nrules:\n  all:\n    - { trait: tier, eq: bronze }\n\
                   destinations:\n  - { to: braze, as: attribute }\n";
    let s = Setup::new(30, "", &[("broken.yaml", segment)]);
    s.query("insert into users values ('bad 1', 'bronze'), ('bad 2', 'bronze')");
    s.run(&["refresh"]).ok();
    let out = s.run(&["sync"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(out.stdout.contains("rejected"), "{}", out.stdout);
    assert!(out.stderr.contains("refused every user"), "{}", out.stderr);
    assert!(out.stderr.contains("1 of 1 sync failed"), "{}", out.stderr);
}

#[test]
fn a_user_refused_again_is_reported_but_only_new_users_all_refused_fail_the_run() {
    let segment = "name: vip\nrules:\n  all:\n    - { trait: tier, eq: gold }\n\
                   destinations:\n  - { to: braze, as: attribute }\n";
    let s = Setup::new(30, "", &[("vip.yaml", segment)]);
    s.query("insert into users values ('bad id', 'gold')");
    s.run(&["refresh"]).ok();
    let braze = |out: &crate::common::Output| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        v["syncs"][0].clone()
    };

    // The first run: Braze accepts ten users and refuses one (a minor error).
    let first = s.run(&["sync", "--format", "json"]);
    let r = braze(first.ok());
    assert_eq!(
        (r["sent"].as_i64(), r["rejected"].as_i64()),
        (Some(10), Some(1)),
        "{r}"
    );
    assert_eq!(r["refused_again"].as_i64(), Some(0), "{r}");
    assert_eq!(r["status"].as_str(), Some("succeeded"), "{r}");

    // The second sends only that user, refused again: a known refusal, reported, no failure.
    let before = s.braze.requests();
    let second = s.run(&["sync", "--format", "json"]);
    assert_eq!(second.code, 0, "{}", second.snapshot());
    assert_eq!(s.braze.requests() - before, 1);
    let r = braze(&second);
    assert_eq!(
        (r["sent"].as_i64(), r["rejected"].as_i64()),
        (Some(0), Some(1)),
        "{r}"
    );
    assert_eq!(r["refused_again"].as_i64(), Some(1), "{r}");
    assert_eq!(r["status"].as_str(), Some("succeeded"), "{r}");
    assert!(
        second.stderr.contains(
            "vip → braze (attribute): 1 user refused by an earlier run was refused again"
        ),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("1 user was refused"),
        "{}",
        second.stderr
    );
    let log = s.run(&["sync", "log", "vip", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&log.ok().stdout).unwrap();
    assert_eq!(v["syncs"][0]["status"].as_str(), Some("succeeded"), "{v}");

    // Two new users, both refused, beside the known one: every user Braze had not refused
    // before was refused, and the run fails.
    s.query("insert into users values ('bad 2', 'gold'), ('bad 3', 'gold')");
    s.run(&["refresh"]).ok();
    let third = s.run(&["sync", "--format", "json"]);
    assert_eq!(third.code, 1, "{}", third.snapshot());
    let r = braze(&third);
    assert_eq!(
        (r["sent"].as_i64(), r["rejected"].as_i64()),
        (Some(0), Some(3)),
        "{r}"
    );
    assert_eq!(r["refused_again"].as_i64(), Some(1), "{r}");
    assert_eq!(r["status"].as_str(), Some("rejected"), "{r}");
    assert!(
        third
            .stderr
            .contains("braze refused every user it was sent (3, of which 1 it had refused before)"),
        "{}",
        third.stderr
    );
    assert!(
        third.stderr.contains("1 of 1 sync failed"),
        "{}",
        third.stderr
    );
}

#[test]
fn a_wrong_key_stops_with_a_clear_message() {
    let s = Setup::new(30, "", &[("vip.yaml", VIP)]);
    let out = s.run_with(
        &["sync", "--to", "braze"],
        ("BRAZE_API_KEY", "wrong-key-123"),
    );
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr.contains("401: the API key was refused"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-key-123") && !out.stdout.contains("wrong-key-123"));
    assert_eq!(s.braze.requests(), 1, "a fatal answer is not retried");
}

#[test]
fn a_cohort_created_but_unanswered_is_found_not_made_twice() {
    let s = Setup::new(300, "", &[("vip.yaml", VIP)]);
    // The listing answers; the upload creates the cohort and the answer is lost.
    s.amplitude.inject(&[Fault::Delay(0), Fault::DropAfter]);
    s.run(&["sync", "--to", "amplitude"]).ok();
    let cohorts = s.amplitude.cohorts();
    assert_eq!(cohorts.len(), 1, "{cohorts:?}");
    assert_eq!(s.cohort("vip"), s.members("vip"));
    // Listing, upload (lost), listing again, upload replacing the one found.
    assert_eq!(s.amplitude.requests(), 4);
}

#[test]
fn a_rate_limited_braze_is_waited_for_whichever_headers_it_sends() {
    for mau_plan in [false, true] {
        let braze = crate::destination_doubles::braze::BrazeConfig {
            track_limit: (3, std::time::Duration::from_secs(1)),
            mau_plan,
            ..Default::default()
        };
        // cdp is told a higher rate than the double allows: only the 429s hold it back.
        let extra = ", rate_limit: { requests: 100, per: 1s }, concurrency: 2";
        let s = Setup::with(1_500, extra, &[("vip.yaml", VIP)], braze, None);
        s.run(&["sync", "--to", "braze"]).ok();
        assert_eq!(
            s.braze_holds("vip"),
            s.members("vip"),
            "mau_plan {mau_plan}"
        );
        assert!(s.braze.rate_limited() >= 1, "mau_plan {mau_plan}");
        assert_eq!(
            s.braze.requests(),
            batches(500, 75) + s.braze.rate_limited(),
            "each 429 costs one request, mau_plan {mau_plan}"
        );
    }
}

#[test]
fn ctrl_c_stops_after_what_is_in_flight_and_the_next_sync_sends_the_rest() {
    let s = Setup::new(6_000, ", concurrency: 2", &[("vip.yaml", VIP)]);
    let total = batches(2_000, 75);
    s.braze.inject(&vec![Fault::Delay(25); 200]);
    let child = s.spawn(&["sync", "--to", "braze"]);
    wait_until("requests", || s.braze.requests() >= 8);
    // SAFETY: a signal to our own child, which is still running.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("stopping after what is in flight"),
        "{stderr}"
    );
    assert!(stderr.contains("error: stopped by Ctrl-C"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("interrupted"));
    let first = s.braze.requests();
    assert!(first < total, "stopped early");

    s.run(&["sync", "--to", "braze"]).ok();
    assert_eq!(s.braze_holds("vip"), s.members("vip"));
    // Everything sent before the stop was answered and checkpointed: nothing is sent twice.
    assert_eq!(s.braze.requests(), total);
}

#[test]
fn a_cohort_listing_that_fails_does_not_stop_the_sync_but_a_refused_key_does() {
    let s = Setup::new(300, "", &[("vip.yaml", VIP)]);
    s.amplitude.inject(&[Fault::Status(404)]);
    s.run(&["sync", "--to", "amplitude"]).ok();
    assert_eq!(s.cohort("vip"), s.members("vip"));
    assert_eq!(
        s.amplitude.requests(),
        2,
        "the failed listing, then the upload"
    );

    s.churn(3, 0);
    let out = s.run_with(
        &["sync", "--to", "amplitude"],
        ("AMP_SECRET_KEY", "not-the-secret"),
    );
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr.contains("check `api_key` and `secret_key`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("not-the-secret") && !out.stdout.contains("not-the-secret"));
}
