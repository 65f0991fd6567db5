//! The embedded DuckDB warehouse: a file in the project (or memory, for `cdp test`).

use std::path::Path;

use async_trait::async_trait;
use duckdb::types::{TimeUnit, ToSqlOutput, Value};
use duckdb::{Connection, ToSql, appender_params_from_iter};

use super::arrow_cells::batch_rows;
use super::{Cell, ColType, RowSink, Warehouse, WarehouseError};
use crate::sql::dialect::DialectKind;
use crate::sql::escape::quote_string;

pub struct DuckDbWarehouse {
    conn: Connection,
    /// Ends the task that interrupts the running statement on cancellation, when dropped.
    _watch: Option<tokio_util::sync::DropGuard>,
}

impl DuckDbWarehouse {
    /// Opens `path`, creating it (and its folder) on first use. Work beyond `memory_limit`
    /// spills to a folder beside the file.
    pub fn open_file(path: &Path, memory_limit: &str) -> Result<Self, WarehouseError> {
        let fail = |source: duckdb::Error| WarehouseError::DuckDbOpen {
            path: path.display().to_string(),
            source: source.into(),
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(fail)?;
        let spill = path.with_extension("tmp");
        // Both values are checked when the project is loaded; the path is escaped as a literal.
        let settings = format!(
            "set memory_limit = {}; set temp_directory = {}; set preserve_insertion_order = false;",
            quote_string(memory_limit, false),
            quote_string(&spill.to_string_lossy(), false)
        );
        conn.execute_batch(&settings).map_err(fail)?;
        Ok(DuckDbWarehouse { conn, _watch: None })
    }

    pub fn in_memory() -> Result<Self, WarehouseError> {
        let conn = Connection::open_in_memory().map_err(duck)?;
        Ok(DuckDbWarehouse { conn, _watch: None })
    }

    /// Interrupts the statement running when `cancel` is cancelled: DuckDB runs statements on
    /// the caller's thread, so only its own interrupt stops one midway (the statement fails,
    /// and a transaction it was part of rolls back).
    // https://duckdb.org/docs/api/c/api#duckdb_interrupt
    pub fn interrupt_on(&mut self, cancel: tokio_util::sync::CancellationToken) {
        let handle = self.conn.interrupt_handle();
        let closed = tokio_util::sync::CancellationToken::new();
        self._watch = Some(closed.clone().drop_guard());
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => handle.interrupt(),
                _ = closed.cancelled() => {}
            }
        });
    }

    fn run_query(&self, sql: &str, sink: &mut dyn RowSink) -> Result<(), WarehouseError> {
        let mut stmt = self.conn.prepare(sql).map_err(duck)?;
        let stream = stmt.stream_arrow([]).map_err(duck)?;
        let schema = stream.get_schema();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        sink.columns(&names)?;
        for batch in stream {
            let batch = batch.map_err(duck)?;
            batch_rows(&batch, &mut |row| sink.row(row))?;
        }
        Ok(())
    }
}

#[async_trait]
impl Warehouse for DuckDbWarehouse {
    fn kind(&self) -> DialectKind {
        DialectKind::Duckdb
    }

    async fn execute(&mut self, sql: &str) -> Result<(), WarehouseError> {
        self.conn.execute_batch(sql).map_err(duck)
    }

    async fn query(&mut self, sql: &str, sink: &mut dyn RowSink) -> Result<(), WarehouseError> {
        self.run_query(sql, sink)
    }

    async fn limit_memory(&mut self, limit: &str) -> Result<(), WarehouseError> {
        self.execute(&format!(
            "set memory_limit = {}",
            quote_string(limit, false)
        ))
        .await
    }

    async fn append(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError> {
        let err = duck;
        // Named columns, so a table whose columns are in another order (or has more) still works.
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let mut appender = match table.split_once('.') {
            Some((schema, name)) => self.conn.appender_with_columns_to_db(name, schema, &names),
            None => self.conn.appender_with_columns(table, &names),
        }
        .map_err(err)?;
        let mut n = 0u64;
        for row in rows {
            appender
                .append_row(appender_params_from_iter(row.iter()))
                .map_err(err)?;
            n += 1;
        }
        appender.flush().map_err(err)?;
        Ok(n)
    }
}

impl ToSql for Cell {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Boolean(*b),
            Cell::Int(i) => Value::BigInt(*i),
            Cell::Float(f) => Value::Double(*f),
            Cell::Text(s) | Cell::Json(s) => Value::Text(s.clone()),
            Cell::Timestamp(t) => Value::Timestamp(TimeUnit::Microsecond, t.timestamp_micros()),
            Cell::Date(d) => Value::Date32(
                (*d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32,
            ),
        }))
    }
}

fn duck(e: duckdb::Error) -> WarehouseError {
    WarehouseError::DuckDb(e.into())
}
