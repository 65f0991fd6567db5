//! The SQL of `SyncState`, the same text on both backends, expanded once per pool type.

/// `impl SyncState` for a backend struct with a `pool` field.
macro_rules! impl_sync_state {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::sync::SyncState for $ty {
            async fn start_sync(
                &self,
                key: $crate::state::sync::SyncKey<'_>,
                counts: (i64, i64, i64),
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into syncs (run_id, segment, destination, started_at, status, pending, entered, exited) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(key.run_id)
                .bind(key.segment)
                .bind(key.destination)
                .bind(at)
                .bind($crate::state::RunStatus::Running.as_str())
                .bind(counts.0)
                .bind(counts.1)
                .bind(counts.2)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn checkpoint(
                &self,
                key: $crate::state::sync::SyncKey<'_>,
                acked_seq: i64,
                stats: &$crate::state::sync::SyncStats,
                rejections: &[$crate::state::sync::Rejection],
            ) -> Result<(), $crate::state::StateError> {
                let mut tx = self.pool.begin().await?;
                // 8 values a row stays far below both engines' limit on bound parameters.
                for chunk in rejections.chunks(500) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "insert into sync_rejections (run_id, segment, destination, user_id, is_member, reason, permanent, at) ",
                    );
                    insert.push_values(chunk, |mut b, r| {
                        b.push_bind(r.run_id)
                            .push_bind(r.segment.clone())
                            .push_bind(r.destination.clone())
                            .push_bind(r.user_id.clone())
                            .push_bind(r.is_member)
                            .push_bind(r.reason.clone())
                            .push_bind(r.permanent)
                            .push_bind(r.at);
                    });
                    insert.push(" on conflict do nothing");
                    insert.build().execute(&mut *tx).await?;
                }
                sqlx::query(
                    "update syncs set acked_seq = $1, sent = $2, rejected = $3, retried = $4, requests = $5, duration_ms = $6 \
                     where run_id = $7 and segment = $8 and destination = $9",
                )
                .bind(acked_seq)
                .bind(stats.sent)
                .bind(stats.rejected)
                .bind(stats.retried)
                .bind(stats.requests)
                .bind(stats.duration_ms)
                .bind(key.run_id)
                .bind(key.segment)
                .bind(key.destination)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn finish_sync(
                &self,
                key: $crate::state::sync::SyncKey<'_>,
                status: $crate::state::RunStatus,
                stats: &$crate::state::sync::SyncStats,
                error: Option<&str>,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "update syncs set status = $1, ended_at = $2, error = $3, sent = $4, rejected = $5, retried = $6, \
                     requests = $7, duration_ms = $8 where run_id = $9 and segment = $10 and destination = $11",
                )
                .bind(status.as_str())
                .bind(at)
                .bind(error)
                .bind(stats.sent)
                .bind(stats.rejected)
                .bind(stats.retried)
                .bind(stats.requests)
                .bind(stats.duration_ms)
                .bind(key.run_id)
                .bind(key.segment)
                .bind(key.destination)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn mark_folded(
                &self,
                key: $crate::state::sync::SyncKey<'_>,
            ) -> Result<(), $crate::state::StateError> {
                // A sync found unfinished belongs to a process that died.
                sqlx::query(
                    "update syncs set folded = $1, \
                     status = case when status = $2 then $3 else status end, \
                     ended_at = coalesce(ended_at, started_at) \
                     where run_id = $4 and segment = $5 and destination = $6",
                )
                .bind(true)
                .bind($crate::state::RunStatus::Running.as_str())
                .bind($crate::state::RunStatus::Interrupted.as_str())
                .bind(key.run_id)
                .bind(key.segment)
                .bind(key.destination)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn unfolded_syncs(
                &self,
                segment: &str,
                destination: &str,
            ) -> Result<Vec<$crate::state::sync::SyncRecord>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from syncs where segment = $1 and destination = $2 and folded = $3 order by run_id",
                    $crate::state::rows::SYNC_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(segment)
                    .bind(destination)
                    .bind(false)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::sync_record)
                    .collect::<Result<_, _>>()?)
            }

            async fn last_sync(
                &self,
                segment: &str,
                destination: &str,
            ) -> Result<Option<$crate::state::sync::SyncRecord>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from syncs where segment = $1 and destination = $2 order by run_id desc limit 1",
                    $crate::state::rows::SYNC_COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(segment)
                    .bind(destination)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map($crate::state::rows::sync_record).transpose()?)
            }

            async fn syncs(
                &self,
                segment: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$crate::state::sync::SyncRecord>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from syncs where ($1 is null or segment = $1) \
                     order by run_id desc, segment, destination limit $2",
                    $crate::state::rows::SYNC_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(segment)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::sync_record)
                    .collect::<Result<_, _>>()?)
            }

            async fn settle_rejections(
                &self,
                key: $crate::state::sync::SyncKey<'_>,
            ) -> Result<Vec<$crate::state::sync::Rejection>, $crate::state::StateError> {
                sqlx::query(
                    "update sync_rejections set permanent = $1 \
                     where run_id = $2 and segment = $3 and destination = $4 and permanent = $5 \
                     and (select count(*) from sync_rejections x where x.segment = sync_rejections.segment \
                          and x.destination = sync_rejections.destination and x.user_id = sync_rejections.user_id) >= $6",
                )
                .bind(true)
                .bind(key.run_id)
                .bind(key.segment)
                .bind(key.destination)
                .bind(false)
                .bind($crate::state::sync::PERMANENT_AFTER)
                .execute(&self.pool)
                .await?;
                let sql = format!(
                    "select {} from sync_rejections where run_id = $1 and segment = $2 and destination = $3 order by user_id",
                    $crate::state::rows::REJECTION_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(key.run_id)
                    .bind(key.segment)
                    .bind(key.destination)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::rejection)
                    .collect::<Result<_, _>>()?)
            }

            async fn refused_before(
                &self,
                key: $crate::state::sync::SyncKey<'_>,
            ) -> Result<i64, $crate::state::StateError> {
                let count: i64 = sqlx::query_scalar(
                    "select count(*) from sync_rejections r \
                     where r.run_id = $1 and r.segment = $2 and r.destination = $3 \
                     and exists (select 1 from sync_rejections x where x.segment = r.segment \
                          and x.destination = r.destination and x.user_id = r.user_id and x.run_id < r.run_id)",
                )
                .bind(key.run_id)
                .bind(key.segment)
                .bind(key.destination)
                .fetch_one(&self.pool)
                .await?;
                Ok(count)
            }

            async fn rejection_log(
                &self,
                segment: &str,
            ) -> Result<Vec<$crate::state::sync::Rejection>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from sync_rejections where segment = $1 order by run_id desc, destination, user_id",
                    $crate::state::rows::REJECTION_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(segment)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::rejection)
                    .collect::<Result<_, _>>()?)
            }

            async fn object(
                &self,
                segment: &str,
                destination: &str,
                kind: &str,
            ) -> Result<Option<String>, $crate::state::StateError> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "select external_id from destination_objects where segment = $1 and destination = $2 and kind = $3",
                )
                .bind(segment)
                .bind(destination)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.try_get("external_id")).transpose()?)
            }

            async fn put_object(
                &self,
                segment: &str,
                destination: &str,
                kind: &str,
                id: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into destination_objects (segment, destination, kind, external_id, created_at) \
                     values ($1, $2, $3, $4, $5) \
                     on conflict (segment, destination, kind) do update set external_id = excluded.external_id",
                )
                .bind(segment)
                .bind(destination)
                .bind(kind)
                .bind(id)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(super) use impl_sync_state;
