//! The log of `state migrate` runs a store took part in (as source or target), read by
//! `cdp state history`.

use chrono::{DateTime, Utc};

/// The part a store played in a migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Source,
    Target,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Target => "target",
        }
    }

    pub fn parse(s: &str) -> Role {
        if s == "target" {
            Role::Target
        } else {
            Role::Source
        }
    }
}

/// One migration as one store recorded it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MigrationRecord {
    pub role: Role,
    /// The source store, redacted.
    pub source: String,
    /// The target store, redacted.
    pub target: String,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub tables: i64,
    pub rows: i64,
    pub duration_ms: i64,
    /// `succeeded`, `failed`, `interrupted`, or `verified` (found already copied).
    pub result: String,
    pub error: Option<String>,
}
