//! What the state store keeps of the daemon's jobs: one row per job queued (per scheduled
//! instant, unique, so that a schedule's instant runs once however many daemons offer it), its
//! status as it runs, and the dashboards' tiles computed on their interval.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StateError;

/// A job as the state store has it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct JobRecord {
    pub id: String,
    /// What it does, as a key: `refresh:vip`, `sync:vip`, `launch:spring`, `dashboard:kpis`.
    pub job: String,
    /// The scheduled instant it runs for; none for a job started from the API or the UI.
    pub instant: Option<DateTime<Utc>>,
    /// `queued`, `running`, `succeeded`, `failed`, `skipped` (the same job was still running),
    /// `interrupted` (the daemon stopped before it ended; another may take it up).
    pub status: String,
    /// The daemon that took it last (`host:pid`).
    pub daemon: Option<String>,
    /// How many times a daemon took it: more than 1 when one died running it.
    pub attempts: i64,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The operation's report as JSON, once it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
}

#[async_trait]
pub trait DaemonJobState {
    /// Records a job queued; false when a job of that key and instant is recorded already (an
    /// instant is queued once).
    async fn queue_job(&self, job: &JobRecord) -> Result<bool, StateError>;

    /// Marks a job taken by `daemon`: running, one more attempt.
    async fn start_job(&self, id: &str, daemon: &str, at: DateTime<Utc>) -> Result<(), StateError>;

    /// Records how a job ended.
    async fn end_job(
        &self,
        id: &str,
        status: &str,
        at: DateTime<Utc>,
        error: Option<&str>,
        report: Option<&serde_json::Value>,
    ) -> Result<(), StateError>;

    async fn job(&self, id: &str) -> Result<Option<JobRecord>, StateError>;

    /// Jobs, newest first; of one key when given.
    async fn jobs(&self, job: Option<&str>, limit: i64) -> Result<Vec<JobRecord>, StateError>;

    /// The latest scheduled instant recorded for a job key.
    async fn last_instant(&self, job: &str) -> Result<Option<DateTime<Utc>>, StateError>;

    /// Keeps a dashboard's tiles as computed at `at`.
    async fn put_tiles(
        &self,
        dashboard: &str,
        at: DateTime<Utc>,
        data: &serde_json::Value,
    ) -> Result<(), StateError>;

    /// A dashboard's last computed tiles, with when.
    async fn tiles(
        &self,
        dashboard: &str,
    ) -> Result<Option<(DateTime<Utc>, serde_json::Value)>, StateError>;
}

/// `impl DaemonJobState` for a backend struct with a `pool`.
macro_rules! impl_daemon_job_state {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::daemon_jobs::DaemonJobState for $ty {
            async fn queue_job(
                &self,
                j: &$crate::state::daemon_jobs::JobRecord,
            ) -> Result<bool, $crate::state::StateError> {
                let done = sqlx::query(
                    "insert into daemon_jobs (id, job, instant, status, attempts, queued_at) \
                     values ($1, $2, $3, $4, 0, $5) on conflict do nothing",
                )
                .bind(&j.id)
                .bind(&j.job)
                .bind(j.instant)
                .bind(&j.status)
                .bind(j.queued_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn start_job(
                &self,
                id: &str,
                daemon: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "update daemon_jobs set status = 'running', daemon = $2, attempts = attempts + 1, \
                     started_at = $3, ended_at = null, error = null where id = $1",
                )
                .bind(id)
                .bind(daemon)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn end_job(
                &self,
                id: &str,
                status: &str,
                at: chrono::DateTime<chrono::Utc>,
                error: Option<&str>,
                report: Option<&serde_json::Value>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "update daemon_jobs set status = $2, ended_at = $3, error = $4, report = $5 where id = $1",
                )
                .bind(id)
                .bind(status)
                .bind(at)
                .bind(error)
                .bind(report.map(|r| r.to_string()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn job(
                &self,
                id: &str,
            ) -> Result<Option<$crate::state::daemon_jobs::JobRecord>, $crate::state::StateError>
            {
                let row = sqlx::query(
                    "select id, job, instant, status, daemon, attempts, queued_at, started_at, ended_at, \
                     error, report from daemon_jobs where id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.as_ref().map(job_of).transpose()?)
            }

            async fn jobs(
                &self,
                job: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$crate::state::daemon_jobs::JobRecord>, $crate::state::StateError> {
                macro_rules! select {
                    ($rest:literal) => {
                        concat!(
                            "select id, job, instant, status, daemon, attempts, queued_at, started_at, \
                             ended_at, error, report from daemon_jobs ",
                            $rest
                        )
                    };
                }
                let rows = match job {
                    Some(job) => {
                        sqlx::query(select!("where job = $1 order by queued_at desc, id desc limit $2"))
                            .bind(job)
                            .bind(limit)
                            .fetch_all(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query(select!("order by queued_at desc, id desc limit $1"))
                            .bind(limit)
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                rows.iter().map(|r| Ok(job_of(r)?)).collect()
            }

            async fn last_instant(
                &self,
                job: &str,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::state::StateError> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "select instant from daemon_jobs where job = $1 and instant is not null \
                     order by instant desc limit 1",
                )
                .bind(job)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.try_get(0)).transpose()?)
            }

            async fn put_tiles(
                &self,
                dashboard: &str,
                at: chrono::DateTime<chrono::Utc>,
                data: &serde_json::Value,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into dashboard_tiles (dashboard, computed_at, data) values ($1, $2, $3) \
                     on conflict (dashboard) do update set computed_at = excluded.computed_at, data = excluded.data",
                )
                .bind(dashboard)
                .bind(at)
                .bind(data.to_string())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn tiles(
                &self,
                dashboard: &str,
            ) -> Result<Option<(chrono::DateTime<chrono::Utc>, serde_json::Value)>, $crate::state::StateError>
            {
                use sqlx::Row as _;
                let row = sqlx::query("select computed_at, data from dashboard_tiles where dashboard = $1")
                    .bind(dashboard)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let data: String = row.try_get(1)?;
                Ok(Some((row.try_get(0)?, serde_json::from_str(&data).unwrap_or_default())))
            }
        }

        fn job_of<R: sqlx::Row>(r: &R) -> Result<$crate::state::daemon_jobs::JobRecord, sqlx::Error>
        where
            for<'a> &'a str: sqlx::ColumnIndex<R>,
            for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<chrono::DateTime<chrono::Utc>>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> chrono::DateTime<chrono::Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        {
            let report: Option<String> = r.try_get("report")?;
            Ok($crate::state::daemon_jobs::JobRecord {
                id: r.try_get("id")?,
                job: r.try_get("job")?,
                instant: r.try_get("instant")?,
                status: r.try_get("status")?,
                daemon: r.try_get("daemon")?,
                attempts: r.try_get("attempts")?,
                queued_at: r.try_get("queued_at")?,
                started_at: r.try_get("started_at")?,
                ended_at: r.try_get("ended_at")?,
                error: r.try_get("error")?,
                report: report.and_then(|t| serde_json::from_str(&t).ok()),
            })
        }
    };
}
pub(crate) use impl_daemon_job_state;
