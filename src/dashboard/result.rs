//! What a dashboard run hands to its renderers: the header, each tile's spec and placement, and
//! the rows each renderer needs. All of it reads back from the JSON it is written as (the
//! daemon keeps a dashboard's tiles so, and its UI draws them from there).

use chrono::{DateTime, Utc};

use super::chart::ChartSpec;
use crate::table::{Column, Table};

/// The top of every export: what was run, where, when and with which params.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub environment: String,
    pub generated_at: DateTime<Utc>,
    /// Each param's name and its value as people read it, in the order declared.
    #[serde(serialize_with = "as_map", deserialize_with = "from_map")]
    pub params: Vec<(String, String)>,
}

/// Pairs as one JSON object, in their order.
fn as_map<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// One JSON object as pairs, in its order.
fn from_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    let map: serde_json::Map<String, serde_json::Value> = serde::Deserialize::deserialize(d)?;
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// A tile's place on the 12-column grid, in grid cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// A tile as declared: what it shows and where.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TileMeta {
    pub id: String,
    pub chart: ChartSpec,
    pub layout: Layout,
    /// The tile starts a new page in the PDF.
    pub page_break_before: bool,
    /// The most rows a table tile shows in the PDF; the rest are counted and said to be left out.
    pub max_rows: usize,
}

/// A tile after its query ran. Written as `meta`, `table` (one object per row), `total_rows`
/// and `columns` (each column's name and type, which the rows alone do not keep).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "TileJson", from = "TileJson")]
pub struct TileResult {
    pub meta: TileMeta,
    /// The rows kept: all of them for a chart, the first `max_rows` for a table.
    pub table: Table,
    /// Every row the query returned, kept or not.
    pub total_rows: u64,
}

impl TileResult {
    /// Rows the query returned beyond those kept.
    pub fn left_out(&self) -> u64 {
        self.total_rows.saturating_sub(self.table.rows.len() as u64)
    }
}

/// A tile as JSON: its table's rows and, beside them, its columns.
#[derive(serde::Serialize, serde::Deserialize)]
struct TileJson {
    meta: TileMeta,
    table: Vec<serde_json::Map<String, serde_json::Value>>,
    total_rows: u64,
    /// Absent from tiles written before it was added: then read from the rows.
    #[serde(default)]
    columns: Option<Vec<Column>>,
}

impl From<TileResult> for TileJson {
    fn from(t: TileResult) -> TileJson {
        let table = match serde_json::to_value(&t.table) {
            Ok(serde_json::Value::Array(rows)) => rows
                .into_iter()
                .filter_map(|r| match r {
                    serde_json::Value::Object(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        TileJson {
            meta: t.meta,
            table,
            total_rows: t.total_rows,
            columns: Some(t.table.columns),
        }
    }
}

impl From<TileJson> for TileResult {
    fn from(t: TileJson) -> TileResult {
        let columns = t
            .columns
            .unwrap_or_else(|| crate::table::json::columns_of(&t.table));
        TileResult {
            meta: t.meta,
            table: Table::from_json(columns, &t.table),
            total_rows: t.total_rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::chart::{ChartKind, Format};
    use crate::table::Cell;

    #[test]
    fn a_tile_reads_back_from_its_json() {
        let tile = TileResult {
            meta: TileMeta {
                id: "revenue".into(),
                chart: ChartSpec {
                    kind: ChartKind::Bar,
                    title: "Revenue".into(),
                    x: Some("day".into()),
                    y: vec!["usd".into()],
                    series: None,
                    formats: [("usd".to_string(), Format::Currency("USD".into()))].into(),
                },
                layout: Layout {
                    x: 0,
                    y: 2,
                    w: 6,
                    h: 4,
                },
                page_break_before: false,
                max_rows: 10,
            },
            table: Table::new(
                &["day", "usd"],
                vec![vec![
                    Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
                    Cell::Float(1.5),
                ]],
            ),
            total_rows: 1,
        };
        let json = serde_json::to_value(&tile).unwrap();
        assert_eq!(
            json["table"],
            serde_json::json!([{ "day": "2026-06-01", "usd": 1.5 }])
        );
        assert_eq!(
            json["columns"][0],
            serde_json::json!({ "name": "day", "type": "date" })
        );
        assert_eq!(
            serde_json::from_value::<TileResult>(json.clone()).unwrap(),
            tile
        );
        let mut older = json;
        older.as_object_mut().unwrap().remove("columns");
        let read: TileResult = serde_json::from_value(older).unwrap();
        assert_eq!(read.table.rows[0][1], Cell::Float(1.5));
    }
}
