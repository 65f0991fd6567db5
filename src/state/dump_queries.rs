//! The SQL of `state export` and `state import`, the same on both backends: every table read
//! in the export's canonical form, and written back in one transaction.

use async_trait::async_trait;

use super::StateError;
use super::dump::{Kind, TableDump};

/// Reading and writing whole tables of the store.
#[async_trait]
pub trait Dump {
    /// A table's rows in the export's canonical form, ordered by `order`.
    async fn dump_table(
        &self,
        table: &str,
        columns: &[(&str, Kind)],
        order: &str,
    ) -> Result<Vec<Vec<serde_json::Value>>, StateError>;

    /// How many rows a table holds.
    async fn count_rows(&self, table: &str) -> Result<i64, StateError>;

    /// Writes the tables' rows in one transaction (into an empty store), then moves identity
    /// counters past the ids written.
    async fn load_tables(&self, tables: &[(&'static str, TableDump)]) -> Result<(), StateError>;
}

/// `impl Dump` for a backend struct with a `pool` and an inherent `AFTER_LOAD`.
macro_rules! impl_dump {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::dump_queries::Dump for $ty {
            async fn dump_table(
                &self,
                table: &str,
                columns: &[(&str, $crate::state::dump::Kind)],
                order: &str,
            ) -> Result<Vec<Vec<serde_json::Value>>, $crate::state::StateError> {
                use sqlx::Row as _;
                use $crate::state::dump::Kind;
                let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                let sql = format!("select {} from {table} order by {order}", names.join(", "));
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
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
                    out.push(values);
                }
                Ok(out)
            }

            async fn count_rows(&self, table: &str) -> Result<i64, $crate::state::StateError> {
                let sql = format!("select count(*) from {table}");
                Ok(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn load_tables(
                &self,
                tables: &[(&'static str, $crate::state::dump::TableDump)],
            ) -> Result<(), $crate::state::StateError> {
                let mut tx = self.pool.begin().await?;
                for (table, dump) in tables {
                    let Some((_, columns, _)) = $crate::state::dump::TABLES
                        .iter()
                        .find(|(t, _, _)| t == table)
                    else {
                        continue;
                    };
                    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                    let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "insert into {table} ({}) values ({})",
                        names.join(", "),
                        marks.join(", ")
                    );
                    for row in &dump.rows {
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                        for (value, (column, kind)) in row.iter().zip(columns.iter()) {
                            q = $crate::state::dump::bind(q, table, column, *kind, value)?;
                        }
                        q.execute(&mut *tx).await?;
                    }
                }
                for statement in Self::AFTER_LOAD {
                    sqlx::query(*statement).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_dump;
