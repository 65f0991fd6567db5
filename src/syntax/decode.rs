//! Turning located YAML nodes into typed values while collecting every problem found.

use super::diagnostic::{Diagnostic, did_you_mean};
use super::yaml::{Key, Node, Pos, Value};

/// Collects diagnostics for one file while it is decoded.
pub struct Decoder<'a> {
    pub file: &'a str,
    pub diagnostics: Vec<Diagnostic>,
    /// Where `${NAME}` references are looked up; the process environment when `None`.
    pub vars: Option<&'a Vars>,
}

/// A lookup of `${NAME}` references: a name to its value, `None` when it is not set.
pub type Vars = dyn Fn(&str) -> Option<String> + Sync;

/// The entries of one mapping, after its keys were checked against the allowed set.
pub struct Fields<'n> {
    pub pos: Pos,
    pub path: String,
    /// Whether an unknown key was reported: later "missing" checks would only repeat it.
    pub had_unknown: bool,
    entries: &'n [(Key, Node)],
}

impl<'n> Fields<'n> {
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
    }

    pub fn key(&self, name: &str) -> Option<&'n Key> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(k, _)| k)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn entries(&self) -> &'n [(Key, Node)] {
        self.entries
    }

    /// Path of a child key, for messages.
    pub fn at(&self, name: &str) -> String {
        join(&self.path, name)
    }
}

pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

impl<'a> Decoder<'a> {
    pub fn new(file: &'a str) -> Self {
        Decoder {
            file,
            diagnostics: Vec::new(),
            vars: None,
        }
    }

    /// Reports a YAML syntax error, with a hint for the common ones.
    pub fn syntax(&mut self, e: &super::yaml::SyntaxError) {
        let hint = if e.message.contains("tab") {
            Some("indent with spaces; YAML does not allow tabs for indentation".to_string())
        } else if e.message.starts_with("duplicate key") {
            Some("each key may appear once in a mapping; remove or rename one".to_string())
        } else {
            None
        };
        self.report(e.pos, "", format!("invalid YAML: {}", e.message))
            .hint = hint;
    }

    pub fn report(&mut self, pos: Pos, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(self.file, pos, path, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Checks that `node` is a mapping whose keys are all in `allowed`; reports the others.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, &format!("{what} (a mapping)"));
            return None;
        };
        let mut had_unknown = false;
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                had_unknown = true;
                let d = self.report(
                    key.pos,
                    &join(path, &key.name),
                    format!("unknown key `{}` in {what}", key.name),
                );
                d.expected = Some(one_of(allowed));
                d.hint = did_you_mean(&key.name, allowed.iter().copied());
            }
        }
        Some(Fields {
            pos: node.pos,
            path: path.to_string(),
            had_unknown,
            entries,
        })
    }

    pub fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        let d = self.report(
            node.pos,
            path,
            match last_key(path) {
                "" => format!("expected {expected}, found {}", node.value.kind()),
                key => format!("`{key}` must be {expected}, found {}", node.value.kind()),
            },
        );
        d.expected = Some(expected.to_string());
    }

    pub fn missing(&mut self, fields: &Fields, name: &str, expected: &str, hint: Option<&str>) {
        let d = self.report(
            fields.pos,
            &fields.at(name),
            format!("missing required key `{name}`"),
        );
        d.expected = Some(expected.to_string());
        d.hint = hint.map(str::to_string);
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    /// A scalar read as text: `plan: 2024` and `plan: "2024"` both give `2024`.
    pub fn text(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    pub fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(node, path, "`true` or `false`");
                None
            }
        }
    }

    pub fn list<'n>(&mut self, node: &'n Node, path: &str, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, path, what);
                None
            }
        }
    }

    pub fn opt_string(&mut self, fields: &Fields, name: &str) -> Option<String> {
        let node = fields.get(name)?;
        self.string(node, &fields.at(name))
    }

    pub fn req_string(
        &mut self,
        fields: &Fields,
        name: &str,
        hint: Option<&str>,
    ) -> Option<String> {
        match fields.get(name) {
            Some(node) => self.string(node, &fields.at(name)),
            None => {
                self.missing(fields, name, "a string", hint);
                None
            }
        }
    }
}

/// The `type:` a mapping declares, when it is a string: which keys the rest may hold.
pub fn type_of(node: &Node) -> Option<&str> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.name == "type")
        .and_then(|(_, v)| match &v.value {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
}

pub fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("one of {}", quoted.join(", "))
}

fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}
