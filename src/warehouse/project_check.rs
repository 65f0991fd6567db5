//! Checks a project against the warehouse it points at: the tables and columns `tables:` maps
//! exist, each trait a rule reads is a column of the users table, and each segment's query binds.
//! Problems are placed in the project's files like any validation error.

use chrono::{DateTime, Utc};

use super::{Cell, RowSink, Warehouse, WarehouseError};
use crate::error::Error;
use crate::project::diagnostic::{Diagnostic, did_you_mean};
use crate::project::segment_file::{SegmentDef, key_positions};
use crate::project::yaml::{self, Node, Pos, Value};
use crate::project::{Invalid, Project};
use crate::segment::compile::Compiler;
use crate::segment::graph;
use crate::segment::rule::Rule;
use crate::segment::sql::dialect::Dialect;

/// Every mismatch between the project and the warehouse; empty when they fit.
pub async fn check(
    project: &Project,
    wh: &mut dyn Warehouse,
    now: DateTime<Utc>,
) -> Vec<Diagnostic> {
    let d = wh.dialect();
    let tables = project.tables();
    let config = parsed(project, "cdp.yaml");
    let mut out = Vec::new();

    let users = columns(wh, &tables.users.table).await;
    let events = columns(wh, &tables.events.table).await;
    let mapped = [
        (
            "users",
            &users,
            &tables.users.table,
            vec![("id", &tables.users.id)],
        ),
        (
            "events",
            &events,
            &tables.events.table,
            vec![
                ("user_id", &tables.events.user_id),
                ("name", &tables.events.name),
                ("timestamp", &tables.events.timestamp),
                ("properties", &tables.events.properties),
            ],
        ),
    ];
    for (which, found, table, keys) in mapped {
        match found {
            Err(why) => {
                let key = format!("tables.{which}.table");
                let (pos, written) = config_place(config.as_ref(), &key);
                let fix = format!(
                    "point `{key}` at your {which} table (schema-qualified if needed), or run `cdp demo seed` for the demo's tables"
                );
                out.push(
                    Diagnostic::new(
                        "cdp.yaml",
                        pos,
                        &key,
                        format!("the {which} table `{table}` cannot be read: {why}"),
                    )
                    .hint(mapping_hint(&key, table, written, &fix)),
                );
            }
            Ok(cols) => {
                for (field, column) in keys {
                    if has_column(cols, column, d) {
                        continue;
                    }
                    let key = format!("tables.{which}.{field}");
                    let (pos, written) = config_place(config.as_ref(), &key);
                    let fix = column_hint(column, cols, &format!("`{key}`"));
                    out.push(
                        Diagnostic::new(
                            "cdp.yaml",
                            pos,
                            &key,
                            format!("the {which} table `{table}` has no column `{column}`"),
                        )
                        .hint(mapping_hint(&key, column, written, &fix)),
                    );
                }
            }
        }
    }

    let mapping_problems = out.len();
    if let Ok(cols) = &users {
        for segment in &project.segments {
            let Some(rules) = parsed(project, &segment.file)
                .as_ref()
                .and_then(|root| child(root, "rules").cloned())
            else {
                continue;
            };
            for (name, pos, key) in key_positions(&rules, "rules", "trait") {
                if has_column(cols, &name, d) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &segment.file,
                        pos,
                        &key,
                        format!(
                            "trait `{name}` is not a column of the users table `{}`",
                            tables.users.table
                        ),
                    )
                    .hint(column_hint(&name, cols, "the trait")),
                );
            }
            for (fragment, pos, key) in key_positions(&rules, "rules", "sql") {
                let sql = format!(
                    "select 1 from {} where ({fragment}) and 1 = 0",
                    d.ident(&tables.users.table)
                );
                if let Err(e) = wh.query(&sql, &mut Discard).await {
                    out.push(
                        Diagnostic::new(
                            &segment.file,
                            pos,
                            &key,
                            format!(
                                "the warehouse cannot run this condition on the users table: {}",
                                engine_message(&e)
                            ),
                        )
                        .hint(format!(
                            "a `sql:` condition is a boolean over the columns of `{}`",
                            tables.users.table
                        )),
                    );
                }
            }
        }
    }
    // Every query reads both tables: with either unreadable, binding would only repeat that.
    if mapping_problems > 0 {
        return out;
    }
    let flagged: Vec<&str> = out.iter().map(|p| p.file.as_str()).collect();
    let unflagged: Vec<&str> = project
        .segments
        .iter()
        .filter(|s| !flagged.contains(&s.file.as_str()))
        .map(|s| s.name.as_str())
        .collect();
    let bound = bind_segments(project, wh, now, &unflagged).await;
    out.extend(bound);
    out
}

