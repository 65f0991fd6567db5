//! What can go wrong in a warehouse, and how the engines' errors are told apart.

use super::snowflake;

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("cannot open the DuckDB warehouse `{path}`")]
    DuckDbOpen {
        path: String,
        #[source]
        source: EngineMessage,
    },
    #[error("DuckDB failed to run the query")]
    DuckDb(#[source] EngineMessage),
    #[error("cannot connect to PostgreSQL at `{url}`")]
    PostgresConnect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("PostgreSQL failed to run the query")]
    Postgres(#[source] sqlx::Error),
    #[error("Snowflake failed")]
    Snowflake(#[source] Box<snowflake::client::SnowflakeError>),
    #[error("cannot sign in to Snowflake")]
    SnowflakeConnect(#[source] Box<snowflake::ConnectError>),
    #[error("the {0} warehouse is not available in this version of cdp")]
    Unsupported(&'static str),
    #[error("cannot write the result")]
    Sink(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl WarehouseError {
    /// Whether another process holds the DuckDB file (DuckDB allows one at a time).
    pub fn is_busy(&self) -> bool {
        matches!(self, WarehouseError::DuckDbOpen { source, .. } if source.0.contains("lock"))
    }

    /// What to do about it, when the warehouse layer knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            e if e.is_busy() => Some(
                "another process has the DuckDB file open (DuckDB allows one; a daemon opens it only while a job runs): wait longer with `--wait 10m`, or point `--env` at another warehouse".into(),
            ),
            WarehouseError::Snowflake(e) => e.hint(),
            WarehouseError::SnowflakeConnect(e) => match e.as_ref() {
                snowflake::ConnectError::KeyFile { .. } => Some(
                    "check `private_key_path` in cdp.yaml (relative to the project folder)".into(),
                ),
                snowflake::ConnectError::Sign(_) => Some(
                    "an encrypted key needs `private_key_passphrase: \"${SNOWFLAKE_KEY_PASSPHRASE}\"`; the key must be RSA in PEM (PKCS#8)".into(),
                ),
                snowflake::ConnectError::Http(_) => None,
            },
            WarehouseError::PostgresConnect { .. } => Some(
                "check that the server is running and the URL, user and password are right".into(),
            ),
            WarehouseError::Unsupported("snowflake") => {
                Some("use `--env` with a duckdb or postgres warehouse for now".into())
            }
            _ => None,
        }
    }

    /// Whether the run was asked to stop while a statement ran (the statement was cancelled).
    pub fn is_interrupted(&self) -> bool {
        matches!(self, WarehouseError::Snowflake(e)
            if matches!(e.as_ref(), snowflake::client::SnowflakeError::Interrupted { .. }))
    }

    /// Whether the engine read the statement and refused it (a name, a type, the SQL itself),
    /// as opposed to not answering or failing around it.
    pub fn is_refusal(&self) -> bool {
        match self {
            WarehouseError::DuckDb(_) => true,
            WarehouseError::Postgres(e) => matches!(e, sqlx::Error::Database(_)),
            WarehouseError::Snowflake(e) => {
                matches!(
                    e.as_ref(),
                    snowflake::client::SnowflakeError::Statement { .. }
                )
            }
            _ => false,
        }
    }
}

/// A statement of a transaction failed; the transaction was rolled back.
#[derive(Debug)]
pub struct FailedStatement {
    pub index: usize,
    pub source: WarehouseError,
}

impl From<FailedStatement> for WarehouseError {
    fn from(f: FailedStatement) -> Self {
        f.source
    }
}

/// An engine's own error text, without the driver's generic wrapper around it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EngineMessage(pub String);

impl From<::duckdb::Error> for EngineMessage {
    fn from(e: ::duckdb::Error) -> Self {
        let text = match &e {
            ::duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
            other => other.to_string(),
        };
        EngineMessage(text.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    /// Only a statement the engine read and refused is worth checking the project for.
    #[test]
    fn refusals_are_told_from_failures_around_the_statement() {
        use super::WarehouseError;
        use crate::warehouse::snowflake::client::SnowflakeError;
        let duck = WarehouseError::DuckDb(super::EngineMessage("Binder Error".into()));
        let statement = WarehouseError::Snowflake(Box::new(SnowflakeError::Statement {
            message: "invalid identifier 'PLNA'".into(),
            sql_state: "42000".into(),
            code: "000904".into(),
        }));
        let gone = WarehouseError::Snowflake(Box::new(SnowflakeError::GaveUp {
            attempts: 8,
            last: "connection refused".into(),
        }));
        let closed = WarehouseError::Postgres(sqlx::Error::PoolClosed);
        assert!(duck.is_refusal() && statement.is_refusal());
        assert!(!gone.is_refusal() && !closed.is_refusal());
    }
}
