//! The SQL of `CampaignState`, the same text on both backends, expanded once per pool type.

/// The bound parameters one request's recipients take stay far below both engines' limits.
pub const PER_STATEMENT: usize = 500;

/// `impl CampaignState` for a backend struct with a `pool` field.
macro_rules! impl_campaign_state {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::campaign::CampaignState for $ty {
            async fn recover_launches(
                &self,
                campaign: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<String>, $crate::state::StateError> {
                use sqlx::Row as _;
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "update campaign_sends set status = 'unknown', prior = null, reason = $2 \
                     where campaign = $1 and status = 'pending'",
                )
                .bind(campaign)
                .bind("the launch stopped while its request was out: it may or may not have been delivered")
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "update campaign_launches set status = 'interrupted', ended_at = $2, \
                     error = coalesce(error, 'stopped before it finished') \
                     where campaign = $1 and status = 'running'",
                )
                .bind(campaign)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                let last = sqlx::query(
                    "select send_id, status from campaign_launches where campaign = $1 \
                     order by id desc limit 1",
                )
                .bind(campaign)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(match last {
                    Some(row) if row.try_get::<String, _>("status")? != "succeeded" => {
                        Some(row.try_get("send_id")?)
                    }
                    _ => None,
                })
            }

            async fn start_launch(
                &self,
                l: &$crate::state::campaign::NewLaunch<'_>,
            ) -> Result<i64, $crate::state::StateError> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "insert into campaign_launches (campaign, send_id, started_at, status, actor, host) \
                     values ($1, $2, $3, 'running', $4, $5) returning id",
                )
                .bind(l.campaign)
                .bind(l.send_id)
                .bind(l.at)
                .bind(l.actor)
                .bind(l.host)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("id")?)
            }

            async fn finish_launch(
                &self,
                id: i64,
                status: &str,
                t: &$crate::state::campaign::LaunchTotals,
                error: Option<&str>,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "update campaign_launches set status = $1, assigned = $2, to_send = $3, sent = $4, \
                     unknown = $5, failed = $6, capped = $7, requests = $8, retried = $9, error = $10, \
                     ended_at = $11 where id = $12",
                )
                .bind(status)
                .bind(t.assigned)
                .bind(t.to_send)
                .bind(t.sent)
                .bind(t.unknown)
                .bind(t.failed)
                .bind(t.capped)
                .bind(t.requests)
                .bind(t.retried)
                .bind(error)
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn launches(
                &self,
                campaign: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$crate::state::campaign::LaunchRecord>, $crate::state::StateError> {
                let rows = sqlx::query(
                    "select id, campaign, send_id, started_at, ended_at, status, assigned, to_send, \
                     sent, unknown, failed, capped, requests, retried, actor, host, error \
                     from campaign_launches where ($1 is null or campaign = $1) \
                     order by id desc limit $2",
                )
                    .bind(campaign)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                use sqlx::Row as _;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    out.push($crate::state::campaign::LaunchRecord {
                        id: row.try_get("id")?,
                        campaign: row.try_get("campaign")?,
                        send_id: row.try_get("send_id")?,
                        started_at: row.try_get("started_at")?,
                        ended_at: row.try_get("ended_at")?,
                        status: row.try_get("status")?,
                        totals: $crate::state::campaign::LaunchTotals {
                            assigned: row.try_get("assigned")?,
                            to_send: row.try_get("to_send")?,
                            sent: row.try_get("sent")?,
                            unknown: row.try_get("unknown")?,
                            failed: row.try_get("failed")?,
                            capped: row.try_get("capped")?,
                            requests: row.try_get("requests")?,
                            retried: row.try_get("retried")?,
                        },
                        actor: row.try_get("actor")?,
                        host: row.try_get("host")?,
                        error: row.try_get("error")?,
                    });
                }
                Ok(out)
            }

            async fn users_with(
                &self,
                campaign: &str,
                statuses: &[$crate::state::campaign::SendStatus],
            ) -> Result<std::collections::HashSet<String>, $crate::state::StateError> {
                use futures::TryStreamExt as _;
                use sqlx::Row as _;
                let mut out = std::collections::HashSet::new();
                for status in statuses {
                    let mut rows = sqlx::query(
                        "select user_id from campaign_sends where campaign = $1 and status = $2",
                    )
                    .bind(campaign)
                    .bind(status.as_str())
                    .fetch(&self.pool);
                    while let Some(row) = rows.try_next().await? {
                        out.insert(row.try_get::<String, _>(0)?);
                    }
                }
                Ok(out)
            }

            async fn write_sends(
                &self,
                campaign: &str,
                launch_id: i64,
                entries: &[$crate::state::campaign::SendEntry],
            ) -> Result<(), $crate::state::StateError> {
                use $crate::state::campaign::SendEntry;
                let mut tx = self.pool.begin().await?;
                for entry in entries {
                    match entry {
                        SendEntry::Begin { batch, users, at } => {
                            let users: Vec<&str> = users.iter().map(String::as_str).collect();
                            let key = $crate::state::campaign::BatchKey { campaign, launch_id, batch: *batch };
                            insert_sends(
                                &mut tx,
                                key,
                                &users,
                                "pending",
                                None,
                                *at,
                                " on conflict (campaign, user_id) do update set \
                                 prior = case when campaign_sends.status = 'pending' then campaign_sends.prior \
                                 else campaign_sends.status end, status = 'pending', \
                                 launch_id = excluded.launch_id, batch = excluded.batch, at = excluded.at",
                            )
                            .await?;
                        }
                        SendEntry::Settle { batch, status, reason, refused, at } => {
                            for (user, why) in refused {
                                sqlx::query(
                                    "update campaign_sends set status = 'failed', prior = null, reason = $1, at = $2 \
                                     where campaign = $3 and user_id = $4 and status = 'pending'",
                                )
                                .bind(why)
                                .bind(*at)
                                .bind(campaign)
                                .bind(user)
                                .execute(&mut *tx)
                                .await?;
                            }
                            sqlx::query(
                                "update campaign_sends set status = $1, prior = null, reason = $2, at = $3 \
                                 where launch_id = $4 and batch = $5 and status = 'pending'",
                            )
                            .bind(status.as_str())
                            .bind(reason.as_deref())
                            .bind(*at)
                            .bind(launch_id)
                            .bind(*batch)
                            .execute(&mut *tx)
                            .await?;
                        }
                        SendEntry::Restore { batch } => {
                            sqlx::query(
                                "delete from campaign_sends where launch_id = $1 and batch = $2 \
                                 and status = 'pending' and prior is null",
                            )
                            .bind(launch_id)
                            .bind(*batch)
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query(
                                "update campaign_sends set status = prior, prior = null \
                                 where launch_id = $1 and batch = $2 and status = 'pending'",
                            )
                            .bind(launch_id)
                            .bind(*batch)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_unsent(
                &self,
                key: $crate::state::campaign::BatchKey<'_>,
                users: &[&str],
                status: $crate::state::campaign::SendStatus,
                reason: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                let mut tx = self.pool.begin().await?;
                insert_sends(
                    &mut tx,
                    key,
                    users,
                    status.as_str(),
                    Some(reason),
                    at,
                    " on conflict (campaign, user_id) do nothing",
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn send_counts(
                &self,
                campaign: &str,
            ) -> Result<Vec<($crate::state::campaign::SendStatus, i64)>, $crate::state::StateError>
            {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "select status, count(*) as n from campaign_sends where campaign = $1 \
                     group by status order by status",
                )
                .bind(campaign)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for row in &rows {
                    let status: String = row.try_get("status")?;
                    if let Some(s) = $crate::state::campaign::SendStatus::parse(&status) {
                        out.push((s, row.try_get("n")?));
                    }
                }
                Ok(out)
            }

            async fn unexposed(
                &self,
                campaign: &str,
                after: Option<&str>,
                limit: i64,
            ) -> Result<Vec<String>, $crate::state::StateError> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "select user_id from campaign_sends where campaign = $1 and status = 'sent' \
                     and exposed_at is null and ($2 is null or user_id > $2) \
                     order by user_id limit $3",
                )
                .bind(campaign)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
                    .collect()
            }

            async fn mark_exposed(
                &self,
                campaign: &str,
                users: &[&str],
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                let mut tx = self.pool.begin().await?;
                for chunk in users.chunks($crate::state::campaign_queries::PER_STATEMENT) {
                    let mut update = sqlx::QueryBuilder::new("update campaign_sends set exposed_at = ");
                    update.push_bind(at);
                    update.push(" where campaign = ");
                    update.push_bind(campaign);
                    update.push(" and user_id in (");
                    let mut ids = update.separated(", ");
                    for user in chunk {
                        ids.push_bind(*user);
                    }
                    update.push(")");
                    update.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn messaged_since(
                &self,
                since: chrono::DateTime<chrono::Utc>,
                min: i64,
            ) -> Result<std::collections::HashSet<String>, $crate::state::StateError> {
                use futures::TryStreamExt as _;
                use sqlx::Row as _;
                let mut rows = sqlx::query(
                    "select user_id from campaign_sends where at >= $1 \
                     and status in ('sent', 'unknown', 'pending') \
                     group by user_id having count(*) >= $2",
                )
                .bind(since)
                .bind(min)
                .fetch(&self.pool);
                let mut out = std::collections::HashSet::new();
                while let Some(row) = rows.try_next().await? {
                    out.insert(row.try_get::<String, _>(0)?);
                }
                Ok(out)
            }
        }

        /// A send row per user; `conflict` says what becomes of a row the user has already.
        async fn insert_sends(
            tx: &mut sqlx::Transaction<'_, $db>,
            key: $crate::state::campaign::BatchKey<'_>,
            users: &[&str],
            status: &str,
            reason: Option<&str>,
            at: chrono::DateTime<chrono::Utc>,
            conflict: &'static str,
        ) -> Result<(), $crate::state::StateError> {
            for chunk in users.chunks($crate::state::campaign_queries::PER_STATEMENT / 7) {
                let mut insert = sqlx::QueryBuilder::new(
                    "insert into campaign_sends (campaign, user_id, launch_id, batch, status, reason, at) ",
                );
                insert.push_values(chunk, |mut b, user| {
                    b.push_bind(key.campaign)
                        .push_bind(*user)
                        .push_bind(key.launch_id)
                        .push_bind(key.batch)
                        .push_bind(status)
                        .push_bind(reason)
                        .push_bind(at);
                });
                insert.push(conflict);
                insert.build().execute(&mut **tx).await?;
            }
            Ok(())
        }
    };
}
pub(crate) use impl_campaign_state;
