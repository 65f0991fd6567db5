//! A local double of Snowflake's SQL API v2 (docs.snowflake.com/en/developer-guide/sql-api) on loopback:
//! it checks each request's JWT against the user's public key, runs statements on DuckDB,
//! answers in `jsonv2` split into partitions, remembers results by `requestId` so a retried
//! request never runs twice, and injects faults.
// The benchmarks use only part of it.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// A fault the double answers with instead of the real response.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Answer `status` without running the statement.
    Before(u16),
    /// Run the statement, then answer `status` as if the response were lost.
    After(u16),
    /// Refuse the statement as a role without the privilege would be.
    Deny,
    /// Run the statement, answer 202 (still running), and 202 again on the first poll.
    Slow,
    /// Run the statement, then send a body cut off in the middle.
    Garbled,
    /// Run the statement, then drop the connection without answering.
    Drop,
    /// Answer as usual, this many milliseconds late.
    Delay(u64),
}

struct Inner {
    duck: duckdb::Connection,
    public_key: String,
    subject: String,
    partition_rows: usize,
    faults: VecDeque<Fault>,
    /// Results by statement handle: column types and all rows.
    results: HashMap<String, (Vec<Value>, Vec<Vec<Value>>)>,
    /// Handle of each `requestId` already run, and how many times each ran.
    by_request: HashMap<String, String>,
    pub executions: HashMap<String, u32>,
    next: u64,
    /// Handles whose next poll still answers 202.
    slow: HashMap<String, u32>,
    /// Fail this share of requests at random (before or after running), from this seed.
    random: Option<(f64, u64)>,
    /// Faults answered so far.
    injected: u32,
    /// Requests received (every POST and GET).
    requests: u32,
}

#[derive(Clone)]
pub struct Double {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl Double {
    /// Starts on a free loopback port; `subject` is `ACCOUNT.USER` as the JWT must name it.
    pub fn start(public_key: &str, subject: &str, partition_rows: usize) -> Double {
        let duck = duckdb::Connection::open_in_memory().unwrap();
        duck.execute_batch(super::translate::SETUP).unwrap();
        let inner = Arc::new(Mutex::new(Inner {
            duck,
            public_key: public_key.to_string(),
            subject: subject.to_string(),
            partition_rows,
            faults: VecDeque::new(),
            results: HashMap::new(),
            by_request: HashMap::new(),
            executions: HashMap::new(),
            next: 0,
            slow: HashMap::new(),
            random: None,
            injected: 0,
            requests: 0,
        }));
        let app = Router::new()
            .route("/api/v2/statements", post(submit))
            .route("/api/v2/statements/{handle}", get(status))
            .with_state(inner.clone());
        Double {
            inner,
            url: crate::serve::serve(app),
        }
    }

    /// Runs DuckDB SQL directly, as the data's owner would (tables cdp did not create).
    pub fn setup(&self, sql: &str) {
        self.inner.lock().unwrap().duck.execute_batch(sql).unwrap();
    }

    /// Fails about `share` of all requests from now on: 429 or 503 before running, 503 or a
    /// cut-off body after, or a 202 — chosen by a seeded generator.
    pub fn fail_randomly(&self, share: f64, seed: u64) {
        self.inner.lock().unwrap().random = Some((share, seed));
    }

    pub fn inject(&self, faults: &[Fault]) {
        self.inner
            .lock()
            .unwrap()
            .faults
            .extend(faults.iter().copied());
    }

    /// How many requests the double has received.
    pub fn requests(&self) -> u32 {
        self.inner.lock().unwrap().requests
    }

    /// How many faults the double has answered with.
    pub fn injected(&self) -> u32 {
        self.inner.lock().unwrap().injected
    }

