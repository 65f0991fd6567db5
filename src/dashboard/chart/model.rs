//! The chart model: a tile's result read once into what every renderer draws (x values and
//! series, pie slices, a number tile's figure or a table's formatted rows).

use super::read::{figure, grid, series, slices, x_axis};
use super::scene::Color;
use super::{ChartKind, ChartSpec, Format};
use crate::table::{ColumnType, Table};

/// Okabe and Ito's colours, which people with any common colour-vision deficiency tell apart;
/// series take them in turn (yellow late: it is faint on white).
pub const PALETTE: [Color; 8] = [
    Color(0x00, 0x72, 0xB2),
    Color(0xE6, 0x9F, 0x00),
    Color(0x00, 0x9E, 0x73),
    Color(0xCC, 0x79, 0xA7),
    Color(0x56, 0xB4, 0xE9),
    Color(0xD5, 0x5E, 0x00),
    Color(0xF0, 0xE4, 0x42),
    Color(0x4D, 0x4D, 0x4D),
];

/// The colour of a pie's "Other" slice.
pub const OTHER: Color = Color(0xB8, 0xBE, 0xC6);

/// A pie shows this many slices at most; smaller ones are summed into "Other".
pub const MAX_SLICES: usize = 8;

/// A table tile keeps this many rows for its scene (the UI shows those that fit).
pub const MAX_GRID_ROWS: usize = 100;

/// A tile's result read for drawing. Built by [`Chart::build`], laid out by `Chart::scene`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    /// The tile's title, for renderers that show it (the scene does not draw it).
    pub title: String,
    /// Rows in the result; none draws "No rows".
    pub rows: usize,
    /// The horizontal axis of a line, bar or area chart.
    pub x: XAxis,
    /// One per `y` column, or per value of the `series` column; each has a value per x.
    pub series: Vec<Series>,
    /// How the values are written (the format of the first `y` column).
    pub format: Option<Format>,
    /// A pie's slices, largest first.
    pub slices: Vec<Slice>,
    /// A number tile's figure.
    pub figure: Option<Figure>,
    /// A table tile's first rows, formatted.
    pub grid: Option<Grid>,
    /// Whether the scene draws the legend (true from [`Chart::build`]; a sparkline in a list
    /// leaves it to the page, once for every row).
    pub legend: bool,
}

/// What the x values are, which decides the axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XKind {
    /// Dates or timestamps; `days_only` when every one is a midnight.
    Time {
        days_only: bool,
    },
    Number,
    /// Text (or no `x` column: the rows are numbered).
    Category,
}

/// The distinct x values in drawing order: times and numbers ascending, categories as first
/// seen.
#[derive(Clone, Debug, PartialEq)]
pub struct XAxis {
    pub column: Option<String>,
    /// The x column's format, for the ticks of a numeric axis.
    pub format: Option<Format>,
    pub kind: XKind,
    /// Where each sits: seconds since the epoch (UTC) for times, the value for numbers, its
    /// index for categories.
    pub keys: Vec<f64>,
    /// Each written in full (as its column's format asks).
    pub labels: Vec<String>,
}

/// One line, set of bars or area. Rows sharing an x add up.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: Color,
    /// One per x key; `None` where no row had a number.
    pub values: Vec<Option<f64>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: f64,
    pub color: Color,
}

/// A number tile's value: the first `y` of the first row.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The tile's title.
    pub label: String,
    /// The `y` column it comes from.
    pub column: String,
    /// The value when it is a number.
    pub value: Option<f64>,
    /// Written in full (`$1,234,567.00`; the text itself when not a number; empty for a null).
    pub text: String,
    /// Written short (`$1.23M`).
    pub short: String,
}

/// A table tile's rows as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub columns: Vec<String>,
    /// What each column holds (numbers are aligned right; numbers and dates are not cut).
    pub kinds: Vec<ColumnType>,
    /// The first rows (at most `MAX_GRID_ROWS`), each cell formatted.
    pub rows: Vec<Vec<String>>,
    /// Rows in the result, shown or not.
    pub total_rows: usize,
}

impl Chart {
    /// Reads `table` as `spec` asks. Missing columns leave no data, nulls and values that are
    /// not numbers are skipped: nothing here fails.
    pub fn build(spec: &ChartSpec, table: &Table) -> Chart {
        let mut chart = Chart {
            kind: spec.kind,
            title: spec.title.clone(),
            rows: table.rows.len(),
            x: XAxis {
                column: spec.x.clone(),
                format: None,
                kind: XKind::Category,
                keys: Vec::new(),
                labels: Vec::new(),
            },
            series: Vec::new(),
            format: spec.y.first().and_then(|y| spec.formats.get(y)).cloned(),
            slices: Vec::new(),
            figure: None,
            grid: None,
            legend: true,
        };
        match spec.kind {
            ChartKind::Line | ChartKind::Bar | ChartKind::Area => {
                let (x, positions) = x_axis(spec, table);
                chart.series = series(spec, table, &positions, x.keys.len());
                chart.x = x;
            }
            ChartKind::Pie => chart.slices = slices(spec, table),
            ChartKind::Number => chart.figure = Some(figure(spec, table)),
            ChartKind::Table => chart.grid = Some(grid(spec, table)),
        }
        chart
    }

    /// The legend's entries: the series when there are several, a pie's slices; none when
    /// `legend` is off.
    pub fn legend(&self) -> Vec<(String, Color)> {
        match self.kind {
            _ if !self.legend => Vec::new(),
            ChartKind::Pie => self
                .slices
                .iter()
                .map(|s| (s.label.clone(), s.color))
                .collect(),
            _ if self.series.len() > 1 => self
                .series
                .iter()
                .map(|s| (s.name.clone(), s.color))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether a line, bar or area chart has a value to draw.
    pub fn has_values(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.values.iter().any(Option::is_some))
    }
}

#[cfg(test)]
impl ChartSpec {
    /// A spec for tests: `kind` over `x` and `y`, split by `series`, titled "Tile", no formats.
    pub(crate) fn of(kind: ChartKind, x: Option<&str>, y: &[&str], series: Option<&str>) -> Self {
        ChartSpec {
            kind,
            title: "Tile".into(),
            x: x.map(String::from),
            y: y.iter().map(|s| s.to_string()).collect(),
            series: series.map(String::from),
            formats: std::collections::BTreeMap::new(),
        }
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
