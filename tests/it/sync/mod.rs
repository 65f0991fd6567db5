//! `cdp sync` against the Braze and Amplitude doubles: each test ends with the double holding
//! exactly the segment's members, and counts the requests it took.

mod faults;
mod modes;
mod output;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::{Output, TempProject};
use crate::destination_doubles::amplitude::{AmplitudeConfig, AmplitudeDouble};
use crate::destination_doubles::braze::{BrazeConfig, BrazeDouble};

pub const BRAZE_KEY: &str = "braze-test-key";
pub const AMP_KEY: &str = "amp-key";
pub const AMP_SECRET: &str = "amp-secret";

/// A project whose users carry a `tier`; segment `vip` (tier gold) goes to both doubles.
pub struct Setup {
    pub p: TempProject,
    pub braze: BrazeDouble,
    pub amplitude: AmplitudeDouble,
    /// A PostgreSQL database for the warehouse and the state store; else the embedded ones.
    pub postgres: Option<String>,
}

pub fn config(braze_extra: &str, postgres: bool) -> String {
    let stores = if postgres {
        "    warehouse: { type: postgres, url: \"${CDP_PG}\" }\n    state: { url: \"${CDP_PG}\" }\n"
    } else {
        ""
    };
    format!(
        "name: synctest\n\
         environments:\n  dev:\n{stores}    destinations:\n      \
         braze: {{ type: braze, endpoint: \"${{BRAZE_URL}}\", api_key: \"${{BRAZE_API_KEY}}\"{braze_extra} }}\n      \
         amplitude: {{ type: amplitude, endpoint: \"${{AMP_URL}}\", ingest_endpoint: \"${{AMP_URL}}\", \
         api_key: \"${{AMP_API_KEY}}\", secret_key: \"${{AMP_SECRET_KEY}}\", app_id: 123456, owner: data@acme.test }}\n"
    )
}

pub const VIP: &str = "name: vip\nrules:\n  all:\n    - { trait: tier, eq: gold }\n\
     destinations:\n  - { to: braze, as: attribute }\n  - { to: amplitude, as: cohort }\n";

impl Setup {
    /// `users` users, every third one gold.
    pub fn new(users: usize, braze_extra: &str, segments: &[(&str, &str)]) -> Setup {
        Self::with(users, braze_extra, segments, BrazeConfig::default(), None)
    }

    pub fn with(
        users: usize,
        braze_extra: &str,
        segments: &[(&str, &str)],
        braze: BrazeConfig,
        postgres: Option<String>,
    ) -> Setup {
        let p = TempProject::with(&config(braze_extra, postgres.is_some()), segments);
        Setup::around(p, users, braze, postgres)
    }

    /// The doubles and `users` users (every third gold) around a project already written, then
    /// applied and refreshed.
    pub fn around(
        p: TempProject,
        users: usize,
        braze: BrazeConfig,
        postgres: Option<String>,
    ) -> Setup {
        let s = Setup {
            p,
            braze: BrazeDouble::start(braze),
            amplitude: AmplitudeDouble::start(AmplitudeConfig {
                api_key: AMP_KEY.into(),
                secret_key: AMP_SECRET.into(),
                ids_per_request: 100_000,
                cohort_limit: None,
            }),
            postgres,
        };
        if s.postgres.is_some() {
            s.query(&format!(
                "create table users as select 'user-' || lpad(g::text, 6, '0') as user_id, \
                 case when g % 3 = 0 then 'gold' else 'silver' end as tier from generate_series(0, {users} - 1) as g"
            ));
            s.query(
                "create table events (user_id text, event text, ts timestamp, properties jsonb)",
            );
        } else {
            s.query(&format!(
                "create table users as select 'user-' || lpad(range::varchar, 6, '0') as user_id, \
                 case when range % 3 = 0 then 'gold' else 'silver' end as tier from range({users})"
            ));
            s.query(
                "create table events (user_id varchar, event varchar, ts timestamp, properties json)",
            );
        }
        s.run(&["apply", "--auto-approve"]).ok();
        s.run(&["refresh"]).ok();
        s
    }

    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("BRAZE_URL", self.braze.url.clone()),
            ("BRAZE_API_KEY", BRAZE_KEY.into()),
            ("AMP_URL", self.amplitude.url.clone()),
            ("AMP_API_KEY", AMP_KEY.into()),
            ("AMP_SECRET_KEY", AMP_SECRET.into()),
        ];
        if let Some(url) = &self.postgres {
            env.push(("CDP_PG", url.clone()));
        }
        env
    }

    /// Runs `cdp` with one environment variable set otherwise (a wrong key, say).
    pub fn run_with(&self, args: &[&str], (name, value): (&str, &str)) -> Output {
        let mut env = self.env();
        env.retain(|(k, _)| *k != name);
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push((name, value));
        self.p.run_env(args, &env)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.p.run_env(args, &env)
    }

    /// Starts `cdp` in the background, its output captured, to be killed or interrupted.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cdp"));
        cmd.arg("--project-dir")
            .arg(self.p.path())
            .args(args)
            .env("CDP_NOW", crate::common::NOW)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.spawn().unwrap()
    }

    pub fn query(&self, sql: &str) -> String {
        self.run(&["query", sql, "--format", "csv"])
            .ok()
            .stdout
            .clone()
    }

    /// The segment's members as of its last refresh.
    pub fn members(&self, segment: &str) -> BTreeSet<String> {
        self.run(&["segments", "members", segment, "--format", "csv"])
            .ok()
            .stdout
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    }

    /// Moves users between tiers and refreshes: `enter` silver users become gold, `exit` gold
    /// users become silver.
    pub fn churn(&self, enter: usize, exit: usize) {
        self.query(&format!(
            "update users set tier = 'gold' where user_id in (select user_id from users \
             where tier = 'silver' order by user_id limit {enter})"
        ));
        self.query(&format!(
            "update users set tier = 'silver' where user_id in (select user_id from users \
             where tier = 'gold' order by user_id desc limit {exit})"
        ));
        self.run(&["refresh"]).ok();
    }

    pub fn braze_holds(&self, segment: &str) -> BTreeSet<String> {
        self.braze.users_with("cdp_segments", segment)
    }

    pub fn cohort(&self, segment: &str) -> BTreeSet<String> {
        self.amplitude
            .cohort_members(&format!("{segment} (cdp)"))
            .unwrap_or_default()
    }
}

