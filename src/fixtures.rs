//! `cdp test`: each segment's fixture users, loaded into an in-memory DuckDB and checked.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use crate::project::Project;
use crate::segment::compile::Compiler;
use crate::segment::eval::{self, EventRow, Trace, UserData};
use crate::segment::file::{Fixture, SegmentDef};
use crate::segment::rule::Lit;
use crate::sql::dialect::DialectKind;
use crate::warehouse::duckdb::DuckDbWarehouse;
use crate::warehouse::{Cell, ColType, RowSink, Warehouse, WarehouseError};

#[derive(Debug, serde::Serialize)]
pub struct Outcome {
    pub segment: String,
    pub user: String,
    pub file: String,
    pub line: u32,
    pub expected: bool,
    pub actual: bool,
    /// How the reference evaluator reads the rules for this user, node by node.
    #[serde(skip)]
    pub trace: Vec<Trace>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.expected == self.actual
    }
}

/// Runs every fixture of every segment; segments without `tests:` are skipped.
pub async fn run(project: &Project, now: DateTime<Utc>) -> Result<Vec<Outcome>, WarehouseError> {
    let mut outcomes = Vec::new();
    for seg in project.segments.iter().filter(|s| !s.tests.is_empty()) {
        outcomes.extend(run_segment(project, seg, now).await?);
    }
    Ok(outcomes)
}

async fn run_segment(
    project: &Project,
    seg: &SegmentDef,
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, WarehouseError> {
    let tables = project.tables();
    let mut wh = DuckDbWarehouse::in_memory()?;
    let (columns, mut rows) = user_rows(tables.users.id.as_str(), &seg.tests);
    let cols: Vec<(&str, ColType)> = columns.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    wh.load(&tables.users.table, &cols, &mut rows.drain(..))
        .await?;
    let e = &tables.events;
    let event_cols = crate::warehouse::event_columns(e);
    let mut events = seg.tests.iter().flat_map(|f| {
        f.events.iter().map(|ev| {
            vec![
                Cell::Text(f.user.clone()),
                Cell::Text(ev.event.clone()),
                Cell::Timestamp(now - Duration::seconds(ev.ago.seconds)),
                Cell::Json(serde_json::Value::Object(ev.properties.clone()).to_string()),
            ]
        })
    });
    wh.load(&e.table, &event_cols, &mut events).await?;

    let compiler = Compiler {
        dialect: DialectKind::Duckdb.dialect(),
        tables,
        now,
    };
    let sql = compiler
        .segment(&project.segments, &seg.name)
        .expect("validated segments compile");
    let mut members = Members(BTreeSet::new());
    wh.query(&sql, &mut members).await?;

    let lookup = |name: &str| project.segment(name).map(|s| s.rules.clone());
    Ok(seg
        .tests
        .iter()
        .map(|f| {
            let actual = members.0.contains(&f.user);
            let trace = if actual == f.member {
                vec![]
            } else {
                eval::explain(&seg.rules, &user_data(f, now), now, &lookup)
            };
            Outcome {
                segment: seg.name.clone(),
                user: f.user.clone(),
                file: seg.file.clone(),
                line: f.pos.line,
                expected: f.member,
                actual,
                trace,
            }
        })
        .collect())
}

/// The users table of the fixtures: one column per trait any fixture sets.
fn user_rows(id: &str, fixtures: &[Fixture]) -> (Vec<(String, ColType)>, Vec<Vec<Cell>>) {
    let mut types: BTreeMap<&str, ColType> = BTreeMap::new();
    for f in fixtures {
        for (name, lit) in &f.traits {
            let t = match lit {
                Lit::Bool(_) => ColType::Bool,
                Lit::Int(_) | Lit::Float(_) => ColType::Float,
                Lit::Text(_) => ColType::Text,
            };
            types.entry(name.as_str()).or_insert(t);
        }
    }
    let mut columns = vec![(id.to_string(), ColType::Text)];
    columns.extend(types.iter().map(|(n, t)| (n.to_string(), *t)));
    let rows = fixtures
        .iter()
        .map(|f| {
            let mut row = vec![Cell::Text(f.user.clone())];
            for name in types.keys() {
                row.push(
                    match f.traits.iter().find(|(n, _)| n == name).map(|(_, l)| l) {
                        None => Cell::Null,
                        Some(Lit::Bool(b)) => Cell::Bool(*b),
                        Some(Lit::Int(i)) => Cell::Float(*i as f64),
                        Some(Lit::Float(x)) => Cell::Float(*x),
                        Some(Lit::Text(s)) => Cell::Text(s.clone()),
                    },
                );
            }
            row
        })
        .collect();
    (columns, rows)
}

fn user_data(f: &Fixture, now: DateTime<Utc>) -> UserData {
    UserData {
        id: f.user.clone(),
        traits: f.traits.iter().cloned().collect(),
        events: f
            .events
            .iter()
            .map(|e| EventRow {
                name: e.event.clone(),
                ts: now - Duration::seconds(e.ago.seconds),
                properties: e.properties.clone(),
            })
            .collect(),
    }
}

struct Members(BTreeSet<String>);

impl RowSink for Members {
    fn columns(&mut self, _: &[String]) -> Result<(), WarehouseError> {
        Ok(())
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.0.insert(row[0].to_text());
        Ok(())
    }
}
