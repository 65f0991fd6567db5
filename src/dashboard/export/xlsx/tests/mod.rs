//! Tests of the Excel export, reading the workbook back with calamine and unzipping its parts;
//! this file holds the fixtures and the sheet and cell checks.

mod charts;
mod stream;
mod warehouse;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::{NaiveDate, TimeZone, Utc};

use super::{XlsxExport, XlsxSummary};
use crate::dashboard::chart::{ChartKind, ChartSpec, Format};
use crate::dashboard::result::{Header, Layout, TileMeta};
use crate::table::Cell;
use crate::warehouse::RowSink;

pub fn header() -> Header {
    Header {
        name: "growth".into(),
        title: "Growth overview".into(),
        description: Some("Orders and signups by week".into()),
        environment: "prod".into(),
        generated_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap(),
        params: vec![
            ("country".into(), "FR".into()),
            ("since".into(), "2026-01-01".into()),
        ],
    }
}

pub fn tile(id: &str, kind: ChartKind, x: Option<&str>, y: &[&str]) -> TileMeta {
    TileMeta {
        id: id.into(),
        chart: ChartSpec {
            kind,
            title: format!("Title of {id}"),
            x: x.map(String::from),
            y: y.iter().map(|s| s.to_string()).collect(),
            series: None,
            formats: BTreeMap::new(),
        },
        layout: Layout {
            x: 0,
            y: 0,
            w: 6,
            h: 4,
        },
        page_break_before: false,
        max_rows: 50,
    }
}

/// A tile's result to stream: column names and rows.
pub struct Rows {
    pub names: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

pub fn rows(names: &[&str], rows: Vec<Vec<Cell>>) -> Rows {
    Rows {
        names: names.iter().map(|s| s.to_string()).collect(),
        rows,
    }
}

pub fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Writes a workbook of `tiles` with their `results` (in order) into a temporary directory.
pub fn export(
    tiles: &[TileMeta],
    results: &[Rows],
    row_limit: u32,
) -> (tempfile::TempDir, PathBuf, XlsxSummary) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dashboard.xlsx");
    let mut x = XlsxExport::with_row_limit(&path, &header(), tiles, row_limit).unwrap();
    for (i, result) in results.iter().enumerate() {
        let mut sink = x.tile(i).unwrap();
        sink.columns(&result.names).unwrap();
        for row in &result.rows {
            sink.row(row).unwrap();
        }
    }
    let summary = x.finish().unwrap();
    (dir, path, summary)
}

pub fn open(path: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(path).unwrap()
}

/// The cell at (`row`, `col`) of `sheet`, empty when absent.
pub fn cell(
    book: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    sheet: &str,
    at: (u32, u32),
) -> Data {
    let range = book.worksheet_range(sheet).unwrap();
    range.get_value(at).cloned().unwrap_or(Data::Empty)
}

/// The text of every part of the package whose name starts with `prefix`, by name.
pub fn parts(path: &Path, prefix: &str) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names
        .into_iter()
        .map(|name| {
            let mut text = String::new();
            zip.by_name(&name)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            (name, text)
        })
        .collect()
}

fn orders() -> (TileMeta, Rows) {
    let mut meta = tile("orders", ChartKind::Table, None, &[]);
    meta.chart.formats = BTreeMap::from([
        ("amount".to_string(), Format::Currency("USD".into())),
        ("share".to_string(), Format::Percent),
        ("day".to_string(), Format::Date),
        ("at_day".to_string(), Format::Date),
    ]);
    let at = Utc.with_ymd_and_hms(2026, 2, 1, 13, 45, 30).unwrap();
    let result = rows(
        &[
            "id", "amount", "share", "paid", "day", "at", "at_day", "note", "meta", "none",
        ],
        vec![
            vec![
                Cell::Int(1),
                Cell::Float(1234.5),
                Cell::Float(0.125),
                Cell::Bool(true),
                Cell::Date(day(2026, 2, 1)),
                Cell::Timestamp(at),
                Cell::Timestamp(at),
                text("first order"),
                Cell::Json("{\"a\":1}".into()),
                Cell::Null,
            ],
            vec![
                Cell::Int(-2),
                Cell::Float(f64::NAN),
                Cell::Null,
                Cell::Bool(false),
                Cell::Date(day(1850, 1, 1)),
                Cell::Null,
                Cell::Null,
                text("12"),
                Cell::Null,
                Cell::Null,
            ],
        ],
    );
    (meta, result)
}

