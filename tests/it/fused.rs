//! The fused membership query of several random rule trees (as `refresh --all` runs it): each
//! of its member columns must agree with the reference evaluator, on DuckDB, PostgreSQL and the
//! Snowflake SQL.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use cdp::project::config::Tables;
use cdp::segment::compile::Compiler;
use cdp::segment::eval;
use cdp::segment::rule::Rule;
use cdp::sql::dialect::{Dialect, DialectKind};
use cdp::warehouse::duckdb::DuckDbWarehouse;
use cdp::warehouse::postgres::PostgresWarehouse;
use cdp::warehouse::{Cell, RowSink, Warehouse, WarehouseError};

use crate::common::{PgDatabase, postgres_url};
use crate::differential::{dataset, load, now, rule};

/// Each member column's users, from the fused query's rows.
struct Members(Vec<BTreeSet<String>>);

impl RowSink for Members {
    fn columns(&mut self, columns: &[String]) -> Result<(), WarehouseError> {
        self.0 = vec![BTreeSet::new(); columns.len() - 1];
        Ok(())
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        for (i, cell) in row[1..].iter().enumerate() {
            if matches!(cell, Cell::Bool(true)) {
                self.0[i].insert(row[0].to_text());
            }
        }
        Ok(())
    }
}

async fn fused_members(
    wh: &mut dyn Warehouse,
    rules: &[Rule],
    dialect: &'static dyn Dialect,
    rewrite: impl Fn(String) -> String,
) -> Vec<BTreeSet<String>> {
    let tables = Tables::default();
    let c = Compiler {
        dialect,
        tables: &tables,
        now: now(),
    };
    let sql = rewrite(c.fused_rules(rules));
    let mut members = Members(Vec::new());
    wh.query(&sql, &mut members)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
    members.0
}

#[test]
fn fused_query_and_reference_evaluator_agree() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let users = dataset(17, 80);
    let duck = std::cell::RefCell::new(DuckDbWarehouse::in_memory().unwrap());
    rt.block_on(load(&mut *duck.borrow_mut(), &users));
    rt.block_on(
        duck.borrow_mut()
            .execute(crate::snowflake::translate::SETUP),
    )
    .unwrap();
    let pg_db = postgres_url("fused").map(|admin| PgDatabase::create(&admin, "fused"));
    let pg = pg_db.as_ref().map(|db| {
        rt.block_on(async {
            let mut wh = PostgresWarehouse::connect(&db.url).await.unwrap();
            load(&mut wh, &users).await;
            std::cell::RefCell::new(wh)
        })
    });
    let no_refs = |_: &str| None;
    let mut runner = TestRunner::new(Config {
        cases: 60,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(rule(), 2..6), |rules| {
            let expected: Vec<BTreeSet<String>> = rules
                .iter()
                .map(|rule| {
                    users
                        .iter()
                        .filter(|u| eval::is_member(rule, u, now(), &no_refs).expect("no raw sql"))
                        .map(|u| u.id.clone())
                        .collect()
                })
                .collect();
            let duckdb = DialectKind::Duckdb.dialect();
            let on_duck = rt.block_on(fused_members(
                &mut *duck.borrow_mut(),
                &rules,
                duckdb,
                |s| s,
            ));
            prop_assert_eq!(&on_duck, &expected, "DuckDB disagrees for {:?}", rules);
            let snowflake = DialectKind::Snowflake.dialect();
            let on_snowflake = rt.block_on(fused_members(
                &mut *duck.borrow_mut(),
                &rules,
                snowflake,
                |s| crate::snowflake::translate::to_duckdb(&s),
            ));
            prop_assert_eq!(
                &on_snowflake,
                &expected,
                "Snowflake's SQL disagrees for {:?}",
                rules
            );
            if let Some(pg) = pg.as_ref() {
                let postgres = DialectKind::Postgres.dialect();
                let on_pg = rt.block_on(fused_members(
                    &mut *pg.borrow_mut(),
                    &rules,
                    postgres,
                    |s| s,
                ));
                prop_assert_eq!(&on_pg, &expected, "PostgreSQL disagrees for {:?}", rules);
            }
            Ok(())
        })
        .unwrap();
}
