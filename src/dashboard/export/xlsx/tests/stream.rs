//! Tests of the stream: continuation sheets past the row limit, rows out of protocol, and the
//! speed and memory of large tiles.

use std::time::Instant;

use calamine::{Data, Reader};

use super::{cell, day, export, header, open, rows, text, tile};
use crate::dashboard::chart::ChartKind;
use crate::dashboard::export::xlsx::{TileWritten, XlsxError, XlsxExport};
use crate::table::Cell;
use crate::warehouse::{RowSink, WarehouseError};

#[test]
fn rows_past_the_limit_continue_on_numbered_sheets_with_the_header() {
    let tiles = [
        tile("events", ChartKind::Table, None, &[]),
        tile("events (2)", ChartKind::Table, None, &[]),
    ];
    let many = rows(
        &["n", "label"],
        (0..9)
            .map(|i| vec![Cell::Int(i), text(&format!("row {i}"))])
            .collect(),
    );
    let one = rows(&["n"], vec![vec![Cell::Int(0)]]);
    // Four rows a sheet: the header and three rows.
    let (_dir, path, summary) = export(&tiles, &[many, one], 4);
    assert_eq!(
        summary.tiles[0].sheets,
        ["events", "events (2)~2", "events (3)"]
    );
    assert_eq!(summary.tiles[0].rows, 9);
    let mut book = open(&path);
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "events",
            "events (2)~2",
            "events (3)",
            "events (2)"
        ]
    );
    for (sheet, first) in [("events", 0), ("events (2)~2", 3), ("events (3)", 6)] {
        let range = book.worksheet_range(sheet).unwrap();
        assert_eq!(range.height(), 4, "{sheet}");
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("n".into())));
        assert_eq!(range.get_value((1, 0)), Some(&Data::Float(first as f64)));
        assert_eq!(
            range.get_value((3, 1)),
            Some(&Data::String(format!("row {}", first + 2)))
        );
    }
    let top = crate::dashboard::export::xlsx::summary::tiles_header_row(&header());
    assert_eq!(
        cell(&mut book, "Summary", (top + 1, 4)),
        Data::String("events (2)~2, events (3)".into())
    );
}

#[test]
fn the_real_limit_is_excels_last_row() {
    let dir = tempfile::tempdir().unwrap();
    let x = XlsxExport::create(&dir.path().join("x.xlsx"), &header(), &[]).unwrap();
    assert_eq!(x.book.row_limit, 1_048_576);
}

fn inner(err: WarehouseError) -> String {
    match err {
        WarehouseError::Sink(e) => e.to_string(),
        other => panic!("a sink error, not {other}"),
    }
}

#[test]
fn rows_out_of_protocol_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tiles = [tile("t", ChartKind::Table, None, &[])];
    let mut x = XlsxExport::create(&dir.path().join("x.xlsx"), &header(), &tiles).unwrap();
    assert!(matches!(
        x.tile(1),
        Err(XlsxError::NoTile { index: 1, count: 1 })
    ));
    let mut sink = x.tile(0).unwrap();
    let early = sink.row(&[Cell::Int(1)]).unwrap_err();
    assert_eq!(inner(early), "tile `t`: rows arrived before its columns");
    let names = ["a".to_string(), "b".to_string()];
    sink.columns(&names).unwrap();
    sink.columns(&names).unwrap();
    let short = sink.row(&[Cell::Int(1)]).unwrap_err();
    assert_eq!(inner(short), "tile `t`: a row of 1 cells under 2 columns");
    sink.row(&[Cell::Int(1), Cell::Null]).unwrap();
    let again = sink.columns(&names).unwrap_err();
    assert_eq!(inner(again), "tile `t`: its result arrived a second time");
    let summary = x.finish().unwrap();
    assert_eq!(summary.tiles[0].rows, 1);
}

#[test]
fn a_tile_that_never_streamed_still_has_its_sheet() {
    let tiles = [tile("never", ChartKind::Line, Some("x"), &["y"])];
    let (_dir, path, summary) = export(&tiles, &[], 100);
    assert_eq!(summary.tiles[0].rows, 0);
    let mut book = open(&path);
    assert_eq!(book.sheet_names(), ["Summary", "never"]);
    assert_eq!(
        cell(&mut book, "never", (0, 0)),
        Data::String("The tile's query returned no result.".into())
    );
}