/// A failed segment query explained by its place in the project, when the check finds why;
/// otherwise the error as it was.
pub async fn explain(
    project: &Project,
    wh: &mut dyn Warehouse,
    now: DateTime<Utc>,
    err: Error,
) -> Error {
    if !matches!(err, Error::Query { .. }) {
        return err;
    }
    let diagnostics = check(project, wh, now).await;
    if diagnostics.is_empty() {
        return err;
    }
    Error::Mismatch {
        invalid: Invalid {
            diagnostics,
            sources: project.sources.clone(),
        },
    }
}

/// Asks the warehouse to bind the query of each of `names` without reading a row. A segment
/// that refers to one already found at fault (or left out) is not reported again.
async fn bind_segments(
    project: &Project,
    wh: &mut dyn Warehouse,
    now: DateTime<Utc>,
    names: &[&str],
) -> Vec<Diagnostic> {
    let compiler = Compiler {
        dialect: wh.dialect(),
        tables: project.tables(),
        now,
    };
    let lookup = |n: &str| project.segments.iter().find(|s| s.name == n);
    let mut checked = Vec::<String>::new();
    let mut broken: Vec<String> = project
        .segments
        .iter()
        .filter(|s| !names.contains(&s.name.as_str()))
        .map(|s| s.name.clone())
        .collect();
    let mut out = Vec::new();
    for segment in names {
        for name in graph::dependency_order(segment, &lookup) {
            if checked.iter().any(|c| c == name) || broken.iter().any(|b| b == name) {
                continue;
            }
            checked.push(name.to_string());
            let deps = graph::dependency_order(name, &lookup);
            if deps.iter().any(|dep| broken.iter().any(|b| b == dep)) {
                broken.push(name.to_string());
                continue;
            }
            let Some(def) = lookup(name) else { continue };
            let Ok(members) = compiler.segment(&project.segments, name) else {
                continue;
            };
            let sql = format!("select * from ({members}) as cdp_check where 1 = 0");
            if let Err(e) = wh.query(&sql, &mut Discard).await {
                broken.push(name.to_string());
                let root = parsed(project, &def.file);
                let traits = trait_places(&compiler, wh, def, root.as_ref()).await;
                if !traits.is_empty() {
                    out.extend(traits);
                    continue;
                }
                let pos = root
                    .as_ref()
                    .and_then(|root| key_pos(root, "rules"))
                    .unwrap_or_default();
                out.push(
                    Diagnostic::new(
                        &def.file,
                        pos,
                        "rules",
                        format!(
                            "the warehouse cannot run this segment's query: {}",
                            engine_message(&e)
                        ),
                    )
                    .hint(format!(
                        "`cdp compile {name}` shows the SQL the warehouse refused"
                    )),
                );
            }
        }
    }
    out
}

/// The trait conditions of a segment the warehouse cannot run on their own (a text column
/// compared with a number, say), each at its place in the file.
async fn trait_places(
    compiler: &Compiler<'_>,
    wh: &mut dyn Warehouse,
    def: &SegmentDef,
    root: Option<&Node>,
) -> Vec<Diagnostic> {
    let mut leaves = Vec::new();
    trait_leaves(&def.rules, &mut leaves);
    let places = root
        .and_then(|r| child(r, "rules"))
        .map(|rules| key_positions(rules, "rules", "trait"))
        .unwrap_or_default();
    // The rule tree keeps the file's order; if they disagree, no place is better than a wrong one.
    if places.len() != leaves.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (leaf, (name, pos, key)) in leaves.into_iter().zip(places) {
        let sql = format!(
            "select * from ({}) as cdp_check where 1 = 0",
            compiler.rules("cdp_check", &leaf)
        );
        if let Err(e) = wh.query(&sql, &mut Discard).await {
            out.push(
                Diagnostic::new(
                    &def.file,
                    pos,
                    &key,
                    format!(
                        "the warehouse cannot compare trait `{name}` this way: {}",
                        engine_message(&e)
                    ),
                )
                .hint("compare a trait with values of its column's type: numbers with a number column, dates with a date or timestamp column"),
            );
        }
    }
    out
}

