//! Segments computed on real engines: DuckDB always, PostgreSQL when configured.

use chrono::{DateTime, Utc};

use cdp::project::config::Tables;
use cdp::segment::compile::Compiler;
use cdp::segment::rule::{Cond, Lit, PropCond, Rule};
use cdp::warehouse::duckdb::DuckDbWarehouse;
use cdp::warehouse::postgres::PostgresWarehouse;
use cdp::warehouse::{Cell, ColType, RowSink, Warehouse, WarehouseError};

use crate::common::{NOW, PgDatabase, TempProject, postgres_url};

/// Values that break naive SQL building.
pub const NASTY: &[&str] = &[
    "it's",
    "back\\slash",
    "trailing\\",
    "'; drop table users; --",
    "a -- comment",
    "semi;colon",
    "$$dollar$$",
    "$tag$ quoted $tag$",
    "naïve café ☃ 日本",
    "\"double\"",
    "percent % and _under",
    "\\'",
];

pub struct Ids(pub Vec<String>);

impl RowSink for Ids {
    fn columns(&mut self, _: &[String]) -> Result<(), WarehouseError> {
        Ok(())
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.0.push(row[0].to_text());
        Ok(())
    }
}

async fn injection_roundtrip(wh: &mut dyn Warehouse) {
    wh.execute("create table canary (x integer); insert into canary values (1)")
        .await
        .unwrap();
    let tables = Tables::default();
    let users = NASTY
        .iter()
        .enumerate()
        .map(|(i, v)| vec![Cell::Text(format!("u{i}")), Cell::Text(v.to_string())]);
    wh.load(
        "users",
        &[("user_id", ColType::Text), ("nickname", ColType::Text)],
        &mut users.collect::<Vec<_>>().into_iter(),
    )
    .await
    .unwrap();
    let events = NASTY.iter().enumerate().map(|(i, v)| {
        vec![
            Cell::Text(format!("u{i}")),
            Cell::Text("tag".into()),
            Cell::Timestamp("2026-06-01T00:00:00Z".parse().unwrap()),
            Cell::Json(serde_json::json!({ "label": v }).to_string()),
        ]
    });
    wh.load(
        "events",
        &[
            ("user_id", ColType::Text),
            ("event", ColType::Text),
            ("ts", ColType::Timestamp),
            ("properties", ColType::Json),
        ],
        &mut events.collect::<Vec<_>>().into_iter(),
    )
    .await
    .unwrap();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let c = Compiler {
        dialect: wh.dialect(),
        tables: &tables,
        now,
    };
    for (i, v) in NASTY.iter().enumerate() {
        let lit = Lit::Text(v.to_string());
        let rules = [
            Rule::Trait {
                name: "nickname".into(),
                cond: Cond::Eq(lit.clone()),
            },
            Rule::Trait {
                name: "nickname".into(),
                cond: Cond::In(vec![lit.clone(), Lit::Text("zzz".into())]),
            },
            Rule::Trait {
                name: "nickname".into(),
                cond: Cond::StartsWith(v.to_string()),
            },
            Rule::Event(cdp::segment::rule::EventCond {
                matching: cdp::segment::rule::EventMatch {
                    event: "tag".into(),
                    window: cdp::segment::rule::Window::Ever,
                    filters: vec![PropCond {
                        property: "label".into(),
                        cond: Cond::Eq(lit.clone()),
                    }],
                },
                measure: cdp::segment::rule::Measure::Count,
                cond: Cond::Gte(Lit::Int(1)),
            }),
        ];
        for rule in rules {
            let sql = c.rules("nasty", &rule);
            let mut ids = Ids(vec![]);
            wh.query(&sql, &mut ids)
                .await
                .unwrap_or_else(|e| panic!("{v:?} broke the SQL: {e:?}\n{sql}"));
            // `starts_with` may also match longer values that share the prefix.
            assert!(
                ids.0.contains(&format!("u{i}")),
                "{v:?} did not find its user with {rule:?}: {:?}",
                ids.0
            );
            if !matches!(
                rule,
                Rule::Trait {
                    cond: Cond::StartsWith(_),
                    ..
                }
            ) {
                assert_eq!(ids.0, vec![format!("u{i}")], "{v:?} with {rule:?}");
            }
        }
    }
    let mut ids = Ids(vec![]);
    wh.query("select user_id from users", &mut ids)
        .await
        .unwrap();
    assert_eq!(ids.0.len(), NASTY.len(), "the users table survived");
    assert_eq!(
        wh.count("select count(*) from canary").await.unwrap(),
        1,
        "no statement was injected"
    );
}

#[tokio::test]
async fn hostile_values_neither_break_nor_inject_duckdb() {
    let mut wh = DuckDbWarehouse::in_memory().unwrap();
    injection_roundtrip(&mut wh).await;
}

#[tokio::test]
async fn hostile_values_neither_break_nor_inject_postgres() {
    let Some(admin) = postgres_url("injection") else {
        return;
    };
    let db = PgDatabase::create(&admin, "injection");
    let mut wh = PostgresWarehouse::connect(&db.url).await.unwrap();
    injection_roundtrip(&mut wh).await;
}

/// Every demo segment's size after seeding, as `segment=count` lines.
fn sizes(p: &TempProject, env: &[&str], vars: &[(&str, &str)]) -> String {
    let mut args = env.to_vec();
    args.extend(["demo", "seed", "--users", "3000", "--days", "60"]);
    p.run_env(&args, vars).ok();
    let mut out = String::new();
    for entry in std::fs::read_dir(p.path().join("segments")).unwrap() {
        let name = entry
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let mut args = env.to_vec();
        args.extend([
            "segments",
            "preview",
            name.as_str(),
            "--count",
            "--format",
            "csv",
        ]);
        let o = p.run_env(&args, vars);
        o.ok();
        let n = o
            .stdout
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string();
        out.push_str(&format!("{name}={n}\n"));
    }
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    lines.join("\n")
}

