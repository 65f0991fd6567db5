//! Where a problem found in the warehouse is written in the project's files.

use crate::project::Project;
use crate::syntax::yaml::{self, Node, Pos, Value};

pub fn parsed(project: &Project, file: &str) -> Option<Node> {
    project.sources.get(file).and_then(|t| yaml::parse(t).ok())
}

pub fn child<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.value {
        Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    }
}

pub fn key_pos(node: &Node, key: &str) -> Option<Pos> {
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
pub fn config_place(config: Option<&Node>, key: &str) -> (Pos, bool) {
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
pub fn mapping_hint(key: &str, value: &str, written: bool, fix: &str) -> String {
    if written {
        fix.to_string()
    } else {
        format!("cdp.yaml does not set `{key}`, so it is `{value}`; {fix}")
    }
}
