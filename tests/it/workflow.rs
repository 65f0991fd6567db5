//! plan / apply / refresh / history on the demo project, on DuckDB + SQLite and on PostgreSQL.

use std::collections::BTreeSet;

use crate::common::{NOW, Output, PgDatabase, TempProject, postgres_url};

/// The demo project with a small seeded warehouse.
fn seeded() -> TempProject {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "400"]).ok();
    p
}

fn at_day(offset: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(NOW).unwrap() + chrono::Duration::days(offset);
    t.with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn ids(csv: &str) -> BTreeSet<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn plan_shows_adds_changes_and_removals_and_apply_records_them() {
    let p = seeded();
    let first = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(first.code, 2, "{}", first.snapshot());
    insta::assert_snapshot!("plan_all_new", first.stdout);

    let refused = p.run(&["apply"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.stderr
    );

    p.run(&["apply", "--auto-approve"]).ok();
    let none = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(none.code, 0, "{}", none.snapshot());
    insta::assert_snapshot!("plan_no_changes", none.stdout);

    // A refresh gives the plan sizes at the last refresh to compare with.
    p.run(&["refresh", "--all"]).ok();
    let power = std::fs::read_to_string(p.path().join("segments/power_users.yaml")).unwrap();
    p.write(
        "segments/power_users.yaml",
        &power.replace("count: { gte: 10 }", "count: { gte: 12 }"),
    );
    std::fs::remove_file(p.path().join("segments/buyers_2026.yaml")).unwrap();
    p.write(
        "segments/pro_in_us.yaml",
        "name: pro_in_us\nrules:\n  all:\n    - { trait: plan, eq: pro }\n    - { trait: country, eq: US }\n",
    );
    // Layout and comments alone are no change.
    let lapsed = std::fs::read_to_string(p.path().join("segments/lapsed_payers.yaml")).unwrap();
    p.write(
        "segments/lapsed_payers.yaml",
        &format!("# reviewed\n{lapsed}\n\n"),
    );

    let table = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(table.code, 2, "{}", table.snapshot());
    insta::assert_snapshot!("plan_changes_table", table.stdout);
    let json = p.run(&["plan", "--format", "json"]).ok().stdout.clone();
    insta::assert_snapshot!("plan_changes_json", json);
    let md = p.run(&["plan", "--format", "markdown"]).ok().stdout.clone();
    insta::assert_snapshot!("plan_changes_markdown", md);

    p.run(&["apply", "--auto-approve"]).ok();
    assert_eq!(p.run(&["plan", "--detailed-exitcode"]).code, 0);
    let show = p.run(&["segments", "show", "power_users", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&show.ok().stdout).unwrap();
    assert_eq!(v["applied_version"], 2);
    // A removed segment keeps its history.
    let history = p.run(&["segments", "history", "buyers_2026", "--format", "csv"]);
    assert_eq!(history.ok().stdout.lines().count(), 2, "{}", history.stdout);
    let members = p.run(&["segments", "members", "buyers_2026"]);
    assert_eq!(members.code, 1);
    assert!(members.stderr.contains("was removed"), "{}", members.stderr);
}

#[test]
fn an_invalid_project_is_not_applied() {
    let p = seeded();
    p.write(
        "segments/broken.yaml",
        "name: broken\nrules: { event: purchase, withn: 3d }\n",
    );
    let out = p.run(&["apply", "--auto-approve"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("did you mean `within`"),
        "{}",
        out.stderr
    );
    assert!(
        !p.path().join(".cdp/state.db").exists(),
        "nothing was recorded"
    );
}

#[test]
fn refresh_needs_applied_segments() {
    let p = seeded();
    let out = p.run(&["refresh", "power_users"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stderr);
}

/// Three refreshes with data changes between them: history, and members as of each refresh.
pub(crate) fn history_follows_refreshes(p: &TempProject, env: &[(&str, &str)], args: &[&str]) {
    let run = |more: &[&str], now: &str| -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(more);
        let mut e = env.to_vec();
        e.push(("CDP_NOW", now));
        p.run_env(&all, &e)
    };
    run(&["apply", "--auto-approve"], NOW).ok();
    // Every demo segment: refresh computes them together, and each must match its own query.
    let segments = [
        "active_last_30d",
        "power_users",
        "upsell_candidates",
        "lapsed_payers",
        "big_spenders_usd",
        "buyers_2026",
        "cart_abandoners",
        "high_value_at_risk",
        "new_not_activated",
        "web_europe_engaged",
    ];
    let mut expected = Vec::new();
    for day in 0..3i64 {
        let now = at_day(day);
        if day > 0 {
            // New activity for a few users between refreshes, at or before the refresh.
            let ts = at_day(day).replace('T', " ").replace('Z', "");
            let sql = format!(
                "insert into events (user_id, event, ts, properties) \
                 select user_id, 'session_start', timestamp '{ts}' - interval '1 hour', null \
                 from users where user_id like '%{day}7'"
            );
            run(&["query", &sql], &now).ok();
        }
        let mut sets = Vec::new();
        for s in segments {
            let out = run(&["segments", "preview", s, "--format", "csv"], &now);
            sets.push(ids(&out.ok().stdout));
        }
        run(&["refresh", "--all"], &now).ok();
        expected.push((now, sets));
    }
    // Refreshing again with nothing changed adds no membership rows.
    let count = "select count(*) as n from cdp.membership";
    let before = run(&["query", count, "--format", "csv"], &expected[2].0)
        .ok()
        .stdout
        .clone();
    for _ in 0..3 {
        run(&["refresh", "--all"], &expected[2].0).ok();
    }
    let after = run(&["query", count, "--format", "csv"], &expected[2].0)
        .ok()
        .stdout
        .clone();
    assert_eq!(before, after);

    for (now, sets) in &expected {
        for (s, want) in segments.iter().zip(sets) {
            let got = run(
                &["segments", "members", s, "--at", now, "--format", "csv"],
                &expected[2].0,
            );
            assert_eq!(&ids(&got.ok().stdout), want, "{s} as of {now}");
        }
    }
    let current = run(
        &["segments", "members", "active_last_30d", "--format", "csv"],
        &expected[2].0,
    );
    assert_eq!(ids(&current.ok().stdout), expected[2].1[0]);

    let history = run(
        &["segments", "history", "active_last_30d", "--format", "csv"],
        &expected[2].0,
    );
    let rows: Vec<Vec<String>> = history
        .ok()
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 6, "six refreshes: {rows:?}");
    let n = |r: &Vec<String>, i: usize| r[i].parse::<i64>().unwrap();
    for w in rows.windows(2) {
        // size(k) = size(k-1) + entered(k) - exited(k)
        assert_eq!(
            n(&w[1], 3),
            n(&w[0], 3) + n(&w[1], 4) - n(&w[1], 5),
            "{rows:?}"
        );
    }
    assert_eq!(
        n(&rows[0], 3),
        n(&rows[0], 4),
        "the first refresh enters everyone"
    );
    assert!(
        rows[1..3].iter().any(|r| n(r, 4) + n(r, 5) > 0),
        "membership changed: {rows:?}"
    );
    assert!(rows[3..].iter().all(|r| n(r, 4) + n(r, 5) == 0), "{rows:?}");
    let sizes: Vec<i64> = rows.iter().take(3).map(|r| n(r, 3)).collect();
    let want: Vec<i64> = expected.iter().map(|(_, s)| s[0].len() as i64).collect();
    assert_eq!(sizes, want);

    let overlap = run(
        &[
            "segments",
            "overlap",
            "active_last_30d",
            "power_users",
            "--format",
            "csv",
        ],
        &expected[2].0,
    );
    let lines: Vec<String> = overlap.ok().stdout.lines().map(str::to_string).collect();
    let both = expected[2].1[0].intersection(&expected[2].1[1]).count();
    assert_eq!(
        lines[1],
        format!("active_last_30d,{},{both}", expected[2].1[0].len())
    );
}

#[test]
fn history_and_members_as_of_each_refresh_on_duckdb_and_sqlite() {
    history_follows_refreshes(&seeded(), &[], &[]);
}

#[test]
fn history_and_members_as_of_each_refresh_on_postgres() {
    let Some(admin) = postgres_url("workflow_history") else {
        return;
    };
    let db = PgDatabase::create(&admin, "workflow");
    let p = TempProject::demo();
    let config = std::fs::read_to_string(p.path().join("cdp.yaml")).unwrap().replace(
        "environments:\n",
        "environments:\n  pg:\n    warehouse: { type: postgres, url: \"${CDP_PG}\" }\n    state: { url: \"${CDP_PG}\" }\n",
    );
    p.write("cdp.yaml", &config);
    let env = [("CDP_PG", db.url.as_str())];
    p.run_env(&["--env", "pg", "demo", "seed", "--users", "400"], &env)
        .ok();
    history_follows_refreshes(&p, &env, &["--env", "pg"]);
    assert!(
        !p.path().join(".cdp/state.db").exists(),
        "state went to PostgreSQL"
    );
}

/// Refresh, members and plan on tables cdp did not create: mapped names, integer ids, its own
/// `cdp_schema`; the members listing has the shape of a preview.
fn foreign_warehouse(p: &TempProject, env: &[(&str, &str)], args: &[&str]) {
    let run = |more: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(more);
        p.run_env(&all, env)
    };
    let setup = [
        "create schema crm",
        "create schema analytics",
        "create table crm.\"Customers\" (\"CustomerId\" integer, \"Plan\" varchar, \"Region\" varchar)",
        "insert into crm.\"Customers\" values (1, 'pro', 'EU'), (2, 'pro', 'US'), (3, 'free', NULL), (4, NULL, 'US')",
        "create table analytics.track (uid integer, type varchar, sent_at timestamp, payload varchar)",
        "insert into analytics.track values (1, 'session_start', timestamp '2026-06-14 10:00:00', '{}'), (3, 'session_start', timestamp '2026-05-01 09:00:00', '{}')",
    ];
    for sql in setup {
        run(&["query", sql]).ok();
    }
    // An empty result still has its header.
    let empty = run(&["query", "select 1 as n where 1 = 0", "--format", "csv"]);
    assert_eq!(empty.ok().stdout, "n\n");
    // Quoted, mixed-case names match as the engine spells them.
    run(&["validate", "--connect"]).ok();
    run(&["apply", "--auto-approve"]).ok();
    run(&["refresh", "--all"]).ok();
    let preview = run(&["segments", "preview", "quiet", "--format", "csv"]);
    let members = run(&["segments", "members", "quiet", "--format", "csv"]);
    assert_eq!(members.ok().stdout, preview.ok().stdout);
    assert_eq!(
        ids(&members.stdout),
        ["2", "3", "4"].iter().map(|s| s.to_string()).collect()
    );
    let count = run(&[
        "query",
        "select count(*) as n from audiences.membership",
        "--format",
        "csv",
    ]);
    assert_eq!(count.ok().stdout, "n\n5\n", "quiet has 3 members, pro 2");
    assert_eq!(run(&["plan", "--detailed-exitcode"]).code, 0);

    p.write(
        "segments/eu.yaml",
        "name: eu\nrules: { trait: Regon, eq: EU }\n",
    );
    let wrong = run(&["validate", "--connect"]);
    assert_eq!(wrong.code, 1, "{}", wrong.snapshot());
    for want in [
        "segments/eu.yaml:2:17",
        "trait `Regon` is not a column of the users table `crm.Customers`",
        "did you mean `Region`?",
    ] {
        assert!(wrong.stderr.contains(want), "{want}:\n{}", wrong.stderr);
    }
}

const FOREIGN_SEGMENTS: [(&str, &str); 2] = [
    (
        "quiet.yaml",
        "name: quiet\nrules:\n  not: { event: session_start, within: 7d }\n",
    ),
    ("pro.yaml", "name: pro\nrules: { trait: Plan, eq: pro }\n"),
];

#[test]
fn refresh_on_a_duckdb_warehouse_cdp_did_not_create() {
    let p = TempProject::with(
        "environments:\n  dev:\n    warehouse: { type: duckdb, path: data/wh.duckdb, cdp_schema: audiences }\ntables:\n  users: { table: crm.Customers, id: CustomerId }\n  events: { table: analytics.track, user_id: uid, name: type, timestamp: sent_at, properties: payload }\n",
        &FOREIGN_SEGMENTS,
    );
    foreign_warehouse(&p, &[], &[]);
}

#[test]
fn refresh_on_a_postgres_warehouse_cdp_did_not_create() {
    let Some(admin) = postgres_url("workflow_foreign") else {
        return;
    };
    let db = PgDatabase::create(&admin, "foreign");
    let p = TempProject::with(
        "environments:\n  dev:\n    warehouse: { type: postgres, url: \"${CDP_PG}\", cdp_schema: audiences }\ntables:\n  users: { table: crm.Customers, id: CustomerId }\n  events: { table: analytics.track, user_id: uid, name: type, timestamp: sent_at, properties: payload }\n",
        &FOREIGN_SEGMENTS,
    );
    foreign_warehouse(&p, &[("CDP_PG", db.url.as_str())], &[]);
}
