//! What the state store keeps of each refresh of each segment: its size, who entered and who
//! exited (a snapshot), read back as a segment's history or as every segment's last refresh.

use async_trait::async_trait;

use super::{Snapshot, StateError};

#[async_trait]
pub trait SnapshotState {
    /// Records a snapshot; recording the same (run, segment) again changes nothing.
    async fn record_snapshot(&self, s: &Snapshot) -> Result<(), StateError>;

    /// Snapshots of a segment, oldest first.
    async fn snapshots(&self, segment: &str) -> Result<Vec<Snapshot>, StateError>;

    /// A segment's last refresh, if any.
    async fn last_snapshot(&self, segment: &str) -> Result<Option<Snapshot>, StateError>;

    /// Every segment's last refresh, in one query.
    async fn last_snapshots(&self) -> Result<Vec<Snapshot>, StateError>;
}

/// `impl SnapshotState` for a backend struct with a `pool`.
macro_rules! impl_snapshot_state {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::snapshots::SnapshotState for $ty {
            async fn record_snapshot(
                &self,
                s: &$crate::state::Snapshot,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into snapshots (run_id, segment, version, at, size, entered, exited, duration_ms) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (run_id, segment) do nothing",
                )
                .bind(s.run_id)
                .bind(&s.segment)
                .bind(s.version)
                .bind(s.at)
                .bind(s.size)
                .bind(s.entered)
                .bind(s.exited)
                .bind(s.duration_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn snapshots(
                &self,
                segment: &str,
            ) -> Result<Vec<$crate::state::Snapshot>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from snapshots where segment = $1 order by at, run_id",
                    $crate::state::rows::SNAPSHOT_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(segment)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::snapshot)
                    .collect::<Result<_, _>>()?)
            }

            async fn last_snapshot(
                &self,
                segment: &str,
            ) -> Result<Option<$crate::state::Snapshot>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from snapshots where segment = $1 order by at desc, run_id desc limit 1",
                    $crate::state::rows::SNAPSHOT_COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(segment)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map($crate::state::rows::snapshot).transpose()?)
            }

            async fn last_snapshots(
                &self,
            ) -> Result<Vec<$crate::state::Snapshot>, $crate::state::StateError> {
                // Of two refreshes at the same instant, the later run's, last in this order.
                let sql = format!(
                    "select {} from snapshots s join (select segment as m_segment, max(at) as m_at \
                     from snapshots group by segment) m on s.segment = m.m_segment and s.at = m.m_at \
                     order by s.segment, s.run_id",
                    $crate::state::rows::SNAPSHOT_COLUMNS_OF_S
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::snapshot)
                    .collect::<Result<_, _>>()?)
            }
        }
    };
}
pub(crate) use impl_snapshot_state;
