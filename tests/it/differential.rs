//! Random rule trees over generated users and events: DuckDB's SQL, PostgreSQL's SQL and the
//! reference evaluator must agree on every member.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::{RngExt, SeedableRng};

use cdp::project::config::Tables;
use cdp::segment::compile::Compiler;
use cdp::segment::eval::{self, EventRow, UserData};
use cdp::segment::rule::{
    Cond, EventCond, EventMatch, Lit, Measure, PropCond, Rule, SeenCond, SequenceCond, Span, Step,
    Window,
};
use cdp::warehouse::duckdb::DuckDbWarehouse;
use cdp::warehouse::postgres::PostgresWarehouse;
use cdp::warehouse::{Cell, ColType, Warehouse};

use crate::common::{NOW, PgDatabase, postgres_url};
use crate::warehouses::Ids;

const EVENTS: &[&str] = &["a", "b", "c"];

pub(crate) fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// Users with every shape that matters: missing traits, no events, non-numeric properties.
pub(crate) fn dataset(seed: u64, n: usize) -> Vec<UserData> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let mut traits = BTreeMap::new();
            let plans = ["free", "pro", "team"];
            if rng.random_bool(0.85) {
                traits.insert(
                    "plan".to_string(),
                    Lit::Text(plans[rng.random_range(0..3)].into()),
                );
            }
            if rng.random_bool(0.8) {
                traits.insert(
                    "country".to_string(),
                    Lit::Text(["US", "DE", "Fr"][rng.random_range(0..3)].into()),
                );
            }
            if rng.random_bool(0.8) {
                traits.insert(
                    "ltv".to_string(),
                    Lit::Float((rng.random_range(0..2000) as f64) / 2.0),
                );
            }
            let n_events = if rng.random_bool(0.2) {
                0
            } else {
                rng.random_range(1..14)
            };
            // Distinct timestamps per user, from 40 days ago to 2 days ahead of now.
            let mut offsets = BTreeSet::new();
            while offsets.len() < n_events {
                offsets.insert(rng.random_range(-40 * 24 * 60..2 * 24 * 60i64));
            }
            let events = offsets
                .into_iter()
                .map(|m| {
                    let mut props = serde_json::Map::new();
                    match rng.random_range(0..5) {
                        0 => {}
                        1 => {
                            props.insert("amount".into(), serde_json::json!("n/a"));
                        }
                        _ => {
                            props.insert(
                                "amount".into(),
                                serde_json::json!(rng.random_range(0..400) as f64 / 4.0),
                            );
                        }
                    }
                    if rng.random_bool(0.7) {
                        props.insert(
                            "currency".into(),
                            serde_json::json!(["USD", "EUR"][rng.random_range(0..2)]),
                        );
                    }
                    EventRow {
                        name: EVENTS[rng.random_range(0..3)].into(),
                        ts: now() + Duration::minutes(m),
                        properties: props,
                    }
                })
                .collect();
            UserData {
                id: format!("u{i:03}"),
                traits,
                events,
            }
        })
        .collect()
}

async fn load(wh: &mut dyn Warehouse, users: &[UserData]) {
    let rows: Vec<Vec<Cell>> = users
        .iter()
        .map(|u| {
            let t = |k: &str| match u.traits.get(k) {
                Some(Lit::Text(s)) => Cell::Text(s.clone()),
                Some(Lit::Float(f)) => Cell::Float(*f),
                _ => Cell::Null,
            };
            vec![Cell::Text(u.id.clone()), t("plan"), t("country"), t("ltv")]
        })
        .collect();
    let cols = [
        ("user_id", ColType::Text),
        ("plan", ColType::Text),
        ("country", ColType::Text),
        ("ltv", ColType::Float),
    ];
    wh.load("users", &cols, &mut rows.into_iter())
        .await
        .unwrap();
    let events: Vec<Vec<Cell>> = users
        .iter()
        .flat_map(|u| {
            u.events.iter().map(|e| {
                vec![
                    Cell::Text(u.id.clone()),
                    Cell::Text(e.name.clone()),
                    Cell::Timestamp(e.ts),
                    Cell::Json(serde_json::Value::Object(e.properties.clone()).to_string()),
                ]
            })
        })
        .collect();
    let cols = [
        ("user_id", ColType::Text),
        ("event", ColType::Text),
        ("ts", ColType::Timestamp),
        ("properties", ColType::Json),
    ];
    wh.load("events", &cols, &mut events.into_iter())
        .await
        .unwrap();
}

