//! The SQL API v2's messages: a statement request and the three responses a client must handle
//! (reference: "Submitting" and "Responses").

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::types::RowType;
use crate::project::config::SnowflakeConfig;

/// The body of `POST /api/v2/statements`.
#[derive(Debug, Serialize, PartialEq)]
pub struct StatementRequest {
    pub statement: String,
    /// Seconds; 0 is Snowflake's maximum.
    pub timeout: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub bindings: BTreeMap<String, Binding>,
    pub parameters: BTreeMap<String, String>,
}

/// A bound value: its Snowflake type and its text.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Binding {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
}

impl Binding {
    pub fn text(v: &str) -> Binding {
        Binding {
            kind: "TEXT",
            value: v.to_string(),
        }
    }

    pub fn fixed(v: i64) -> Binding {
        Binding {
            kind: "FIXED",
            value: v.to_string(),
        }
    }
}

impl StatementRequest {
    /// A statement in the configured context, tagged with what cdp runs it for. `statements`
    /// above one sends them as one multi-statement request (the only way the SQL API runs a
    /// transaction).
    pub fn new(config: &SnowflakeConfig, sql: &str, tag: &str, statements: usize) -> Self {
        let mut parameters = BTreeMap::from([("QUERY_TAG".to_string(), tag.to_string())]);
        if statements > 1 {
            parameters.insert("MULTI_STATEMENT_COUNT".into(), statements.to_string());
        }
        StatementRequest {
            statement: sql.to_string(),
            timeout: config.statement_timeout,
            database: config.database.clone(),
            schema: config.schema.clone(),
            warehouse: config.warehouse.clone(),
            role: config.role.clone(),
            bindings: BTreeMap::new(),
            parameters,
        }
    }

    /// Binds `?` placeholders in order (`"1"`, `"2"`, ...).
    pub fn bind(mut self, values: Vec<Binding>) -> Self {
        self.bindings = values
            .into_iter()
            .enumerate()
            .map(|(i, b)| ((i + 1).to_string(), b))
            .collect();
        self
    }
}

/// A fresh `requestId` (UUID version 4): the same id is sent again when a request is retried.
pub fn request_id() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `resultSetMetaData` of a 200 response.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResultMeta {
    #[serde(default)]
    pub num_rows: u64,
    #[serde(default)]
    pub format: Option<String>,
    pub row_type: Vec<RowType>,
    #[serde(default)]
    pub partition_info: Vec<PartitionInfo>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PartitionInfo {
    pub row_count: u64,
    #[serde(default)]
    pub uncompressed_size: Option<u64>,
}

/// A 200 response: the first partition's rows and how to fetch the others.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultSet {
    #[serde(default)]
    pub result_set_meta_data: Option<ResultMeta>,
    #[serde(default)]
    pub data: Vec<Vec<Option<String>>>,
    /// Absent from the responses that carry a later partition.
    #[serde(default)]
    pub statement_handle: String,
    #[serde(default)]
    pub statement_handles: Vec<String>,
}

/// A 202 (still running) or 422 (failed) body.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub sql_state: Option<String>,
    #[serde(default)]
    pub statement_handle: Option<String>,
    #[serde(default)]
    pub statement_status_url: Option<String>,
}

/// What a client does next with a response.
#[derive(Debug)]
pub enum Next {
    Done(Box<ResultSet>),
    /// 202: poll the statement until it finishes.
    Poll(String),
    /// 422 or 408: the statement failed; never retried.
    Failed {
        status: u16,
        body: Status,
    },
    /// 429, 5xx, or a body that did not arrive whole: send the same request again.
    Retry,
    /// Any other status: a request cdp got wrong (401, 403, 404, ...).
    Refused {
        status: u16,
        body: String,
    },
}

