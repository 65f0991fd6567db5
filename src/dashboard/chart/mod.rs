//! One chart model: what a tile asks to be drawn, and the vector scene every renderer draws.

mod axis;
mod cartesian;
pub mod format;
mod layout;
pub mod model;
mod pie;
mod read;
pub mod scene;
pub mod ticks;
mod tile;

pub use model::Chart;
pub use read::number;

use std::collections::BTreeMap;

/// How a tile shows its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Line,
    Bar,
    Area,
    Pie,
    Number,
    Table,
}

impl ChartKind {
    pub const ALL: [(&'static str, ChartKind); 6] = [
        ("line", ChartKind::Line),
        ("bar", ChartKind::Bar),
        ("area", ChartKind::Area),
        ("pie", ChartKind::Pie),
        ("number", ChartKind::Number),
        ("table", ChartKind::Table),
    ];

    pub fn name(self) -> &'static str {
        ChartKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("table")
    }
}

/// How the values of one column are written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Grouped digits, large values shortened on axes (1.2k, 3.4M).
    Number,
    /// A ratio shown as a percentage: 0.125 is 12.5 %.
    Percent,
    /// An amount in a currency by ISO code (`USD`): $1,234.
    Currency(String),
    /// A date (a timestamp shown as its day).
    Date,
}

/// What a tile asks of its chart: the kind, the columns it reads and how values are written.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub title: String,
    /// The column along the horizontal axis (the label of each slice for a pie).
    pub x: Option<String>,
    /// One or more value columns.
    pub y: Vec<String>,
    /// A column whose values split the `y` values into one line or bar per value.
    pub series: Option<String>,
    /// Formats by column name.
    pub formats: BTreeMap<String, Format>,
}
