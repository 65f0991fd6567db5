//! Dashboards: validation of realistic mistakes, params that cannot change a statement, and
//! `dashboard list` / `run` on the demo data.

use crate::common::{PgDatabase, TempProject, postgres_url};

const OK_SEGMENT: &str = "name: active\nrules:\n  event: session_start\n  within: 30d\n";

/// A tile that runs anywhere, for cases whose mistake is elsewhere.
const TILE: &str =
    "  - { id: a, chart: number, sql: select 1 as n, layout: { x: 0, y: 0, w: 3, h: 2 } }\n";

fn cases() -> Vec<(&'static str, String)> {
    let with = |rest: &str| format!("name: d\ntiles:\n{TILE}{rest}");
    vec![
        ("overlap", with("  - { id: b, chart: number, sql: select 2 as n, layout: { x: 2, y: 1, w: 3, h: 2 } }\n")),
        ("off_grid", with("  - { id: b, chart: number, sql: select 2 as n, layout: { x: 10, y: 0, w: 4, h: 2 } }\n")),
        ("unknown_chart", with("  - { id: b, chart: donut, sql: select 2 as n }\n")),
        (
            "unknown_param_in_sql",
            "name: d\nparams: { days: 30 }\ntiles:\n  - id: b\n    chart: table\n    sql: select * from events where ts > {{ today }} - interval '{{ dayz }} days'\n".into(),
        ),
        (
            "param_default_of_the_wrong_type",
            format!("name: d\nparams:\n  days: {{ type: int, default: thirty }}\ntiles:\n{TILE}"),
        ),
        ("duplicate_tile_id", with("  - { id: a, chart: table, sql: select 2 as n, layout: { x: 3, y: 0, w: 3, h: 2 } }\n")),
        ("metric_without_its_segment", with("  - { id: b, chart: line, metric: segment_history }\n")),
        ("unknown_key", with("  - { id: b, chart: table, sql: select 1 as n, titel: Hello }\n")),
        ("sql_and_metric", with("  - { id: b, chart: bar, sql: select 1 as n, metric: segment_sizes }\n")),
        ("unknown_metric", with("  - { id: b, chart: bar, metric: segment_size }\n")),
        ("line_without_x", with("  - { id: b, chart: line, sql: select 1 as n, y: n }\n")),
        ("bad_currency", with("  - { id: b, chart: table, sql: select 1 as n, format: { n: { currency: dollars } } }\n")),
        ("series_with_two_y", with("  - { id: b, chart: bar, sql: select 1 as n, x: n, y: [n, m], series: s }\n")),
        ("history_of_an_unknown_segment", with("  - { id: b, chart: line, metric: segment_history, segment: actve }\n")),
        ("enum_without_values", format!("name: d\nparams:\n  plan: {{ type: enum, default: pro }}\ntiles:\n{TILE}")),
        ("unclosed_placeholder", with("  - { id: b, chart: table, sql: \"select {{ days from t\" }\n")),
    ]
}

#[test]
fn every_dashboard_mistake_is_pinpointed() {
    for (name, text) in cases() {
        let p = TempProject::with("", &[("active.yaml", OK_SEGMENT)]);
        p.write("dashboards/d.yaml", &text);
        let out = p.run(&["validate"]);
        assert_eq!(out.code, 1, "{name} should fail:\n{}", out.snapshot());
        assert!(
            out.stderr.contains(" --> dashboards/d.yaml:"),
            "{name} has no location:\n{}",
            out.stderr
        );
        insta::assert_snapshot!(format!("dashboard_{name}"), out.snapshot());
    }
}

#[test]
fn all_dashboard_problems_in_one_run() {
    let p = TempProject::with("", &[("active.yaml", OK_SEGMENT)]);
    p.write(
        "dashboards/d.yaml",
        "name: d\nparams: { days: 30 }\ntiles:\n  - { id: a, chart: pie, sql: \"select {{ dayz }}\", layout: { x: 0, y: 0, w: 13, h: 2 } }\n  - { id: a, chart: donut, metric: sync_runs }\n",
    );
    p.write(
        "dashboards/e.yaml",
        "name: d\ntiles:\n  - { id: b, chart: table, metric: segment_history, segment: nope }\n",
    );
    let out = p.run(&["validate", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json on stdout");
    let keys: Vec<String> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["file"].as_str().unwrap(),
                p["key"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "dashboards/d.yaml:tiles[0].sql",
        "dashboards/d.yaml:tiles[1].chart",
        "dashboards/e.yaml:name",
        "dashboards/e.yaml:tiles[0].segment",
    ] {
        assert!(
            keys.iter().any(|k| k == expected),
            "{expected} missing from {keys:?}"
        );
    }
}

/// The demo project with a small seed, ready for its dashboard.
fn seeded() -> TempProject {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "800", "--days", "40"])
        .ok();
    p
}

