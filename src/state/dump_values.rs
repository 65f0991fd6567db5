//! A document's values typed by their column's kind: checked once, then bound to an insert or
//! written as a CSV field for PostgreSQL's `COPY`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::dump::{Columns, DumpError, Kind};

/// One value, checked against its column's kind.
#[derive(Debug, PartialEq)]
pub enum Typed<'a> {
    Int(Option<i64>),
    Bool(Option<bool>),
    Text(Option<&'a str>),
    Time(Option<DateTime<Utc>>),
}

/// `value` as a value of `kind`, or why it is not one.
pub fn typed<'a>(
    table: &str,
    column: &str,
    kind: Kind,
    value: &'a Value,
) -> Result<Typed<'a>, DumpError> {
    let wrong = |kind: &'static str| DumpError::Value {
        table: table.to_string(),
        column: column.to_string(),
        value: value.to_string(),
        kind,
    };
    Ok(match (kind, value) {
        (Kind::Int, Value::Null) => Typed::Int(None),
        (Kind::Int, v) => Typed::Int(Some(v.as_i64().ok_or_else(|| wrong("an integer"))?)),
        (Kind::Bool, Value::Null) => Typed::Bool(None),
        (Kind::Bool, v) => Typed::Bool(Some(v.as_bool().ok_or_else(|| wrong("a boolean"))?)),
        (Kind::Text, Value::Null) => Typed::Text(None),
        (Kind::Text, v) => Typed::Text(Some(v.as_str().ok_or_else(|| wrong("text"))?)),
        (Kind::Time, Value::Null) => Typed::Time(None),
        (Kind::Time, v) => Typed::Time(Some(
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .ok_or_else(|| wrong("an RFC 3339 instant"))?
                .with_timezone(&Utc),
        )),
    })
}

/// Binds one value of the document to an insert, typed by its column's kind.
pub fn bind<'q, DB: sqlx::Database>(
    q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    table: &str,
    column: &str,
    kind: Kind,
    value: &Value,
) -> Result<sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>, DumpError>
where
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<bool>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    Ok(match typed(table, column, kind, value)? {
        Typed::Int(v) => q.bind(v),
        Typed::Bool(v) => q.bind(v),
        Typed::Text(v) => q.bind(v.map(str::to_string)),
        Typed::Time(v) => q.bind(v),
    })
}

/// Appends one row as a line of CSV for `COPY ... (FORMAT csv)`: NULL is an empty field, text
/// is always quoted (so an empty string stays one), instants in RFC 3339.
pub fn csv_line(
    out: &mut String,
    table: &str,
    columns: Columns,
    row: &[Value],
) -> Result<(), DumpError> {
    if row.len() != columns.len() {
        return Err(DumpError::RowWidth {
            table: table.to_string(),
            found: row.len(),
            expected: columns.len(),
        });
    }
    for (i, (value, (column, kind))) in row.iter().zip(columns.iter()).enumerate() {
        if i > 0 {
            out.push(',');
        }
        match typed(table, column, *kind, value)? {
            Typed::Int(Some(v)) => out.push_str(&v.to_string()),
            Typed::Bool(Some(v)) => out.push_str(if v { "true" } else { "false" }),
            Typed::Text(Some(v)) => {
                out.push('"');
                out.push_str(&v.replace('"', "\"\""));
                out.push('"');
            }
            Typed::Time(Some(v)) => out.push_str(&v.to_rfc3339_opts(SecondsFormat::Micros, true)),
            Typed::Int(None) | Typed::Bool(None) | Typed::Text(None) | Typed::Time(None) => {}
        }
    }
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::dump::Kind::{Bool, Int, Text, Time};

    #[test]
    fn csv_lines_keep_nulls_empty_strings_quotes_and_newlines_apart() {
        let columns: Columns = &[
            ("a", Int),
            ("b", Text),
            ("c", Text),
            ("d", Bool),
            ("e", Time),
        ];
        let mut out = String::new();
        let row = [
            Value::from(-7),
            Value::from("say \"hi\",\nthen go"),
            Value::from(""),
            Value::from(false),
            Value::from("2026-01-02T03:04:05.5+01:00"),
        ];
        csv_line(&mut out, "t", columns, &row).unwrap();
        let nulls = [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ];
        csv_line(&mut out, "t", columns, &nulls).unwrap();
        assert_eq!(
            out,
            "-7,\"say \"\"hi\"\",\nthen go\",\"\",false,2026-01-02T02:04:05.500000Z\n,,,,\n"
        );
        let bad = [
            Value::from("x"),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ];
        assert!(matches!(
            csv_line(&mut out, "t", columns, &bad),
            Err(DumpError::Value {
                kind: "an integer",
                ..
            })
        ));
        assert!(matches!(
            csv_line(&mut out, "t", columns, &row[..2]),
            Err(DumpError::RowWidth { .. })
        ));
    }
}
