//! The Snowflake statement client against the local double of the SQL API, over real HTTP.

// Shared with the benchmarks.
#[path = "../../support/snowflake/double.rs"]
mod double;
#[path = "../../support/snowflake/translate.rs"]
pub mod translate;

mod sync;

use std::sync::Mutex;
use std::time::Duration;

use cdp::project::config::{KeySource, SnowflakeAuth, SnowflakeConfig};
use cdp::secret::Secret;
use cdp::warehouse::snowflake::api::StatementRequest;
use cdp::warehouse::snowflake::auth::{Credentials, KeyPair, Session};
use cdp::warehouse::snowflake::client::{Client, Policy};
use cdp::warehouse::snowflake::http::Http;
use cdp::warehouse::{Cell, RowSink, WarehouseError};
use double::{Double, Fault};

use crate::common::repo;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/snowflake").join(name)).unwrap()
}

fn config(endpoint: &str) -> SnowflakeConfig {
    SnowflakeConfig {
        account: "xy12345.us-east-1".into(),
        user: Some("cdp_service".into()),
        auth: SnowflakeAuth::KeyPair {
            key: KeySource::Pem(Secret::new(fixture("rsa_key.p8"))),
            passphrase: None,
        },
        warehouse: Some("ANALYTICS_WH".into()),
        database: Some("ANALYTICS".into()),
        schema: Some("PUBLIC".into()),
        role: None,
        cdp_schema: "CDP".into(),
        endpoint: Some(endpoint.into()),
        statement_timeout: 60,
    }
}

fn client(double: &Double, key: &str) -> Client<Http> {
    let key = KeyPair::from_pem(&fixture(key), None).unwrap();
    Client {
        transport: Http::new(Duration::from_secs(10)).unwrap(),
        base_url: double.url.clone(),
        session: Mutex::new(Session::new(Credentials::KeyPair {
            key: Box::new(key),
            account: "xy12345.us-east-1".into(),
            user: "cdp_service".into(),
        })),
        policy: Policy {
            backoff: cdp::retry::Backoff {
                attempts: 6,
                base: Duration::from_millis(5),
                cap: Duration::from_millis(20),
            },
            poll: Duration::from_millis(5),
        },
        interrupt: Default::default(),
    }
}

#[derive(Default)]
struct Rows(Vec<Vec<Cell>>);

impl RowSink for Rows {
    fn columns(&mut self, _: &[String]) -> Result<(), WarehouseError> {
        Ok(())
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.0.push(row.to_vec());
        Ok(())
    }
}

fn run(c: &Client<Http>, double: &Double, sql: &str) -> Result<Vec<Vec<Cell>>, WarehouseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let request = StatementRequest::new(&config(&double.url), sql, "cdp test", 1);
    let mut rows = Rows::default();
    rt.block_on(c.run(&request, &mut rows))?;
    Ok(rows.0)
}

const SUBJECT: &str = "XY12345.CDP_SERVICE";

#[test]
fn results_stream_from_every_partition_in_order() {
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 4);
    let c = client(&double, "rsa_key.p8");
    let rows = run(
        &c,
        &double,
        "select range as n, 'u' || range as id, timestamp '2026-06-15 12:00:00' as at from range(10)",
    )
    .unwrap();
    let ns: Vec<Cell> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        ns,
        (0..10).map(Cell::Int).collect::<Vec<_>>(),
        "3 partitions, in order"
    );
    assert_eq!(rows[3][1], Cell::Text("u3".into()));
    assert_eq!(
        rows[0][2],
        Cell::Timestamp(chrono::DateTime::from_timestamp(1_781_524_800, 0).unwrap())
    );
}

#[test]
fn a_lost_response_is_retried_and_the_statement_runs_once() {
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 100);
    double.inject(&[
        Fault::Before(429),
        Fault::After(503),
        Fault::Drop,
        Fault::Delay(300),
        Fault::Before(500),
    ]);
    let c = client(&double, "rsa_key.p8");
    run(&c, &double, "create table t as select 1 as n").unwrap();
    let executions = double.executions();
    assert_eq!(executions.len(), 1, "one request id: {executions:?}");
    assert_eq!(
        executions.values().copied().collect::<Vec<_>>(),
        [1],
        "ran once"
    );
    let rows = run(&c, &double, "select count(*) from t").unwrap();
    assert_eq!(rows, [[Cell::Int(1)]]);
}

