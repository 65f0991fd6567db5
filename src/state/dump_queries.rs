//! The SQL of `state export`, `import` and `migrate`, the same on both backends: every table
//! streamed in the export's canonical form, and written back in batches inside one transaction.

use async_trait::async_trait;
use futures::stream::BoxStream;
use serde_json::Value;

use super::StateError;
use super::dump::{Columns, TABLES};
use super::migration_log::MigrationRecord;

/// A table's rows, streamed in the canonical form.
pub type Rows<'a> = BoxStream<'a, Result<Vec<Value>, StateError>>;

/// A table's rows in batches, as a loader takes them.
pub type Batches<'a> = BoxStream<'a, Vec<Vec<Value>>>;

/// Rows per insert statement: as many as keep the bound values under SQLite's limit.
pub fn batch_rows(columns: Columns) -> usize {
    (8_000 / columns.len().max(1)).max(1)
}

/// The columns of a table of [`TABLES`].
pub fn columns_of(table: &str) -> Option<Columns> {
    TABLES
        .iter()
        .find(|(t, _, _)| *t == table)
        .map(|(_, c, _)| *c)
}

/// `insert into <table> (<columns>) values (?, ...), ...` for `rows` rows: `?`, not `$n`, which
/// SQLite looks up by name at a cost that grows with the square of the values bound.
pub fn insert_sql(table: &str, columns: Columns, rows: usize) -> String {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let mut sql = format!("insert into {table} ({}) values ", names.join(", "));
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..names.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql
}

/// Reading and writing whole tables of the store.
#[async_trait]
pub trait Dump {
    /// A table's rows in the export's canonical form, ordered by `order`, as they are read.
    fn stream_table<'a>(&'a self, table: &'a str, columns: Columns, order: &'a str) -> Rows<'a>;

    /// How many rows a table holds.
    async fn count_rows(&self, table: &str) -> Result<i64, StateError>;

    /// A transaction to write tables in; nothing is seen until it commits, and dropping it
    /// rolls everything back.
    async fn begin_load(&self) -> Result<Box<dyn Loader>, StateError>;

    /// Adds a line to the store's log of migrations.
    async fn record_migration(&self, record: &MigrationRecord) -> Result<(), StateError>;

    /// The store's log of migrations, newest first.
    async fn migration_log(&self, limit: i64) -> Result<Vec<MigrationRecord>, StateError>;
}

/// Tables written in one transaction.
#[async_trait]
pub trait Loader: Send {
    /// Deletes every row of `table`.
    async fn clear(&mut self, table: &str) -> Result<(), StateError>;

