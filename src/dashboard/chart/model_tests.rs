//! Cases of reading results into charts, and of laying out awkward ones without failing.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::dashboard::chart::scene::Item;
use crate::table::{Cell, ColumnType};

fn spec(kind: ChartKind, x: Option<&str>, y: &[&str], series: Option<&str>) -> ChartSpec {
    ChartSpec::of(kind, x, y, series)
}

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

fn date(d: u32) -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(2026, 6, d).unwrap())
}

#[test]
fn each_y_column_is_a_series_and_rows_sharing_an_x_add_up() {
    let t = Table::new(
        &["day", "a", "b"],
        vec![
            vec![date(2), Cell::Int(1), Cell::Float(0.5)],
            vec![date(1), Cell::Int(2), Cell::Null],
            vec![date(2), text("3"), text("n/a")],
            vec![Cell::Null, Cell::Int(100), Cell::Int(100)],
        ],
    );
    let c = Chart::build(&spec(ChartKind::Line, Some("day"), &["a", "b"], None), &t);
    assert_eq!(c.x.kind, XKind::Time { days_only: true });
    assert_eq!(c.x.labels, ["2026-06-01", "2026-06-02"]);
    assert_eq!(c.series.len(), 2);
    assert_eq!(c.series[0].name, "a");
    assert_eq!(c.series[0].values, [Some(2.0), Some(4.0)]);
    assert_eq!(c.series[1].values, [None, Some(0.5)]);
    assert_eq!(c.series[0].color, PALETTE[0]);
    assert_eq!(c.series[1].color, PALETTE[1]);
    assert_eq!(c.legend().len(), 2);
    assert!(c.has_values());
}

#[test]
fn a_series_column_splits_the_first_y_in_first_seen_order() {
    let at = |h| Cell::Timestamp(Utc.with_ymd_and_hms(2026, 6, 1, h, 0, 0).unwrap());
    let t = Table::new(
        &["at", "channel", "n", "ignored"],
        vec![
            vec![at(9), text("web"), Cell::Int(5), Cell::Int(0)],
            vec![at(8), text("app"), Cell::Int(7), Cell::Int(0)],
            vec![at(8), text("web"), Cell::Int(1), Cell::Int(0)],
            vec![at(9), Cell::Null, Cell::Int(2), Cell::Int(0)],
        ],
    );
    let s = spec(
        ChartKind::Bar,
        Some("at"),
        &["n", "ignored"],
        Some("channel"),
    );
    let c = Chart::build(&s, &t);
    assert_eq!(c.x.kind, XKind::Time { days_only: false });
    let names: Vec<&str> = c.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["web", "app", "(empty)"]);
    assert_eq!(c.series[0].values, [Some(1.0), Some(5.0)]);
    assert_eq!(c.series[1].values, [Some(7.0), None]);
    assert_eq!(c.series[2].values, [None, Some(2.0)]);
}

#[test]
fn numbers_sort_text_keeps_its_order_and_no_x_numbers_the_rows() {
    let t = Table::new(
        &["k", "name", "v"],
        vec![
            vec![Cell::Int(10), text("b"), Cell::Int(1)],
            vec![Cell::Float(2.5), text("a"), Cell::Int(2)],
            vec![Cell::Int(10), text("b"), Cell::Int(3)],
        ],
    );
    let c = Chart::build(&spec(ChartKind::Line, Some("k"), &["v"], None), &t);
    assert_eq!(c.x.kind, XKind::Number);
    assert_eq!(c.x.keys, [2.5, 10.0]);
    assert_eq!(c.series[0].values, [Some(2.0), Some(4.0)]);
    let c = Chart::build(&spec(ChartKind::Line, Some("name"), &["v"], None), &t);
    assert_eq!(c.x.kind, XKind::Category);
    assert_eq!(c.x.labels, ["b", "a"]);
    assert_eq!(c.series[0].values, [Some(4.0), Some(2.0)]);
    let c = Chart::build(&spec(ChartKind::Line, None, &["v"], None), &t);
    assert_eq!(c.x.labels, ["1", "2", "3"]);
    assert_eq!(c.series[0].values, [Some(1.0), Some(2.0), Some(3.0)]);
    assert!(c.legend().is_empty());
}

#[test]
fn missing_columns_leave_no_data() {
    let t = Table::new(&["x", "y"], vec![vec![text("a"), Cell::Int(1)]]);
    let missing_x = Chart::build(&spec(ChartKind::Bar, Some("nope"), &["y"], None), &t);
    assert!(!missing_x.has_values());
    let missing_y = Chart::build(&spec(ChartKind::Bar, Some("x"), &["nope"], None), &t);
    assert!(missing_y.series.is_empty());
    let s = spec(ChartKind::Bar, Some("x"), &["y"], Some("nope"));
    assert!(Chart::build(&s, &t).series.is_empty());
    let pie = Chart::build(&spec(ChartKind::Pie, Some("nope"), &["y"], None), &t);
    assert!(pie.slices.is_empty());
    let figure = Chart::build(&spec(ChartKind::Number, None, &["nope"], None), &t);
    assert_eq!(figure.figure.map(|f| f.text), Some(String::new()));
    let scene = missing_x.scene(300.0, 200.0);
    assert!(matches!(&scene.items[..], [Item::Text { text, .. }] if text == "No values to chart"));
}

