//! The result model: a table of named, typed columns and rows of cells. Every renderer reads it
//! (the terminal table, JSON, CSV and Markdown today; spreadsheets, charts and the API next).

mod cell;
pub mod json;

pub use cell::{Cell, ColType};

use serde::ser::{SerializeMap, SerializeSeq};

/// What a column holds, for renderers that type their cells (a spreadsheet, a chart's axis).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
    Date,
    Json,
    /// Nothing but nulls so far, or values of several types.
    Any,
}

impl ColumnType {
    /// The type of one cell; `None` for a null, which fits any column.
    pub fn of(cell: &Cell) -> Option<ColumnType> {
        Some(match cell {
            Cell::Null => return None,
            Cell::Bool(_) => ColumnType::Bool,
            Cell::Int(_) => ColumnType::Int,
            Cell::Float(_) => ColumnType::Float,
            Cell::Text(_) => ColumnType::Text,
            Cell::Timestamp(_) => ColumnType::Timestamp,
            Cell::Date(_) => ColumnType::Date,
            Cell::Json(_) => ColumnType::Json,
        })
    }
}

/// A named, typed column.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

/// Columns and rows. Serialised as a list of objects, one per row, keyed by column name (what
/// `--format json` prints).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table whose column types are read from its cells: the type every non-null cell of a
    /// column shares, `Any` when they differ or are all null.
    pub fn new(names: &[&str], rows: Vec<Vec<Cell>>) -> Table {
        let columns = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut kinds = rows
                    .iter()
                    .filter_map(|r| r.get(i).and_then(ColumnType::of));
                let first = kinds.next();
                let kind = match first {
                    Some(k) if kinds.all(|other| other == k) => k,
                    _ => ColumnType::Any,
                };
                Column {
                    name: name.to_string(),
                    kind,
                }
            })
            .collect();
        Table { columns, rows }
    }

    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The cell of `column` in row `row`, if both exist.
    pub fn get(&self, row: usize, column: &str) -> Option<&Cell> {
        let i = self.columns.iter().position(|c| c.name == column)?;
        self.rows.get(row)?.get(i)
    }
}

impl serde::Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        for row in &self.rows {
            seq.serialize_element(&Row {
                columns: &self.columns,
                cells: row,
            })?;
        }
        seq.end()
    }
}

struct Row<'a> {
    columns: &'a [Column],
    cells: &'a [Cell],
}

impl serde::Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (c, cell) in self.columns.iter().zip(self.cells) {
            map.serialize_entry(&c.name, &cell.to_json())?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_come_from_the_cells_and_nulls_fit_any() {
        let t = Table::new(
            &["name", "n", "mixed", "empty"],
            vec![
                vec![
                    Cell::Text("a".into()),
                    Cell::Int(1),
                    Cell::Int(1),
                    Cell::Null,
                ],
                vec![
                    Cell::Text("b".into()),
                    Cell::Null,
                    Cell::Text("x".into()),
                    Cell::Null,
                ],
            ],
        );
        let kinds: Vec<ColumnType> = t.columns.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ColumnType::Text,
                ColumnType::Int,
                ColumnType::Any,
                ColumnType::Any
            ]
        );
        assert_eq!(t.get(1, "mixed"), Some(&Cell::Text("x".into())));
        assert_eq!(t.get(2, "mixed"), None);
    }

    #[test]
    fn a_table_serialises_as_one_object_per_row() {
        let t = Table::new(
            &["segment", "members"],
            vec![vec![Cell::Text("vip".into()), Cell::Int(3)]],
        );
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!([{ "segment": "vip", "members": 3 }])
        );
    }
}
