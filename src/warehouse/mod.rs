//! Warehouses: where users and events live and where segment SQL runs, behind one trait.

mod arrow_cells;
pub mod cell;
pub mod duckdb;
mod error;
pub mod postgres;
pub mod project_check;
pub mod snowflake;

use async_trait::async_trait;

pub use cell::{Cell, ColType};
pub use error::{EngineMessage, FailedStatement, WarehouseError};

use crate::project::Project;
use crate::project::config::WarehouseConfig;
use crate::segment::sql::dialect::{Dialect, DialectKind};

/// Receives a result one row at a time, so no result is held whole in memory.
pub trait RowSink: Send {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError>;
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError>;
}

#[async_trait]
pub trait Warehouse: Send {
    /// The engine, which decides the SQL dialect and column types.
    fn kind(&self) -> DialectKind;

    fn dialect(&self) -> &'static dyn Dialect {
        self.kind().dialect()
    }

    /// Runs statements that return no rows.
    async fn execute(&mut self, sql: &str) -> Result<(), WarehouseError>;

    /// Holds an embedded engine's memory to `limit` (e.g. `48MB`) for the rest of the session;
    /// beyond it, work spills to disk. A server keeps its own memory: nothing to do there.
    async fn limit_memory(&mut self, limit: &str) -> Result<(), WarehouseError> {
        let _ = limit;
        Ok(())
    }

    /// Runs a query and streams its rows into `sink`.
    async fn query(&mut self, sql: &str, sink: &mut dyn RowSink) -> Result<(), WarehouseError>;

    /// Creates (replacing) `table` and fills it with `rows` at bulk speed.
    async fn load(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError> {
        self.execute(&create_table_sql(self.kind(), table, columns))
            .await?;
        self.append(table, columns, rows).await
    }

    /// Adds `rows` to the existing `table` at bulk speed, inside the open transaction if any.
    async fn append(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        rows: &mut (dyn Iterator<Item = Vec<Cell>> + Send),
    ) -> Result<u64, WarehouseError>;

    /// Whether statements sent one by one can share an open transaction (`begin` ... `commit`);
    /// Snowflake's SQL API runs a transaction only inside one request.
    fn open_transactions(&self) -> bool {
        true
    }

    /// Runs statements as one transaction: all of them take effect, or (on an error, or when
    /// the process dies) none. An error says which statement failed. An engine that must send a
    /// transaction in one request (Snowflake's SQL API) overrides this.
    async fn transaction(&mut self, statements: &[String]) -> Result<(), FailedStatement> {
        let fail = |index, source| FailedStatement { index, source };
        self.execute("begin").await.map_err(|e| fail(0, e))?;
        for (i, s) in statements.iter().enumerate() {
            if let Err(e) = self.execute(s).await {
                let _ = self.execute("rollback").await;
                return Err(fail(i, e));
            }
        }
        self.execute("commit")
            .await
            .map_err(|e| fail(statements.len().saturating_sub(1), e))
    }

    /// Runs a query with a small result (a few rows) and returns it whole.
    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Cell>>, WarehouseError> {
        let mut sink = Collect(Vec::new());
        self.query(sql, &mut sink).await?;
        Ok(sink.0)
    }

    /// Runs a query whose result is one number (a count).
    async fn count(&mut self, sql: &str) -> Result<i64, WarehouseError> {
        let rows = self.rows(sql).await?;
        Ok(rows.first().and_then(|r| r.first()).map_or(0, Cell::as_i64))
    }
}

/// Collects a small result.
struct Collect(Vec<Vec<Cell>>);

impl RowSink for Collect {
    fn columns(&mut self, _: &[String]) -> Result<(), WarehouseError> {
        Ok(())
    }
    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.0.push(row.to_vec());
        Ok(())
    }
}

/// Which dialect a warehouse configuration speaks.
pub fn dialect_of(config: &WarehouseConfig) -> DialectKind {
    match config {
        WarehouseConfig::DuckDb { .. } => DialectKind::Duckdb,
        WarehouseConfig::Postgres { .. } => DialectKind::Postgres,
        WarehouseConfig::Snowflake(_) => DialectKind::Snowflake,
    }
}

/// Opens the project's warehouse for the selected environment.
pub async fn open(project: &Project) -> Result<Box<dyn Warehouse>, WarehouseError> {
    match &project.warehouse {
        WarehouseConfig::DuckDb {
            path, memory_limit, ..
        } => {
            let file = match path {
                Some(p) => project.root.join(p),
                None => project.local_dir().join("warehouse.duckdb"),
            };
            Ok(Box::new(duckdb::DuckDbWarehouse::open_file(
                &file,
                memory_limit,
            )?))
        }
        WarehouseConfig::Postgres { url, .. } => Ok(Box::new(
            postgres::PostgresWarehouse::connect(url.expose()).await?,
        )),
        WarehouseConfig::Snowflake(config) => {
            let client = snowflake::connect(config, &project.root)
                .map_err(|e| WarehouseError::SnowflakeConnect(Box::new(e)))?;
            Ok(Box::new(snowflake::warehouse::SnowflakeWarehouse {
                client,
                config: (**config).clone(),
                tag: query_tag(),
            }))
        }
    }
}

