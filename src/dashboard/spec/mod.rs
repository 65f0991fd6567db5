//! `dashboards/<name>.yaml`: a dashboard's params and tiles, as the project declares them.

mod checks;
mod params;
mod parse;
pub mod schema;
mod tile;
mod tile_fields;

pub use checks::check_dashboards;
pub use params::{BUILT_INS, ParamDef, ParamType, ParamValue, Piece, bind, template};
pub use parse::parse_dashboard;

use crate::syntax::time::Span;
use crate::syntax::yaml::Pos;

use super::chart::ChartSpec;
use super::result::{Layout, TileMeta};

/// The most rows a table tile shows in the PDF unless the tile says otherwise.
pub const DEFAULT_MAX_ROWS: usize = 1_000;

/// A valid dashboard.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DashboardDef {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// How often the daemon recomputes its tiles.
    pub refresh: Option<Span>,
    pub params: Vec<ParamDef>,
    pub tiles: Vec<TileDef>,
    /// File path relative to the project.
    pub file: String,
    /// Where `name:` is written.
    #[serde(skip)]
    pub name_pos: Pos,
}

/// Where a tile's rows come from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// SQL run in the warehouse, `{{ param }}` placeholders split out.
    Sql {
        sql: String,
        #[serde(skip)]
        pieces: Vec<Piece>,
    },
    /// A figure cdp keeps in its state store.
    Metric(Metric),
}

/// The built-in metrics, read from the state store.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "metric")]
pub enum Metric {
    /// Each applied segment's size at its last refresh.
    SegmentSizes,
    /// One segment's size, entered and exited at each refresh.
    SegmentHistory { segment: String },
    /// Syncs, newest first.
    SyncRuns,
}

impl Metric {
    pub const NAMES: [&'static str; 3] = ["segment_sizes", "segment_history", "sync_runs"];

    /// The columns the metric gives, for checking `x`, `y` and `series` without running it.
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            Metric::SegmentSizes => &["segment", "members", "entered", "exited", "refreshed_at"],
            Metric::SegmentHistory { .. } => &["at", "members", "entered", "exited"],
            Metric::SyncRuns => &[
                "started_at",
                "segment",
                "destination",
                "status",
                "sent",
                "failed",
                "seconds",
            ],
        }
    }
}

/// A valid tile.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TileDef {
    pub id: String,
    pub chart: ChartSpec,
    pub source: Source,
    pub layout: Layout,
    pub page_break_before: bool,
    pub max_rows: usize,
    /// Where the tile starts in its file.
    #[serde(skip)]
    pub pos: Pos,
}

impl TileDef {
    pub fn meta(&self) -> TileMeta {
        TileMeta {
            id: self.id.clone(),
            chart: self.chart.clone(),
            layout: self.layout,
            page_break_before: self.page_break_before,
            max_rows: self.max_rows,
        }
    }

    /// The columns the tile names (`x`, `y`, `series`), each with the key that names it.
    pub fn named_columns(&self) -> Vec<(&'static str, &str)> {
        let c = &self.chart;
        let mut named: Vec<(&'static str, &str)> = Vec::new();
        if let Some(x) = &c.x {
            named.push(("x", x));
        }
        named.extend(c.y.iter().map(|y| ("y", y.as_str())));
        if let Some(s) = &c.series {
            named.push(("series", s));
        }
        named
    }
}

impl DashboardDef {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name)
    }
}