#[test]
fn bad_sql_is_a_clear_error_with_its_sql_state() {
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 100);
    let c = client(&double, "rsa_key.p8");
    let err = run(&c, &double, "select * from no_such_table").unwrap_err();
    let text = cdp::error::chain(&err).to_string();
    assert!(
        text.contains("SQL state 42000") && text.contains("no_such_table"),
        "{text}"
    );
}

#[test]
fn a_key_snowflake_does_not_know_is_refused() {
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 100);
    let c = client(&double, "other_key.p8");
    let err = run(&c, &double, "select 1").unwrap_err();
    let text = cdp::error::chain(&err);
    assert!(
        text.contains("HTTP 401") && text.contains("JWT token is invalid"),
        "{text}"
    );
    assert!(double.executions().is_empty());
}

/// `cdp validate --connect` signs in and runs `select 1`, or says what is wrong and what to do.
#[test]
fn validate_connect_signs_in_or_says_why_not() {
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 100);
    let keys = repo().join("tests/fixtures/snowflake");
    let project = |key: &str| {
        crate::common::TempProject::with(
            &format!(
                "environments:\n  prod:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      user: cdp_service\n      private_key_path: \"{}\"\n      warehouse: ANALYTICS_WH\n      endpoint: \"${{SNOWFLAKE_ENDPOINT}}\"\n",
                keys.join(key).display()
            ),
            &[("a.yaml", "name: a\nrules: { trait: plan, eq: pro }\n")],
        )
    };
    let env = [("SNOWFLAKE_ENDPOINT", double.url.as_str())];
    // Signed in; the account holds none of the project's tables, which is said next.
    let signed_in =
        project("rsa_key.p8").run_env(&["--env", "prod", "validate", "--connect"], &env);
    assert_eq!(signed_in.code, 1);
    for want in [
        "connected: Snowflake at http://127.0.0.1",
        "the users table `users` cannot be read",
        "cdp.yaml does not set `tables.users.table`, so it is `users`",
    ] {
        assert!(
            signed_in.stderr.contains(want),
            "{want}:\n{}",
            signed_in.stderr
        );
    }

    let wrong = project("other_key.p8").run_env(&["--env", "prod", "validate", "--connect"], &env);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("HTTP 401"), "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("hint: Snowflake does not know this key"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("BEGIN"), "no key material in errors");

    double.inject(&[Fault::Deny]);
    let denied = project("rsa_key.p8").run_env(&["--env", "prod", "validate", "--connect"], &env);
    assert_eq!(denied.code, 1);
    assert!(denied.stderr.contains("42501"), "{}", denied.stderr);
    assert!(
        denied.stderr.contains("hint: the role lacks a privilege"),
        "{}",
        denied.stderr
    );

    // An account that does not answer (here: a closed port) is reported at once, with a hint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let gone = project("rsa_key.p8").run_env(
        &["--env", "prod", "validate", "--connect"],
        &[("SNOWFLAKE_ENDPOINT", nowhere.as_str())],
    );
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("did not answer"), "{}", gone.stderr);
    assert!(
        gone.stderr.contains("hint: check `account`"),
        "{}",
        gone.stderr
    );

    let missing =
        project("no_such_key.p8").run_env(&["--env", "prod", "validate", "--connect"], &env);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("cannot read the private key file"),
        "{}",
        missing.stderr
    );
}

/// A demo project on DuckDB, and the same project on Snowflake (the double) over a copy of its
/// data.
fn twin_projects() -> (
    crate::common::TempProject,
    crate::common::TempProject,
    Double,
) {
    let local = crate::common::TempProject::demo();
    local.run(&["demo", "seed", "--users", "400"]).ok();
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 50);
    double.setup(&format!(
        "attach '{}' as src (read_only);
         create table users as select * from src.users;
         create table events as select * from src.events;
         detach src;",
        local.path().join(".cdp/warehouse.duckdb").display()
    ));
    let sf = crate::common::TempProject::demo();
    let config = std::fs::read_to_string(sf.path().join("cdp.yaml")).unwrap().replace(
        "environments:\n",
        &format!(
            "environments:\n  sf:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      user: cdp_service\n      private_key_path: \"{}\"\n      endpoint: \"${{SNOWFLAKE_ENDPOINT}}\"\n",
            repo().join("tests/fixtures/snowflake/rsa_key.p8").display()
        ),
    );
    sf.write("cdp.yaml", &config);
    (local, sf, double)
}