pub fn batches(n: usize, size: usize) -> u64 {
    n.div_ceil(size) as u64
}

pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn first_sync_sends_everyone_then_only_who_entered_or_exited() {
    enter_and_exit(&Setup::new(3_000, "", &[("vip.yaml", VIP)]));
}

#[test]
fn the_same_on_a_postgres_warehouse_and_state_store() {
    let Some(admin) = crate::common::postgres_url("sync") else {
        return;
    };
    let db = crate::common::PgDatabase::create(&admin, "sync");
    let s = Setup::with(
        3_000,
        "",
        &[("vip.yaml", VIP)],
        BrazeConfig::default(),
        Some(db.url.clone()),
    );
    enter_and_exit(&s);
    assert!(
        !s.p.path().join(".cdp/state.db").exists(),
        "state went to PostgreSQL"
    );
}

fn enter_and_exit(s: &Setup) {
    let members = s.members("vip");
    assert_eq!(members.len(), 1_000);

    let out = s.run(&["sync"]);
    out.ok();
    assert_eq!(s.braze_holds("vip"), members);
    assert_eq!(s.cohort("vip"), members);
    assert_eq!(s.braze.requests_to("/users/track"), batches(1_000, 75));
    // One look for the cohort, one upload that creates it.
    assert_eq!(s.amplitude.requests(), 2);
    assert!(out.stdout.contains("succeeded"), "{}", out.stdout);

    // Nothing changed: nothing is sent.
    s.run(&["sync"]).ok();
    assert_eq!(s.braze.requests_to("/users/track"), batches(1_000, 75));

    s.churn(100, 50);
    let members = s.members("vip");
    assert_eq!(members.len(), 1_050);
    let json = s.run(&["sync", "--format", "json"]);
    json.ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let braze = &v["syncs"][0];
    assert_eq!(
        (braze["entered"].as_i64(), braze["exited"].as_i64()),
        (Some(100), Some(50))
    );
    assert_eq!(braze["sent"].as_i64(), Some(150));
    assert_eq!(s.braze_holds("vip"), members);
    assert_eq!(s.cohort("vip"), members);
    assert_eq!(
        s.braze.requests_to("/users/track"),
        batches(1_000, 75) + batches(150, 75)
    );
    assert_eq!(s.amplitude.requests_to("/api/3/cohorts/membership"), 1);

    // `--full` sends every member again; the destination ends the same.
    s.run(&["sync", "--full", "--to", "braze"]).ok();
    assert_eq!(s.braze_holds("vip"), members);
    assert_eq!(
        s.braze.requests_to("/users/track"),
        batches(1_000, 75) + batches(150, 75) + batches(1_050, 75)
    );
}

#[test]
fn status_plan_and_dry_run_count_what_a_sync_would_send() {
    let s = Setup::new(300, "", &[("vip.yaml", VIP)]);
    let dry = s.run(&["sync", "--dry-run"]);
    dry.ok();
    assert_eq!(s.braze.requests(), 0);
    assert!(dry.stdout.contains("/users/track"), "{}", dry.stdout);
    assert!(dry.stdout.contains("\"add\""), "{}", dry.stdout);
    assert!(!dry.stdout.contains(BRAZE_KEY), "{}", dry.stdout);
    let plan = s.run(&["plan"]);
    plan.ok();
    assert!(
        plan.stdout
            .contains("vip → braze (attribute): add 100, remove 0"),
        "{}",
        plan.stdout
    );
    s.run(&["sync"]).ok();
    s.churn(10, 5);
    let status = s.run(&["sync", "status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
    let braze = &v["destinations"][0];
    assert_eq!(braze["acknowledged"].as_i64(), Some(100));
    assert_eq!(braze["to_add"].as_i64(), Some(10));
    assert_eq!(braze["to_remove"].as_i64(), Some(5));
    assert_eq!(braze["last_run"]["status"].as_str(), Some("succeeded"));
    let log = s.run(&["sync", "log", "vip", "--format", "csv"]);
    assert_eq!(log.ok().stdout.lines().count(), 3, "{}", log.stdout);
}
