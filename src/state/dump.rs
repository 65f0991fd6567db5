//! The state store as one versioned JSON document: every table's rows in a canonical form (the
//! same from SQLite and PostgreSQL) with a checksum each, for `state export` and `state import`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The document's format; `import` refuses others.
pub const FORMAT: u32 = 1;

/// What a column holds, read and written the same way on both engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Time,
    Bool,
}

use Kind::{Bool, Int, Text, Time};

/// A table's columns with their kinds, in order.
pub type Columns = &'static [(&'static str, Kind)];

/// Every table that holds state (not `locks`, which live processes hold, nor `ui_secrets`, the
/// key that signs the UI's cookies: a secret stays out of exports and backups, and a store
/// without one makes a new one), with its columns in order and the key its rows are ordered by.
pub const TABLES: &[(&str, Columns, &str)] = &[
    (
        "definitions",
        &[
            ("kind", Text),
            ("name", Text),
            ("version", Int),
            ("hash", Text),
            ("content", Text),
            ("applied_by", Text),
            ("applied_at", Time),
            ("removed_by", Text),
            ("removed_at", Time),
        ],
        "kind, name, version",
    ),
    (
        "runs",
        &[
            ("id", Int),
            ("command", Text),
            ("segment", Text),
            ("started_at", Time),
            ("ended_at", Time),
            ("rows", Int),
            ("status", Text),
            ("error", Text),
            ("pid", Int),
            ("host", Text),
        ],
        "id",
    ),
    (
        "snapshots",
        &[
            ("run_id", Int),
            ("segment", Text),
            ("version", Int),
            ("at", Time),
            ("size", Int),
            ("entered", Int),
            ("exited", Int),
            ("duration_ms", Int),
        ],
        "run_id, segment",
    ),
    (
        "audit",
        &[
            ("id", Int),
            ("at", Time),
            ("actor", Text),
            ("action", Text),
            ("subject", Text),
            ("detail", Text),
        ],
        "id",
    ),
    (
        "syncs",
        &[
            ("run_id", Int),
            ("segment", Text),
            ("destination", Text),
            ("started_at", Time),
            ("ended_at", Time),
            ("status", Text),
            ("pending", Int),
            ("entered", Int),
            ("exited", Int),
            ("acked_seq", Int),
            ("sent", Int),
            ("rejected", Int),
            ("retried", Int),
            ("requests", Int),
            ("duration_ms", Int),
            ("folded", Bool),
            ("error", Text),
        ],
        "run_id, segment, destination",
    ),
    (
        "sync_rejections",
        &[
            ("run_id", Int),
            ("segment", Text),
            ("destination", Text),
            ("user_id", Text),
            ("is_member", Bool),
            ("reason", Text),
            ("permanent", Bool),
            ("at", Time),
        ],
        "run_id, segment, destination, user_id",
    ),
    (
        "promotions",
        &[
            ("id", Int),
            ("at", Time),
            ("actor", Text),
            ("from_env", Text),
            ("to_env", Text),
            ("segments", Text),
        ],
        "id",
    ),
    (
        "destination_objects",
        &[
            ("segment", Text),
            ("destination", Text),
            ("kind", Text),
            ("external_id", Text),
            ("created_at", Time),
        ],
        "segment, destination, kind",
    ),
    (
        "campaign_launches",
        &[
            ("id", Int),
            ("campaign", Text),
            ("send_id", Text),
            ("started_at", Time),
            ("ended_at", Time),
            ("status", Text),
            ("assigned", Int),
            ("to_send", Int),
            ("sent", Int),
            ("unknown", Int),
            ("failed", Int),
            ("capped", Int),
            ("requests", Int),
            ("retried", Int),
            ("actor", Text),
            ("host", Text),
            ("error", Text),
        ],
        "id",
    ),
    (
        "campaign_sends",
        &[
            ("campaign", Text),
            ("user_id", Text),
            ("launch_id", Int),
            ("batch", Int),
            ("status", Text),
            ("prior", Text),
            ("reason", Text),
            ("at", Time),
            ("exposed_at", Time),
        ],
        "campaign, user_id",
    ),
    (
        "api_tokens",
        &[
            ("id", Text),
            ("name", Text),
            ("hash", Text),
            ("created_by", Text),
            ("created_at", Time),
            ("last_used_at", Time),
            ("revoked_at", Time),
        ],
        "id",
    ),
    (
        "ui_users",
        &[
            ("name", Text),
            ("password_hash", Text),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        "name",
    ),
];

/// An instant as the document writes it: RFC 3339, UTC, microseconds.
pub fn time(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// One table of the document.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableDump {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// SHA-256 of the rows' canonical JSON, hex.
    pub checksum: String,
}

impl TableDump {
    pub fn new(columns: &[(&str, Kind)], rows: Vec<Vec<Value>>) -> TableDump {
        TableDump {
            columns: columns.iter().map(|(c, _)| c.to_string()).collect(),
            checksum: checksum(&rows),
            rows,
        }
    }
}

pub fn checksum(rows: &[Vec<Value>]) -> String {
    let mut sum = Checksum::default();
    rows.iter().for_each(|r| sum.add(r));
    sum.finish()
}

/// A table's checksum taken row by row as the rows stream past: the SHA-256 of the rows'
/// compact JSON array, the same as [`checksum`] of all of them at once.
#[derive(Clone, Default)]
pub struct Checksum {
    hasher: Sha256,
    rows: u64,
}

impl Checksum {
    pub fn add(&mut self, row: &[Value]) {
        self.add_json(&serde_json::to_string(row).unwrap_or_default());
    }

    /// Adds a row already written as compact JSON.
    pub fn add_json(&mut self, row: &str) {
        self.hasher
            .update(if self.rows == 0 { b"[" as &[u8] } else { b"," });
        self.hasher.update(row.as_bytes());
        self.rows += 1;
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The hex digest.
    pub fn finish(mut self) -> String {
        self.hasher
            .update(if self.rows == 0 { b"[]" as &[u8] } else { b"]" });
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The whole state store.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub format: u32,
    pub cdp_version: String,
    /// The migrations applied to the store it came from.
    pub migrations: Vec<i64>,
    /// Tables by name, in the order of `TABLES`.
    pub tables: serde_json::Map<String, Value>,
}

/// Why a document cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("the file is not a cdp state export: {0}")]
    NotAnExport(String),
    #[error("the export's format is {found}; this cdp reads format {FORMAT}")]
    Format { found: u32 },
    #[error("the export was made at migration {found:?}; this store is at {here:?}")]
    Migrations { found: Vec<i64>, here: Vec<i64> },
    #[error("table `{table}` does not match its checksum: the file was changed or cut")]
    Checksum { table: String },
    #[error("table `{table}` is missing from the export")]
    MissingTable { table: String },
    #[error("table `{table}`: a row has {found} values for {expected} columns")]
    RowWidth {
        table: String,
        found: usize,
        expected: usize,
    },
    #[error("the target store is not empty: table `{table}` has rows")]
    NotEmpty { table: String },
    #[error("the target is the store being migrated")]
    SameStore,
    #[error(
        "table `{table}` differs after the copy: {source_rows} rows ({source_sum}) in the source, {target_rows} ({target_sum}) in the target"
    )]
    Mismatch {
        table: String,
        source_rows: u64,
        target_rows: u64,
        source_sum: String,
        target_sum: String,
    },
    #[error("table `{table}`, column `{column}`: `{value}` is not {kind}")]
    Value {
        table: String,
        column: String,
        value: String,
        kind: &'static str,
    },
}

