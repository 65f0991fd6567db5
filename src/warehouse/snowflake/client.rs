//! The statement client: submit once per `requestId`, retry what may be retried with capped
//! jittered backoff, poll what is still running, and stream every partition in order.
//!
//! HTTP itself sits behind `Transport`, so the discipline here is the same whatever carries the
//! bytes (and is tested without a network).

use async_trait::async_trait;

use super::api::{self, Next, ResultSet, StatementRequest, Status};
use super::auth::{AuthError, Session};
pub use super::retry::Policy;
use super::types::{self, RowType};
use crate::warehouse::{RowSink, WarehouseError};

/// One HTTP exchange: a status and a body, or a connection that failed before either.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The wait `Retry-After` asked for (seconds or an HTTP date), when the server sent one.
    pub retry_after: Option<std::time::Duration>,
}

#[async_trait]
pub trait Transport: Send + Sync {
    async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> Result<Reply, String>;
    async fn get(&self, url: &str, headers: &[(&str, String)]) -> Result<Reply, String>;
}

#[derive(Debug, thiserror::Error)]
pub enum SnowflakeError {
    #[error("Snowflake rejected the statement (SQL state {sql_state}, code {code}): {message}")]
    Statement {
        message: String,
        sql_state: String,
        code: String,
    },
    #[error("Snowflake refused the request with HTTP {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("Snowflake did not answer after {attempts} attempts: {last}")]
    GaveUp { attempts: u32, last: String },
    #[error("cannot sign in to Snowflake")]
    Auth(#[from] AuthError),
    #[error("interrupted; statement {handle} {}", if *cancelled { "was cancelled in Snowflake" } else { "may still be running in Snowflake" })]
    Interrupted { handle: String, cancelled: bool },
    #[error(transparent)]
    Value(#[from] types::BadValue),
}

impl SnowflakeError {
    /// What to do about it, when cdp knows.
    pub fn hint(&self) -> Option<String> {
        use SnowflakeError as E;
        match self {
        E::Refused { status: 401, .. } => Some(
            "Snowflake does not know this key for this user: register its public key with `ALTER USER <user> SET RSA_PUBLIC_KEY = '...'`, and check `account` and `user` in cdp.yaml".into(),
        ),
        E::Refused { status: 403, .. } => {
            Some("the user may not use the SQL API here; check its role and network policy".into())
        }
        E::Refused { status: 404, .. } | E::GaveUp { .. } => Some(
            "check `account` (as in <account>.snowflakecomputing.com) or `endpoint` in cdp.yaml, and the network".into(),
        ),
        E::Statement { sql_state, message, .. }
            if sql_state == "42501" || message.contains("Insufficient privileges") || message.contains("not authorized") =>
        {
            Some("the role lacks a privilege: grant it USAGE on the warehouse, database and schema, SELECT on the tables, and CREATE SCHEMA for `cdp_schema`".into())
        }
        _ => None,
    }
    }
}

impl From<SnowflakeError> for WarehouseError {
    fn from(e: SnowflakeError) -> Self {
        WarehouseError::Snowflake(Box::new(e))
    }
}

pub struct Client<T: Transport> {
    pub transport: T,
    pub base_url: String,
    pub session: std::sync::Mutex<Session>,
    pub policy: Policy,
    /// Cancelled when the run is asked to stop: a statement still running is cancelled in
    /// Snowflake, not abandoned.
    pub interrupt: tokio_util::sync::CancellationToken,
}

impl<T: Transport> Client<T> {
    fn headers(&self) -> Result<Vec<(&'static str, String)>, SnowflakeError> {
        let mut session = self
            .session
            .lock()
            .expect("the session lock is never poisoned");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Ok(vec![
            ("Authorization", format!("Bearer {}", session.bearer(now)?)),
            (
                "X-Snowflake-Authorization-Token-Type",
                session.token_type().to_string(),
            ),
            ("Content-Type", "application/json".into()),
            ("Accept", "application/json".into()),
            ("User-Agent", format!("cdp/{}", env!("CARGO_PKG_VERSION"))),
        ])
    }

    /// Runs a statement to completion and streams its rows, every partition in order.
    pub async fn run(
        &self,
        request: &StatementRequest,
        sink: &mut dyn RowSink,
    ) -> Result<(), WarehouseError> {
        let id = api::request_id();
        let body = serde_json::to_string(request).expect("a request serialises");
        let first = self.submit(&id, &body).await?;
        let meta = first
            .result_set_meta_data
            .clone()
            .ok_or_else(|| SnowflakeError::Refused {
                status: 200,
                body: "a result without resultSetMetaData".into(),
            })?;
        let names: Vec<String> = meta.row_type.iter().map(|c| c.name.clone()).collect();
        sink.columns(&names)?;
        emit(&first.data, &meta.row_type, sink)?;
        for partition in 1..meta.partition_info.len() {
            let url = format!(
                "{}/api/v2/statements/{}?partition={partition}",
                self.base_url, first.statement_handle
            );
            let rows = self.fetch(&url).await?;
            emit(&rows.data, &meta.row_type, sink)?;
        }
        Ok(())
    }

    /// Runs statements that return nothing worth reading (DDL, DML, a multi-statement request).
    pub async fn execute(&self, request: &StatementRequest) -> Result<(), WarehouseError> {
        let body = serde_json::to_string(request).expect("a request serialises");
        self.submit(&api::request_id(), &body).await?;
        Ok(())
    }

    /// Submits with one `requestId` however many times it is sent, then polls until done.
    async fn submit(&self, id: &str, body: &str) -> Result<ResultSet, SnowflakeError> {
        let mut url = format!(
            "{}/api/v2/statements?requestId={id}&async=false&nullable=true",
            self.base_url
        );
        let mut last = String::new();
        for attempt in 0..self.policy.backoff.attempts {
            let reply = self
                .transport
                .post(&url, &self.headers()?, body.to_string())
                .await;
            match reply {
                Ok(r) => match api::classify(r.status, &r.body) {
                    Next::Done(rs) => return Ok(*rs),
                    Next::Poll(handle) => return self.poll(&handle).await,
                    Next::Failed { body, .. } => return Err(failed(body)),
                    Next::Refused { status, body } => {
                        return Err(SnowflakeError::Refused { status, body });
                    }
                    Next::Retry => {
                        last = format!("HTTP {}", r.status);
                        tokio::time::sleep(self.policy.delay(attempt, r.retry_after)).await;
                    }
                },
                Err(e) => {
                    last = e;
                    tokio::time::sleep(self.policy.delay(attempt, None)).await;
                }
            }
            // The same id again, marked as a retry: Snowflake does not run it twice.
            if !url.contains("&retry=true") {
                url.push_str("&retry=true");
            }
        }
        Err(SnowflakeError::GaveUp {
            attempts: self.policy.backoff.attempts,
            last,
        })
    }

    /// Polls a running statement until it finishes or fails.
    async fn poll(&self, handle: &str) -> Result<ResultSet, SnowflakeError> {
        let url = format!("{}/api/v2/statements/{handle}", self.base_url);
        loop {
            let next = tokio::select! {
                next = self.get_next(&url) => next?,
                _ = self.interrupt.cancelled() => return Err(self.cancel(handle).await),
            };
            match next {
                Next::Done(rs) => return Ok(*rs),
                Next::Poll(_) => tokio::select! {
                    _ = tokio::time::sleep(self.policy.poll) => {}
                    _ = self.interrupt.cancelled() => return Err(self.cancel(handle).await),
                },
                Next::Failed { body, .. } => return Err(failed(body)),
                Next::Refused { status, body } => {
                    return Err(SnowflakeError::Refused { status, body });
                }
                Next::Retry => unreachable!("get_next retries"),
            }
        }
    }

    /// Asks Snowflake to stop a running statement; the error to report either way.
    async fn cancel(&self, handle: &str) -> SnowflakeError {
        let url = format!("{}/api/v2/statements/{handle}/cancel", self.base_url);
        let cancelled = match self.headers() {
            Ok(h) => {
                matches!(self.transport.post(&url, &h, String::new()).await, Ok(r) if r.status == 200)
            }
            Err(_) => false,
        };
        SnowflakeError::Interrupted {
            handle: handle.to_string(),
            cancelled,
        }
    }

    /// A partition of a finished result.
    async fn fetch(&self, url: &str) -> Result<ResultSet, SnowflakeError> {
        match self.get_next(url).await? {
            Next::Done(rs) => Ok(*rs),
            Next::Failed { body, .. } => Err(failed(body)),
            Next::Refused { status, body } => Err(SnowflakeError::Refused { status, body }),
            Next::Poll(_) | Next::Retry => Err(SnowflakeError::Refused {
                status: 202,
                body: "a partition of a finished statement is not ready".into(),
            }),
        }
    }

    /// A GET, retried like a submission (GETs are safe to repeat).
    async fn get_next(&self, url: &str) -> Result<Next, SnowflakeError> {
        let mut last = String::new();
        for attempt in 0..self.policy.backoff.attempts {
            match self.transport.get(url, &self.headers()?).await {
                Ok(r) => match api::classify(r.status, &r.body) {
                    Next::Retry => {
                        last = format!("HTTP {}", r.status);
                        tokio::time::sleep(self.policy.delay(attempt, r.retry_after)).await;
                    }
                    next => return Ok(next),
                },
                Err(e) => {
                    last = e;
                    tokio::time::sleep(self.policy.delay(attempt, None)).await;
                }
            }
        }
        Err(SnowflakeError::GaveUp {
            attempts: self.policy.backoff.attempts,
            last,
        })
    }
}

fn failed(body: Status) -> SnowflakeError {
    SnowflakeError::Statement {
        message: body.message.unwrap_or_default(),
        sql_state: body.sql_state.unwrap_or_else(|| "-".into()),
        code: body.code.unwrap_or_else(|| "-".into()),
    }
}

fn emit(
    rows: &[Vec<Option<String>>],
    types: &[RowType],
    sink: &mut dyn RowSink,
) -> Result<(), WarehouseError> {
    for row in rows {
        let cells = row
            .iter()
            .zip(types)
            .map(|(v, t)| types::cell(v.as_deref(), t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(SnowflakeError::from)?;
        sink.row(&cells)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