#[test]
fn a_pie_keeps_positive_totals_largest_first_and_sums_the_rest_into_other() {
    let rows: Vec<Vec<Cell>> = (1..=10)
        .map(|i| vec![text(&format!("s{i}")), Cell::Int(i)])
        .chain([
            vec![text("neg"), Cell::Int(-5)],
            vec![text("s1"), Cell::Int(20)],
        ])
        .collect();
    let t = Table::new(&["name", "n"], rows);
    let c = Chart::build(&spec(ChartKind::Pie, Some("name"), &["n"], None), &t);
    let got: Vec<(&str, f64)> = c
        .slices
        .iter()
        .map(|s| (s.label.as_str(), s.value))
        .collect();
    assert_eq!(
        got,
        [
            ("s1", 21.0),
            ("s10", 10.0),
            ("s9", 9.0),
            ("s8", 8.0),
            ("s7", 7.0),
            ("s6", 6.0),
            ("s5", 5.0),
            ("Other", 9.0)
        ]
    );
    assert_eq!(c.slices[7].color, OTHER);
    assert_eq!(c.legend().len(), 8);
    let mut eight = t.clone();
    eight.rows.truncate(8);
    let c = Chart::build(&spec(ChartKind::Pie, Some("name"), &["n"], None), &eight);
    assert_eq!(c.slices.len(), 8);
    assert!(
        c.slices
            .iter()
            .all(|s| s.color != OTHER && s.label != "Other")
    );
}

#[test]
fn a_number_tile_reads_the_first_y_of_the_first_row_in_its_format() {
    let t = Table::new(
        &["revenue", "n"],
        vec![
            vec![Cell::Float(1_234_567.891), Cell::Int(3)],
            vec![Cell::Int(1), Cell::Int(1)],
        ],
    );
    let mut s = spec(ChartKind::Number, None, &["revenue"], None);
    s.formats
        .insert("revenue".into(), Format::Currency("USD".into()));
    let f = Chart::build(&s, &t).figure.unwrap();
    assert_eq!(f.label, "Tile");
    assert_eq!(f.column, "revenue");
    assert_eq!(f.value, Some(1_234_567.891));
    assert_eq!(f.text, "$1,234,567.89");
    assert_eq!(f.short, "$1.23M");
}

#[test]
fn a_table_tile_formats_its_cells_by_column() {
    let t = Table::new(
        &["name", "share", "when"],
        vec![
            vec![text("a"), Cell::Float(0.5), date(3)],
            vec![text("b"), Cell::Null, Cell::Null],
        ],
    );
    let mut s = spec(ChartKind::Table, None, &[], None);
    s.formats.insert("share".into(), Format::Percent);
    let g = Chart::build(&s, &t).grid.unwrap();
    assert_eq!(g.columns, ["name", "share", "when"]);
    assert_eq!(
        g.kinds,
        [ColumnType::Text, ColumnType::Float, ColumnType::Date]
    );
    assert_eq!(g.rows, [["a", "50 %", "2026-06-03"], ["b", "", ""]]);
    assert_eq!(g.total_rows, 2);
}

#[test]
fn awkward_results_and_boxes_lay_out_without_failing() {
    let t = Table::new(
        &["x", "y", "z"],
        vec![
            vec![
                Cell::Json("{}".into()),
                Cell::Float(f64::NAN),
                Cell::Bool(true),
            ],
            vec![Cell::Int(3), Cell::Float(f64::INFINITY), Cell::Int(-4)],
            vec![
                text("a very long label that will never fit anywhere at all"),
                Cell::Int(0),
                Cell::Null,
            ],
            vec![date(1), Cell::Int(i64::MAX), Cell::Float(-1e300)],
        ],
    );
    for (_, kind) in ChartKind::ALL {
        let s = spec(kind, Some("x"), &["y", "z"], None);
        let c = Chart::build(&s, &t);
        for (w, h) in [
            (0.0, 0.0),
            (12.0, 9.0),
            (80.0, 40.0),
            (480.0, 260.0),
            (2000.0, 40.0),
        ] {
            let scene = c.scene(w, h);
            assert!(scene.width >= 1.0 && scene.height >= 1.0);
            for item in &scene.items {
                let finite = match item {
                    Item::Text { at, size, .. } => {
                        at.0.is_finite() && at.1.is_finite() && size.is_finite()
                    }
                    Item::Rect { x, y, w, h, .. } => [x, y, w, h].iter().all(|v| v.is_finite()),
                    Item::Circle { center, r, .. } => {
                        center.0.is_finite() && center.1.is_finite() && r.is_finite()
                    }
                    Item::Line { from, to, .. } => {
                        [from.0, from.1, to.0, to.1].iter().all(|v| v.is_finite())
                    }
                    Item::Polyline { points, .. } | Item::Polygon { points, .. } => {
                        points.iter().all(|p| p.0.is_finite() && p.1.is_finite())
                    }
                };
                assert!(finite, "{kind:?} at {w}x{h}: {item:?}");
            }
        }
    }
}
