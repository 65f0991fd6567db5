//! `cdp campaign report`: the report's query gives the exact per-arm totals of a hand-built
//! fixture (events in and out of each user's window, before assignment, of another sku, of
//! another campaign) on DuckDB, on Snowflake's SQL as the double runs it, and on PostgreSQL;
//! on a demo seeded with a true effect it finds the effect, and with none it finds no win; the
//! JSON has the documented keys, the table says it in words, and the export renders.

use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::Value;

use cdp::campaign::freeze::{assignments, ensure_sql};
use cdp::campaign::report::{Totals, read, totals_sql};
use cdp::campaign::spec::CampaignDef;
use cdp::campaign::stats::ArmTotals;
use cdp::membership::sql::Tables as CdpTables;
use cdp::sql::dialect::DialectKind;
use cdp::warehouse::Warehouse;
use cdp::warehouse::duckdb::DuckDbWarehouse;
use cdp::warehouse::postgres::PostgresWarehouse;

use crate::common::{PgDatabase, TempProject, postgres_url};

/// The demo's campaign: `purchase` with `sku: pro_annual` within 14 days, revenue `amount`,
/// guardrail `support_ticket`.
fn demo_campaign() -> CampaignDef {
    let p = TempProject::demo();
    let project = cdp::project::load(p.path(), None).unwrap();
    let c = project.campaigns[0].clone();
    assert_eq!(
        (
            c.name.as_str(),
            c.goal.event.as_str(),
            c.goal.within.seconds
        ),
        ("pro_annual_upsell", "purchase", 14 * 86_400)
    );
    c
}

/// `(user, arm, campaign)` assigned at 2026-06-01 00:00.
const ASSIGNED: &[(&str, &str, &str)] = &[
    ("t1", "treatment", "pro_annual_upsell"),
    ("t2", "treatment", "pro_annual_upsell"),
    ("t3", "treatment", "pro_annual_upsell"),
    ("t4", "treatment", "pro_annual_upsell"),
    ("h1", "holdout", "pro_annual_upsell"),
    ("h2", "holdout", "pro_annual_upsell"),
    ("h3", "holdout", "pro_annual_upsell"),
    // Another campaign's user, with a conversion: not this campaign's.
    ("o1", "treatment", "other_campaign"),
];

