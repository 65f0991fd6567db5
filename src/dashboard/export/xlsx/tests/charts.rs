//! Tests of the charts: one native chart part per chart tile, its series bound to the tile's
//! sheet, the pivoted block behind a `series` split, and a number tile's card.

use std::collections::BTreeMap;

use calamine::Data;

use super::{cell, day, export, open, parts, rows, text, tile};
use crate::dashboard::chart::{ChartKind, Format};
use crate::table::Cell;

/// The formulas (`<c:f>`) of a chart part, in order.
fn formulas(xml: &str) -> Vec<String> {
    xml.split("<c:f>")
        .skip(1)
        .filter_map(|s| s.split("</c:f>").next())
        .map(String::from)
        .collect()
}

#[test]
fn every_chart_tile_has_a_native_chart_bound_to_its_sheet() {
    let mut line = tile(
        "revenue",
        ChartKind::Line,
        Some("day"),
        &["revenue", "orders"],
    );
    line.chart.formats = BTreeMap::from([("revenue".into(), Format::Currency("EUR".into()))]);
    let daily = rows(
        &["day", "revenue", "orders"],
        (1..=3)
            .map(|d| {
                vec![
                    Cell::Date(day(2026, 1, d)),
                    Cell::Float(10.5 * d as f64),
                    Cell::Int(d as i64),
                ]
            })
            .collect(),
    );
    let bar = tile("by channel", ChartKind::Bar, Some("channel"), &["n"]);
    let channels = rows(
        &["channel", "n"],
        vec![
            vec![text("email"), Cell::Int(4)],
            vec![text("ads"), Cell::Int(7)],
        ],
    );
    let area = tile("area", ChartKind::Area, Some("channel"), &["n"]);
    let pie = tile("share", ChartKind::Pie, Some("channel"), &["n"]);
    let table = tile("raw", ChartKind::Table, None, &[]);
    let again = || rows(&["channel", "n"], vec![vec![text("email"), Cell::Int(4)]]);
    let (_dir, path, _) = export(
        &[line, bar, area, table, pie],
        &[daily, channels, again(), again(), again()],
        100,
    );

    let charts = parts(&path, "xl/charts/chart");
    assert_eq!(charts.len(), 4, "{:?}", charts.keys());
    let line = &charts["xl/charts/chart1.xml"];
    assert!(line.contains("<c:lineChart>"), "{line}");
    assert_eq!(
        formulas(line),
        [
            "revenue!$B$1",
            "revenue!$A$2:$A$4",
            "revenue!$B$2:$B$4",
            "revenue!$C$1",
            "revenue!$A$2:$A$4",
            "revenue!$C$2:$C$4",
        ]
    );
    assert!(line.contains("Title of revenue"), "{line}");
    let bar = &charts["xl/charts/chart2.xml"];
    assert!(bar.contains("<c:barDir val=\"col\"/>"), "{bar}");
    assert_eq!(
        formulas(bar),
        [
            "'by channel'!$B$1",
            "'by channel'!$A$2:$A$3",
            "'by channel'!$B$2:$B$3"
        ]
    );
    assert!(charts["xl/charts/chart3.xml"].contains("<c:areaChart>"));
    let pie = &charts["xl/charts/chart4.xml"];
    assert!(pie.contains("<c:pieChart>"), "{pie}");
    assert_eq!(formulas(pie), ["share!$B$1", "share!$A$2", "share!$B$2"]);

    // Each chart is drawn on its own tile's sheet.
    let rels = parts(&path, "xl/drawings/_rels/");
    assert_eq!(rels.len(), 4);
    let sheet_rels = parts(&path, "xl/worksheets/_rels/");
    let with_drawing: Vec<&String> = sheet_rels.keys().collect();
    assert_eq!(
        with_drawing,
        [
            "xl/worksheets/_rels/sheet2.xml.rels",
            "xl/worksheets/_rels/sheet3.xml.rels",
            "xl/worksheets/_rels/sheet4.xml.rels",
            "xl/worksheets/_rels/sheet6.xml.rels",
        ]
    );
}