fn trait_leaves(rule: &Rule, out: &mut Vec<Rule>) {
    match rule {
        Rule::All(rules) | Rule::Any(rules) => rules.iter().for_each(|r| trait_leaves(r, out)),
        Rule::Not(inner) => trait_leaves(inner, out),
        Rule::Trait { .. } => out.push(rule.clone()),
        _ => {}
    }
}

/// The column names of `table`, read from an empty result; or why it cannot be read.
async fn columns(wh: &mut dyn Warehouse, table: &str) -> Result<Vec<String>, String> {
    let sql = format!("select * from {} where 1 = 0", wh.dialect().ident(table));
    let mut names = Names(Vec::new());
    wh.query(&sql, &mut names)
        .await
        .map_err(|e| engine_message(&e))?;
    Ok(names.0)
}

/// Unquoted names match whatever case the engine folds them to; quoted ones match exactly.
fn has_column(columns: &[String], name: &str, d: &dyn Dialect) -> bool {
    columns
        .iter()
        .any(|c| c == name || (d.bare_identifier(name) && c.eq_ignore_ascii_case(name)))
}

fn column_hint(name: &str, columns: &[String], what: &str) -> String {
    let lower: Vec<String> = columns.iter().map(|c| c.to_ascii_lowercase()).collect();
    let mut shown: Vec<&str> = columns.iter().take(12).map(String::as_str).collect();
    if columns.len() > shown.len() {
        shown.push("...");
    }
    let listed = shown.join(", ");
    // Compared without case, suggested as the warehouse spells it (PostgreSQL needs `Region`).
    let guess = did_you_mean(&name.to_ascii_lowercase(), lower.iter().map(String::as_str))
        .and_then(|g| lower.iter().position(|l| g.contains(&format!("`{l}`"))))
        .map(|i| &columns[i]);
    match guess {
        Some(column) => format!("did you mean `{column}`? (the table has: {listed})"),
        None => format!("{what} must name a column; the table has: {listed}"),
    }
}

/// The engine's own words, first line only: what a person needs next to their YAML.
fn engine_message(e: &WarehouseError) -> String {
    let mut deepest: &dyn std::error::Error = e;
    while let Some(next) = deepest.source() {
        deepest = next;
    }
    deepest
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn parsed(project: &Project, file: &str) -> Option<Node> {
    project.sources.get(file).and_then(|t| yaml::parse(t).ok())
}

fn child<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.value {
        Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    }
}

fn key_pos(node: &Node, key: &str) -> Option<Pos> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(k, _)| k.pos),
        _ => None,
    }
}

/// Where a dotted key of cdp.yaml is written, and whether it is; a default never written is
/// placed at the nearest key that is (or the top of the file).
fn config_place(config: Option<&Node>, key: &str) -> (Pos, bool) {
    let mut pos = Pos { line: 1, column: 1 };
    let Some(mut node) = config else {
        return (pos, false);
    };
    for part in key.split('.') {
        match (key_pos(node, part), child(node, part)) {
            (Some(p), Some(next)) => {
                pos = p;
                node = next;
            }
            _ => return (pos, false),
        }
    }
    (pos, true)
}

/// What to do about a table or column of `tables:`, said for a value written or defaulted.
fn mapping_hint(key: &str, value: &str, written: bool, fix: &str) -> String {
    if written {
        fix.to_string()
    } else {
        format!("cdp.yaml does not set `{key}`, so it is `{value}`; {fix}")
    }
}

struct Names(Vec<String>);

impl RowSink for Names {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        self.0 = names.to_vec();
        Ok(())
    }

    fn row(&mut self, _: &[Cell]) -> Result<(), WarehouseError> {
        Ok(())
    }
}

struct Discard;

impl RowSink for Discard {
    fn columns(&mut self, _: &[String]) -> Result<(), WarehouseError> {
        Ok(())
    }

    fn row(&mut self, _: &[Cell]) -> Result<(), WarehouseError> {
        Ok(())
    }
}