fn lit_num() -> impl Strategy<Value = Lit> {
    prop_oneof![
        (0i64..8).prop_map(Lit::Int),
        (0i64..400).prop_map(|x| Lit::Float(x as f64 / 2.0))
    ]
}

fn num_cond() -> impl Strategy<Value = Cond> {
    prop_oneof![
        lit_num().prop_map(Cond::Eq),
        lit_num().prop_map(Cond::Ne),
        lit_num().prop_map(Cond::Gt),
        lit_num().prop_map(Cond::Gte),
        lit_num().prop_map(Cond::Lt),
        lit_num().prop_map(Cond::Lte),
        (0i64..100, 0i64..300).prop_map(|(a, b)| Cond::Between(Lit::Int(a), Lit::Int(a + b))),
    ]
}

fn text_cond(values: &'static [&'static str]) -> impl Strategy<Value = Cond> {
    let v = proptest::sample::select(values).prop_map(|s| Lit::Text(s.to_string()));
    prop_oneof![
        v.clone().prop_map(Cond::Eq),
        v.clone().prop_map(Cond::Ne),
        proptest::collection::vec(v.clone(), 1..3).prop_map(Cond::In),
        proptest::collection::vec(v, 1..3).prop_map(Cond::NotIn),
        proptest::sample::select(values).prop_map(|s| Cond::StartsWith(s[..1].to_string())),
        proptest::sample::select(values).prop_map(|s| Cond::Contains(s[s.len() - 1..].to_string())),
        proptest::sample::select(values).prop_map(|s| Cond::EndsWith(s[1..].to_string())),
        proptest::sample::select(values).prop_map(|s| Cond::Matches(format!("^{}", &s[..1]))),
        Just(Cond::IsSet),
        Just(Cond::IsNotSet),
    ]
}

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![
        proptest::sample::select(vec![3_600i64, 86_400, 7 * 86_400, 30 * 86_400])
            .prop_map(|s| Window::Within(Span { seconds: s })),
        (1i64..40, 1i64..30).prop_map(|(ago, len)| Window::During(
            now() - Duration::days(ago),
            now() - Duration::days(ago) + Duration::days(len)
        )),
        Just(Window::Ever),
    ]
}

fn filters() -> impl Strategy<Value = Vec<PropCond>> {
    prop_oneof![
        3 => Just(vec![]),
        1 => text_cond(&["USD", "EUR"]).prop_map(|c| vec![PropCond { property: "currency".into(), cond: c }]),
        1 => num_cond().prop_map(|c| vec![PropCond { property: "amount".into(), cond: c }]),
    ]
}

fn event_name() -> impl Strategy<Value = String> {
    proptest::sample::select(EVENTS).prop_map(str::to_string)
}

fn leaf() -> impl Strategy<Value = Rule> {
    let measure = prop_oneof![
        3 => Just(Measure::Count),
        1 => Just(Measure::Sum("amount".into())),
        1 => Just(Measure::Avg("amount".into())),
        1 => Just(Measure::Min("amount".into())),
        1 => Just(Measure::Max("amount".into())),
    ];
    prop_oneof![
        text_cond(&["free", "pro", "team"]).prop_map(|cond| Rule::Trait {
            name: "plan".into(),
            cond
        }),
        text_cond(&["US", "DE", "Fr"]).prop_map(|cond| Rule::Trait {
            name: "country".into(),
            cond
        }),
        num_cond().prop_map(|cond| Rule::Trait {
            name: "ltv".into(),
            cond
        }),
        (event_name(), window(), filters(), measure, num_cond()).prop_map(
            |(event, window, filters, measure, cond)| Rule::Event(EventCond {
                matching: EventMatch {
                    event,
                    window,
                    filters
                },
                measure,
                cond
            })
        ),
        (event_name(), window(), filters(), any::<bool>()).prop_map(
            |(event, window, filters, first)| {
                let s = SeenCond {
                    event,
                    window,
                    filters,
                };
                if first {
                    Rule::FirstSeen(s)
                } else {
                    Rule::LastSeen(s)
                }
            }
        ),
        (
            proptest::collection::vec((event_name(), filters()), 2..4),
            proptest::sample::select(vec![3_600i64, 86_400, 5 * 86_400]),
            proptest::option::of(proptest::sample::select(vec![86_400i64, 10 * 86_400]))
        )
            .prop_map(|(steps, within, since)| Rule::Sequence(SequenceCond {
                steps: steps
                    .into_iter()
                    .map(|(event, filters)| Step { event, filters })
                    .collect(),
                within: Span { seconds: within },
                since: since.map(|seconds| Span { seconds }),
            })),
    ]
}