#[test]
fn sheets_come_summary_first_then_tiles_cut_and_unique() {
    let long = "weekly_revenue_by_country_and_channel";
    let tiles = [
        tile(long, ChartKind::Table, None, &[]),
        tile(long, ChartKind::Table, None, &[]),
        tile("summary", ChartKind::Table, None, &[]),
        tile("a/b:c", ChartKind::Table, None, &[]),
    ];
    let results: Vec<Rows> = (0..4)
        .map(|_| rows(&["n"], vec![vec![Cell::Int(1)]]))
        .collect();
    let (_dir, path, summary) = export(&tiles, &results, 100);
    let expected = [
        "Summary",
        "weekly_revenue_by_country_and_c",
        "weekly_revenue_by_country_and~2",
        "summary~2",
        "a_b_c",
    ];
    assert_eq!(open(&path).sheet_names(), expected);
    let written: Vec<&str> = summary.tiles.iter().map(|t| t.sheets[0].as_str()).collect();
    assert_eq!(written, expected[1..]);
}

#[test]
fn cells_keep_their_types_and_values() {
    let (meta, result) = orders();
    let (_dir, path, summary) = export(&[meta], &[result], 100);
    assert_eq!(summary.tiles[0].rows, 2);
    let mut book = open(&path);
    let range = book.worksheet_range("orders").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "id", "amount", "share", "paid", "day", "at", "at_day", "note", "meta", "none"
        ]
    );

    let row = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(row(1, 0), Data::Float(1.0));
    assert_eq!(row(1, 1), Data::Float(1234.5));
    assert_eq!(row(1, 2), Data::Float(0.125));
    assert_eq!(row(1, 3), Data::Bool(true));
    match row(1, 4) {
        Data::DateTime(d) => assert_eq!(d.as_datetime().unwrap().date(), day(2026, 2, 1)),
        other => panic!("a date, not {other:?}"),
    }
    match row(1, 5) {
        Data::DateTime(d) => {
            assert_eq!(
                d.as_datetime().unwrap().and_utc().to_rfc3339(),
                "2026-02-01T13:45:30+00:00"
            )
        }
        other => panic!("a date-time, not {other:?}"),
    }
    assert!(matches!(row(1, 6), Data::DateTime(_)));
    assert_eq!(row(1, 7), Data::String("first order".into()));
    assert_eq!(row(1, 8), Data::String("{\"a\":1}".into()));
    assert_eq!(row(1, 9), Data::Empty);
    assert_eq!(row(2, 0), Data::Float(-2.0));
    // Excel has no NaN, and no date before 1900.
    assert_eq!(row(2, 1), Data::Empty);
    assert_eq!(row(2, 3), Data::Bool(false));
    assert_eq!(row(2, 4), Data::String("1850-01-01".into()));
    // Text that looks like a number stays the text it was.
    assert_eq!(row(2, 7), Data::String("12".into()));
    for r in 1..=2 {
        for c in [0, 1, 2] {
            assert!(
                !matches!(row(r, c), Data::String(_)),
                "({r}, {c}) is a number"
            );
        }
    }
}