    /// How many times each request id's statement ran.
    pub fn executions(&self) -> HashMap<String, u32> {
        self.inner.lock().unwrap().executions.clone()
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

fn error(status: u16, code: &str, message: &str, sql_state: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::from_u16(status).unwrap(),
        Json(json!({ "code": code, "message": message, "sqlState": sql_state })),
    )
}

/// The reference's key-pair check: a valid RS256 signature by the user's key, and the claims.
fn authorised(inner: &Inner, headers: &HeaderMap) -> bool {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let kind = headers
        .get("x-snowflake-authorization-token-type")
        .and_then(|v| v.to_str().ok());
    let (Some(token), Some("KEYPAIR_JWT")) = (token, kind) else {
        return false;
    };
    if headers.get("user-agent").is_none()
        || !cdp::warehouse::snowflake::auth::verify(token, &inner.public_key)
    {
        return false;
    }
    let Some(c) = cdp::warehouse::snowflake::auth::claims(token) else {
        return false;
    };
    let iss = c["iss"].as_str().unwrap_or("");
    let (iat, exp) = (
        c["iat"].as_u64().unwrap_or(0),
        c["exp"].as_u64().unwrap_or(0),
    );
    c["sub"] == inner.subject.as_str()
        && iss.starts_with(&format!("{}.SHA256:", inner.subject))
        && exp > iat
        && exp - iat <= 3600
}

async fn submit(
    State(inner): Shared,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let (delay, response) = answer(&inner, &q, &headers, &body);
    if let Some(ms) = delay {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    match response {
        Some(r) => r,
        // Ends this connection's task before any byte of the response is written (the lock
        // was released first).
        None => std::panic::resume_unwind(Box::new("connection dropped by the double")),
    }
}

/// The response to a submission, and how late to send it.
fn answer(
    inner: &Mutex<Inner>,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Value,
) -> (Option<u64>, Option<(StatusCode, Json<Value>)>) {
    let mut s = inner.lock().unwrap();
    let delay = match s.faults.front() {
        Some(Fault::Delay(ms)) => {
            let ms = *ms;
            s.faults.pop_front();
            Some(ms)
        }
        _ => None,
    };
    (delay, respond(&mut s, q, headers, body))
}

/// `None` drops the connection.
fn respond(
    s: &mut Inner,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Value,
) -> Option<(StatusCode, Json<Value>)> {
    s.requests += 1;
    if !authorised(s, headers) {
        return Some(error(401, "390144", "JWT token is invalid.", "08001"));
    }
    let fault = s.faults.pop_front().or_else(|| random_fault(s));
    s.injected += u32::from(fault.is_some());
    if let Some(Fault::Before(status)) = fault {
        return Some(error(status, "000000", "injected", ""));
    }
    if let Some(Fault::Deny) = fault {
        return Some(error(
            422,
            "003001",
            "SQL access control error: Insufficient privileges to operate on warehouse 'ANALYTICS_WH'",
            "42501",
        ));
    }
    let request = q.get("requestId").cloned().unwrap_or_default();
    let handle = match s.by_request.get(&request) {
        // Snowflake answers a retried request from its first run.
        Some(h) if q.get("retry").map(String::as_str) == Some("true") => h.clone(),
        _ => {
            let sql = body["statement"].as_str().unwrap_or("").to_string();
            let multi = body["parameters"]["MULTI_STATEMENT_COUNT"]
                .as_str()
                .is_some();
            *s.executions.entry(request.clone()).or_default() += 1;
            s.next += 1;
            let handle = format!("01b{:05}", s.next);
            let result = if multi {
                run_many(&s.duck, &sql)
            } else {
                run(&s.duck, &super::translate::to_duckdb(&sql))
            };
            match result {
                Ok(result) => {
                    s.results.insert(handle.clone(), result);
                    s.by_request.insert(request, handle.clone());
                    handle
                }
                Err(message) => {
                    let mut e = error(422, "002003", &message, "42000");
                    e.1.0["statementHandle"] = json!(handle);
                    return Some(e);
                }
            }
        }
    };
    if let Some(Fault::Drop) = fault {
        return None;
    }
    match fault {
        Some(Fault::After(status)) => {
            return Some(error(status, "000000", "injected after running", ""));
        }
        Some(Fault::Garbled) => {
            let body = page(s, &handle, 0, true).to_string();
            let cut = body.len() / 2;
            return Some((StatusCode::OK, Json(Value::String(body[..cut].to_string()))));
        }
        Some(Fault::Slow) => {
            s.slow.insert(handle.clone(), 1);
            return Some((
                StatusCode::ACCEPTED,
                Json(json!({
                    "code": "333334", "message": "Asynchronous execution in progress.",
                    "statementHandle": handle,
                    "statementStatusUrl": format!("/api/v2/statements/{handle}"),
                })),
            ));
        }
        _ => {}
    }
    Some((StatusCode::OK, Json(page(s, &handle, 0, true))))
}

async fn status(
    State(inner): Shared,
    Path(handle): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let mut s = inner.lock().unwrap();
    s.requests += 1;
    if !authorised(&s, &headers) {
        return error(401, "390144", "JWT token is invalid.", "08001");
    }
    if let Some(left) = s.slow.get_mut(&handle)
        && *left > 0
    {
        *left -= 1;
        return (
            StatusCode::ACCEPTED,
            Json(json!({ "code": "333334", "statementHandle": handle })),
        );
    }
    if !s.results.contains_key(&handle) {
        return error(404, "000000", "no such statement", "");
    }
    let partition: usize = q.get("partition").and_then(|p| p.parse().ok()).unwrap_or(0);
    (
        StatusCode::OK,
        Json(page(&s, &handle, partition, partition == 0)),
    )
}

fn random_fault(s: &mut Inner) -> Option<Fault> {
    let (share, seed) = s.random?;
    // A small deterministic generator (splitmix64): the same seed fails the same requests.
    let mut x = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    s.random = Some((share, x));
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    let roll = (x >> 11) as f64 / (1u64 << 53) as f64;
    if roll >= share {
        return None;
    }
    Some(match x % 6 {
        0 => Fault::Before(429),
        1 => Fault::Before(503),
        2 => Fault::After(503),
        3 => Fault::Garbled,
        4 => Fault::Drop,
        _ => Fault::Slow,
    })
}

/// One partition of a result; the first carries the metadata.
fn page(s: &Inner, handle: &str, partition: usize, with_meta: bool) -> Value {
    let (types, rows) = &s.results[handle];
    let size = s.partition_rows.max(1);
    let parts = rows.len().div_ceil(size).max(1);
    let data: Vec<&Vec<Value>> = rows.iter().skip(partition * size).take(size).collect();
    let mut out = json!({ "data": data, "code": "090001", "sqlState": "00000" });
    if with_meta {
        let info: Vec<Value> = (0..parts)
            .map(|p| json!({ "rowCount": rows.len().saturating_sub(p * size).min(size) }))
            .collect();
        out["resultSetMetaData"] = json!({
            "numRows": rows.len(), "format": "jsonv2", "rowType": types, "partitionInfo": info,
        });
        out["statementHandle"] = json!(handle);
    }
    out
}

/// A multi-statement request: each statement in turn; a failure rolls back an open transaction.
fn run_many(duck: &duckdb::Connection, sql: &str) -> Result<(Vec<Value>, Vec<Vec<Value>>), String> {
    let mut last = (Vec::new(), Vec::new());
    for statement in sql.split(";\n").filter(|s| !s.trim().is_empty()) {
        match run(duck, &super::translate::to_duckdb(statement)) {
            Ok(r) => last = r,
            Err(e) => {
                let _ = duck.execute_batch("rollback");
                return Err(e);
            }
        }
    }
    Ok(last)
}

/// Runs SQL on DuckDB and renders the result as the SQL API does: every value a string.
fn run(duck: &duckdb::Connection, sql: &str) -> Result<(Vec<Value>, Vec<Vec<Value>>), String> {
    use duckdb::types::Value as V;
    let mut stmt = duck.prepare(sql).map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    let names: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut cells = Vec::new();
        for i in 0..names.len() {
            let v: V = row.get(i).map_err(|e| e.to_string())?;
            let (kind, text) = match v {
                V::Null => ("text", None),
                V::Boolean(b) => ("boolean", Some(b.to_string())),
                V::TinyInt(x) => ("fixed", Some(x.to_string())),
                V::SmallInt(x) => ("fixed", Some(x.to_string())),
                V::Int(x) => ("fixed", Some(x.to_string())),
                V::BigInt(x) => ("fixed", Some(x.to_string())),
                V::HugeInt(x) => ("fixed", Some(x.to_string())),
                V::Float(x) => ("real", Some(x.to_string())),
                V::Double(x) => ("real", Some(x.to_string())),
                V::Text(t) => ("text", Some(t)),
                V::Timestamp(_, micros) => (
                    "timestamp_ntz",
                    Some(format!(
                        "{}.{:06}000",
                        micros.div_euclid(1_000_000),
                        micros.rem_euclid(1_000_000)
                    )),
                ),
                V::Date32(days) => ("date", Some(days.to_string())),
                other => ("text", Some(format!("{other:?}"))),
            };
            if kinds.len() <= i {
                kinds.push(kind);
            } else if kinds[i] == "text" && text.is_some() {
                kinds[i] = kind;
            }
            cells.push(text.map(Value::String).unwrap_or(Value::Null));
        }
        out.push(cells);
    }
    kinds.resize(names.len(), "text");
    let types = names
        .iter()
        .zip(&kinds)
        .map(|(n, k)| json!({ "name": n.to_uppercase(), "type": k, "scale": 0, "nullable": true }))
        .collect();
    Ok((types, out))
}