#[test]
fn the_demo_dashboard_runs_and_names_every_tile() {
    let p = seeded();
    let list = p.run(&["dashboard", "list", "--format", "json"]);
    list.ok();
    let listed: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(listed[0]["name"], "growth");
    assert!(listed[0]["tiles"].as_u64().unwrap() >= 8);

    let out = p.run(&[
        "dashboard",
        "run",
        "growth",
        "--param",
        "days=14",
        "--format",
        "json",
    ]);
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["header"]["params"]["days"], "14");
    let tiles = v["tiles"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> = tiles
        .iter()
        .map(|t| t["meta"]["chart"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 6, "every chart type: {kinds:?}");
    let users = tiles.iter().find(|t| t["meta"]["id"] == "users").unwrap();
    assert_eq!(users["table"][0]["users"], 800);
    let purchases = tiles
        .iter()
        .find(|t| t["meta"]["id"] == "purchases")
        .unwrap();
    assert!(purchases["total_rows"].as_u64().unwrap() > 0);

    let table = p.run(&["dashboard", "run", "growth"]);
    table.ok();
    assert!(
        table.stdout.contains("Daily active users by platform"),
        "{}",
        table.stdout
    );
}

#[test]
fn params_are_checked_against_their_type_and_name() {
    let p = seeded();
    let bad = p.run(&["dashboard", "run", "growth", "--param", "days=week"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("param `days` takes an integer"),
        "{}",
        bad.stderr
    );
    let unknown = p.run(&["dashboard", "run", "growth", "--param", "dayz=3"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("did you mean `days`?"),
        "{}",
        unknown.stderr
    );
    let enum_value = p.run(&["dashboard", "run", "growth", "--param", "currency=CHF"]);
    assert_eq!(enum_value.code, 1);
    assert!(
        enum_value.stderr.contains("one of USD, EUR, GBP, JPY"),
        "{}",
        enum_value.stderr
    );
    let files = p.run(&["dashboard", "run", "growth", "--format", "pdf"]);
    assert_eq!(files.code, 1);
    assert!(
        files.stderr.contains("only `cdp dashboard export`"),
        "{}",
        files.stderr
    );
}

/// A dashboard whose text param is used bare and inside quotes, and a canary table.
const PROBE: &str = "name: probe\nparams: { c: US }\ntiles:\n  - { id: bare, chart: table, sql: \"select count(*) as n from users where country = {{ c }}\" }\n  - { id: quoted, chart: table, sql: \"select count(*) as n from users where country = '{{ c }}'\" }\n";

const INJECTIONS: &[&str] = &[
    "x'; drop table users; --",
    "' or '1'='1",
    "US' or country <> 'US",
    "\\'; drop table users; --",
    "x\"; drop table users; --",
];

fn assert_inert(p: &TempProject, env: &[&str], vars: &[(&str, &str)]) {
    for value in INJECTIONS {
        let arg = format!("c={value}");
        let mut args = env.to_vec();
        args.extend([
            "dashboard",
            "run",
            "probe",
            "--param",
            &arg,
            "--format",
            "json",
        ]);
        let out = p.run_env(&args, vars);
        out.ok();
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        for tile in v["tiles"].as_array().unwrap() {
            assert_eq!(
                tile["table"][0]["n"], 0,
                "{value} selected rows: {}",
                out.stdout
            );
        }
    }
    let mut args = env.to_vec();
    args.extend([
        "query",
        "select count(*) as n from users",
        "--format",
        "json",
    ]);
    let out = p.run_env(&args, vars);
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        v[0]["n"].as_i64().unwrap() > 0,
        "users survived: {}",
        out.stdout
    );
}

#[test]
fn params_cannot_change_the_statement_on_duckdb() {
    let p = seeded();
    p.write("dashboards/probe.yaml", PROBE);
    assert_inert(&p, &[], &[]);
}

#[test]
fn params_cannot_change_the_statement_on_postgres() {
    let Some(admin) = postgres_url("dashboard_params") else {
        return;
    };
    let db = PgDatabase::create(&admin, "dashboard_params");
    let p = TempProject::demo();
    p.write("cdp.yaml", "environments:\n  dev: {}\n  pg:\n    warehouse: { type: postgres, url: \"${CDP_TEST_PG}\" }\n");
    p.write("dashboards/probe.yaml", PROBE);
    let vars = [("CDP_TEST_PG", db.url.as_str())];
    p.run_env(
        &[
            "--env", "pg", "demo", "seed", "--users", "300", "--days", "20",
        ],
        &vars,
    )
    .ok();
    assert_inert(&p, &["--env", "pg"], &vars);
    // The demo dashboard's SQL runs on PostgreSQL too.
    p.run_env(
        &[
            "--env",
            "pg",
            "dashboard",
            "run",
            "growth",
            "--format",
            "json",
        ],
        &vars,
    )
    .ok();
}

#[test]
fn validate_connect_checks_the_columns_tiles_name() {
    let p = seeded();
    p.write(
        "dashboards/cols.yaml",
        "name: cols\ntiles:\n  - { id: by_plan, chart: bar, sql: \"select plan, count(*) as users from users group by 1\", x: plan, y: user }\n  - { id: broken, chart: table, sql: \"select nope from users\" }\n",
    );
    let out = p.run(&["validate", "--connect"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr.contains("tile `by_plan` names column `user`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `users`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("the warehouse cannot run tile `broken`"),
        "{}",
        out.stderr
    );
    // At run time, the missing column is named before any row is streamed.
    p.write("dashboards/cols.yaml", "name: cols\ntiles:\n  - { id: by_plan, chart: bar, sql: \"select plan, count(*) as users from users group by 1\", x: plan, y: user }\n");
    let dir = p.path().join("out").to_string_lossy().into_owned();
    let run = p.run(&["dashboard", "export", "cols", "-o", &dir]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("tile `by_plan` (dashboards/cols.yaml:3) has no column `user` in its result"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the result has: plan, users"),
        "{}",
        run.stderr
    );
}
