//! Warehouses: where users and events live and where segment SQL runs, behind one trait.

mod arrow_cells;

pub mod duckdb;
mod error;
pub mod postgres;
pub mod snowflake;

use async_trait::async_trait;

pub use crate::table::{Cell, ColType};
pub use error::{EngineMessage, FailedStatement, WarehouseError};

use tokio_util::sync::CancellationToken;

use crate::project::Project;
use crate::project::config::WarehouseConfig;
use crate::sql::dialect::{Dialect, DialectKind};

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

/// What a connection knows of the run that opened it.
#[derive(Clone, Debug, Default)]
pub struct Session {
    /// Names the run in the warehouse's query history (Snowflake's `QUERY_TAG`): the command
    /// and the segments it names, never other arguments, which may hold SQL.
    pub tag: String,
    /// Cancelled when the run is asked to stop: a statement still running is cancelled in the
    /// warehouse (Snowflake), not abandoned.
    pub cancel: CancellationToken,
    /// How long to wait for the embedded DuckDB file while another process holds it.
    pub file_wait: std::time::Duration,
    /// Told once when the file is busy and the run waits for it.
    pub waiting: Option<Waiting>,
    /// Connections to a PostgreSQL warehouse, kept by the daemon across its jobs; none: each
    /// warehouse opened connects on its own.
    pub pg_pool: Option<sqlx::PgPool>,
}

/// Says that a run waits (for the command line, a note on stderr).
#[derive(Clone)]
pub struct Waiting(pub std::sync::Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Waiting")
    }
}

/// The embedded DuckDB file of the selected environment; none for a warehouse over the network.
pub fn embedded_file(project: &Project) -> Option<std::path::PathBuf> {
    match &project.warehouse {
        WarehouseConfig::DuckDb { path, .. } => Some(match path {
            Some(p) => project.root.join(p),
            None => project.local_dir().join("warehouse.duckdb"),
        }),
        _ => None,
    }
}

/// Opens the project's warehouse for the selected environment.
pub async fn open(
    project: &Project,
    session: &Session,
) -> Result<Box<dyn Warehouse>, WarehouseError> {
    match &project.warehouse {
        WarehouseConfig::DuckDb { memory_limit, .. } => {
            let file = embedded_file(project).unwrap_or_default();
            let mut wh = open_duckdb_waiting(&file, memory_limit, session).await?;
            wh.interrupt_on(session.cancel.clone());
            Ok(Box::new(wh))
        }
        WarehouseConfig::Postgres { url, .. } => Ok(Box::new(match &session.pg_pool {
            Some(pool) => postgres::PostgresWarehouse::from_pool(pool, url.expose()).await?,
            None => postgres::PostgresWarehouse::connect(url.expose()).await?,
        })),
        WarehouseConfig::Snowflake(config) => {
            let client = snowflake::connect(config, &project.root, session.cancel.clone())
                .map_err(|e| WarehouseError::SnowflakeConnect(Box::new(e)))?;
            Ok(Box::new(snowflake::warehouse::SnowflakeWarehouse {
                client,
                config: (**config).clone(),
                tag: session.tag.clone(),
            }))
        }
    }
}

/// Signs in to the project's warehouse and runs `select 1`; says what it reached.
pub async fn check_connection(
    project: &Project,
    session: &Session,
) -> Result<String, WarehouseError> {
    match &project.warehouse {
        WarehouseConfig::Snowflake(config) => {
            let mut client = snowflake::connect(config, &project.root, session.cancel.clone())
                .map_err(|e| WarehouseError::SnowflakeConnect(Box::new(e)))?;
            // A check answers quickly: an account that does not answer twice is reported.
            client.policy.backoff = crate::retry::Backoff {
                attempts: 2,
                base: std::time::Duration::from_millis(200),
                cap: std::time::Duration::from_secs(1),
            };
            let request =
                snowflake::api::StatementRequest::new(config, "select 1", &session.tag, 1);
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
            let mut wh = open(project, session).await?;
            wh.count("select 1").await?;
            Ok(format!("{} warehouse", other.kind()))
        }
    }
}

/// Opens the DuckDB file; while another process holds it (DuckDB allows one), tries again
/// until `session.file_wait` has passed, saying so once.
async fn open_duckdb_waiting(
    file: &std::path::Path,
    memory_limit: &str,
    session: &Session,
) -> Result<duckdb::DuckDbWarehouse, WarehouseError> {
    let started = std::time::Instant::now();
    let mut said = false;
    loop {
        match duckdb::DuckDbWarehouse::open_file(file, memory_limit) {
            Err(e) if e.is_busy() && started.elapsed() < session.file_wait => {
                if !said && let Some(w) = &session.waiting {
                    (w.0)(&format!(
                        "waiting for the warehouse file `{}`: another process holds it (a daemon's job?); up to {}s (--wait)",
                        file.display(),
                        session.file_wait.as_secs()
                    ));
                    said = true;
                }
                tokio::select! {
                    _ = session.cancel.cancelled() => return Err(e),
                    _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
                }
            }
            other => return other,
        }
    }
}

/// The events table's columns, named as `tables.events` says, for loading rows into it.
pub fn event_columns(t: &crate::sql::tables::EventsTable) -> [(&str, ColType); 4] {
    [
        (t.user_id.as_str(), ColType::Text),
        (t.name.as_str(), ColType::Text),
        (t.timestamp.as_str(), ColType::Timestamp),
        (t.properties.as_str(), ColType::Json),
    ]
}

/// Column type names for `create table` in each dialect.
pub fn type_name(dialect: DialectKind, t: ColType) -> &'static str {
    dialect.dialect().column_type(t)
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
