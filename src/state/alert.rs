//! What the state store keeps of the daemon's alerts: each job key's failure streak, whether the
//! alert its latest change of state owes was sent, and the lease of the daemon sending it.
//!
//! Every change is one statement (an upsert, or an update guarded by its `where`), so that
//! daemons sharing one PostgreSQL store agree on who sends: the one whose update changed the row.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StateError;
use super::dump::Columns;
use super::dump::Kind::{Bool, Int, Text, Time};

/// One job's streak as the store holds it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Streak {
    pub job: String,
    /// Whether the job's latest outcome was a failure.
    pub failing: bool,
    /// When the latest failure streak began (the first outcome recorded, if none failed yet).
    pub since: DateTime<Utc>,
    /// Failed outcomes in the latest streak.
    pub failures: i64,
    /// The latest failure's error.
    pub last_error: Option<String>,
    /// The alert of the latest change of state (failed, or recovered) is owed: not sent yet.
    pub pending: bool,
    /// When the alert of the latest change of state was sent.
    pub alerted_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait AlertState {
    /// Records a job's outcome (`error` is `Some` for a failure) and returns its streak after.
    ///
    /// A failure after a success (or as the first outcome) starts a streak and owes an alert;
    /// a success after a failure ends it, and owes a recovery alert when the failure's alert
    /// was sent or is being sent. Other outcomes leave what is owed as it was.
    async fn record_outcome(
        &self,
        job: &str,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Streak, StateError>;

    /// Takes the owed alert of `job` for `token` until `until_ms` (epoch milliseconds), unless
    /// none is owed or another holds it and its lease has not passed `now_ms`. `Some` when this
    /// caller won it and must send it.
    async fn claim_alert(
        &self,
        job: &str,
        token: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Option<Streak>, StateError>;

    /// Gives back the claim of `token`: the alert was sent (no longer owed) or it was not
    /// (owed still, so the job's next outcome tries again). A claim lost meanwhile (the state
    /// changed) is left alone.
    async fn settle_alert(
        &self,
        job: &str,
        token: &str,
        sent: Option<DateTime<Utc>>,
    ) -> Result<(), StateError>;

    /// Every job's streak, by job.
    async fn streaks(&self) -> Result<Vec<Streak>, StateError>;
}

/// The table's columns as `state export` writes them (the lease included: a store restored
/// while a daemon sends is a store restored mid-send).
pub const DUMP_COLUMNS: Columns = &[
    ("job", Text),
    ("failing", Bool),
    ("since", Time),
    ("failures", Int),
    ("last_error", Text),
    ("pending", Bool),
    ("alerted_at", Time),
    ("claimed_by", Text),
    ("claim_expires", Int),
    ("updated_at", Time),
];

/// The columns a [`Streak`] is read from, in order.
pub const STREAK_COLUMNS: &str = "job, failing, since, failures, last_error, pending, alerted_at";

/// A failure: starts a streak or adds to it. `$1` job, `$2` error, `$3` at.
pub const RECORD_FAILURE: &str = "insert into alert_streaks \
     (job, failing, since, failures, last_error, pending, alerted_at, claimed_by, claim_expires, updated_at) \
     values ($1, true, $3, 1, $2, true, null, null, null, $3) \
     on conflict (job) do update set \
     failing = true, \
     since = case when alert_streaks.failing then alert_streaks.since else excluded.since end, \
     failures = case when alert_streaks.failing then alert_streaks.failures + 1 else 1 end, \
     last_error = excluded.last_error, \
     pending = case when alert_streaks.failing then alert_streaks.pending else true end, \
     alerted_at = case when alert_streaks.failing then alert_streaks.alerted_at else null end, \
     claimed_by = case when alert_streaks.failing then alert_streaks.claimed_by else null end, \
     claim_expires = case when alert_streaks.failing then alert_streaks.claim_expires else null end, \
     updated_at = excluded.updated_at \
     returning job, failing, since, failures, last_error, pending, alerted_at";

/// A success: ends a streak, keeping its start, count and error for the recovery alert. `$1`
/// job, `$2` at.
pub const RECORD_SUCCESS: &str = "insert into alert_streaks \
     (job, failing, since, failures, last_error, pending, alerted_at, claimed_by, claim_expires, updated_at) \
     values ($1, false, $2, 0, null, false, null, null, null, $2) \
     on conflict (job) do update set \
     failing = false, \
     pending = case when alert_streaks.failing \
         then (alert_streaks.alerted_at is not null or alert_streaks.claimed_by is not null) \
         else alert_streaks.pending end, \
     alerted_at = case when alert_streaks.failing then null else alert_streaks.alerted_at end, \
     claimed_by = case when alert_streaks.failing then null else alert_streaks.claimed_by end, \
     claim_expires = case when alert_streaks.failing then null else alert_streaks.claim_expires end, \
     updated_at = excluded.updated_at \
     returning job, failing, since, failures, last_error, pending, alerted_at";

/// `$1` job, `$2` token, `$3` now (ms), `$4` until (ms).
pub const CLAIM: &str = "update alert_streaks set claimed_by = $2, claim_expires = $4 \
     where job = $1 and pending = true and (claimed_by is null or claim_expires < $3) \
     returning job, failing, since, failures, last_error, pending, alerted_at";

/// `$1` job, `$2` token, `$3` sent at.
pub const SETTLE_SENT: &str = "update alert_streaks \
     set pending = false, alerted_at = $3, claimed_by = null, claim_expires = null \
     where job = $1 and claimed_by = $2";

/// `$1` job, `$2` token.
pub const SETTLE_UNSENT: &str = "update alert_streaks set claimed_by = null, claim_expires = null \
     where job = $1 and claimed_by = $2";

/// `impl AlertState` for a backend struct with a `pool`.
macro_rules! impl_alert_state {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::alert::AlertState for $ty {
            async fn record_outcome(
                &self,
                job: &str,
                error: Option<&str>,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::state::alert::Streak, $crate::state::StateError> {
                use $crate::state::alert::{RECORD_FAILURE, RECORD_SUCCESS};
                let row = match error {
                    Some(e) => {
                        sqlx::query(RECORD_FAILURE)
                            .bind(job)
                            .bind(e)
                            .bind(at)
                            .fetch_one(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query(RECORD_SUCCESS)
                            .bind(job)
                            .bind(at)
                            .fetch_one(&self.pool)
                            .await?
                    }
                };
                Ok(streak_of(&row)?)
            }

            async fn claim_alert(
                &self,
                job: &str,
                token: &str,
                now_ms: i64,
                until_ms: i64,
            ) -> Result<Option<$crate::state::alert::Streak>, $crate::state::StateError> {
                let row = sqlx::query($crate::state::alert::CLAIM)
                    .bind(job)
                    .bind(token)
                    .bind(now_ms)
                    .bind(until_ms)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(streak_of).transpose()?)
            }

            async fn settle_alert(
                &self,
                job: &str,
                token: &str,
                sent: Option<chrono::DateTime<chrono::Utc>>,
            ) -> Result<(), $crate::state::StateError> {
                match sent {
                    Some(at) => {
                        sqlx::query($crate::state::alert::SETTLE_SENT)
                            .bind(job)
                            .bind(token)
                            .bind(at)
                            .execute(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query($crate::state::alert::SETTLE_UNSENT)
                            .bind(job)
                            .bind(token)
                            .execute(&self.pool)
                            .await?
                    }
                };
                Ok(())
            }

            async fn streaks(
                &self,
            ) -> Result<Vec<$crate::state::alert::Streak>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from alert_streaks order by job",
                    $crate::state::alert::STREAK_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(streak_of).collect::<Result<_, _>>()?)
            }
        }

        fn streak_of<R: sqlx::Row>(r: &R) -> Result<$crate::state::alert::Streak, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<chrono::DateTime<chrono::Utc>>:
                sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> chrono::DateTime<chrono::Utc>:
                sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            Ok($crate::state::alert::Streak {
                job: r.try_get("job")?,
                failing: r.try_get("failing")?,
                since: r.try_get("since")?,
                failures: r.try_get("failures")?,
                last_error: r.try_get("last_error")?,
                pending: r.try_get("pending")?,
                alerted_at: r.try_get("alerted_at")?,
            })
        }
    };
}
pub(crate) use impl_alert_state;
