//! Dashboard params: their types and defaults, values given on the command line, and `{{ name }}`
//! in tile SQL replaced by SQL literals made by the one escaping function.

use chrono::{DateTime, NaiveDate, Utc};

use crate::sql::dialect::Dialect;

/// What a param holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "values")]
pub enum ParamType {
    Int,
    Number,
    Text,
    Bool,
    Date,
    /// One of the listed values.
    Enum(Vec<String>),
}

impl ParamType {
    pub const NAMES: [&'static str; 6] = ["int", "number", "text", "bool", "date", "enum"];

    pub fn name(&self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Number => "number",
            ParamType::Text => "text",
            ParamType::Bool => "bool",
            ParamType::Date => "date",
            ParamType::Enum(_) => "enum",
        }
    }

    /// How a value of this type is written, for messages.
    pub fn describe(&self) -> String {
        match self {
            ParamType::Int => "an integer, e.g. 30".into(),
            ParamType::Number => "a number, e.g. 0.5".into(),
            ParamType::Text => "text".into(),
            ParamType::Bool => "`true` or `false`".into(),
            ParamType::Date => "a date, YYYY-MM-DD".into(),
            ParamType::Enum(values) => format!("one of {}", values.join(", ")),
        }
    }

    /// Reads a value written as text (a `--param` or a YAML scalar).
    pub fn parse(&self, text: &str) -> Option<ParamValue> {
        let t = text.trim();
        Some(match self {
            ParamType::Int => ParamValue::Int(t.parse().ok()?),
            ParamType::Number => {
                let f: f64 = t.parse().ok()?;
                if !f.is_finite() {
                    return None;
                }
                ParamValue::Number(f)
            }
            ParamType::Text => ParamValue::Text(text.to_string()),
            ParamType::Bool => ParamValue::Bool(match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return None,
            }),
            ParamType::Date => ParamValue::Date(NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?),
            ParamType::Enum(values) => {
                ParamValue::Text(values.iter().find(|v| v.as_str() == text)?.clone())
            }
        })
    }

    /// A value of this type for preparing SQL when the param has none (no rows are read).
    pub fn sample(&self, today: NaiveDate) -> ParamValue {
        match self {
            ParamType::Int => ParamValue::Int(1),
            ParamType::Number => ParamValue::Number(1.0),
            ParamType::Text => ParamValue::Text(String::new()),
            ParamType::Bool => ParamValue::Bool(true),
            ParamType::Date => ParamValue::Date(today),
            ParamType::Enum(values) => {
                ParamValue::Text(values.first().cloned().unwrap_or_default())
            }
        }
    }
}

/// A param's value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Number(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

/// Names every tile's SQL may use without declaring them: the run's instant and its day (UTC),
/// so that a dashboard run with `--now` shows that instant's figures.
pub const BUILT_INS: [&str; 2] = ["now", "today"];

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Number(n) => write!(f, "{n}"),
            ParamValue::Text(t) => f.write_str(t),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Date(d) => write!(f, "{d}"),
            ParamValue::Timestamp(t) => write!(f, "{}", t.format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

impl ParamValue {
    /// The value as a SQL literal: numbers and booleans bare, text quoted by the dialect's one
    /// escaping function, dates as `date '…'`.
    fn literal(&self, dialect: &dyn Dialect) -> String {
        match self {
            ParamValue::Text(t) => dialect.string(t),
            ParamValue::Date(d) => format!("date {}", dialect.string(&d.to_string())),
            ParamValue::Timestamp(t) => dialect.timestamp(*t),
            other => other.to_string(),
        }
    }

    /// The value inside a string literal the SQL already opened (`'{{ days }} days'`): escaped
    /// as the literal's content, so it cannot close the quote.
    fn quoted_content(&self, dialect: &dyn Dialect) -> String {
        let quoted = dialect.string(&self.to_string());
        quoted[1..quoted.len() - 1].to_string()
    }
}

/// A declared param.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ParamDef {
    pub name: String,
    #[serde(flatten)]
    pub kind: ParamType,
    pub default: Option<ParamValue>,
}

/// A piece of tile SQL: text as written, or a `{{ name }}` placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Text(String),
    /// A placeholder: the param's name, whether it sits inside a quoted string, and its byte
    /// offset in the SQL (for messages).
    Param {
        name: String,
        in_string: bool,
        offset: usize,
    },
}

/// A problem in a SQL template, at a byte offset.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

