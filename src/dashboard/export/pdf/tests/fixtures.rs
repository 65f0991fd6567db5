//! A dashboard run made by hand for the PDF tests: its header, a line chart, two number tiles
//! and three tables (long, empty, cut by `max_rows`), and a chart model that draws them.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};

use crate::dashboard::chart::scene::{Anchor, Color, Item, Scene};
use crate::dashboard::chart::{ChartKind, ChartSpec, Format};
use crate::dashboard::export::pdf::Drawing;
use crate::dashboard::result::{Header, Layout, TileMeta, TileResult};
use crate::table::{Cell, Table};

pub fn header() -> Header {
    Header {
        name: "customer_health".to_string(),
        title: "Customer health".to_string(),
        description: Some(
            "Who is active, who converts and who is slipping away, refreshed every morning \
             from the warehouse."
                .to_string(),
        ),
        environment: "prod".to_string(),
        generated_at: Utc.with_ymd_and_hms(2026, 11, 30, 7, 5, 0).unwrap(),
        params: vec![
            ("days".to_string(), "30".to_string()),
            ("country".to_string(), "US".to_string()),
        ],
    }
}

pub fn tile(
    id: &str,
    kind: ChartKind,
    title: &str,
    (x, y, w, h): (u32, u32, u32, u32),
) -> TileResult {
    TileResult {
        meta: TileMeta {
            id: id.to_string(),
            chart: ChartSpec {
                kind,
                title: title.to_string(),
                x: None,
                y: Vec::new(),
                series: None,
                formats: BTreeMap::new(),
            },
            layout: Layout { x, y, w, h },
            page_break_before: false,
            max_rows: 1000,
        },
        table: Table::default(),
        total_rows: 0,
    }
}

/// `rows` customers: name, country, orders, revenue and the day last seen.
pub fn customers(rows: usize) -> Table {
    let countries = ["US", "DE", "FR", "BR", "JP"];
    let rows = (1..=rows)
        .map(|i| {
            vec![
                Cell::Text(format!("customer-{i:04}")),
                Cell::Text(countries[i % countries.len()].to_string()),
                Cell::Int((i * 7 % 50) as i64),
                Cell::Float(i as f64 * 12.5),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 11, 1 + (i % 28) as u32).unwrap()),
            ]
        })
        .collect();
    Table::new(
        &["customer", "country", "orders", "revenue", "last_seen"],
        rows,
    )
}

/// The report the tests render: charts on top, then a long table, then a small empty table
/// beside one cut by `max_rows`.
pub fn tiles() -> Vec<TileResult> {
    let mut line = tile(
        "active",
        ChartKind::Line,
        "Daily active customers",
        (0, 0, 8, 4),
    );
    line.table = Table::new(&["day", "active"], vec![vec![Cell::Int(1), Cell::Int(10)]]);
    line.total_rows = 1;
    let mut count = tile("count", ChartKind::Number, "Customers", (8, 0, 4, 2));
    count.table = Table::new(&["n"], vec![vec![Cell::Int(48_213)]]);
    count.total_rows = 1;
    let mut rate = tile("rate", ChartKind::Number, "Conversion", (8, 2, 4, 2));
    rate.table = Table::new(&["rate"], vec![vec![Cell::Float(0.125)]]);
    rate.total_rows = 1;
    let mut top = tile("top", ChartKind::Table, "Top customers", (0, 4, 12, 5));
    top.table = customers(300);
    top.total_rows = 300;
    top.meta
        .chart
        .formats
        .insert("revenue".to_string(), Format::Currency("USD".to_string()));
    let mut churned = tile(
        "churned",
        ChartKind::Table,
        "Churned this week",
        (0, 9, 6, 3),
    );
    churned.table = Table::new(&["customer", "churned_at"], Vec::new());
    let mut events = tile("events", ChartKind::Table, "Recent events", (6, 9, 6, 3));
    events.table = customers(5);
    events.total_rows = 12_005;
    events.meta.max_rows = 5;
    vec![line, count, rate, top, churned, events]
}

