//! Reading Arrow record batches (how DuckDB streams results) row by row as cells.

use chrono::{DateTime, NaiveDate};
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::{self as dt, DataType, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::{Cell, WarehouseError};

/// Calls `f` with each row of `batch`; the row buffer is reused.
pub fn batch_rows(
    batch: &RecordBatch,
    f: &mut dyn FnMut(&[Cell]) -> Result<(), WarehouseError>,
) -> Result<(), WarehouseError> {
    let mut row = vec![Cell::Null; batch.num_columns()];
    for r in 0..batch.num_rows() {
        for (c, col) in batch.columns().iter().enumerate() {
            row[c] = cell(col.as_ref(), r);
        }
        f(&row)?;
    }
    Ok(())
}

fn cell(a: &dyn Array, i: usize) -> Cell {
    if a.is_null(i) {
        return Cell::Null;
    }
    match a.data_type() {
        DataType::Boolean => Cell::Bool(a.as_boolean().value(i)),
        DataType::Int8 => Cell::Int(a.as_primitive::<dt::Int8Type>().value(i) as i64),
        DataType::Int16 => Cell::Int(a.as_primitive::<dt::Int16Type>().value(i) as i64),
        DataType::Int32 => Cell::Int(a.as_primitive::<dt::Int32Type>().value(i) as i64),
        DataType::Int64 => Cell::Int(a.as_primitive::<dt::Int64Type>().value(i)),
        DataType::UInt8 => Cell::Int(a.as_primitive::<dt::UInt8Type>().value(i) as i64),
        DataType::UInt16 => Cell::Int(a.as_primitive::<dt::UInt16Type>().value(i) as i64),
        DataType::UInt32 => Cell::Int(a.as_primitive::<dt::UInt32Type>().value(i) as i64),
        DataType::UInt64 => Cell::Int(a.as_primitive::<dt::UInt64Type>().value(i) as i64),
        DataType::Float32 => Cell::Float(a.as_primitive::<dt::Float32Type>().value(i) as f64),
        DataType::Float64 => Cell::Float(a.as_primitive::<dt::Float64Type>().value(i)),
        DataType::Utf8 => Cell::Text(a.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Cell::Text(a.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Cell::Text(a.as_string_view().value(i).to_string()),
        DataType::Date32 => {
            let days = a.as_primitive::<dt::Date32Type>().value(i);
            NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
                .map(Cell::Date)
                .unwrap_or(Cell::Null)
        }
        DataType::Timestamp(unit, _) => {
            let v = match unit {
                TimeUnit::Second => {
                    a.as_primitive::<dt::TimestampSecondType>().value(i) * 1_000_000
                }
                TimeUnit::Millisecond => {
                    a.as_primitive::<dt::TimestampMillisecondType>().value(i) * 1_000
                }
                TimeUnit::Microsecond => a.as_primitive::<dt::TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => {
                    a.as_primitive::<dt::TimestampNanosecondType>().value(i) / 1_000
                }
            };
            DateTime::from_timestamp_micros(v)
                .map(Cell::Timestamp)
                .unwrap_or(Cell::Null)
        }
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<dt::Decimal128Type>().value(i);
            if *scale == 0 {
                Cell::Int(v as i64)
            } else {
                Cell::Float(v as f64 / 10f64.powi(*scale as i32))
            }
        }
        _ => {
            let options = FormatOptions::default();
            match ArrayFormatter::try_new(a, &options) {
                Ok(fmt) => Cell::Text(fmt.value(i).to_string()),
                Err(_) => Cell::Null,
            }
        }
    }
}
