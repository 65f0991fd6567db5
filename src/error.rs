//! The library's error type: what failed, its causes, and a hint for the person running cdp.

use std::path::PathBuf;

use crate::project::LoadError;
use crate::project::diagnostic::did_you_mean;
use crate::warehouse::WarehouseError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    #[error("unknown segment `{name}`")]
    UnknownSegment { name: String, known: Vec<String> },
    #[error("{failed} of {total} segment test fixtures failed")]
    TestsFailed { failed: usize, total: usize },
    #[error("the query failed in the warehouse")]
    Query {
        sql: String,
        #[source]
        source: WarehouseError,
    },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the output")]
    Output(#[source] std::io::Error),
    #[error("`{0}` is not a valid instant")]
    BadNow(String),
    #[error("no schema for `{0}`")]
    UnknownSchema(String),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl Error {
    /// What to do about it, when cdp knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::UnknownSegment { name, known } => did_you_mean(name, known.iter().map(String::as_str))
                .or_else(|| Some("`cdp segments list` shows the segments of this project".into())),
            Error::Load(LoadError::Invalid { .. }) => Some("fix the problems above, then run `cdp validate` again".into()),
            Error::Warehouse(WarehouseError::PostgresConnect { .. }) => {
                Some("check that the server is running and the URL, user and password are right".into())
            }
            Error::Warehouse(WarehouseError::Unsupported("snowflake")) => {
                Some("use `--env` with a duckdb or postgres warehouse for now".into())
            }
            Error::Query { .. } => Some("check the table and column names against `tables:` in cdp.yaml; `cdp demo seed` creates the demo tables".into()),
            Error::TestsFailed { .. } => Some("each failure above shows the rule that decided it and the values it saw".into()),
            Error::UnknownSchema(_) => Some("the kinds are `cdp` and `segment`".into()),
            Error::BadNow(_) => Some("give an RFC 3339 timestamp such as `2026-01-31T12:00:00Z`, or a date".into()),
            _ => None,
        }
    }

    /// The SQL that failed, shown under the error with `--verbose`.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::Query { sql, .. } => Some(sql),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