impl Document {
    /// The tables after checking the format, the migrations and every checksum.
    pub fn checked(&self, here: &[i64]) -> Result<Vec<(&'static str, TableDump)>, DumpError> {
        if self.format != FORMAT {
            return Err(DumpError::Format { found: self.format });
        }
        if self.migrations != here {
            return Err(DumpError::Migrations {
                found: self.migrations.clone(),
                here: here.to_vec(),
            });
        }
        let mut out = Vec::new();
        for (name, columns, _) in TABLES {
            let value = self
                .tables
                .get(*name)
                .ok_or_else(|| DumpError::MissingTable {
                    table: name.to_string(),
                })?;
            let dump: TableDump = serde_json::from_value(value.clone())
                .map_err(|e| DumpError::NotAnExport(e.to_string()))?;
            if checksum(&dump.rows) != dump.checksum {
                return Err(DumpError::Checksum {
                    table: name.to_string(),
                });
            }
            if let Some(row) = dump.rows.iter().find(|r| r.len() != columns.len()) {
                return Err(DumpError::RowWidth {
                    table: name.to_string(),
                    found: row.len(),
                    expected: columns.len(),
                });
            }
            out.push((*name, dump));
        }
        Ok(out)
    }
}

pub use super::dump_values::{bind, csv_line};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_taken_row_by_row_is_the_checksum_of_the_whole_array() {
        let rows = vec![
            vec![Value::from(1), Value::from("a,b"), Value::Null],
            vec![Value::from(2), Value::from("[c]"), Value::from(true)],
        ];
        let whole = serde_json::to_string(&rows).unwrap();
        let expected: String = Sha256::digest(whole.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(checksum(&rows), expected);
        let empty: String = Sha256::digest(b"[]")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(checksum(&[]), empty);
        assert_ne!(checksum(&rows[..1]), checksum(&rows));
    }
}