#[test]
fn demo_segments_on_duckdb() {
    let p = TempProject::demo();
    let s = sizes(&p, &[], &[]);
    insta::assert_snapshot!(s);
    // Demo data is not degenerate: most segments have members, none has everyone.
    let nonzero = s.lines().filter(|l| !l.ends_with("=0")).count();
    assert!(nonzero >= 8, "{s}");
}

#[test]
fn demo_segments_on_postgres_match_duckdb() {
    let Some(admin) = postgres_url("demo_segments") else {
        return;
    };
    let db = PgDatabase::create(&admin, "demo_segments");
    let p = TempProject::demo();
    p.write("cdp.yaml", "environments:\n  dev: {}\n  pg:\n    warehouse: { type: postgres, url: \"${CDP_TEST_PG}\" }\n");
    let on_duckdb = sizes(&p, &[], &[]);
    let on_postgres = sizes(&p, &["--env", "pg"], &[("CDP_TEST_PG", &db.url)]);
    assert_eq!(on_duckdb, on_postgres);
}

#[test]
fn preview_csv_starts_with_user_id() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "500"]).ok();
    let out = p.run(&["segments", "preview", "active_last_30d", "--format", "csv"]);
    out.ok();
    let mut lines = out.stdout.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("user_id,"), "{header}");
    assert_eq!(header.matches("user_id").count(), 1, "{header}");
    let count = p.run(&[
        "segments",
        "preview",
        "active_last_30d",
        "--count",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&count.stdout).unwrap();
    assert_eq!(v["members"].as_i64().unwrap() as usize, lines.count());
}

#[test]
fn runs_on_a_warehouse_cdp_did_not_create() {
    let p = TempProject::with(
        "environments:\n  dev:\n    warehouse: { type: duckdb, path: data/wh.duckdb }\ntables:\n  users: { table: crm.Customers, id: CustomerId }\n  events: { table: analytics.track, user_id: uid, name: type, timestamp: sent_at, properties: payload }\n",
        &[
            (
                "buyers.yaml",
                "name: buyers\nrules:\n  all:\n    - { trait: Plan, eq: pro }\n    - { event: purchase, within: 7d, sum: amount, gte: 10, where: [{ property: currency, eq: USD }] }\n",
            ),
            (
                "quiet.yaml",
                "name: quiet\nrules:\n  not: { event: session_start, within: 7d }\n",
            ),
        ],
    );
    std::fs::create_dir_all(p.path().join("data")).unwrap();
    let conn = duckdb::Connection::open(p.path().join("data/wh.duckdb")).unwrap();
    conn.execute_batch(
        "create schema crm; create schema analytics;
         create table crm.Customers (CustomerId varchar, Plan varchar, Region varchar);
         insert into crm.Customers values ('c1', 'pro', 'EU'), ('c2', 'pro', 'US'), ('c3', 'free', NULL), ('c4', NULL, 'US');
         create table analytics.track (uid varchar, type varchar, sent_at timestamp, payload varchar);
         insert into analytics.track values
           ('c1', 'purchase', timestamp '2026-06-14 10:00:00', '{\"amount\": 8, \"currency\": \"USD\"}'),
           ('c1', 'purchase', timestamp '2026-06-13 10:00:00', '{\"amount\": 4.5, \"currency\": \"USD\"}'),
           ('c2', 'purchase', timestamp '2026-06-14 10:00:00', '{\"amount\": 50, \"currency\": \"EUR\"}'),
           ('c2', 'session_start', timestamp '2026-06-14 09:00:00', '{}'),
           ('c3', 'session_start', timestamp '2026-05-01 09:00:00', '{}');",
    )
    .unwrap();
    drop(conn);
    let buyers = p.run(&["segments", "preview", "buyers", "--format", "csv"]);
    buyers.ok();
    assert_eq!(buyers.stdout, "user_id,Plan,Region\nc1,pro,EU\n");
    let quiet = p.run(&["segments", "preview", "quiet", "--format", "csv"]);
    quiet.ok();
    assert_eq!(
        quiet
            .stdout
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect::<Vec<_>>(),
        ["c1", "c3", "c4"]
    );
}

/// PostgreSQL over TLS (`sslmode=require`), for the warehouse and the state store alike.
#[test]
fn postgres_over_tls() {
    let Some(admin) = crate::common::postgres_url("tls") else {
        return;
    };
    let db = crate::common::PgDatabase::create(&admin, "tls");
    let url = format!("{}?sslmode=require", db.url);
    let p = TempProject::with(
        "environments:\n  dev:\n    warehouse: { type: postgres, url: \"${PGX}\" }\n    state: { url: \"${PGX}\" }\n",
        &[],
    );
    let env = [("PGX", url.as_str())];
    let ssl = p.run_env(&["query", "show ssl", "--format", "csv"], &env);
    if ssl.stdout.lines().nth(1) != Some("on") {
        // A server without TLS: nothing to check here (the other PostgreSQL tests still run).
        eprintln!("the test server does not offer TLS: {}", ssl.snapshot());
        return;
    }
    let used = p.run_env(
        &[
            "query",
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            "--format",
            "csv",
        ],
        &env,
    );
    assert_eq!(used.ok().stdout, "ssl\ntrue\n");
    p.run_env(&["migrate"], &env).ok();
}
