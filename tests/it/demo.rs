//! `cdp demo advance`: it continues a seed exactly as a longer seed would, only appends, survives
//! being killed, and works on DuckDB and PostgreSQL with mapped table names.

use std::collections::BTreeSet;
use std::time::Instant;

use cdp::demo::{NoProgress, Spec, SpecTable};
use cdp::warehouse::duckdb::DuckDbWarehouse;
use cdp::warehouse::postgres::PostgresWarehouse;
use cdp::warehouse::{Cell, ColType, Warehouse};

use crate::common::{NOW, PgDatabase, TempProject, postgres_url};

const EVENTS: &str = "select user_id, event, ts, cast(properties as varchar) as properties from events \
                      order by user_id, ts, event, cast(properties as varchar)";
const USERS: &str = "select * from users order by user_id";
const SPEC: &str = "select seed, users, days, window_end, data_end from cdp.demo_spec";

/// A query's result as CSV lines, header first.
fn csv(p: &TempProject, sql: &str) -> Vec<String> {
    let out = p.run(&["query", sql, "--format", "csv"]);
    out.ok().stdout.lines().map(str::to_string).collect()
}

fn seeded(users: &str) -> TempProject {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", users]).ok();
    p
}

/// Seeds `p`'s warehouse through the library, with `advanced` days already after the window.
async fn seed_advanced(p: &TempProject, users: u64, advanced: u32) {
    let project = cdp::project::load(p.path(), None).unwrap();
    let mut wh = cdp::warehouse::open(&project, &Default::default())
        .await
        .unwrap();
    let spec = Spec {
        advanced,
        ..Spec::ending_today(NOW.parse().unwrap(), users, 90, 42)
    };
    let spec_table = SpecTable::new(
        cdp::warehouse::dialect_of(&project.warehouse),
        project.warehouse.cdp_schema(),
    );
    cdp::demo::seed(
        wh.as_mut(),
        project.tables(),
        &spec_table,
        spec,
        &NoProgress,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn advance_matches_a_seed_that_ends_later() {
    let advanced = seeded("300");
    let out = advanced.run(&["demo", "advance", "--days", "2"]);
    out.ok();
    assert!(
        out.stderr.starts_with("advanced 2 days: ")
            && out.stderr.contains(" new users, now ending 2026-06-17 in "),
        "{}",
        out.stderr
    );
    let in_steps = seeded("300");
    in_steps.run(&["demo", "advance"]).ok();
    in_steps.run(&["demo", "advance"]).ok();
    let longer = TempProject::demo();
    seed_advanced(&longer, 300, 2).await;

    let events = csv(&advanced, EVENTS);
    assert_eq!(
        events,
        csv(&longer, EVENTS),
        "advance 2 days = a seed 2 days longer"
    );
    assert_eq!(
        events,
        csv(&in_steps, EVENTS),
        "advance 2 days = advance 1 day twice"
    );
    let users = csv(&advanced, USERS);
    assert_eq!(users, csv(&longer, USERS));
    assert_eq!(users, csv(&in_steps, USERS));
    let spec = csv(&advanced, SPEC);
    assert_eq!(spec, csv(&longer, SPEC));
    assert_eq!(
        spec[1],
        "42,300,90,2026-06-15T00:00:00Z,2026-06-17T00:00:00Z"
    );

    // Advance only appends: the seed's users and events are all still there, unchanged, and
    // every added event is on an added day; new users signed up then too.
    let seed = seeded("300");
    let (before, after): (BTreeSet<_>, BTreeSet<_>) = (
        csv(&seed, EVENTS).into_iter().collect(),
        events.into_iter().collect(),
    );
    assert!(before.is_subset(&after));
    let added: Vec<&String> = after.difference(&before).collect();
    assert!(added.len() > 100, "{} events added", added.len());
    assert!(
        added
            .iter()
            .all(|row| row.split(',').nth(2).unwrap() >= "2026-06-15"),
        "{added:?}"
    );
    let old_users = csv(&seed, USERS);
    assert_eq!(users[..old_users.len()], old_users[..]);
    let new_users = &users[old_users.len()..];
    assert!(!new_users.is_empty());
    for u in new_users {
        assert!(
            u.contains(",2026-06-15T") || u.contains(",2026-06-16T"),
            "{u}"
        );
    }
}

#[test]
fn advance_without_a_seed_says_to_seed_first() {
    let p = TempProject::demo();
    let out = p.run(&["demo", "advance"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr
            .starts_with("error: there is no demo data to advance: cdp.demo_spec does not exist"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: run `cdp demo seed` first"),
        "{}",
        out.stderr
    );
    // Tables loaded some other way are not demo data either.
    p.run(&["query", "create table events (x integer)"]).ok();
    assert_eq!(p.run(&["demo", "advance"]).code, 1);
}

/// What each user did on which day, in a form both engines print alike.
const PER_USER: &str = "select uid, kind, count(*) as n, min(sent_at) as first, max(sent_at) as last \
                        from analytics.track group by uid, kind order by uid, kind";

fn mapped_project() -> TempProject {
    TempProject::with(
        "environments:\n  dev:\n    warehouse: { type: duckdb, cdp_schema: demo_meta }\n  pg:\n    warehouse: { type: postgres, url: \"${CDP_TEST_PG}\", cdp_schema: demo_meta }\ntables:\n  users: { table: crm.people, id: person_id }\n  events: { table: analytics.track, user_id: uid, name: kind, timestamp: sent_at, properties: payload }\n",
        &[],
    )
}

/// Seeds and advances twice in environment `env`; returns per-user activity and people.
fn seed_and_advance(p: &TempProject, env: &[&str], vars: &[(&str, &str)]) -> (String, String) {
    let run = |args: &[&str]| {
        let mut all = env.to_vec();
        all.extend_from_slice(args);
        p.run_env(&all, vars).ok().stdout.clone()
    };
    run(&["demo", "seed", "--users", "300"]);
    run(&["demo", "advance", "--days", "2"]);
    run(&["demo", "advance"]);
    let activity = run(&["query", PER_USER, "--format", "csv"]);
    let people = run(&[
        "query",
        "select count(*) as n, max(signup_at) as last from crm.people",
        "--format",
        "csv",
    ]);
    let spec = run(&[
        "query",
        "select data_end from demo_meta.demo_spec",
        "--format",
        "csv",
    ]);
    assert_eq!(spec, "data_end\n2026-06-18T00:00:00Z\n");
    (activity, people)
}

#[test]
fn advance_respects_mapped_tables_and_schema() {
    let p = mapped_project();
    let (activity, people) = seed_and_advance(&p, &[], &[]);
    assert!(activity.lines().count() > 300, "{activity}");
    assert!(people.contains(",2026-06-17T"), "{people}");
}

#[test]
fn advance_on_postgres_matches_duckdb() {
    let Some(admin) = postgres_url("demo_advance") else {
        return;
    };
    let db = PgDatabase::create(&admin, "demo_advance");
    let vars = [("CDP_TEST_PG", db.url.as_str())];
    let pg = mapped_project();
    let missing = pg.run_env(&["--env", "pg", "demo", "advance"], &vars);
    assert_eq!(missing.code, 1, "{}", missing.snapshot());
    assert!(
        missing.stderr.contains("hint: run `cdp demo seed` first"),
        "{}",
        missing.stderr
    );
    let on_postgres = seed_and_advance(&pg, &["--env", "pg"], &vars);
    let on_duckdb = seed_and_advance(&mapped_project(), &[], &[]);
    assert_eq!(on_postgres, on_duckdb);
}

/// Appended rows vanish with a rolled-back transaction, which advance relies on.
async fn append_rolls_back(wh: &mut dyn Warehouse) {
    let cols = [("id", ColType::Text), ("seen_at", ColType::Timestamp)];
    let row = |id: &str| {
        vec![
            Cell::Text(id.into()),
            Cell::Timestamp("2026-06-01T00:00:00Z".parse().unwrap()),
        ]
    };
    wh.load("t", &cols, &mut vec![row("a")].into_iter())
        .await
        .unwrap();
    wh.execute("begin").await.unwrap();
    // Named columns in another order than the table's.
    let swapped = [cols[1], cols[0]];
    let n = wh
        .append(
            "t",
            &swapped,
            &mut vec![row("b")].into_iter().map(|mut r| {
                r.reverse();
                r
            }),
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(wh.count("select count(*) from t").await.unwrap(), 2);
    wh.execute("rollback").await.unwrap();
    assert_eq!(wh.count("select count(*) from t").await.unwrap(), 1);
    wh.append("t", &cols, &mut vec![row("c")].into_iter())
        .await
        .unwrap();
    assert_eq!(
        wh.count(
            "select count(*) from t where id = 'c' and seen_at = timestamp '2026-06-01 00:00:00'"
        )
        .await
        .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_append_rolls_back_with_its_transaction_duckdb() {
    append_rolls_back(&mut DuckDbWarehouse::in_memory().unwrap()).await;
}

#[tokio::test]
async fn an_append_rolls_back_with_its_transaction_postgres() {
    let Some(admin) = postgres_url("append_rollback") else {
        return;
    };
    let db = PgDatabase::create(&admin, "append_rollback");
    append_rolls_back(&mut PostgresWarehouse::connect(&db.url).await.unwrap()).await;
}

#[test]
fn killing_advance_never_duplicates_events() {
    let reference = seeded("3000");
    let started = Instant::now();
    reference.run(&["demo", "advance", "--days", "4"]).ok();
    let span = started.elapsed();
    reference.run(&["demo", "advance", "--days", "4"]).ok();
    reference.run(&["demo", "advance", "--days", "4"]).ok();

    let p = seeded("3000");
    let bin = assert_cmd::cargo::cargo_bin("cdp");
    let mut interrupted = 0;
    for (k, want) in ["2026-06-19", "2026-06-23", "2026-06-27"]
        .iter()
        .enumerate()
    {
        let mut child = std::process::Command::new(&bin)
            .args(["--project-dir", &p.path().to_string_lossy()])
            .args(["demo", "advance", "--days", "4"])
            .env("CDP_NOW", NOW)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(span.mul_f64((k as f64 + 1.0) / 4.0));
        child.kill().unwrap();
        child.wait().unwrap();
        // Either it finished, or it left nothing behind and runs again from the same day.
        let end = &csv(&p, "select data_end from cdp.demo_spec")[1];
        if !end.starts_with(want) {
            interrupted += 1;
            p.run(&["demo", "advance", "--days", "4"]).ok();
        }
        assert!(csv(&p, "select data_end from cdp.demo_spec")[1].starts_with(want));
    }
    eprintln!("{interrupted} of 3 kills interrupted an advance");
    assert_eq!(csv(&p, EVENTS), csv(&reference, EVENTS));
    assert_eq!(csv(&p, USERS), csv(&reference, USERS));
}
