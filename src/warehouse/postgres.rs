//! PostgreSQL as a warehouse, over one sqlx connection: its own, or one of a pool the daemon
//! keeps for its jobs.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use futures::TryStreamExt;
use sqlx::postgres::PgConnection;
use sqlx::{
    AssertSqlSafe, Column, Connection, Executor, Row, SqlSafeStr, Statement, TypeInfo, ValueRef,
};

use super::{Cell, ColType, RowSink, Warehouse, WarehouseError};
use crate::secret::redact_url;
use crate::sql::dialect::DialectKind;

pub struct PostgresWarehouse {
    conn: Conn,
}

/// A connection of its own, or one lent by a pool (returned to it when dropped).
enum Conn {
    Own(PgConnection),
    Pooled(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl std::ops::Deref for Conn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            Conn::Own(c) => c,
            Conn::Pooled(c) => c,
        }
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Conn::Own(c) => c,
            Conn::Pooled(c) => c,
        }
    }
}

/// A pool of warehouse connections, each in UTC as a connection of its own is; connects on
/// first use. For a process that runs one job after another (the daemon).
pub fn pool(url: &str) -> Result<sqlx::PgPool, WarehouseError> {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .idle_timeout(std::time::Duration::from_secs(300))
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql("set time zone 'UTC'").execute(conn).await?;
                Ok(())
            })
        })
        .connect_lazy(url)
        .map_err(|source| WarehouseError::PostgresConnect {
            url: redact_url(url),
            source,
        })
}

impl PostgresWarehouse {
    /// A connection lent by `pool`.
    pub async fn from_pool(pool: &sqlx::PgPool, url: &str) -> Result<Self, WarehouseError> {
        let conn = pool
            .acquire()
            .await
            .map_err(|source| WarehouseError::PostgresConnect {
                url: redact_url(url),
                source,
            })?;
        Ok(PostgresWarehouse {
            conn: Conn::Pooled(conn),
        })
    }

    pub async fn connect(url: &str) -> Result<Self, WarehouseError> {
        let mut conn =
            PgConnection::connect(url)
                .await
                .map_err(|source| WarehouseError::PostgresConnect {
                    url: redact_url(url),
                    source,
                })?;
        // Timestamps without a zone are UTC, as in every cdp warehouse.
        sqlx::raw_sql("set time zone 'UTC'")
            .execute(&mut conn)
            .await
            .map_err(WarehouseError::Postgres)?;
        Ok(PostgresWarehouse {
            conn: Conn::Own(conn),
        })
    }
}

#[async_trait]
impl Warehouse for PostgresWarehouse {
    fn kind(&self) -> DialectKind {
        DialectKind::Postgres
    }

    async fn execute(&mut self, sql: &str) -> Result<(), WarehouseError> {
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut *self.conn)
            .await
            .map_err(WarehouseError::Postgres)?;
        Ok(())
    }

    async fn query(&mut self, sql: &str, sink: &mut dyn RowSink) -> Result<(), WarehouseError> {
        // The simple protocol returns every value as text, which is decoded by column type below.
        let mut rows = sqlx::raw_sql(AssertSqlSafe(sql.to_string())).fetch(&mut *self.conn);
        let mut named = false;
        let mut cells = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(WarehouseError::Postgres)? {
            if !named {
                let names: Vec<String> =
                    row.columns().iter().map(|c| c.name().to_string()).collect();
                sink.columns(&names)?;
                named = true;
            }
            cells.clear();
            for i in 0..row.len() {
                let raw = row.try_get_raw(i).map_err(WarehouseError::Postgres)?;
                let type_name = raw.type_info().name().to_string();
                cells.push(if raw.is_null() {
                    Cell::Null
                } else {
                    decode(&type_name, raw.as_str().unwrap_or_default())
                });
            }
            sink.row(&cells)?;
        }
        drop(rows);
        if !named {
            // No row carried the columns' names: ask for them by preparing the statement, so an
            // empty result still has its header. Several statements cannot be prepared; they
            // have no single header anyway.
            let names: Vec<String> = match self
                .conn
                .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
                .await
            {
                Ok(statement) => statement
                    .columns()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect(),
                Err(_) => Vec::new(),
            };
            sink.columns(&names)?;
        }
        Ok(())
    }

    async fn append(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError> {
        let err = WarehouseError::Postgres;
        let d = self.dialect();
        let names: Vec<String> = columns.iter().map(|(n, _)| d.ident(n)).collect();
        let copy = format!("copy {} ({}) from stdin", d.ident(table), names.join(", "));
        let mut sink = self.conn.copy_in_raw(&copy).await.map_err(err)?;
        let mut buf = String::with_capacity(1 << 20);
        for row in rows {
            for (i, c) in row.iter().enumerate() {
                if i > 0 {
                    buf.push('\t');
                }
                copy_text(c, &mut buf);
            }
            buf.push('\n');
            if buf.len() > (1 << 20) {
                sink.send(std::mem::take(&mut buf).into_bytes())
                    .await
                    .map_err(err)?;
            }
        }
        if !buf.is_empty() {
            sink.send(buf.into_bytes()).await.map_err(err)?;
        }
        sink.finish().await.map_err(err)
    }
}

/// COPY's text format: `\N` for NULL, and backslash escapes for the separators.
fn copy_text(c: &Cell, out: &mut String) {
    let text = match c {
        Cell::Null => {
            out.push_str("\\N");
            return;
        }
        Cell::Timestamp(t) => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        other => other.to_text(),
    };
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn decode(type_name: &str, text: &str) -> Cell {
    match type_name {
        "INT2" | "INT4" | "INT8" | "OID" => text
            .parse()
            .map(Cell::Int)
            .unwrap_or_else(|_| Cell::Text(text.into())),
        "FLOAT4" | "FLOAT8" | "NUMERIC" => text
            .parse()
            .map(Cell::Float)
            .unwrap_or_else(|_| Cell::Text(text.into())),
        "BOOL" => Cell::Bool(text == "t"),
        "DATE" => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Cell::Date)
            .unwrap_or_else(|_| Cell::Text(text.into())),
        "TIMESTAMP" => NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .map(|t| Cell::Timestamp(t.and_utc()))
            .unwrap_or_else(|_| Cell::Text(text.into())),
        "TIMESTAMPTZ" => DateTime::parse_from_str(&format!("{text}00"), "%Y-%m-%d %H:%M:%S%.f%z")
            .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
            .map(|t| Cell::Timestamp(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| Cell::Text(text.into())),
        "JSON" | "JSONB" => Cell::Json(text.into()),
        _ => Cell::Text(text.into()),
    }
}
