//! Checks a project against the warehouse it points at: the tables and columns `tables:` maps
//! exist, each trait a rule reads is a column of the users table, each segment's query binds, and
//! each dashboard tile's SQL runs and has the columns the tile names.
//! Problems are placed in the project's files like any validation error.

mod bind;
mod place;
mod tiles;

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::project::{Invalid, Project};
use crate::segment::file::key_positions;
use crate::sql::dialect::Dialect;
use crate::syntax::diagnostic::{Diagnostic, closest};
use crate::warehouse::{Cell, RowSink, Warehouse, WarehouseError};
use place::{child, config_place, mapping_hint, parsed};

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
                if let Err(e) = wh.rows(&sql).await {
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
    let bound = bind::bind_segments(project, wh, now, &unflagged).await;
    let tiles = tiles::check_tiles(project, wh, now).await;
    out.extend(bound);
    out.extend(tiles);
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
    // A warehouse that does not answer (a network fault, say) is not a mistake in the project.
    if !matches!(&err, Error::Query { source, .. } if source.is_refusal()) {
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
    let guess = closest(&name.to_ascii_lowercase(), lower.iter().map(String::as_str))
        .and_then(|g| lower.iter().position(|l| l == g))
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

/// The column names of a result (its rows are not read).
#[derive(Default)]
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
