//! A promotion as the target environment's store records it: who promoted which applied
//! segments from where, with each segment's version in the source and content hash.

use chrono::{DateTime, Utc};

/// One segment of a promotion.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromotedSegment {
    pub segment: String,
    /// `add`, `change`, `remove` or `unchanged` in the target.
    pub action: String,
    /// Its applied version in the source (none for a removal).
    pub source_version: Option<i64>,
    /// Its content hash (none for a removal).
    pub hash: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Promotion {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from_env: String,
    pub to_env: String,
    pub segments: Vec<PromotedSegment>,
}
