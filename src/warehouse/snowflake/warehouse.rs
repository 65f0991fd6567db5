//! Snowflake behind the `Warehouse` trait: every statement through the SQL API client, tagged
//! with the cdp command that runs it.

use async_trait::async_trait;

use super::api::StatementRequest;
use super::client::Client;
use super::http::Http;
use crate::project::config::SnowflakeConfig;
use crate::segment::sql::dialect::{Dialect, DialectKind};
use crate::warehouse::{Cell, ColType, FailedStatement, RowSink, Warehouse, WarehouseError};

pub struct SnowflakeWarehouse {
    pub client: Client<Http>,
    pub config: SnowflakeConfig,
    /// `QUERY_TAG` of every statement: which cdp command ran it.
    pub tag: String,
}

/// Statements separated by `;` at the end of a line, as cdp writes them.
fn count_statements(sql: &str) -> usize {
    sql.split(";\n").filter(|s| !s.trim().is_empty()).count().max(1)
}

#[async_trait]
impl Warehouse for SnowflakeWarehouse {
    fn dialect(&self) -> &'static dyn Dialect {
        DialectKind::Snowflake.dialect()
    }

    async fn execute(&mut self, sql: &str) -> Result<(), WarehouseError> {
        let n = count_statements(sql);
        self.client
            .execute(&StatementRequest::new(&self.config, sql, &self.tag, n))
            .await
    }

    async fn query(&mut self, sql: &str, sink: &mut dyn RowSink) -> Result<(), WarehouseError> {
        self.client
            .run(&StatementRequest::new(&self.config, sql, &self.tag, 1), sink)
            .await
    }

    /// The SQL API runs a transaction only inside one multi-statement request.
    async fn transaction(&mut self, statements: &[String]) -> Result<(), FailedStatement> {
        let mut sql = String::from("begin;\n");
        for s in statements {
            sql.push_str(s.trim_end_matches(';'));
            sql.push_str(";\n");
        }
        sql.push_str("commit;\n");
        let request = StatementRequest::new(&self.config, &sql, &self.tag, statements.len() + 2);
        self.client
            .execute(&request)
            .await
            .map_err(|source| FailedStatement { index: 0, source })
    }

    async fn load(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError> {
        let _ = (table, columns, rows);
        Err(WarehouseError::Unsupported(
            "snowflake (loading demo data: use `cdp demo seed` on DuckDB or PostgreSQL, or load your own tables)",
        ))
    }

    async fn append(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError> {
        self.load(table, columns, rows).await
    }
}
