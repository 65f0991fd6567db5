//! What the state store keeps of syncs: each (run, segment, destination)'s counts and checkpoint,
//! the users a destination rejected and why, and the objects cdp made in a destination.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{RunStatus, StateError};

/// A user a destination rejected this many runs in a row is not sent again until `--full`.
pub const PERMANENT_AFTER: i64 = 3;

/// One segment's sync to one destination in one run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SyncRecord {
    pub run_id: i64,
    pub segment: String,
    pub destination: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: String,
    /// Changes the run had to send: `entered` additions and `exited` removals.
    pub pending: i64,
    pub entered: i64,
    pub exited: i64,
    /// Every change numbered up to this one is acknowledged (or rejected) by the destination.
    pub acked_seq: i64,
    #[serde(flatten)]
    pub stats: SyncStats,
    /// Whether the acknowledged changes are folded into the destination's membership.
    pub folded: bool,
    pub error: Option<String>,
}

/// What a sync has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct SyncStats {
    /// Users the destination accepted.
    pub sent: i64,
    pub rejected: i64,
    /// Requests sent again after a failure.
    pub retried: i64,
    pub requests: i64,
    pub duration_ms: i64,
}

/// A user a destination refused, with its reason.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rejection {
    pub run_id: i64,
    pub segment: String,
    pub destination: String,
    pub user_id: String,
    /// Whether the refused change was an addition (true) or a removal.
    pub is_member: bool,
    pub reason: String,
    /// Not sent again: the destination said the id can never be valid, or it refused it in
    /// `PERMANENT_AFTER` runs.
    pub permanent: bool,
    pub at: DateTime<Utc>,
}

/// Identifies one segment's sync to one destination in one run.
#[derive(Clone, Copy, Debug)]
pub struct SyncKey<'a> {
    pub run_id: i64,
    pub segment: &'a str,
    pub destination: &'a str,
}

#[async_trait]
pub trait SyncState {
    /// Records the start of a sync with the changes it has to send.
    async fn start_sync(
        &self,
        key: SyncKey<'_>,
        counts: (i64, i64, i64),
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;

    /// Moves the checkpoint forward and records rejections, in one transaction.
    async fn checkpoint(
        &self,
        key: SyncKey<'_>,
        acked_seq: i64,
        stats: &SyncStats,
        rejections: &[Rejection],
    ) -> Result<(), StateError>;

    async fn finish_sync(
        &self,
        key: SyncKey<'_>,
        status: RunStatus,
        stats: &SyncStats,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;

    /// Marks a sync's acknowledged changes as folded into the destination's membership.
    async fn mark_folded(&self, key: SyncKey<'_>) -> Result<(), StateError>;

    /// Syncs of (segment, destination) not folded yet (a killed run's), oldest first.
    async fn unfolded_syncs(
        &self,
        segment: &str,
        destination: &str,
    ) -> Result<Vec<SyncRecord>, StateError>;

    /// The latest sync of (segment, destination), if any.
    async fn last_sync(
        &self,
        segment: &str,
        destination: &str,
    ) -> Result<Option<SyncRecord>, StateError>;

    /// Syncs, newest first: of one segment, or of all.
    async fn syncs(&self, segment: Option<&str>, limit: i64)
    -> Result<Vec<SyncRecord>, StateError>;

    /// Marks as permanent the rejections of this sync whose user has been refused
    /// `PERMANENT_AFTER` times, and returns them all.
    async fn settle_rejections(&self, key: SyncKey<'_>) -> Result<Vec<Rejection>, StateError>;

    /// How many of the users this sync refused an earlier sync of the same segment and
    /// destination had refused too: known refusals, which do not fail a run.
    async fn refused_before(&self, key: SyncKey<'_>) -> Result<i64, StateError>;

    /// Rejections of a segment's syncs, newest first.
    async fn rejection_log(&self, segment: &str) -> Result<Vec<Rejection>, StateError>;

    /// The id of an object cdp made in a destination for a segment (`kind`: e.g. `cohort`).
    async fn object(
        &self,
        segment: &str,
        destination: &str,
        kind: &str,
    ) -> Result<Option<String>, StateError>;

    async fn put_object(
        &self,
        segment: &str,
        destination: &str,
        kind: &str,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;
}