const BLUE: Color = Color(0x25, 0x63, 0xeb);
const GREY: Color = Color(0x9c, 0xa3, 0xaf);
const TEXT: Color = Color(0x37, 0x41, 0x51);

/// Draws what the chart model would, by hand: a line chart with axes, grid, area and points,
/// and a number tile's big number.
pub struct Sketch;

impl Sketch {
    fn line(width: f32, height: f32) -> Vec<Item> {
        let (left, bottom, top, right) = (36.0, height - 22.0, 6.0, width - 8.0);
        let mut items = Vec::new();
        for step in 0..=4 {
            let y = bottom - (bottom - top) * step as f32 / 4.0;
            items.push(Item::Line {
                from: (left, y),
                to: (right, y),
                stroke: GREY,
                width: 0.5,
                dash: (step > 0).then_some(2.0),
            });
            items.push(text(
                (left - 4.0, y + 3.0),
                &format!("{}", step * 25),
                Anchor::End,
            ));
        }
        let values = [12.0, 30.0, 22.0, 48.0, 41.0, 66.0, 58.0, 80.0, 74.0, 92.0];
        let points: Vec<(f32, f32)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let x = left + (right - left) * i as f32 / (values.len() - 1) as f32;
                (x, bottom - (bottom - top) * v / 100.0)
            })
            .collect();
        let mut area = points.clone();
        area.extend([(right, bottom), (left, bottom)]);
        items.push(Item::Polygon {
            points: area,
            fill: BLUE,
            opacity: 0.15,
        });
        items.push(Item::Polyline {
            points: points.clone(),
            stroke: BLUE,
            width: 1.5,
        });
        for (i, p) in points.iter().enumerate() {
            items.push(Item::Circle {
                center: *p,
                r: 2.0,
                fill: BLUE,
            });
            items.push(text(
                (p.0, bottom + 12.0),
                &format!("Nov {}", i + 1),
                Anchor::Middle,
            ));
        }
        items.push(Item::Text {
            at: (10.0, (top + bottom) / 2.0),
            text: "customers".to_string(),
            size: 7.0,
            color: TEXT,
            anchor: Anchor::Middle,
            bold: false,
            rotate: -90.0,
        });
        items
    }

    fn number(tile: &TileResult, width: f32, height: f32) -> Vec<Item> {
        let value = tile
            .table
            .rows
            .first()
            .and_then(|r| r.first())
            .map(|c| Sketch.cell(c, None))
            .unwrap_or_default();
        vec![Item::Text {
            at: (width / 2.0, height / 2.0 + 10.0),
            text: value,
            size: 28.0,
            color: BLUE,
            anchor: Anchor::Middle,
            bold: true,
            rotate: 0.0,
        }]
    }
}

fn text(at: (f32, f32), text: &str, anchor: Anchor) -> Item {
    Item::Text {
        at,
        text: text.to_string(),
        size: 7.0,
        color: TEXT,
        anchor,
        bold: false,
        rotate: 0.0,
    }
}

impl Drawing for Sketch {
    fn chart(&self, tile: &TileResult, width: f32, height: f32) -> Scene {
        let items = match tile.meta.chart.kind {
            ChartKind::Number => Sketch::number(tile, width, height),
            _ => Sketch::line(width, height),
        };
        Scene {
            width,
            height,
            items,
        }
    }

    fn cell(&self, cell: &Cell, format: Option<&Format>) -> String {
        match (cell, format) {
            (Cell::Float(v), Some(Format::Currency(_))) => format!("${v:.2}"),
            (Cell::Int(v), _) => {
                let sign = if *v < 0 { "-" } else { "" };
                format!("{sign}{}", super::super::fonts::grouped(v.unsigned_abs()))
            }
            (Cell::Float(v), _) => format!("{v:.3}"),
            (other, _) => other.to_text(),
        }
    }
}