#[test]
fn formats_headers_filters_and_widths_are_in_the_sheet() {
    let (meta, result) = orders();
    let (_dir, path, _) = export(&[meta], &[result], 100);
    let styles = open(&path).worksheet_style("orders").unwrap();
    let format = |at: (u32, u32)| {
        let style = styles.get(at);
        style
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
            .unwrap_or_default()
    };
    assert_eq!(format((1, 1)), "$#,##0.00");
    assert_eq!(format((1, 2)), "0.0%");
    assert_eq!(format((1, 4)), "yyyy-mm-dd");
    assert_eq!(format((1, 5)), "yyyy-mm-dd hh:mm:ss");
    // The timestamp of a column formatted as a date shows its day.
    assert_eq!(format((1, 6)), "yyyy-mm-dd");
    let bold = |at: (u32, u32)| {
        let font = styles.get(at).and_then(|s| s.font.as_ref());
        font.is_some_and(|f| f.is_bold())
    };
    assert!((0..10).all(|c| bold((0, c))));
    assert!(!bold((1, 0)));
    let sheet = &parts(&path, "xl/worksheets/sheet2.xml")["xl/worksheets/sheet2.xml"];
    assert!(sheet.contains("<autoFilter ref=\"A1:J3\"/>"), "{sheet}");
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(
        sheet.contains("<col min=\"8\" max=\"8\" width=\"12."),
        "{sheet}"
    );
}

#[test]
fn the_summary_says_what_ran_and_links_each_tile() {
    let (meta, result) = orders();
    let mut chart = tile("by day", ChartKind::Line, Some("day"), &["n"]);
    chart.chart.title = "Orders by day".into();
    let daily = rows(
        &["day", "n"],
        vec![vec![Cell::Date(day(2026, 1, 1)), Cell::Int(3)]],
    );
    let (_dir, path, _) = export(&[meta, chart], &[result, daily], 100);
    let mut book = open(&path);
    assert_eq!(
        cell(&mut book, "Summary", (0, 0)),
        Data::String("Growth overview".into())
    );
    assert_eq!(
        cell(&mut book, "Summary", (1, 0)),
        Data::String("Orders and signups by week".into())
    );
    assert_eq!(
        cell(&mut book, "Summary", (4, 1)),
        Data::String("prod".into())
    );
    match cell(&mut book, "Summary", (5, 1)) {
        Data::DateTime(d) => {
            assert_eq!(d.as_datetime().unwrap().to_string(), "2026-03-02 09:30:00")
        }
        other => panic!("a date-time, not {other:?}"),
    }
    assert_eq!(
        cell(&mut book, "Summary", (8, 0)),
        Data::String("country".into())
    );
    assert_eq!(
        cell(&mut book, "Summary", (9, 1)),
        Data::String("2026-01-01".into())
    );
    let top = super::summary::tiles_header_row(&header());
    assert_eq!(
        cell(&mut book, "Summary", (top, 0)),
        Data::String("Tile".into())
    );
    assert_eq!(
        cell(&mut book, "Summary", (top + 2, 0)),
        Data::String("Orders by day".into())
    );
    assert_eq!(
        cell(&mut book, "Summary", (top + 2, 1)),
        Data::String("line".into())
    );
    assert_eq!(cell(&mut book, "Summary", (top + 1, 2)), Data::Float(2.0));
    assert_eq!(
        cell(&mut book, "Summary", (top + 2, 3)),
        Data::String("by day".into())
    );

    let links = book.hyperlinks_by_sheet_name("Summary").unwrap();
    let mut found: Vec<(u32, String)> = links
        .iter()
        .map(|l| (l.range.start.0, l.location.clone().unwrap_or_default()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (top + 1, "'orders'!A1".to_string()),
            (top + 2, "'by day'!A1".to_string())
        ]
    );
}

#[test]
fn one_run_exports_the_same_bytes_and_says_what_it_is() {
    let (meta, result) = orders();
    let (_dir, first, _) = export(std::slice::from_ref(&meta), &[result], 100);
    let (_, result) = orders();
    let (_dir2, second, _) = export(&[meta], &[result], 100);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
    let core = &parts(&first, "docProps/core.xml")["docProps/core.xml"];
    assert!(
        core.contains("<dc:title>Growth overview</dc:title>"),
        "{core}"
    );
    assert!(core.contains("2026-03-02T09:30:00Z"), "{core}");
}
