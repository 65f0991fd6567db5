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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::report::{Window, compare_guardrail};
    use crate::campaign::stats::{ArmTotals, compare};

    fn report() -> CampaignReport {
        let arm = |users, conversions, revenue: f64| ArmTotals {
            users,
            conversions,
            revenue,
            revenue_sq: revenue * 80.0,
        };
        let (t, h) = (arm(9000, 900, 72_000.0), arm(1000, 50, 4_000.0));
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .to_utc();
        CampaignReport {
            campaign: "spring".into(),
            window: Window {
                event: "purchase".into(),
                within: "14d".into(),
                first_assigned: at,
                last_assigned: at,
                holdout_share: 0.1,
                currency: Some("USD".into()),
            },
            generated_at: at,
            comparison: compare(&t, &h, 0.1).unwrap(),
            guardrails: vec![compare_guardrail("unsubscribe", [90, 10], &t, &h)],
        }
    }

    #[test]
    fn every_section_becomes_a_tile_on_the_grid_after_the_figures_and_the_rate_chart() {
        let (header, tiles) = dashboard(&report(), "prod", report().generated_at);
        assert_eq!(header.name, "spring-report");
        assert_eq!(header.environment, "prod");
        let ids: Vec<&str> = tiles.iter().map(|t| t.meta.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "verdict",
                "absolute_uplift",
                "chance_to_beat",
                "incremental_conversions",
                "incremental_revenue",
                "arms",
                "rate_by_arm",
                "uplift",
                "incremental",
                "checks",
                "guardrails"
            ]
        );
        for t in &tiles {
            let l = t.meta.layout;
            assert!(
                l.x + l.w <= 12 && l.w > 0 && l.h > 0,
                "{} at {l:?}",
                t.meta.id
            );
            assert_eq!(t.total_rows as usize, t.table.rows.len());
        }
        assert_eq!(tiles[0].table.rows, [[Cell::Text("treatment wins".into())]]);
        let bars = &tiles[6];
        assert_eq!(bars.meta.chart.kind, ChartKind::Bar);
        assert_eq!(bars.table.rows.len(), 2);
        let [low, rate, high] = [1, 2, 3].map(|i| match bars.table.rows[0][i] {
            Cell::Float(f) => f,
            _ => panic!("{:?}", bars.table.rows[0]),
        });
        assert!(low < rate && rate < high && (rate - 0.1).abs() < 1e-12);
    }

    #[test]
    fn a_section_prints_each_cell_in_its_columns_format() {
        let arms = super::super::sections::arms(&report());
        let rows = arms.text_rows();
        assert_eq!(rows[0][0], Cell::Text("treatment".into()));
        assert_eq!(rows[0][1], Cell::Text("9,000".into()));
        assert_eq!(rows[0][3], Cell::Text("10 %".into()));
        assert_eq!(rows[0][6], Cell::Text("$72,000.00".into()));
        assert_eq!(rows[1][7], Cell::Text("$4.00".into()));
        let checks = super::super::sections::checks(&report());
        assert_eq!(checks.table.rows[1][1], Cell::Text("> 99.99 %".into()));
    }
}