/// Reads a response by its HTTP status and body.
pub fn classify(status: u16, body: &str) -> Next {
    match status {
        200 => match serde_json::from_str::<ResultSet>(body) {
            Ok(r) => Next::Done(Box::new(r)),
            Err(_) => Next::Retry,
        },
        202 => match serde_json::from_str::<Status>(body) {
            Ok(Status {
                statement_handle: Some(h),
                ..
            }) => Next::Poll(h),
            _ => Next::Retry,
        },
        408 | 422 => Next::Failed {
            status,
            body: serde_json::from_str(body).unwrap_or(Status {
                code: None,
                message: Some(body.chars().take(500).collect()),
                sql_state: None,
                statement_handle: None,
                statement_status_url: None,
            }),
        },
        429 | 500..=599 => Next::Retry,
        other => Next::Refused {
            status: other,
            body: body.chars().take(500).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::config::{KeySource, SnowflakeAuth};
    use crate::secret::Secret;

    fn config() -> SnowflakeConfig {
        SnowflakeConfig {
            account: "xy12345.us-east-1".into(),
            user: Some("CDP".into()),
            auth: SnowflakeAuth::KeyPair {
                key: KeySource::Pem(Secret::new("k")),
                passphrase: None,
            },
            warehouse: Some("ANALYTICS_WH".into()),
            database: Some("ANALYTICS".into()),
            schema: Some("PUBLIC".into()),
            role: None,
            cdp_schema: "CDP".into(),
            endpoint: None,
            statement_timeout: 600,
        }
    }

    #[test]
    fn a_request_carries_context_tag_and_bindings() {
        let r = StatementRequest::new(&config(), "select ? , ?", "cdp refresh power_users", 1)
            .bind(vec![Binding::fixed(7), Binding::text("it's")]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["timeout"], 600);
        assert_eq!(v["database"], "ANALYTICS");
        assert_eq!(v["warehouse"], "ANALYTICS_WH");
        assert!(v.get("role").is_none());
        assert_eq!(v["bindings"]["1"]["type"], "FIXED");
        assert_eq!(v["bindings"]["2"]["value"], "it's");
        assert_eq!(v["parameters"]["QUERY_TAG"], "cdp refresh power_users");
        assert!(v["parameters"].get("MULTI_STATEMENT_COUNT").is_none());
        let multi = StatementRequest::new(&config(), "begin; select 1; commit", "t", 3);
        assert_eq!(multi.parameters["MULTI_STATEMENT_COUNT"], "3");
    }

    #[test]
    fn request_ids_are_version_4_uuids() {
        let a = request_id();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(a, request_id());
    }

    #[test]
    fn responses_are_classified_as_the_reference_says() {
        let ok = r#"{"resultSetMetaData":{"numRows":2,"format":"jsonv2","rowType":[{"name":"N","type":"fixed","scale":0,"nullable":true}],"partitionInfo":[{"rowCount":1},{"rowCount":1}]},"data":[["1"]],"code":"090001","statementHandle":"h1","sqlState":"00000"}"#;
        match classify(200, ok) {
            Next::Done(r) => {
                let meta = r.result_set_meta_data.unwrap();
                assert_eq!(meta.partition_info.len(), 2);
                assert_eq!(r.data, vec![vec![Some("1".to_string())]]);
            }
            other => panic!("{other:?}"),
        }
        let running = r#"{"code":"333334","message":"Asynchronous execution in progress.","statementHandle":"h2","statementStatusUrl":"/api/v2/statements/h2"}"#;
        assert!(matches!(classify(202, running), Next::Poll(h) if h == "h2"));
        let failed = r#"{"code":"002003","message":"SQL compilation error: Object 'X' does not exist.","sqlState":"02000","statementHandle":"h3"}"#;
        match classify(422, failed) {
            Next::Failed { status, body } => {
                assert_eq!(status, 422);
                assert_eq!(body.sql_state.as_deref(), Some("02000"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(classify(429, ""), Next::Retry));
        assert!(matches!(classify(503, "busy"), Next::Retry));
        assert!(matches!(classify(200, "{truncated"), Next::Retry));
        assert!(matches!(
            classify(401, "no"),
            Next::Refused { status: 401, .. }
        ));
    }
}
