//! References between segments: dependency order and cycle detection.

use std::collections::{BTreeMap, BTreeSet};

use crate::segment::file::SegmentDef;

/// Each cycle once, as the list of segment names along it, starting at its smallest name.
pub fn cycles<'a>(edges: impl Iterator<Item = (&'a str, Vec<&'a str>)>) -> Vec<Vec<String>> {
    let edges: BTreeMap<&str, Vec<&str>> = edges.collect();
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in edges.keys() {
        let mut stack = vec![*start];
        walk(start, &edges, &mut stack, &mut found);
    }
    found.into_iter().collect()
}

fn walk<'a>(
    start: &str,
    edges: &BTreeMap<&'a str, Vec<&'a str>>,
    stack: &mut Vec<&'a str>,
    found: &mut BTreeSet<Vec<String>>,
) {
    let here = *stack.last().expect("non-empty");
    for next in edges.get(here).into_iter().flatten() {
        if *next == start && stack.len() > 1 {
            // Only report a cycle from its smallest member, so each appears once.
            if stack.iter().all(|n| *n >= start) {
                found.insert(stack.iter().map(|s| s.to_string()).collect());
            }
        } else if !stack.contains(next) && edges.contains_key(next) && *next > start {
            stack.push(next);
            walk(start, edges, stack, found);
            stack.pop();
        }
    }
}

/// `name` and every segment it depends on, dependencies first.
pub fn dependency_order<'a>(
    name: &'a str,
    lookup: &impl Fn(&str) -> Option<&'a SegmentDef>,
) -> Vec<&'a str> {
    dependency_order_of(&[name], lookup)
}

/// `names` and every segment they depend on, each once, dependencies first.
pub fn dependency_order_of<'a>(
    names: &[&'a str],
    lookup: &impl Fn(&str) -> Option<&'a SegmentDef>,
) -> Vec<&'a str> {
    let mut order = Vec::new();
    for name in names {
        visit(name, lookup, &mut order, &mut BTreeSet::new());
    }
    order
}

fn visit<'a>(
    name: &'a str,
    lookup: &impl Fn(&str) -> Option<&'a SegmentDef>,
    order: &mut Vec<&'a str>,
    visiting: &mut BTreeSet<&'a str>,
) {
    if order.contains(&name) || !visiting.insert(name) {
        return;
    }
    if let Some(def) = lookup(name) {
        for dep in def.rules.references() {
            visit(dep, lookup, order, visiting);
        }
    }
    order.push(name);
}