    /// Writes the rows of `table` as the batches arrive, in one statement where the engine
    /// has one for it; returns how many.
    async fn load(&mut self, table: &str, batches: Batches<'_>) -> Result<u64, StateError>;

    /// Moves identity counters past the ids written, then commits.
    async fn commit(self: Box<Self>) -> Result<(), StateError>;
}

/// `impl Dump` for a backend struct with a `pool` and an inherent `AFTER_LOAD`, with `$loader` its transaction type over the database `$db`, writing rows
/// as `$how` says (see [`load_rows`]).
macro_rules! impl_dump {
    ($ty:ty, $loader:ident, $db:ty, $how:ident) => {
        pub struct $loader {
            tx: sqlx::Transaction<'static, $db>,
        }

        #[async_trait::async_trait]
        impl $crate::state::dump_queries::Loader for $loader {
            async fn clear(&mut self, table: &str) -> Result<(), $crate::state::StateError> {
                sqlx::query(sqlx::AssertSqlSafe(format!("delete from {table}")))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn load(
                &mut self,
                table: &str,
                mut batches: $crate::state::dump_queries::Batches<'_>,
            ) -> Result<u64, $crate::state::StateError> {
                use futures::StreamExt as _;
                let Some(columns) = $crate::state::dump_queries::columns_of(table) else {
                    return Ok(0);
                };
                $crate::state::dump_queries::load_rows!($how, self, table, columns, batches)
            }

            async fn commit(mut self: Box<Self>) -> Result<(), $crate::state::StateError> {
                for statement in <$ty>::AFTER_LOAD {
                    sqlx::query(*statement).execute(&mut *self.tx).await?;
                }
                self.tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::state::dump_queries::Dump for $ty {
            fn stream_table<'a>(
                &'a self,
                table: &'a str,
                columns: $crate::state::dump::Columns,
                order: &'a str,
            ) -> $crate::state::dump_queries::Rows<'a> {
                use futures::StreamExt as _;
                use sqlx::Row as _;
                use $crate::state::dump::Kind;
                let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                let sql = format!("select {} from {table} order by {order}", names.join(", "));
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch(&self.pool)
                    .map(move |row| {
                        let row = row?;
                        let mut values = Vec::with_capacity(columns.len());
                        for (i, (_, kind)) in columns.iter().enumerate() {
                            values.push(
                                match kind {
                                    Kind::Int => row
                                        .try_get::<Option<i64>, _>(i)?
                                        .map(serde_json::Value::from),
                                    Kind::Text => row
                                        .try_get::<Option<String>, _>(i)?
                                        .map(serde_json::Value::from),
                                    Kind::Bool => row
                                        .try_get::<Option<bool>, _>(i)?
                                        .map(serde_json::Value::from),
                                    Kind::Time => row
                                        .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(i)?
                                        .map($crate::state::dump::time),
                                }
                                .unwrap_or(serde_json::Value::Null),
                            );
                        }
                        Ok(values)
                    })
                    .boxed()
            }

            async fn count_rows(&self, table: &str) -> Result<i64, $crate::state::StateError> {
                let sql = format!("select count(*) from {table}");
                Ok(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn begin_load(
                &self,
            ) -> Result<Box<dyn $crate::state::dump_queries::Loader>, $crate::state::StateError>
            {
                Ok(Box::new($loader {
                    tx: self.pool.begin().await?,
                }))
            }

            async fn record_migration(
                &self,
                r: &$crate::state::migration_log::MigrationRecord,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into state_migrations (role, source, target, actor, started_at, \
                     ended_at, tables, rows, duration_ms, result, error) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(r.role.as_str())
                .bind(&r.source)
                .bind(&r.target)
                .bind(&r.actor)
                .bind(r.started_at)
                .bind(r.ended_at)
                .bind(r.tables)
                .bind(r.rows)
                .bind(r.duration_ms)
                .bind(&r.result)
                .bind(&r.error)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn migration_log(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::state::migration_log::MigrationRecord>, $crate::state::StateError>
            {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "select role, source, target, actor, started_at, ended_at, tables, rows, \
                     duration_ms, result, error from state_migrations order by id desc limit $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    out.push($crate::state::migration_log::MigrationRecord {
                        role: $crate::state::migration_log::Role::parse(
                            &row.try_get::<String, _>("role")?,
                        ),
                        source: row.try_get("source")?,
                        target: row.try_get("target")?,
                        actor: row.try_get("actor")?,
                        started_at: row.try_get("started_at")?,
                        ended_at: row.try_get("ended_at")?,
                        tables: row.try_get("tables")?,
                        rows: row.try_get("rows")?,
                        duration_ms: row.try_get("duration_ms")?,
                        result: row.try_get("result")?,
                        error: row.try_get("error")?,
                    });
                }
                Ok(out)
            }
        }
    };
}
pub(crate) use impl_dump;

/// How a loader writes rows: `values`, multi-row inserts with bound values (SQLite); `copy`,
/// one `COPY ... FROM STDIN` in CSV (PostgreSQL, several times faster than inserts).
macro_rules! load_rows {
    (values, $self:ident, $table:ident, $columns:ident, $batches:ident) => {{
        use $crate::state::dump_queries::{batch_rows, insert_sql};
        let mut n = 0u64;
        while let Some(batch) = $batches.next().await {
            for chunk in batch.chunks(batch_rows($columns)) {
                let sql = insert_sql($table, $columns, chunk.len());
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in chunk {
                    if row.len() != $columns.len() {
                        return Err($crate::state::dump::DumpError::RowWidth {
                            table: $table.to_string(),
                            found: row.len(),
                            expected: $columns.len(),
                        }
                        .into());
                    }
                    for (value, (column, kind)) in row.iter().zip($columns.iter()) {
                        q = $crate::state::dump::bind(q, $table, column, *kind, value)?;
                    }
                }
                q.execute(&mut *$self.tx).await?;
            }
            n += batch.len() as u64;
        }
        Ok(n)
    }};
    (copy, $self:ident, $table:ident, $columns:ident, $batches:ident) => {{
        // One `COPY` for the whole table: each statement waits for its answer, and the
        // connection's small last packet for the acknowledgement of the data before it.
        let names: Vec<&str> = $columns.iter().map(|(c, _)| *c).collect();
        let sql = format!(
            "copy {} ({}) from stdin with (format csv)",
            $table,
            names.join(", ")
        );
        let mut copy = $self.tx.copy_in_raw(&sql).await?;
        let mut n = 0u64;
        while let Some(batch) = $batches.next().await {
            let mut text = String::with_capacity(batch.len() * 96);
            for row in &batch {
                if let Err(e) = $crate::state::dump::csv_line(&mut text, $table, $columns, row) {
                    copy.abort(e.to_string()).await.ok();
                    return Err(e.into());
                }
            }
            copy.send(text.into_bytes()).await?;
            n += batch.len() as u64;
        }
        copy.finish().await?;
        Ok(n)
    }};
}
pub(crate) use load_rows;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::dump::Kind::{Int, Text};

    #[test]
    fn inserts_list_their_values_row_after_row() {
        let columns: Columns = &[("id", Int), ("name", Text)];
        assert_eq!(
            insert_sql("t", columns, 2),
            "insert into t (id, name) values (?, ?), (?, ?)"
        );
        assert_eq!(batch_rows(columns), 4_000);
        assert!(batch_rows(columns) * columns.len() < 32_766);
    }
}
