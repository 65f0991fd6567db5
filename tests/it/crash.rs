//! Killing `cdp refresh` at any moment leaves membership and history whole, and the lock free.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::{NOW, TempProject};

fn ids(csv: &str) -> BTreeSet<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

fn day(offset: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(NOW).unwrap() + chrono::Duration::days(offset);
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A deterministic moment in `0..span` for each seed.
fn moment(seed: u64, span: Duration) -> Duration {
    let x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    span.mul_f64((x >> 11) as f64 / (1u64 << 53) as f64)
}

const SEGMENTS: [&str; 4] = [
    "active_last_30d",
    "power_users",
    "upsell_candidates",
    "new_not_activated",
];

fn check(p: &TempProject, now: &str) {
    let env = [("CDP_NOW", now)];
    for s in SEGMENTS {
        let want = ids(&p
            .run_env(&["segments", "preview", s, "--format", "csv"], &env)
            .ok()
            .stdout);
        let got = ids(&p
            .run_env(&["segments", "members", s, "--format", "csv"], &env)
            .ok()
            .stdout);
        assert_eq!(got, want, "members of {s} as of {now}");
        let history = p.run_env(&["segments", "history", s, "--format", "csv"], &env);
        let rows: Vec<Vec<i64>> = history
            .ok()
            .stdout
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .skip(3)
                    .take(3)
                    .map(|v| v.parse().unwrap())
                    .collect()
            })
            .collect();
        for w in rows.windows(2) {
            assert_eq!(w[1][0], w[0][0] + w[1][1] - w[1][2], "{s}: {rows:?}");
        }
        assert_eq!(
            rows.last().unwrap()[0] as usize,
            want.len(),
            "{s}: {rows:?}"
        );
    }
    let twice = "select count(*) as n from (select segment, user_id from cdp.membership \
                 where exited_at is null group by segment, user_id having count(*) > 1) as x";
    let out = p.run_env(&["query", twice, "--format", "csv"], &env);
    assert_eq!(
        out.ok().stdout.lines().nth(1),
        Some("0"),
        "one open interval per member"
    );
}

#[test]
fn killing_refresh_at_any_moment_loses_nothing() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "3000"]).ok();
    p.run(&["apply", "--auto-approve"]).ok();
    p.run(&["refresh", "--all"]).ok();
    check(&p, NOW);
    // The kills below land within the time a refresh like theirs takes: a day later, a few
    // users entering and leaving (the first refresh, where everyone enters, takes longer).
    let started = Instant::now();
    p.run_env(&["refresh", "--all"], &[("CDP_NOW", &day(1))])
        .ok();
    let span = started.elapsed();
    check(&p, &day(1));

    let bin = assert_cmd::cargo::cargo_bin("cdp");
    for seed in 2..=9u64 {
        let now = day(seed as i64);
        let mut child = std::process::Command::new(&bin)
            .args([
                "--project-dir",
                &p.path().to_string_lossy(),
                "refresh",
                "--all",
            ])
            .env("CDP_NOW", &now)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(moment(seed, span));
        child.kill().unwrap();
        child.wait().unwrap();
        // The dead process's lock is gone at once: no waiting.
        let again = p.run_env(&["refresh", "--all", "--wait", "0"], &[("CDP_NOW", &now)]);
        again.ok();
        check(&p, &now);
    }
    // Some kills landed inside a refresh (the next run found them unfinished).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runs = rt.block_on(async {
        let store = cdp::state::open(None, &p.path().join(".cdp"))
            .await
            .unwrap();
        store.runs(100).await.unwrap()
    });
    let interrupted = runs.iter().filter(|r| r.status == "interrupted").count();
    eprintln!("{interrupted} of 8 kills interrupted a refresh");
    assert!(interrupted >= 1, "{runs:?}");
    assert!(runs.iter().all(|r| r.status != "running"));
}

#[test]
fn a_second_refresh_waits_for_the_lock_or_says_who_holds_it() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "200"]).ok();
    p.run(&["apply", "--auto-approve"]).ok();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = p.path().join(".cdp");
    let lock = rt.block_on(async {
        let store = cdp::state::open(None, &local).await.unwrap();
        let owner = cdp::state::LockOwner {
            holder: "cdp refresh (test)".into(),
            actor: "test".into(),
            host: "box".into(),
        };
        store
            .lock(cdp::state::PROJECT_LOCK, &owner, Duration::ZERO, &|_| {})
            .await
            .unwrap()
    });
    let refused = p.run(&["refresh", "--all", "--wait", "0"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("holds the project lock: `cdp refresh (test)` (pid"),
        "{}",
        refused.stderr
    );
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        drop(lock);
    });
    let waited = p.run(&["refresh", "--all", "--wait", "30s"]);
    releaser.join().unwrap();
    waited.ok();
    assert!(
        waited.stderr.contains("waiting up to 30s"),
        "{}",
        waited.stderr
    );
}
