//! Snowflake behind the `Warehouse` trait: every statement through the SQL API client, tagged
//! with the cdp command that runs it.

use async_trait::async_trait;

use super::api::StatementRequest;
use super::client::Client;
use super::http::Http;
use crate::project::config::SnowflakeConfig;
use crate::sql::dialect::{Dialect, DialectKind};
use crate::warehouse::{Cell, ColType, FailedStatement, RowSink, Warehouse, WarehouseError};

pub struct SnowflakeWarehouse {
    pub client: Client<Http>,
    pub config: SnowflakeConfig,
    /// `QUERY_TAG` of every statement: which cdp command ran it.
    pub tag: String,
}

/// Statements separated by `;` at the end of a line, as cdp writes them.
fn count_statements(sql: &str) -> usize {
    sql.split(";\n")
        .filter(|s| !s.trim().is_empty())
        .count()
        .max(1)
}

#[async_trait]
impl Warehouse for SnowflakeWarehouse {
    fn kind(&self) -> DialectKind {
        DialectKind::Snowflake
    }

    fn open_transactions(&self) -> bool {
        false
    }

    async fn execute(&mut self, sql: &str) -> Result<(), WarehouseError> {
        let n = count_statements(sql);
        self.client
            .execute(&StatementRequest::new(&self.config, sql, &self.tag, n))
            .await
    }

    async fn query(&mut self, sql: &str, sink: &mut dyn RowSink) -> Result<(), WarehouseError> {
        self.client
            .run(
                &StatementRequest::new(&self.config, sql, &self.tag, 1),
                sink,
            )
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

    /// Batched `insert ... select ... from (values ...)`: the SQL API has no bulk upload, and
    /// `parse_json` may not appear inside `values` itself.
    async fn append(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError> {
        let d = self.dialect();
        let names: Vec<String> = columns.iter().map(|(n, _)| d.ident(n)).collect();
        let aliases: Vec<String> = (1..=columns.len()).map(|i| format!("c{i}")).collect();
        let select: Vec<String> = columns
            .iter()
            .zip(&aliases)
            .map(|((_, t), a)| match t {
                ColType::Json => format!("parse_json({a})"),
                ColType::Timestamp => format!("{a}::timestamp_ntz"),
                _ => a.clone(),
            })
            .collect();
        let head = format!(
            "insert into {} ({}) select {} from (values\n",
            d.ident(table),
            names.join(", "),
            select.join(", ")
        );
        let tail = format!(") as v ({})", aliases.join(", "));
        let mut total = 0u64;
        let mut batch = String::new();
        let mut in_batch = 0;
        for row in rows {
            let values: Vec<String> = row.iter().map(|c| literal(d, c)).collect();
            if in_batch > 0 {
                batch.push_str(",\n");
            }
            batch.push('(');
            batch.push_str(&values.join(", "));
            batch.push(')');
            in_batch += 1;
            total += 1;
            // Well under Snowflake's 1 MB statement limit.
            if batch.len() > BATCH_BYTES {
                self.one(&format!("{head}{batch}{tail}")).await?;
                batch.clear();
                in_batch = 0;
            }
        }
        if in_batch > 0 {
            self.one(&format!("{head}{batch}{tail}")).await?;
        }
        Ok(total)
    }
}

const BATCH_BYTES: usize = 512 * 1024;

impl SnowflakeWarehouse {
    /// One statement, whatever its literals hold.
    async fn one(&mut self, sql: &str) -> Result<(), WarehouseError> {
        self.client
            .execute(&StatementRequest::new(&self.config, sql, &self.tag, 1))
            .await
    }
}

/// A cell as a Snowflake literal: text through the one escaping function.
fn literal(d: &dyn Dialect, c: &Cell) -> String {
    match c {
        Cell::Null => "null".into(),
        Cell::Bool(b) => b.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) if f.is_finite() => format!("{f:?}"),
        Cell::Float(_) => "null".into(),
        Cell::Text(s) | Cell::Json(s) => d.string(s),
        Cell::Timestamp(t) => d.string(&t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        Cell::Date(day) => d.string(&day.to_string()),
    }
}
