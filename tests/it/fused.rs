//! The fused membership query of several random rule trees (as `refresh --all` runs it): each
//! of its member columns must agree with the reference evaluator, on DuckDB, PostgreSQL and the
//! Snowflake SQL.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use cdp::project::config::Tables;
use cdp::segment::compile::Compiler;
use cdp::segment::eval;
use cdp::segment::rule::Rule;
use cdp::sql::dialect::{Dialect, DialectKind};
use cdp::warehouse::{Cell, RowSink, Warehouse, WarehouseError};

use crate::differential::{Engines, dataset, engines, now, rule};

/// An engine the fused query runs on, with the rewriting it needs first.
type Run<'a> = (
    DialectKind,
    &'a RefCell<dyn Warehouse>,
    &'a dyn Fn(String) -> String,
);

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
    rewrite: &dyn Fn(String) -> String,
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
    let users = dataset(17, 80);
    let Engines { rt, duck, pg, .. } = &engines(&users, "fused");
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
            let snowflake = |sql: String| crate::snowflake::translate::to_duckdb(&sql);
            let mut runs: Vec<Run> = vec![
                (DialectKind::Duckdb, duck, &|sql| sql),
                (DialectKind::Snowflake, duck, &snowflake),
            ];
            if let Some(pg) = pg {
                runs.push((DialectKind::Postgres, pg, &|sql| sql));
            }
            for (kind, wh, rewrite) in runs {
                let got = rt.block_on(fused_members(
                    &mut *wh.borrow_mut(),
                    &rules,
                    kind.dialect(),
                    rewrite,
                ));
                prop_assert_eq!(
                    &got,
                    &expected,
                    "{} disagrees for {:?}",
                    kind.as_str(),
                    rules
                );
            }
            Ok(())
        })
        .unwrap();
}
