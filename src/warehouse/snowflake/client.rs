//! The statement client: submit once per `requestId`, retry what may be retried with capped
//! jittered backoff, poll what is still running, and stream every partition in order.
//!
//! HTTP itself sits behind `Transport`, so the discipline here is the same whatever carries the
//! bytes (and is tested without a network).

use std::time::Duration;

use async_trait::async_trait;
use rand::RngExt;

use super::api::{self, Next, ResultSet, StatementRequest, Status};
use super::auth::{AuthError, Session};
use super::types::{self, RowType};
use crate::warehouse::{RowSink, WarehouseError};

/// One HTTP exchange: a status and a body, or a connection that failed before either.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// `Retry-After`, in seconds, when the server sent one.
    pub retry_after: Option<u64>,
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

impl From<SnowflakeError> for WarehouseError {
    fn from(e: SnowflakeError) -> Self {
        WarehouseError::Snowflake(Box::new(e))
    }
}

/// Retry limits: attempts per request and the backoff between them.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// Pause between polls of a running statement.
    pub poll: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 8,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(20),
            poll: Duration::from_millis(500),
        }
    }
}

impl Policy {
    /// Full jitter: a random pause up to base * 2^attempt, never above the cap; a server's
    /// `Retry-After` wins when it asks for longer.
    pub fn delay(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let jittered = ceiling.mul_f64(rand::rng().random::<f64>());
        match retry_after {
            Some(s) => jittered
                .max(Duration::from_secs(s))
                .min(self.cap.max(Duration::from_secs(s))),
            None => jittered,
        }
    }
}

