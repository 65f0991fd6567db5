//! A YAML document as a tree where every node, key and scalar keeps its line and column.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Where a node starts in its file (1-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    fn of<T>(spanned: &Spanned<T>) -> Pos {
        Pos {
            line: spanned.referenced.line() as u32,
            column: spanned.referenced.column() as u32,
        }
    }
}

/// A YAML value with the position of its first character.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: always text in cdp's files.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub pos: Pos,
    pub name: String,
}

impl Value {
    /// How a person names the kind of this value in an error message.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one document; an empty document is `Null` at 1:1.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.trim().is_empty() {
        return Ok(Node {
            pos: Pos { line: 1, column: 1 },
            value: Value::Null,
        });
    }
    // YAML 1.2 booleans only: `y:` is a key (a chart's axis) and `NO` is Norway, not `false`.
    let options = serde_saphyr::options! { strict_booleans: true };
    match serde_saphyr::from_str_with_options::<Option<Spanned<Raw>>>(text, options) {
        Ok(Some(root)) => Ok(into_node(root)),
        Ok(None) => Ok(Node {
            pos: Pos { line: 1, column: 1 },
            value: Value::Null,
        }),
        Err(err) => {
            let pos = err
                .location()
                .map(|l| Pos {
                    line: l.line() as u32,
                    column: l.column() as u32,
                })
                .unwrap_or(Pos { line: 1, column: 1 });
            Err(SyntaxError {
                pos,
                message: first_line(&err.without_snippet().to_string()),
            })
        }
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("invalid YAML").trim();
    // The parser's advice names its own options; say what is wrong in the file instead.
    if let Some(rest) = line.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return format!("duplicate key `{key}`");
    }
    // The parser appends its own position; cdp prints positions itself.
    match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}

/// Intermediate value whose children carry spans; turned into `Node` once parsed.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

fn into_node(raw: Spanned<Raw>) -> Node {
    {
        let pos = Pos::of(&raw);
        let value = match raw.value {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Int(i) => Value::Int(i),
            Raw::Float(f) => Value::Float(f),
            Raw::Str(s) => Value::Str(s),
            Raw::Seq(items) => Value::Seq(items.into_iter().map(into_node).collect()),
            Raw::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let key = Key {
                            pos: Pos::of(&k),
                            name: k.value,
                        };
                        (key, into_node(v))
                    })
                    .collect(),
            ),
        };
        Node { pos, value }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            let key = Spanned::new(key.value.0, key.referenced, key.defined);
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

/// A mapping key read as text, whatever scalar it was written as (`1: x` has key `1`).
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Str(s) => Ok(KeyText(s)),
            Raw::Int(i) => Ok(KeyText(i.to_string())),
            Raw::Float(f) => Ok(KeyText(f.to_string())),
            Raw::Bool(b) => Ok(KeyText(b.to_string())),
            Raw::Null => Ok(KeyText("null".into())),
            Raw::Seq(_) | Raw::Map(_) => Err(de::Error::custom("mapping keys must be plain text")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_has_a_position() {
        let node = parse("name: a\nrules:\n  all:\n    - trait: plan\n      eq: pro\n").unwrap();
        let Value::Map(entries) = &node.value else {
            panic!()
        };
        assert_eq!(entries[0].0.name, "name");
        assert_eq!(entries[0].0.pos, Pos { line: 1, column: 1 });
        assert_eq!(entries[0].1.pos, Pos { line: 1, column: 7 });
        let Value::Map(rules) = &entries[1].1.value else {
            panic!()
        };
        let Value::Seq(all) = &rules[0].1.value else {
            panic!()
        };
        assert_eq!(all[0].pos.line, 4);
        let Value::Map(leaf) = &all[0].value else {
            panic!()
        };
        assert_eq!(leaf[1].0.pos, Pos { line: 5, column: 7 });
        assert_eq!(leaf[1].1.value, Value::Str("pro".into()));
    }

    #[test]
    fn nodes_in_flow_collections_have_their_own_positions() {
        let text = "a:\n  count: { gte: many }\n  where: [{ property: plan, eq: [x] }]\n  b: {\n    c: d\n  }\n";
        let node = parse(text).unwrap();
        let at = |node: &Node, line, column| assert_eq!(node.pos, Pos { line, column });
        let Value::Map(top) = &node.value else {
            panic!()
        };
        let Value::Map(a) = &top[0].1.value else {
            panic!()
        };
        let Value::Map(count) = &a[0].1.value else {
            panic!()
        };
        at(&a[0].1, 2, 10);
        assert_eq!(
            count[0].0.pos,
            Pos {
                line: 2,
                column: 12
            }
        );
        at(&count[0].1, 2, 17);
        let Value::Seq(filters) = &a[1].1.value else {
            panic!()
        };
        at(&filters[0], 3, 11);
        let Value::Map(filter) = &filters[0].value else {
            panic!()
        };
        at(&filter[0].1, 3, 23);
        at(&filter[1].1, 3, 33);
        let Value::Seq(items) = &filter[1].1.value else {
            panic!()
        };
        at(&items[0], 3, 34);
        let Value::Map(b) = &a[2].1.value else {
            panic!()
        };
        assert_eq!(b[0].0.pos, Pos { line: 5, column: 5 });
        at(&b[0].1, 5, 8);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
    }

    #[test]
    fn only_true_and_false_are_booleans() {
        let node = parse("{ x: 1, y: 2, country: NO, ok: true }").unwrap();
        let Value::Map(entries) = node.value else {
            panic!("a mapping")
        };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
        assert_eq!(keys, ["x", "y", "country", "ok"]);
        assert_eq!(entries[2].1.value, Value::Str("NO".into()));
        assert_eq!(entries[3].1.value, Value::Bool(true));
    }

    #[test]
    fn quoted_numbers_stay_text() {
        let node = parse("a: \"5\"\nb: 5\n").unwrap();
        let Value::Map(e) = node.value else { panic!() };
        assert_eq!(e[0].1.value, Value::Str("5".into()));
        assert_eq!(e[1].1.value, Value::Int(5));
    }
}
