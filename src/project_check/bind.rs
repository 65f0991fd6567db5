//! Binding each segment's query in the warehouse without reading a row, and placing a refusal
//! at the trait condition that caused it when one did.

use chrono::{DateTime, Utc};

use super::engine_message;
use super::place::{child, key_pos, parsed};
use crate::project::Project;
use crate::segment::compile::Compiler;
use crate::segment::file::{SegmentDef, key_positions};
use crate::segment::graph;
use crate::segment::rule::Rule;
use crate::syntax::diagnostic::Diagnostic;
use crate::syntax::yaml::Node;
use crate::warehouse::Warehouse;

/// Asks the warehouse to bind the query of each of `names` without reading a row. A segment
/// that refers to one already found at fault (or left out) is not reported again.
pub async fn bind_segments(
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
    // Left out (found at fault before) counts as broken, so what refers to it is not reported.
    let mut broken: Vec<&str> = project
        .segments
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| !names.contains(n))
        .collect();
    let mut out = Vec::new();
    // Dependencies first, so a segment is skipped once one it refers to is found broken.
    for name in graph::dependency_order_of(names, &lookup) {
        if broken.contains(&name) {
            continue;
        }
        if graph::dependency_order(name, &lookup)
            .iter()
            .any(|dep| broken.contains(dep))
        {
            broken.push(name);
            continue;
        }
        let Some(def) = lookup(name) else { continue };
        let Ok(members) = compiler.segment(&project.segments, name) else {
            continue;
        };
        let sql = format!("select * from ({members}) as cdp_check where 1 = 0");
        if let Err(e) = wh.rows(&sql).await {
            broken.push(name);
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
        if let Err(e) = wh.rows(&sql).await {
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
