//! What a dashboard run hands to its renderers: the header, each tile's spec and placement, and
//! the rows each renderer needs.

use chrono::{DateTime, Utc};

use super::chart::ChartSpec;
use crate::table::Table;

/// The top of every export: what was run, where, when and with which params.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Header {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub environment: String,
    pub generated_at: DateTime<Utc>,
    /// Each param's name and its value as people read it, in the order declared.
    #[serde(serialize_with = "as_map")]
    pub params: Vec<(String, String)>,
}

/// Pairs as one JSON object, in their order.
fn as_map<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// A tile's place on the 12-column grid, in grid cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Layout {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// A tile as declared: what it shows and where.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TileMeta {
    pub id: String,
    pub chart: ChartSpec,
    pub layout: Layout,
    /// The tile starts a new page in the PDF.
    pub page_break_before: bool,
    /// The most rows a table tile shows in the PDF; the rest are counted and said to be left out.
    pub max_rows: usize,
}

/// A tile after its query ran.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
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
