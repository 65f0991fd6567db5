//! The client's discipline, over a scripted transport.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::warehouse::Cell;
use crate::warehouse::snowflake::auth::Credentials;

/// Answers from a script, and records what was asked.
#[derive(Default)]
struct Scripted {
    replies: Mutex<VecDeque<Result<Reply, String>>>,
    asked: Mutex<Vec<Asked>>,
}

/// A request as the script saw it: method, URL, and headers.
type Asked = (String, String, Vec<(String, String)>);

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

    fn answer(&self, method: &str, url: &str, headers: &[(&str, String)]) -> Result<Reply, String> {
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
            backoff: crate::retry::Backoff {
                attempts: 4,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(2),
            },
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
            interrupt.cancel();
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
fn the_wait_a_server_asks_for_is_kept() {
    let p = Policy::default();
    assert!(p.delay(0, Some(Duration::from_secs(5))) >= Duration::from_secs(5));
}