/// Splits tile SQL into text and `{{ name }}` placeholders, noting which sit inside a quoted
/// string (`'…'`) so each can be replaced safely.
pub fn template(sql: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut in_string = false;
    let mut lexer = Lex::Code;
    let mut rest = sql;
    let mut offset = 0;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{") {
            let Some(end) = after.find("}}") else {
                return Err(TemplateError {
                    offset,
                    message: "`{{` is not closed by `}}`".into(),
                });
            };
            let name = after[..end].trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(TemplateError {
                    offset,
                    message: format!("`{{{{{}}}}}` is not a param name", &after[..end]),
                });
            }
            pieces.push(Piece::Text(std::mem::take(&mut text)));
            pieces.push(Piece::Param {
                name: name.to_string(),
                in_string,
                offset,
            });
            let used = 2 + end + 2;
            rest = &rest[used..];
            offset += used;
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        lexer = match (lexer, c) {
            (Lex::Code, '\'') | (Lex::Str, '\'') => {
                in_string = !in_string;
                if in_string { Lex::Str } else { Lex::Code }
            }
            (Lex::Code, '"') => Lex::Ident,
            (Lex::Ident, '"') => Lex::Code,
            (Lex::Code, '-') if rest.starts_with("--") => Lex::Line,
            (Lex::Code, '/') if rest.starts_with("/*") => Lex::Block,
            (Lex::Line, '\n') => Lex::Code,
            (Lex::Block, '*') if rest.starts_with("*/") => Lex::Code,
            (state, _) => state,
        };
        text.push(c);
        rest = &rest[c.len_utf8()..];
        offset += c.len_utf8();
    }
    pieces.push(Piece::Text(text));
    pieces.retain(|p| !matches!(p, Piece::Text(t) if t.is_empty()));
    Ok(pieces)
}

/// Where the scanner is in the SQL: quotes count only in code, not in comments or identifiers.
#[derive(Clone, Copy, PartialEq)]
enum Lex {
    Code,
    Str,
    Ident,
    Line,
    Block,
}

/// The SQL with every placeholder replaced by its value; `value` gives each param's value
/// (validation made sure every placeholder names a declared param).
pub fn bind<'v>(
    pieces: &[Piece],
    dialect: &dyn Dialect,
    value: impl Fn(&str) -> Option<&'v ParamValue>,
) -> Result<String, String> {
    let mut sql = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => sql.push_str(t),
            Piece::Param {
                name, in_string, ..
            } => {
                let v = value(name).ok_or_else(|| name.clone())?;
                if *in_string {
                    sql.push_str(&v.quoted_content(dialect));
                } else {
                    sql.push_str(&v.literal(dialect));
                }
            }
        }
    }
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::DialectKind;

    fn render(sql: &str, value: ParamValue, kind: DialectKind) -> String {
        let pieces = template(sql).unwrap();
        bind(&pieces, kind.dialect(), |_| Some(&value)).unwrap()
    }

    #[test]
    fn values_become_literals_outside_strings_and_escaped_content_inside() {
        let d = DialectKind::Duckdb;
        assert_eq!(
            render(
                "where c = {{ c }}",
                ParamValue::Text("x'; drop table users; --".into()),
                d
            ),
            "where c = 'x''; drop table users; --'"
        );
        assert_eq!(
            render("interval '{{ days }} days'", ParamValue::Int(7), d),
            "interval '7 days'"
        );
        assert_eq!(
            render("where c = '{{c}}'", ParamValue::Text("it's".into()), d),
            "where c = 'it''s'"
        );
        assert_eq!(
            render(
                "ts >= {{ since }}",
                ParamValue::Date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()),
                d
            ),
            "ts >= date '2026-01-02'"
        );
    }

    #[test]
    fn backslashes_are_escaped_where_the_engine_reads_them() {
        let v = ParamValue::Text("a\\' or 1=1 --".into());
        let s = render("c = {{ c }}", v, DialectKind::Snowflake);
        assert_eq!(s, "c = 'a\\\\'' or 1=1 --'");
    }

    #[test]
    fn placeholders_are_found_with_their_offsets() {
        let p = template("select {{a}}, '{{ b }}' from t").unwrap();
        assert_eq!(
            p[1],
            Piece::Param {
                name: "a".into(),
                in_string: false,
                offset: 7
            }
        );
        assert_eq!(
            p[3],
            Piece::Param {
                name: "b".into(),
                in_string: true,
                offset: 15
            }
        );
        assert!(template("select {{ a").is_err());
        let commented = template("-- don't\nselect \"it's\", {{ a }} /* it's */").unwrap();
        assert!(matches!(
            &commented[1],
            Piece::Param {
                in_string: false,
                ..
            }
        ));
        assert!(template("select {{ a-b }}").is_err());
    }

    #[test]
    fn values_are_read_by_type() {
        assert_eq!(ParamType::Int.parse("7"), Some(ParamValue::Int(7)));
        assert_eq!(ParamType::Int.parse("7d"), None);
        assert_eq!(ParamType::Date.parse("2026-13-01"), None);
        let e = ParamType::Enum(vec!["free".into(), "pro".into()]);
        assert_eq!(e.parse("pro"), Some(ParamValue::Text("pro".into())));
        assert_eq!(e.parse("gold"), None);
        assert_eq!(ParamType::Number.parse("inf"), None);
    }
}
