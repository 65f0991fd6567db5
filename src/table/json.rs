//! A table read back from its JSON (one object per row, as [`Table`] serialises) and its
//! columns: each value becomes the cell its column's type says, so that what was kept as JSON
//! (the daemon's dashboard tiles) draws as it did when it was computed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::{Cell, Column, ColumnType, Table};

impl Table {
    /// The table of `columns` whose rows are `rows`; a key missing from a row is a null.
    pub fn from_json(columns: Vec<Column>, rows: &[Map<String, Value>]) -> Table {
        let rows = rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|c| row.get(&c.name).map_or(Cell::Null, |v| cell(c.kind, v)))
                    .collect()
            })
            .collect();
        Table { columns, rows }
    }
}

/// The columns of rows kept without them (in the first row's order, typed from the values).
pub fn columns_of(rows: &[Map<String, Value>]) -> Vec<Column> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    first
        .keys()
        .map(|name| {
            let mut kinds = rows
                .iter()
                .filter_map(|r| r.get(name))
                .filter_map(|v| ColumnType::of(&cell(ColumnType::Any, v)));
            let kind = match kinds.next() {
                Some(k) if kinds.all(|other| other == k) => k,
                _ => ColumnType::Any,
            };
            Column {
                name: name.clone(),
                kind,
            }
        })
        .collect()
}

/// A JSON value as a cell of a column of type `kind`; a value that does not read as that type
/// is kept as what it is.
fn cell(kind: ColumnType, v: &Value) -> Cell {
    let text = v.as_str();
    match (kind, v) {
        (_, Value::Null) => Cell::Null,
        (ColumnType::Timestamp, _) => match text.and_then(timestamp) {
            Some(t) => Cell::Timestamp(t),
            None => cell(ColumnType::Any, v),
        },
        (ColumnType::Date, _) => match text.and_then(|t| t.parse::<NaiveDate>().ok()) {
            Some(d) => Cell::Date(d),
            None => cell(ColumnType::Any, v),
        },
        (ColumnType::Json, _) => Cell::Json(v.to_string()),
        (ColumnType::Float, Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Float),
        (_, Value::Bool(b)) => Cell::Bool(*b),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => n.as_f64().map_or(Cell::Null, Cell::Float),
        },
        (_, Value::String(s)) => Cell::Text(s.clone()),
        (_, Value::Array(_) | Value::Object(_)) => Cell::Json(v.to_string()),
    }
}

/// An instant as [`Cell::to_text`] writes it (or with a fraction or an offset).
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_table_reads_back_as_it_was_written() {
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 6, 30, 0).unwrap();
        let t = Table::new(
            &["day", "at", "name", "n", "ratio", "ok", "doc", "none"],
            vec![
                vec![
                    Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
                    Cell::Timestamp(at),
                    Cell::Text("2026-06-01".into()),
                    Cell::Int(3),
                    Cell::Float(2.0),
                    Cell::Bool(true),
                    Cell::Json("{\"a\":[1]}".into()),
                    Cell::Null,
                ],
                vec![
                    Cell::Null,
                    Cell::Null,
                    Cell::Text("x".into()),
                    Cell::Int(-4),
                    Cell::Float(0.125),
                    Cell::Bool(false),
                    Cell::Null,
                    Cell::Null,
                ],
            ],
        );
        let rows: Vec<Map<String, Value>> =
            serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(Table::from_json(t.columns.clone(), &rows), t);
        // Without the columns, the values' own types.
        let guessed = columns_of(&rows);
        let kinds: Vec<ColumnType> = guessed.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ColumnType::Text,
                ColumnType::Text,
                ColumnType::Text,
                ColumnType::Int,
                ColumnType::Float,
                ColumnType::Bool,
                ColumnType::Json,
                ColumnType::Any
            ]
        );
        assert!(columns_of(&[]).is_empty());
    }
}