/// `(user, event, timestamp, properties)`.
#[rustfmt::skip]
const EVENTS: &[(&str, &str, &str, &str)] = &[
    // t1: two purchases in the window (80 + 20) and a support ticket.
    ("t1", "purchase", "2026-06-02 00:00:00", r#"{"sku":"pro_annual","amount":80}"#),
    ("t1", "purchase", "2026-06-14 00:00:00", r#"{"sku":"pro_annual","amount":20.0}"#),
    ("t1", "support_ticket", "2026-06-03 00:00:00", "{}"),
    // t2: before assignment, another sku, and after the window: no conversion.
    ("t2", "purchase", "2026-05-31 23:00:00", r#"{"sku":"pro_annual","amount":50}"#),
    ("t2", "purchase", "2026-06-02 00:00:00", r#"{"sku":"pro_monthly","amount":10}"#),
    ("t2", "purchase", "2026-06-15 00:00:01", r#"{"sku":"pro_annual","amount":70}"#),
    // t3: at the window's last instant, with no amount: converted, revenue 0.
    ("t3", "purchase", "2026-06-15 00:00:00", r#"{"sku":"pro_annual"}"#),
    // t4: a support ticket after the window only.
    ("t4", "support_ticket", "2026-06-20 00:00:00", "{}"),
    // h1: converted with 30, and a support ticket an hour in.
    ("h1", "purchase", "2026-06-04 00:00:00", r#"{"sku":"pro_annual","amount":30}"#),
    ("h1", "support_ticket", "2026-06-01 01:00:00", "{}"),
    // h2: at the assignment instant itself, which is not after it.
    ("h2", "purchase", "2026-06-01 00:00:00", r#"{"sku":"pro_annual","amount":99}"#),
    ("h3", "support_ticket", "2026-06-06 00:00:00", "{}"),
    // Another campaign's user, and a user assigned to none.
    ("o1", "purchase", "2026-06-02 00:00:00", r#"{"sku":"pro_annual","amount":5}"#),
    ("x9", "purchase", "2026-06-02 00:00:00", r#"{"sku":"pro_annual","amount":1}"#),
];

fn expected() -> Totals {
    Totals {
        treatment: ArmTotals {
            users: 4,
            conversions: 2,
            revenue: 100.0,
            revenue_sq: 100.0 * 100.0,
        },
        holdout: ArmTotals {
            users: 3,
            conversions: 1,
            revenue: 30.0,
            revenue_sq: 900.0,
        },
        guardrails: vec![("support_ticket".into(), [1, 2])],
    }
}

/// Loads the fixture: the events (properties of type `json`) and cdp's assignments table.
async fn load(wh: &mut dyn Warehouse, cdp: &CdpTables, json: &str) {
    let events: Vec<String> = EVENTS
        .iter()
        .map(|(u, e, ts, props)| format!("('{u}', '{e}', timestamp '{ts}', '{props}')"))
        .collect();
    let assigned: Vec<String> = ASSIGNED
        .iter()
        .map(|(u, arm, c)| format!("('{c}', '{u}', '{arm}', 0, timestamp '2026-06-01 00:00:00')"))
        .collect();
    let mut sql = vec![
        format!(
            "create table events (user_id varchar(20), event varchar(40), ts timestamp, properties {json})"
        ),
        format!("insert into events values {}", events.join(", ")),
        "create schema if not exists cdp".to_string(),
    ];
    sql.extend(ensure_sql(&CdpTables::new(
        DialectKind::Duckdb,
        &cdp.schema,
    )));
    sql.push(format!(
        "insert into {} values {}",
        assignments(cdp),
        assigned.join(", ")
    ));
    for s in sql {
        wh.execute(&s)
            .await
            .unwrap_or_else(|e| panic!("{e:?}\n{s}"));
    }
}

async fn totals(
    wh: &mut dyn Warehouse,
    kind: DialectKind,
    c: &CampaignDef,
    rewrite: &dyn Fn(String) -> String,
) -> Totals {
    let cdp = CdpTables::new(kind, "cdp");
    let sql = rewrite(totals_sql(&Default::default(), &cdp, c));
    let rows = wh
        .rows(&sql)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
    read(&rows, &c.guardrails).unwrap()
}

#[test]
fn the_query_counts_each_users_window_exactly_on_duckdb_snowflake_and_postgres() {
    let c = demo_campaign();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut duck = DuckDbWarehouse::in_memory().unwrap();
        load(
            &mut duck,
            &CdpTables::new(DialectKind::Duckdb, "cdp"),
            "json",
        )
        .await;
        let got = totals(&mut duck, DialectKind::Duckdb, &c, &|s| s).await;
        assert_eq!(got, expected(), "DuckDB");
        duck.execute(crate::snowflake::translate::SETUP)
            .await
            .unwrap();
        let got = totals(&mut duck, DialectKind::Snowflake, &c, &|s| {
            crate::snowflake::translate::to_duckdb(&s)
        })
        .await;
        assert_eq!(got, expected(), "Snowflake, as the double runs it");
    });
    let Some(admin) = postgres_url("campaign_report") else {
        return;
    };
    let db = PgDatabase::create(&admin, "campaign_report");
    rt.block_on(async {
        let mut pg = PostgresWarehouse::connect(&db.url).await.unwrap();
        load(
            &mut pg,
            &CdpTables::new(DialectKind::Postgres, "cdp"),
            "jsonb",
        )
        .await;
        let got = totals(&mut pg, DialectKind::Postgres, &c, &|s| s).await;
        assert_eq!(got, expected(), "PostgreSQL");
    });
}

/// The demo's campaign sent to a broad audience with half held out, so a few thousand users
/// give an interval a few points wide.
const BROAD: &str = "name: broad_upsell
audience: active_last_30d
holdout: 50%
offer:
  items:
    - { sku: pro_annual, title: Pro annual, price: 79.99, currency: USD, image: assets/offers/pro_annual.svg }
message:
  via: braze
  campaign_id: \"${BRAZE_CAMPAIGN_ID}\"
  trigger_properties: { offer_sku: \"{{ offer.sku }}\" }
goal:
  event: purchase
  where: [{ property: sku, eq: pro_annual }]
  within: 14d
  revenue: amount
guardrails: [support_ticket, unsubscribe]
";

fn seeded(effect: &str) -> TempProject {
    let p = TempProject::demo();
    p.write("campaigns/broad_upsell.yaml", BROAD);
    let args = [
        "demo",
        "seed",
        "--users",
        "6000",
        "--campaign-effect",
        effect,
        "--campaign",
        "broad_upsell",
    ];
    let out = p.run(&args);
    out.ok();
    assert!(
        out.stderr
            .contains("campaign `broad_upsell` assigned as of 2026-05-31"),
        "{}",
        out.stderr
    );
    p
}

fn report_json(p: &TempProject) -> Value {
    let out = p.run(&["campaign", "report", "broad_upsell", "--format", "json"]);
    out.ok();
    serde_json::from_str(&out.stdout).unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn a_planted_effect_is_found_with_its_interval_covering_it_and_the_json_has_the_keys() {
    let p = seeded("0.05");
    let json = report_json(&p);
    #[rustfmt::skip]
    let documented: [(&str, &[&str]); 5] = [
        ("", &["campaign", "window", "generated_at", "arms", "uplift", "incremental", "srm", "mde", "verdict", "guardrails"]),
        ("/arms/0", &["arm", "users", "conversions", "rate", "rate_ci", "revenue", "revenue_per_user"]),
        ("/uplift", &["absolute", "absolute_ci", "relative", "relative_ci", "p_value", "chance_to_beat"]),
        ("/incremental", &["conversions", "conversions_ci", "revenue", "revenue_ci"]),
        ("/srm", &["p_value", "warning"]),
    ];
    for (path, want) in documented {
        assert_eq!(keys(json.pointer(path).unwrap()), want, "{path}");
    }
    assert_eq!(json["arms"][0]["arm"], "treatment");
    assert_eq!(json["arms"][1]["arm"], "holdout");
    assert!(json["mde"].as_f64().unwrap() > 0.0);
    let users =
        json["arms"][0]["users"].as_u64().unwrap() + json["arms"][1]["users"].as_u64().unwrap();
    assert!(users > 2000, "{users} users assigned");

    let ci = &json["uplift"]["absolute_ci"];
    let (low, high) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(
        low < 0.05 && 0.05 < high,
        "the CI [{low}, {high}] misses 0.05"
    );
    assert!(low > 0.0, "the CI [{low}, {high}] crosses 0");
    assert!(
        high - low < 0.05,
        "the CI [{low}, {high}] is too wide to say much"
    );
    assert_eq!(json["verdict"], "treatment wins");
    assert_eq!(json["srm"]["warning"], false);
    let guardrails: Vec<&str> = json["guardrails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["event"].as_str().unwrap())
        .collect();
    assert_eq!(guardrails, ["support_ticket", "unsubscribe"]);
    for g in json["guardrails"].as_array().unwrap() {
        assert_eq!(g["higher_in_treatment"], false, "{g}");
    }

    // The same report for people: every section, and the verdict in words.
    let out = p.run(&["campaign", "report", "broad_upsell"]);
    out.ok();
    for expected in [
        "Campaign `broad_upsell`: `purchase` within 2w of assignment",
        "50 % held out",
        "Arms: users converted",
        "treatment",
        "holdout",
        "absolute (the rates' difference, in points)",
        "relative (of the holdout's rate)",
        "revenue (USD)",
        "chance to beat holdout",
        "the split fits the configured 50 % holdout",
        "minimum detectable effect",
        "support_ticket",
        "not higher in treatment",
        "Verdict: treatment wins",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected} missing from:\n{}",
            out.stdout
        );
    }

    // Exported: the PDF's pages render and say the same; the workbook opens with a sheet a tile.
    let dir = p.path().join("out");
    let out = p.run(&[
        "campaign",
        "report",
        "broad_upsell",
        "--export",
        "pdf,xlsx",
        "-o",
        dir.to_str().unwrap(),
    ]);
    out.ok();
    let pdf = dir.join("broad_upsell-report.pdf");
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8(text.stdout).unwrap();
    for expected in [
        "Campaign report: broad_upsell",
        "treatment wins",
        "Conversion rate by arm",
        "Uplift, treatment against holdout",
        "Tests and checks",
        "Guardrails",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let png = p.path().join("png");
    std::fs::create_dir_all(&png).unwrap();
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&pdf)
        .arg(png.join("page"))
        .output()
        .expect("pdftoppm runs");
    assert!(rendered.status.success());
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert_eq!(std::fs::read_dir(&png).unwrap().count(), pages);

    let mut book: Xlsx<_> = open_workbook(dir.join("broad_upsell-report.xlsx")).unwrap();
    let names = book.sheet_names();
    for sheet in [
        "Summary",
        "verdict",
        "arms",
        "rate_by_arm",
        "uplift",
        "guardrails",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} not in {names:?}");
    }
    let arms = book.worksheet_range("arms").unwrap();
    assert_eq!(
        arms.get_value((1, 0)),
        Some(&Data::String("treatment".into()))
    );
    assert_eq!(
        arms.get_value((1, 1)),
        Some(&Data::Float(json["arms"][0]["users"].as_f64().unwrap()))
    );
}

#[test]
fn without_an_effect_the_report_is_not_a_win() {
    let p = seeded("0");
    let json = report_json(&p);
    assert_ne!(json["verdict"], "treatment wins", "{json}");
    let ci = &json["uplift"]["absolute_ci"];
    assert!(
        ci[0].as_f64().unwrap() < 0.0 && ci[1].as_f64().unwrap() > 0.0,
        "{ci}"
    );
}

#[test]
fn an_unknown_or_never_launched_campaign_says_what_to_do() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "200"]).ok();
    let out = p.run(&["campaign", "report", "pro_anual_upsell"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr.contains("unknown campaign `pro_anual_upsell`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("pro_annual_upsell"), "{}", out.stderr);
    let out = p.run(&["campaign", "report", "pro_annual_upsell"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(out.stderr.contains("was never launched"), "{}", out.stderr);
    assert!(
        out.stderr.contains("cdp campaign launch pro_annual_upsell"),
        "{}",
        out.stderr
    );
}