fn ids(csv: &str) -> std::collections::BTreeSet<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

fn on_snowflake(
    sf: &crate::common::TempProject,
    double: &Double,
    args: &[&str],
) -> crate::common::Output {
    let mut all = vec!["--env", "sf"];
    all.extend_from_slice(args);
    sf.run_env(&all, &[("SNOWFLAKE_ENDPOINT", double.url.as_str())])
}

fn segment_names(p: &crate::common::TempProject) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("segments"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    names.sort();
    names
}

/// Checks that every segment's members on Snowflake are the embedded DuckDB's preview of it on
/// the same data; returns the segment names.
fn members_match(
    local: &crate::common::TempProject,
    sf: &crate::common::TempProject,
    run: &dyn Fn(&[&str]) -> crate::common::Output,
) -> Vec<String> {
    let names = segment_names(sf);
    for name in &names {
        let want = ids(&local
            .run(&["segments", "preview", name, "--format", "csv"])
            .ok()
            .stdout);
        let got = ids(&run(&["segments", "members", name, "--format", "csv"])
            .ok()
            .stdout);
        assert_eq!(got, want, "{name}");
    }
    names
}

/// The plan / apply / refresh / members workflow on Snowflake (the double) gives every demo
/// segment the members the embedded DuckDB gives it, on the same data.
#[test]
fn refresh_on_snowflake_matches_duckdb() {
    let (local, sf, double) = twin_projects();
    let run = |args: &[&str]| on_snowflake(&sf, &double, args);
    run(&["validate", "--connect"]).ok();
    // Snowflake answers `DAY` for `as day`: the tiles' columns are found all the same.
    let dash = run(&["dashboard", "run", "growth", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&dash.ok().stdout).unwrap();
    let daily = v["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["meta"]["id"] == "daily_active")
        .unwrap();
    assert!(daily["table"][0].get("day").is_some(), "{daily}");
    let plan = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.snapshot());
    run(&["apply", "--auto-approve"]).ok();
    run(&["refresh", "--all"]).ok();
    for name in members_match(&local, &sf, &run) {
        let preview = ids(&run(&["segments", "preview", &name, "--format", "csv"])
            .ok()
            .stdout);
        let want = ids(&local
            .run(&["segments", "preview", &name, "--format", "csv"])
            .ok()
            .stdout);
        assert_eq!(preview, want, "{name} previewed on Snowflake");
    }
    // Nothing changed: a second refresh enters and exits no one.
    let again = run(&["refresh", "--all", "--format", "csv"]);
    for line in again.ok().stdout.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[3], f[4]), ("0", "0"), "{line}");
    }
}

/// With a fifth of all requests failing (throttled, lost after running, cut off, or slow), a
/// refresh still completes with the right members, and no statement runs twice.
#[test]
fn refresh_survives_injected_faults_and_runs_each_statement_once() {
    let (local, sf, double) = twin_projects();
    double.fail_randomly(0.2, 7);
    let run = |args: &[&str]| on_snowflake(&sf, &double, args);
    run(&["apply", "--auto-approve"]).ok();
    run(&["refresh", "--all"]).ok();
    members_match(&local, &sf, &run);
    let executions = double.executions();
    assert!(executions.len() > 10, "{executions:?}");
    assert!(
        double.injected() >= 3,
        "faults were injected: {}",
        double.injected()
    );
    let twice: Vec<_> = executions.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "statements ran twice: {twice:?}");
}

/// History on Snowflake: three refreshes with new data between them, members as of each
/// refresh, overlap, and refreshes that change nothing adding no rows (the suite DuckDB and
/// PostgreSQL run).
#[test]
fn history_and_members_as_of_each_refresh_on_snowflake() {
    let (_local, sf, double) = twin_projects();
    crate::workflow::history_follows_refreshes(
        &sf,
        &[("SNOWFLAKE_ENDPOINT", double.url.as_str())],
        &["--env", "sf"],
    );
}