pub(crate) fn rule() -> impl Strategy<Value = Rule> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..4).prop_map(Rule::All),
            proptest::collection::vec(inner.clone(), 1..4).prop_map(Rule::Any),
            inner.prop_map(|r| Rule::Not(Box::new(r))),
        ]
    })
}

/// Members by the SQL of the warehouse's own dialect.
async fn members(wh: &mut dyn Warehouse, rule: &Rule) -> BTreeSet<String> {
    let dialect = wh.dialect();
    members_in(wh, rule, dialect, |sql| sql).await
}

/// Members by the Snowflake SQL, rewritten for DuckDB as the local double of Snowflake does.
async fn members_snowflake(wh: &mut dyn Warehouse, rule: &Rule) -> BTreeSet<String> {
    let dialect = cdp::sql::dialect::DialectKind::Snowflake.dialect();
    members_in(wh, rule, dialect, |sql| {
        crate::snowflake::translate::to_duckdb(&sql)
    })
    .await
}

async fn members_in(
    wh: &mut dyn Warehouse,
    rule: &Rule,
    dialect: &'static dyn cdp::sql::dialect::Dialect,
    rewrite: impl Fn(String) -> String,
) -> BTreeSet<String> {
    let tables = Tables::default();
    let c = Compiler {
        dialect,
        tables: &tables,
        now: now(),
    };
    let sql = rewrite(c.rules("random", rule));
    let mut ids = Ids(vec![]);
    wh.query(&sql, &mut ids)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
    ids.0.into_iter().collect()
}

/// The engines the generated SQL runs on, loaded with the same users: DuckDB (which also runs
/// the Snowflake SQL, rewritten) and PostgreSQL when the suite has one.
pub(crate) struct Engines {
    pub rt: tokio::runtime::Runtime,
    pub duck: std::cell::RefCell<DuckDbWarehouse>,
    pub pg: Option<std::cell::RefCell<PostgresWarehouse>>,
    /// Dropped after the connection above.
    _db: Option<PgDatabase>,
}

pub(crate) fn engines(users: &[UserData], test: &str) -> Engines {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let duck = std::cell::RefCell::new(DuckDbWarehouse::in_memory().unwrap());
    rt.block_on(load(&mut *duck.borrow_mut(), users));
    rt.block_on(
        duck.borrow_mut()
            .execute(crate::snowflake::translate::SETUP),
    )
    .unwrap();
    let db = postgres_url(test).map(|admin| PgDatabase::create(&admin, test));
    let pg = db.as_ref().map(|db| {
        rt.block_on(async {
            let mut wh = PostgresWarehouse::connect(&db.url).await.unwrap();
            load(&mut wh, users).await;
            std::cell::RefCell::new(wh)
        })
    });
    Engines {
        rt,
        duck,
        pg,
        _db: db,
    }
}

#[test]
fn sql_and_reference_evaluator_agree() {
    let users = dataset(11, 80);
    let Engines { rt, duck, pg, .. } = &engines(&users, "differential");
    let no_refs = |_: &str| None;
    let cases = if pg.is_some() { 300 } else { 400 };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&rule(), |rule| {
            let expected: BTreeSet<String> = users
                .iter()
                .filter(|u| eval::is_member(&rule, u, now(), &no_refs).expect("no raw sql"))
                .map(|u| u.id.clone())
                .collect();
            let on_duck = rt.block_on(members(&mut *duck.borrow_mut(), &rule));
            prop_assert_eq!(
                &on_duck,
                &expected,
                "DuckDB disagrees with the evaluator for {:?}",
                rule
            );
            let on_snowflake = rt.block_on(members_snowflake(&mut *duck.borrow_mut(), &rule));
            prop_assert_eq!(
                &on_snowflake,
                &expected,
                "The Snowflake SQL (run by the double's rewriting) disagrees for {:?}",
                rule
            );
            if let Some(pg) = pg.as_ref() {
                let on_pg = rt.block_on(members(&mut *pg.borrow_mut(), &rule));
                prop_assert_eq!(
                    &on_pg,
                    &expected,
                    "PostgreSQL disagrees with the evaluator for {:?}",
                    rule
                );
            }
            Ok(())
        })
        .unwrap();
}