/// A row of every type, the `i`th of a large tile.
fn wide_row(i: i64) -> Vec<Cell> {
    vec![
        Cell::Int(i),
        Cell::Float(i as f64 * 0.37),
        text(&format!("customer-{i:08}")),
        Cell::Date(day(2025, 1, 1) + chrono::Days::new((i % 365) as u64)),
        Cell::Bool(i % 2 == 0),
        Cell::Null,
    ]
}

/// An export of one table tile, `big`, with `count` wide rows streamed in and not yet saved.
fn big(path: &std::path::Path, count: i64) -> XlsxExport {
    let tiles = [tile("big", ChartKind::Table, None, &[])];
    let mut x = XlsxExport::create(path, &header(), &tiles).unwrap();
    let mut sink = x.tile(0).unwrap();
    let names: Vec<String> = ["id", "score", "name", "day", "even", "none"]
        .map(String::from)
        .into();
    sink.columns(&names).unwrap();
    for i in 0..count {
        sink.row(&wide_row(i)).unwrap();
    }
    x
}

/// Streams `count` rows into one table tile; returns what was written and the seconds spent
/// streaming the rows and saving the file.
fn stream_rows(count: i64) -> (tempfile::TempDir, std::path::PathBuf, TileWritten, f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xlsx");
    let started = Instant::now();
    let x = big(&path, count);
    let streamed = started.elapsed().as_secs_f64();
    let summary = x.finish().unwrap();
    let saved = started.elapsed().as_secs_f64() - streamed;
    let written = summary.tiles.into_iter().next().unwrap();
    (dir, path, written, streamed, saved)
}

#[test]
#[allow(clippy::print_stderr, reason = "the test reports the time it measured")]
fn two_hundred_thousand_rows_stream_quickly() {
    let (_dir, path, written, streamed, saved) = stream_rows(200_000);
    assert_eq!(written.rows, 200_000);
    assert_eq!(written.sheets, ["big"]);
    let seconds = streamed + saved;
    eprintln!("200,000 rows x 6 columns: streamed in {streamed:.2} s, saved in {saved:.2} s");
    assert!(seconds < 60.0, "{seconds} s");
    let mut book = open(&path);
    let range = book.worksheet_range("big").unwrap();
    assert_eq!(range.height(), 200_001);
    assert_eq!(range.get_value((200_000, 0)), Some(&Data::Float(199_999.0)));
    assert_eq!(
        range.get_value((200_000, 2)),
        Some(&Data::String("customer-00199999".into()))
    );
}

/// The process's peak resident memory, in megabytes: Linux's high-water mark of this process
/// image (`getrusage` would carry over the peak of `cargo`, which started it).
#[cfg(target_os = "linux")]
pub(super) fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

/// Two million rows, past one sheet: run alone (`--ignored`) so the peak is this test's.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "writes 2,000,000 rows; run alone to measure the peak memory"]
#[allow(
    clippy::print_stderr,
    reason = "the test reports the time and memory it measured"
)]
fn two_million_rows_stay_under_300_mb() {
    let (_dir, path, written, streamed, saved) = stream_rows(2_000_000);
    let peak = peak_mb();
    let size = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    eprintln!(
        "2,000,000 rows: streamed in {streamed:.1} s, saved in {saved:.1} s, \
         file {size:.0} MB, peak memory {peak:.0} MB"
    );
    assert_eq!(written.rows, 2_000_000);
    assert_eq!(written.sheets, ["big", "big (2)"]);
    assert!(peak < 300.0, "{peak} MB");
}

#[test]
fn the_sheet_size_estimate_is_above_the_real_size_and_near_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    let x = big(&path, 10_000);
    let estimate = x.tiles[0].parts[0].xml_bytes;
    x.finish().unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let real = zip.by_name("xl/worksheets/sheet2.xml").unwrap().size();
    assert!(
        estimate >= real && estimate < 2 * real,
        "{estimate} for {real}"
    );
}