/// `cdp demo seed` writes the demo into Snowflake (batched inserts through the SQL API), and
/// its segments then have the sizes they have on DuckDB.
#[test]
fn demo_seed_on_snowflake_gives_the_same_segments() {
    let (local, sf, double) = twin_projects();
    double.setup("drop table users; drop table events;");
    on_snowflake(&sf, &double, &["demo", "seed", "--users", "400"]).ok();
    for name in [
        "active_last_30d",
        "big_spenders_usd",
        "upsell_candidates",
        "web_europe_engaged",
    ] {
        let want = ids(&local
            .run(&["segments", "preview", name, "--format", "csv"])
            .ok()
            .stdout);
        let got = ids(&on_snowflake(
            &sf,
            &double,
            &["segments", "preview", name, "--format", "csv"],
        )
        .ok()
        .stdout);
        assert_eq!(got, want, "{name}");
    }
}

/// Killing `cdp refresh` on Snowflake at any moment (even mid-transaction, which the API runs
/// as one request) loses nothing: the next refresh gives every segment its right members.
#[test]
fn killing_refresh_on_snowflake_loses_nothing() {
    let (local, sf, double) = twin_projects();
    on_snowflake(&sf, &double, &["apply", "--auto-approve"]).ok();
    let started = std::time::Instant::now();
    on_snowflake(&sf, &double, &["refresh", "--all"]).ok();
    let span = started.elapsed();
    let bin = assert_cmd::cargo::cargo_bin("cdp");
    for (day, fraction) in [(1, 0.2), (2, 0.5), (3, 0.8)] {
        let now = (chrono::DateTime::parse_from_rfc3339(crate::common::NOW).unwrap()
            + chrono::Duration::days(day))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
        let mut child = std::process::Command::new(&bin)
            .args([
                "--project-dir",
                &sf.path().to_string_lossy(),
                "--env",
                "sf",
                "refresh",
                "--all",
            ])
            .env("CDP_NOW", &now)
            .env("SNOWFLAKE_ENDPOINT", &double.url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(span.mul_f64(fraction));
        child.kill().unwrap();
        child.wait().unwrap();
        let env = [
            ("SNOWFLAKE_ENDPOINT", double.url.as_str()),
            ("CDP_NOW", now.as_str()),
        ];
        sf.run_env(&["--env", "sf", "refresh", "--all", "--wait", "0"], &env)
            .ok();
        for name in segment_names(&sf) {
            let want = ids(&local
                .run_env(
                    &["segments", "preview", &name, "--format", "csv"],
                    &[("CDP_NOW", &now)],
                )
                .ok()
                .stdout);
            let got = ids(&sf
                .run_env(
                    &[
                        "--env", "sf", "segments", "members", &name, "--format", "csv",
                    ],
                    &env,
                )
                .ok()
                .stdout);
            assert_eq!(got, want, "{name} as of {now}");
        }
    }
}

/// `cdp demo advance` on Snowflake stages the new rows and moves them in with one transaction;
/// the data then equals DuckDB's after the same advance.
#[test]
fn demo_advance_on_snowflake_matches_duckdb() {
    let (local, sf, double) = twin_projects();
    double.setup("drop table users; drop table events;");
    on_snowflake(&sf, &double, &["demo", "seed", "--users", "400"]).ok();
    local.run(&["demo", "advance", "--days", "2"]).ok();
    let out = on_snowflake(&sf, &double, &["demo", "advance", "--days", "2"]);
    out.ok();
    let count = "select count(*) as n, count(distinct user_id) as users from events";
    // Snowflake names result columns in upper case.
    assert_eq!(
        on_snowflake(&sf, &double, &["query", count, "--format", "csv"])
            .ok()
            .stdout
            .to_lowercase(),
        local.run(&["query", count, "--format", "csv"]).ok().stdout
    );
    let later = (chrono::DateTime::parse_from_rfc3339(crate::common::NOW).unwrap()
        + chrono::Duration::days(2))
    .format("%Y-%m-%dT%H:%M:%SZ")
    .to_string();
    let at = ["--now", later.as_str()];
    for name in ["active_last_30d", "new_not_activated"] {
        let mut args = at.to_vec();
        args.extend(["segments", "preview", name, "--format", "csv"]);
        let want = ids(&local.run(&args).ok().stdout);
        assert_eq!(
            ids(&on_snowflake(&sf, &double, &args).ok().stdout),
            want,
            "{name}"
        );
    }
}