pub struct Client<T: Transport> {
    pub transport: T,
    pub base_url: String,
    pub session: std::sync::Mutex<Session>,
    pub policy: Policy,
    /// Notified on Ctrl-C: a statement still running is cancelled in Snowflake, not abandoned.
    pub interrupt: std::sync::Arc<tokio::sync::Notify>,
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
        for attempt in 0..self.policy.attempts {
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
            attempts: self.policy.attempts,
            last,
        })
    }

    /// Polls a running statement until it finishes or fails.
    async fn poll(&self, handle: &str) -> Result<ResultSet, SnowflakeError> {
        let url = format!("{}/api/v2/statements/{handle}", self.base_url);
        loop {
            let next = tokio::select! {
                next = self.get_next(&url) => next?,
                _ = self.interrupt.notified() => return Err(self.cancel(handle).await),
            };
            match next {
                Next::Done(rs) => return Ok(*rs),
                Next::Poll(_) => tokio::select! {
                    _ = tokio::time::sleep(self.policy.poll) => {}
                    _ = self.interrupt.notified() => return Err(self.cancel(handle).await),
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
        for attempt in 0..self.policy.attempts {
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
            attempts: self.policy.attempts,
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
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::warehouse::Cell;
    use crate::warehouse::snowflake::auth::Credentials;

    /// Answers from a script, and records what was asked.
    #[derive(Default)]
    struct Scripted {
        replies: Mutex<VecDeque<Result<Reply, String>>>,
        asked: Mutex<Vec<(String, String, Vec<(String, String)>)>>,
    }

    impl Scripted {
        fn new(replies: Vec<Result<(u16, &str), &str>>) -> Self {
            let s = Scripted::default();
            for r in replies {
                s.replies.lock().unwrap().push_back(match r {
                    Ok((status, body)) => Ok(Reply {
                        status,
                        body: body.to_string(),
                        retry_after: None,
                    }),
                    Err(e) => Err(e.to_string()),
                });
            }
            s
        }

        fn answer(
            &self,
            method: &str,
            url: &str,
            headers: &[(&str, String)],
        ) -> Result<Reply, String> {
            self.asked.lock().unwrap().push((
                method.into(),
                url.into(),
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ));
            self.replies
                .lock()
                .unwrap()
                .pop_front()
                .expect("the script has an answer")
        }
    }

    #[async_trait]
    impl Transport for Scripted {
        async fn post(
            &self,
            url: &str,
            headers: &[(&str, String)],
            _: String,
        ) -> Result<Reply, String> {
            self.answer("POST", url, headers)
        }
        async fn get(&self, url: &str, headers: &[(&str, String)]) -> Result<Reply, String> {
            self.answer("GET", url, headers)
        }
    }

    fn client(script: Scripted) -> Client<Scripted> {
        Client {
            transport: script,
            base_url: "http://127.0.0.1:1".into(),
            session: Mutex::new(Session::new(Credentials::OAuth("tok".into()))),
            policy: Policy {
                attempts: 4,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(2),
                poll: Duration::from_millis(1),
            },
            interrupt: Default::default(),
        }
    }

    #[derive(Default)]
    struct Rows(Vec<Vec<Cell>>, Vec<String>);

    impl RowSink for Rows {
        fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
            self.1 = names.to_vec();
            Ok(())
        }
        fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
            self.0.push(row.to_vec());
            Ok(())
        }
    }

    fn result(handle: &str, partitions: usize, rows: &[&str]) -> String {
        let data: Vec<Vec<String>> = rows.iter().map(|r| vec![r.to_string()]).collect();
        serde_json::json!({
            "resultSetMetaData": {
                "numRows": rows.len(), "format": "jsonv2",
                "rowType": [{"name": "N", "type": "fixed", "scale": 0, "nullable": true}],
                "partitionInfo": vec![serde_json::json!({"rowCount": 1}); partitions],
            },
            "data": data, "statementHandle": handle, "code": "090001",
        })
        .to_string()
    }

    fn request() -> StatementRequest {
        StatementRequest {
            statement: "select n from t".into(),
            timeout: 0,
            database: None,
            schema: None,
            warehouse: None,
            role: None,
            bindings: Default::default(),
            parameters: Default::default(),
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_retry_resends_the_same_request_id_marked_as_a_retry() {
        let ok = result("h", 1, &["1"]);
        let c = client(Scripted::new(vec![
            Ok((429, "")),
            Err("connection reset"),
            Ok((200, &ok)),
        ]));
        let mut rows = Rows::default();
        rt().block_on(c.run(&request(), &mut rows)).unwrap();
        assert_eq!(rows.0, vec![vec![Cell::Int(1)]]);
        let asked = c.transport.asked.lock().unwrap();
        let id = |u: &str| u.split("requestId=").nth(1).unwrap()[..36].to_string();
        assert_eq!(asked.len(), 3);
        assert!(
            asked.iter().all(|a| id(&a.1) == id(&asked[0].1)),
            "one requestId"
        );
        assert!(!asked[0].1.contains("retry=true"));
        assert!(asked[1].1.contains("retry=true") && asked[2].1.contains("retry=true"));
        let headers = &asked[0].2;
        let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(h("Authorization").as_deref(), Some("Bearer tok"));
        assert_eq!(
            h("X-Snowflake-Authorization-Token-Type").as_deref(),
            Some("OAUTH")
        );
        assert!(h("User-Agent").unwrap().starts_with("cdp/"));
    }

    #[test]
    fn a_running_statement_is_polled_and_every_partition_streamed_in_order() {
        let running = r#"{"code":"333334","statementHandle":"h9","message":"running"}"#;
        let first = result("h9", 3, &["1", "2"]);
        let (p1, p2) = (result("h9", 3, &["3"]), result("h9", 3, &["4", "5"]));
        let c = client(Scripted::new(vec![
            Ok((202, running)),
            Ok((202, running)),
            Ok((200, &first)),
            Ok((503, "")),
            Ok((200, &p1)),
            Ok((200, &p2)),
        ]));
        let mut rows = Rows::default();
        rt().block_on(c.run(&request(), &mut rows)).unwrap();
        let got: Vec<Cell> = rows.0.into_iter().flatten().collect();
        assert_eq!(got, (1..=5).map(Cell::Int).collect::<Vec<_>>());
        assert_eq!(rows.1, vec!["N".to_string()]);
        let asked = c.transport.asked.lock().unwrap();
        let urls: Vec<&str> = asked.iter().map(|a| a.1.as_str()).collect();
        assert!(urls[1].ends_with("/api/v2/statements/h9"));
        assert!(urls[4].ends_with("/api/v2/statements/h9?partition=1"));
        assert!(urls[5].ends_with("/api/v2/statements/h9?partition=2"));
    }

    #[test]
    fn a_failed_statement_is_not_retried_and_says_why() {
        let failed = r#"{"code":"002003","message":"SQL compilation error: Object 'EVENTS' does not exist or not authorized.","sqlState":"02000","statementHandle":"h"}"#;
        let c = client(Scripted::new(vec![Ok((422, failed))]));
        let err = rt()
            .block_on(c.run(&request(), &mut Rows::default()))
            .unwrap_err();
        let WarehouseError::Snowflake(e) = err else {
            panic!("{err:?}")
        };
        let text = e.to_string();
        assert!(
            text.contains("SQL state 02000") && text.contains("does not exist"),
            "{text}"
        );
        assert_eq!(c.transport.asked.lock().unwrap().len(), 1);
    }

    #[test]
    fn it_gives_up_after_its_attempts_and_stops_at_once_on_a_refusal() {
        let c = client(Scripted::new(vec![Err("refused"); 4]));
        let err = rt()
            .block_on(c.run(&request(), &mut Rows::default()))
            .unwrap_err();
        assert!(format!("{:?}", err).contains("GaveUp"), "{err:?}");
        let c = client(Scripted::new(vec![Ok((401, "JWT token is invalid."))]));
        let err = rt()
            .block_on(c.run(&request(), &mut Rows::default()))
            .unwrap_err();
        assert!(format!("{:?}", err).contains("401"), "{err:?}");
    }

    #[test]
    fn an_interrupt_cancels_the_running_statement() {
        let running = r#"{"code":"333334","statementHandle":"h7"}"#;
        // Still running at every poll, and then the cancel's answer.
        let mut c = client(Scripted::new(vec![Ok((202, running)); 60]));
        c.policy.poll = Duration::from_millis(20);
        let interrupt = c.interrupt.clone();
        let rt = rt();
        let err = rt.block_on(async {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                interrupt.notify_one();
            });
            c.run(&request(), &mut Rows::default()).await
        });
        let text = format!("{:?}", err.unwrap_err());
        assert!(text.contains("Interrupted"), "{text}");
        let asked = c.transport.asked.lock().unwrap();
        let last = asked.last().unwrap();
        assert_eq!(last.0, "POST");
        assert!(
            last.1.ends_with("/api/v2/statements/h7/cancel"),
            "{}",
            last.1
        );
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let p = Policy {
            attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            poll: Duration::ZERO,
        };
        for attempt in 0..10 {
            assert!(p.delay(attempt, None) <= Duration::from_secs(2));
        }
        assert!(p.delay(0, Some(5)) >= Duration::from_secs(5));
    }
}