/// `cdp`, the command and the segments it names (`cdp segments preview power_users`), for the
/// warehouse's query history; never other arguments, which may hold SQL.
fn query_tag() -> String {
    tag_of(std::env::args().skip(1))
}

fn tag_of(args: impl Iterator<Item = String>) -> String {
    const TAKES_VALUE: &[&str] = &[
        "--project-dir",
        "--env",
        "--format",
        "--now",
        "--limit",
        "--at",
        "--wait",
        "--users",
        "--days",
        "--seed",
        "--dialect",
    ];
    let mut words = vec!["cdp".to_string()];
    let mut skip = false;
    for a in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if a.starts_with('-') {
            skip = TAKES_VALUE.contains(&a.as_str());
            continue;
        }
        if a.is_empty()
            || !a
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            break;
        }
        words.push(a);
    }
    words.join(" ")
}

/// Signs in to the project's warehouse and runs `select 1`; says what it reached.
pub async fn check_connection(project: &Project) -> Result<String, WarehouseError> {
    match &project.warehouse {
        WarehouseConfig::Snowflake(config) => {
            let mut client = snowflake::connect(config, &project.root)
                .map_err(|e| WarehouseError::SnowflakeConnect(Box::new(e)))?;
            // A check answers quickly: an account that does not answer twice is reported.
            client.policy.backoff = crate::retry::Backoff {
                attempts: 2,
                base: std::time::Duration::from_millis(200),
                cap: std::time::Duration::from_secs(1),
            };
            let request = snowflake::api::StatementRequest::new(
                config,
                "select 1",
                "cdp validate --connect",
                1,
            );
            let mut sink = Collect(Vec::new());
            client.run(&request, &mut sink).await?;
            Ok(format!(
                "Snowflake at {} as {}",
                config.base_url(),
                config
                    .user
                    .clone()
                    .unwrap_or_else(|| "the token's user".into())
            ))
        }
        other => {
            let mut wh = open(project).await?;
            wh.count("select 1").await?;
            Ok(format!("{} warehouse", other.kind()))
        }
    }
}

/// The events table's columns, named as `tables.events` says, for loading rows into it.
pub fn event_columns(t: &crate::project::config::EventsTable) -> [(&str, ColType); 4] {
    [
        (t.user_id.as_str(), ColType::Text),
        (t.name.as_str(), ColType::Text),
        (t.timestamp.as_str(), ColType::Timestamp),
        (t.properties.as_str(), ColType::Json),
    ]
}

/// Column type names for `create table` in each dialect.
pub fn type_name(dialect: DialectKind, t: ColType) -> &'static str {
    match (dialect, t) {
        (_, ColType::Text) => "varchar",
        (_, ColType::Int) => "bigint",
        (DialectKind::Snowflake, ColType::Float) | (DialectKind::Duckdb, ColType::Float) => {
            "double"
        }
        (DialectKind::Postgres, ColType::Float) => "double precision",
        (_, ColType::Bool) => "boolean",
        (DialectKind::Snowflake, ColType::Timestamp) => "timestamp_ntz",
        (_, ColType::Timestamp) => "timestamp",
        (DialectKind::Duckdb, ColType::Json) => "json",
        (DialectKind::Postgres, ColType::Json) => "jsonb",
        (DialectKind::Snowflake, ColType::Json) => "variant",
    }
}

/// `create table` text for `columns`, replacing an existing table.
pub fn create_table_sql(dialect: DialectKind, table: &str, columns: &[(&str, ColType)]) -> String {
    let d = dialect.dialect();
    let cols: Vec<String> = columns
        .iter()
        .map(|(n, t)| format!("{} {}", d.ident(n), type_name(dialect, *t)))
        .collect();
    // A qualified name needs its schema, which a fresh (or in-memory) database does not have.
    let schema = match table.rsplit_once('.') {
        Some((schema, _)) => format!("create schema if not exists {};\n", d.ident(schema)),
        None => String::new(),
    };
    format!(
        "{schema}drop table if exists {t};\ncreate table {t} ({})",
        cols.join(", "),
        t = d.ident(table)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_query_tag_names_the_command_and_segments_only() {
        let tag = |args: &[&str]| super::tag_of(args.iter().map(|s| s.to_string()));
        assert_eq!(
            tag(&[
                "--project-dir",
                "demo",
                "refresh",
                "power_users",
                "lapsed_payers"
            ]),
            "cdp refresh power_users lapsed_payers"
        );
        assert_eq!(
            tag(&[
                "--env",
                "prod",
                "segments",
                "preview",
                "power_users",
                "--limit",
                "5"
            ]),
            "cdp segments preview power_users"
        );
        assert_eq!(tag(&["query", "select secret from t"]), "cdp query");
        assert_eq!(tag(&["refresh", "--all"]), "cdp refresh");
    }
}
