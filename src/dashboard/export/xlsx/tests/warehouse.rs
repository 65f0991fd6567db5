//! Tests of the export fed by a warehouse: DuckDB streams a query's rows into a tile's sink, and
//! a sink's failure comes back through the warehouse as its own error.

use calamine::{Data, Reader};

use super::{header, open, tile};
use crate::dashboard::chart::ChartKind;
use crate::dashboard::export::xlsx::{XlsxError, XlsxExport};
use crate::warehouse::duckdb::DuckDbWarehouse;
use crate::warehouse::{Warehouse, WarehouseError};

const ROWS_SQL: &str = "select i as id, i * 0.5 as half, 'customer ' || i as name, \
     date '2026-01-01' + i::integer as day, timestamp '2026-01-01 08:00:00' + to_minutes(i) as at, \
     i % 2 = 0 as even, null as nothing from range({n}) t(i)";

#[tokio::test]
async fn a_duckdb_query_streams_typed_rows_into_its_tile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    let tiles = [
        tile("customers", ChartKind::Table, None, &[]),
        tile("by day", ChartKind::Line, Some("day"), &["half"]),
    ];
    let mut export = XlsxExport::create(&path, &header(), &tiles).unwrap();
    let mut wh = DuckDbWarehouse::in_memory().unwrap();
    let sql = ROWS_SQL.replace("{n}", "1000");
    wh.query(&sql, &mut export.tile(0).unwrap()).await.unwrap();
    let sql = ROWS_SQL.replace("{n}", "30");
    wh.query(&sql, &mut export.tile(1).unwrap()).await.unwrap();
    let summary = export.finish().unwrap();
    assert_eq!(summary.tiles[0].rows, 1000);
    assert_eq!(summary.tiles[1].rows, 30);

    let mut book = open(&path);
    let range = book.worksheet_range("customers").unwrap();
    assert_eq!(range.height(), 1001);
    let at = |r, c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(0, 4), Data::String("at".into()));
    assert_eq!(at(1000, 0), Data::Float(999.0));
    assert_eq!(at(1000, 1), Data::Float(499.5));
    assert_eq!(at(1000, 2), Data::String("customer 999".into()));
    let Data::DateTime(day) = at(2, 3) else {
        panic!("a date, not {:?}", at(2, 3));
    };
    assert_eq!(
        day.as_datetime().unwrap().to_string(),
        "2026-01-02 00:00:00"
    );
    let Data::DateTime(stamp) = at(3, 4) else {
        panic!("a date-time, not {:?}", at(3, 4));
    };
    assert_eq!(
        stamp.as_datetime().unwrap().to_string(),
        "2026-01-01 08:02:00"
    );
    assert_eq!(at(1, 5), Data::Bool(true));
    assert_eq!(at(1, 6), Data::Empty);
    assert_eq!(super::parts(&path, "xl/charts/").len(), 1);
}

#[tokio::test]
async fn a_sink_failure_comes_back_through_the_warehouse() {
    let dir = tempfile::tempdir().unwrap();
    let tiles = [tile("t", ChartKind::Bar, Some("day"), &["revenue"])];
    let mut export = XlsxExport::create(&dir.path().join("x.xlsx"), &header(), &tiles).unwrap();
    let mut wh = DuckDbWarehouse::in_memory().unwrap();
    let sql = ROWS_SQL.replace("{n}", "3");
    let err = wh
        .query(&sql, &mut export.tile(0).unwrap())
        .await
        .unwrap_err();
    let WarehouseError::Sink(inner) = err else {
        panic!("a sink error, not {err}");
    };
    assert!(matches!(
        inner.downcast_ref::<XlsxError>(),
        Some(XlsxError::MissingColumn { column, .. }) if column == "revenue"
    ));
}

/// Two million rows from DuckDB, past one sheet: run alone (`--ignored`) so the peak is this
/// test's.
#[cfg(target_os = "linux")]
#[tokio::test]
#[ignore = "queries and writes 2,000,000 rows; run alone to measure the peak memory"]
#[allow(
    clippy::print_stderr,
    reason = "the test reports the time and memory it measured"
)]
async fn two_million_rows_from_duckdb_stay_under_300_mb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    let tiles = [tile("customers", ChartKind::Table, None, &[])];
    let started = std::time::Instant::now();
    let mut export = XlsxExport::create(&path, &header(), &tiles).unwrap();
    let mut wh = DuckDbWarehouse::in_memory().unwrap();
    let sql = ROWS_SQL.replace("{n}", "2000000");
    wh.query(&sql, &mut export.tile(0).unwrap()).await.unwrap();
    let summary = export.finish().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let peak = super::stream::peak_mb();
    let size = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    eprintln!(
        "2,000,000 DuckDB rows in {seconds:.1} s, file {size:.0} MB, peak memory {peak:.0} MB"
    );
    assert_eq!(summary.tiles[0].sheets, ["customers", "customers (2)"]);
    assert!(peak < 300.0, "{peak} MB");
}
