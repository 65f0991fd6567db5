//! The report as a dashboard result, for the dashboard's PDF and Excel renderers: the verdict and
//! the headline figures as number tiles, conversion rate by arm as bars (the rate between the
//! bounds of its 95 % interval), and a table tile per section.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::CampaignReport;
use super::sections::{Section, headline, money_format, percent, sections};
use crate::dashboard::chart::{ChartKind, ChartSpec, Format};
use crate::dashboard::result::{Header, Layout, TileMeta, TileResult};
use crate::table::{Cell, Table};

/// Rows a table tile keeps (a report's tables are short).
const MAX_ROWS: usize = 50;

/// A place on the dashboard grid: x, y, width, height in grid cells.
type At = (u32, u32, u32, u32);

fn tile(id: &str, chart: ChartSpec, at: At, table: Table) -> TileResult {
    let (x, y, w, h) = at;
    TileResult {
        meta: TileMeta {
            id: id.to_string(),
            chart,
            layout: Layout { x, y, w, h },
            page_break_before: false,
            max_rows: MAX_ROWS,
        },
        total_rows: table.rows.len() as u64,
        table,
    }
}

fn spec(kind: ChartKind, title: &str, x: Option<&str>, y: &[&str]) -> ChartSpec {
    ChartSpec {
        kind,
        title: title.to_string(),
        x: x.map(str::to_string),
        y: y.iter().map(|c| c.to_string()).collect(),
        series: None,
        formats: BTreeMap::new(),
    }
}

/// A number tile of one value (a figure, or the verdict's words) in a column named `column`.
fn figure(
    (id, title, column): (&str, &str, &str),
    value: Cell,
    format: Option<Format>,
    at: At,
) -> TileResult {
    let mut chart = spec(ChartKind::Number, title, None, &[column]);
    if let Some(f) = format {
        chart.formats.insert(column.to_string(), f);
    }
    tile(id, chart, at, Table::new(&[column], vec![vec![value]]))
}

/// A section as a table tile.
fn table(section: Section, at: At) -> TileResult {
    let mut chart = spec(ChartKind::Table, &section.title, None, &[]);
    chart.formats = section.formats;
    tile(section.id, chart, at, section.table)
}

/// Conversion rate by arm: for each arm the low bound, the rate and the high bound of its
/// interval side by side.
fn rate_bars(r: &CampaignReport, at: At) -> TileResult {
    const COLUMNS: [&str; 4] = ["arm", "95% low", "rate", "95% high"];
    let rows = r
        .comparison
        .arms
        .iter()
        .map(|a| {
            let bound = |i: usize| a.rate_ci.map_or(Cell::Null, |ci| Cell::Float(ci[i]));
            let rate = a.rate.map_or(Cell::Null, Cell::Float);
            vec![Cell::Text(a.arm.as_str().into()), bound(0), rate, bound(1)]
        })
        .collect();
    let mut chart = spec(
        ChartKind::Bar,
        "Conversion rate by arm, with its 95% interval",
        Some(COLUMNS[0]),
        &COLUMNS[1..],
    );
    for c in &COLUMNS[1..] {
        chart.formats.insert(c.to_string(), Format::Percent);
    }
    tile("rate_by_arm", chart, at, Table::new(&COLUMNS, rows))
}

/// The export's header and tiles; `environment` is where the report was computed.
pub fn dashboard(
    r: &CampaignReport,
    environment: &str,
    generated_at: DateTime<Utc>,
) -> (Header, Vec<TileResult>) {
    let c = &r.comparison;
    let w = &r.window;
    let header = Header {
        name: format!("{}-report", r.campaign),
        title: format!("Campaign report: {}", r.campaign),
        description: Some(headline(r)),
        environment: environment.to_string(),
        generated_at,
        params: vec![
            ("goal".into(), format!("{} within {}", w.event, w.within)),
            ("holdout".into(), percent(Some(w.holdout_share))),
            ("verdict".into(), c.verdict.to_string()),
        ],
    };
    let money = Some(money_format(r));
    let figures = [
        (
            ("absolute_uplift", "Absolute uplift", "points"),
            c.uplift.absolute,
            Some(Format::Percent),
        ),
        (
            ("chance_to_beat", "Chance to beat", "holdout"),
            c.uplift.chance_to_beat,
            Some(Format::Percent),
        ),
        (
            ("incremental_conversions", "Incremental", "conversions"),
            c.incremental.conversions,
            Some(Format::Number),
        ),
        (
            ("incremental_revenue", "Incremental", "revenue"),
            c.incremental.revenue,
            money,
        ),
    ];
    let verdict = Cell::Text(c.verdict.to_string());
    let mut tiles = vec![figure(
        ("verdict", "Verdict", "verdict"),
        verdict,
        None,
        (0, 0, 4, 2),
    )];
    for (i, (names, value, format)) in figures.into_iter().enumerate() {
        let at = (4 + 2 * i as u32, 0, 2, 2);
        tiles.push(figure(
            names,
            value.map_or(Cell::Null, Cell::Float),
            format,
            at,
        ));
    }
    let mut parts = sections(r).into_iter();
    let mut next = |at: At| parts.next().map(|s| table(s, at));
    // Arms across the page; the rates drawn beside uplift and incremental; then the checks
    // and guardrails, which usually go to the second page.
    tiles.extend(next((0, 2, 12, 2)));
    tiles.push(rate_bars(r, (0, 4, 5, 4)));
    tiles.extend(next((5, 4, 7, 2)));
    tiles.extend(next((5, 6, 7, 2)));
    tiles.extend(next((0, 8, 12, 3)));
    tiles.extend(next((0, 11, 12, 2)));
    (header, tiles)
}