#[test]
fn a_series_column_is_pivoted_into_one_chart_series_per_value() {
    let mut meta = tile("signups", ChartKind::Bar, Some("week"), &["n"]);
    meta.chart.series = Some("channel".into());
    meta.chart.formats = BTreeMap::from([("n".into(), Format::Number)]);
    let result = rows(
        &["week", "channel", "n"],
        vec![
            vec![Cell::Date(day(2026, 1, 5)), text("email"), Cell::Int(1200)],
            vec![Cell::Date(day(2026, 1, 5)), text("ads"), Cell::Int(30)],
            vec![Cell::Date(day(2026, 1, 12)), text("email"), Cell::Int(5)],
            vec![Cell::Date(day(2026, 1, 12)), text("email"), Cell::Int(6)],
            vec![Cell::Date(day(2026, 1, 19)), text("ads"), Cell::Float(2.5)],
        ],
    );
    let (_dir, path, _) = export(&[meta], &[result], 100);
    let mut book = open(&path);
    // The data in A:C, a gap, then the pivot in E:G.
    assert_eq!(
        cell(&mut book, "signups", (0, 4)),
        Data::String("week".into())
    );
    assert_eq!(
        cell(&mut book, "signups", (0, 5)),
        Data::String("email".into())
    );
    assert_eq!(
        cell(&mut book, "signups", (0, 6)),
        Data::String("ads".into())
    );
    assert!(matches!(
        cell(&mut book, "signups", (3, 4)),
        Data::DateTime(_)
    ));
    assert_eq!(cell(&mut book, "signups", (1, 5)), Data::Float(1200.0));
    assert_eq!(cell(&mut book, "signups", (2, 5)), Data::Float(11.0));
    assert_eq!(cell(&mut book, "signups", (2, 6)), Data::Empty);
    assert_eq!(cell(&mut book, "signups", (3, 6)), Data::Float(2.5));
    assert_eq!(cell(&mut book, "signups", (4, 4)), Data::Empty);
    let styles = book.worksheet_style("signups").unwrap();
    let format = |at| styles.get(at).and_then(|s| s.number_format.clone());
    assert_eq!(format((1, 5)).unwrap().format_code, "#,##0");
    assert_eq!(format((3, 6)).unwrap().format_code, "#,##0.00");

    let chart = &parts(&path, "xl/charts/chart1.xml")["xl/charts/chart1.xml"];
    assert_eq!(
        formulas(chart),
        [
            "signups!$F$1",
            "signups!$E$2:$E$4",
            "signups!$F$2:$F$4",
            "signups!$G$1",
            "signups!$E$2:$E$4",
            "signups!$G$2:$G$4",
        ]
    );
    // The chart sits to the right of the pivot.
    let drawing = &parts(&path, "xl/drawings/drawing1.xml")["xl/drawings/drawing1.xml"];
    assert!(
        drawing.contains("<xdr:from><xdr:col>8</xdr:col>"),
        "{drawing}"
    );
}

#[test]
fn a_chart_tile_without_rows_still_has_its_chart() {
    let mut split = tile("split", ChartKind::Area, Some("week"), &["n"]);
    split.chart.series = Some("channel".into());
    let plain = tile("plain", ChartKind::Line, Some("week"), &["n"]);
    let empty = || rows(&["week", "channel", "n"], vec![]);
    let (_dir, path, summary) = export(&[split, plain], &[empty(), empty()], 100);
    assert_eq!(summary.tiles[0].rows, 0);
    let charts = parts(&path, "xl/charts/");
    assert_eq!(charts.len(), 2);
    assert_eq!(
        formulas(&charts["xl/charts/chart1.xml"]),
        ["split!$C$1", "split!$A$2", "split!$C$2"]
    );
}

#[test]
fn a_number_tile_is_its_title_over_its_value() {
    let mut meta = tile("total", ChartKind::Number, None, &["members"]);
    meta.chart.title = "Members".into();
    meta.chart.formats = BTreeMap::from([("members".into(), Format::Number)]);
    let result = rows(&["members"], vec![vec![Cell::Int(123_456)]]);
    let (_dir, path, _) = export(&[meta], &[result], 100);
    let mut book = open(&path);
    assert_eq!(
        cell(&mut book, "total", (0, 0)),
        Data::String("members".into())
    );
    assert_eq!(cell(&mut book, "total", (1, 0)), Data::Float(123_456.0));
    assert_eq!(
        cell(&mut book, "total", (0, 2)),
        Data::String("Members".into())
    );
    assert_eq!(cell(&mut book, "total", (1, 2)), Data::Float(123_456.0));
    assert!(parts(&path, "xl/charts/").is_empty());
    let styles = book.worksheet_style("total").unwrap();
    let value_style = styles.get((1, 2)).unwrap();
    assert!(
        value_style.font.as_ref().is_some_and(|f| f.is_bold()),
        "{value_style:?}"
    );
}

#[test]
fn a_chart_reading_a_column_the_query_lacks_fails_the_tile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    let meta = tile("t", ChartKind::Line, Some("day"), &["missing"]);
    let mut x = super::XlsxExport::create(&path, &super::header(), &[meta]).unwrap();
    let mut sink = x.tile(0).unwrap();
    let err = crate::warehouse::RowSink::columns(&mut sink, &["day".to_string()]).unwrap_err();
    let source = std::error::Error::source(&err).map(|e| e.to_string());
    assert_eq!(
        source.as_deref(),
        Some("tile `t`: the chart reads `missing`, a column the query did not return")
    );
}
