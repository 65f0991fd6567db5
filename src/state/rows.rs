//! The state store's records read from rows, the same way on every engine.

use chrono::{DateTime, Utc};

use super::sync::{Rejection, SyncRecord, SyncStats};
use super::{Definition, Run, Snapshot};

pub(super) const DEFINITION_COLUMNS: &str = "name, version, hash, content, applied_by, applied_at";
pub(super) const RUN_COLUMNS: &str =
    "id, command, segment, started_at, ended_at, rows, status, error";
pub(super) const SNAPSHOT_COLUMNS: &str =
    "run_id, segment, version, at, size, entered, exited, duration_ms";
/// The same, of a table aliased `s`.
pub(super) const SNAPSHOT_COLUMNS_OF_S: &str =
    "s.run_id, s.segment, s.version, s.at, s.size, s.entered, s.exited, s.duration_ms";

pub(super) fn definition<R: sqlx::Row>(r: &R) -> Result<Definition, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Definition {
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        hash: r.try_get("hash")?,
        content: r.try_get("content")?,
        applied_by: r.try_get("applied_by")?,
        applied_at: r.try_get("applied_at")?,
    })
}

pub(super) fn run<R: sqlx::Row>(r: &R) -> Result<Run, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Run {
        id: r.try_get("id")?,
        kind: r
            .try_get::<String, _>("command")?
            .parse()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        segment: r.try_get("segment")?,
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
        rows: r.try_get("rows")?,
        status: r.try_get("status")?,
        error: r.try_get("error")?,
    })
}

pub(super) fn snapshot<R: sqlx::Row>(r: &R) -> Result<Snapshot, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Snapshot {
        run_id: r.try_get("run_id")?,
        segment: r.try_get("segment")?,
        version: r.try_get("version")?,
        at: r.try_get("at")?,
        size: r.try_get("size")?,
        entered: r.try_get("entered")?,
        exited: r.try_get("exited")?,
        duration_ms: r.try_get("duration_ms")?,
    })
}

pub(super) const SYNC_COLUMNS: &str = "run_id, segment, destination, started_at, ended_at, status, \
     pending, entered, exited, acked_seq, sent, rejected, retried, requests, duration_ms, folded, error";
pub(super) const REJECTION_COLUMNS: &str =
    "run_id, segment, destination, user_id, is_member, reason, permanent, at";

pub(super) fn sync_record<R: sqlx::Row>(r: &R) -> Result<SyncRecord, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DateTime<Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SyncRecord {
        run_id: r.try_get("run_id")?,
        segment: r.try_get("segment")?,
        destination: r.try_get("destination")?,
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
        status: r.try_get("status")?,
        pending: r.try_get("pending")?,
        entered: r.try_get("entered")?,
        exited: r.try_get("exited")?,
        acked_seq: r.try_get("acked_seq")?,
        stats: SyncStats {
            sent: r.try_get("sent")?,
            rejected: r.try_get("rejected")?,
            retried: r.try_get("retried")?,
            requests: r.try_get("requests")?,
            duration_ms: r.try_get("duration_ms")?,
        },
        folded: r.try_get("folded")?,
        error: r.try_get("error")?,
    })
}

pub(super) fn rejection<R: sqlx::Row>(r: &R) -> Result<Rejection, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Rejection {
        run_id: r.try_get("run_id")?,
        segment: r.try_get("segment")?,
        destination: r.try_get("destination")?,
        user_id: r.try_get("user_id")?,
        is_member: r.try_get("is_member")?,
        reason: r.try_get("reason")?,
        permanent: r.try_get("permanent")?,
        at: r.try_get("at")?,
    })
}
