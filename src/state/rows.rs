//! The state store's records read from rows, the same way on every engine.

use chrono::{DateTime, Utc};

use super::{Definition, Run, Snapshot};

pub(super) const DEFINITION_COLUMNS: &str = "name, version, hash, content, applied_by, applied_at";
pub(super) const RUN_COLUMNS: &str =
    "id, command, segment, started_at, ended_at, rows, status, error";
pub(super) const SNAPSHOT_COLUMNS: &str =
    "run_id, segment, version, at, size, entered, exited, duration_ms";

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
        command: r.try_get("command")?,
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
