//! The SQL both backends run: the same text (`$n` placeholders work in SQLite and PostgreSQL) and
//! the same row types, expanded once per pool type.

/// `impl Store` for a backend struct with `pool` and `describe` fields; the backend provides an
/// inherent `try_lock(key)`, `VERSION_SQL` and `AFTER_LOAD`, the parts that differ by engine.
macro_rules! impl_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::state::Store for $ty {
            fn describe(&self) -> &str {
                &self.describe
            }

            async fn definitions(
                &self,
                kind: &str,
            ) -> Result<Vec<$crate::state::Definition>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from definitions d where kind = $1 and removed_at is null \
                     and version = (select max(version) from definitions x where x.kind = d.kind and x.name = d.name) \
                     order by name",
                    $crate::state::rows::DEFINITION_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(kind)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::definition)
                    .collect::<Result<_, _>>()?)
            }

            async fn versions(
                &self,
                kind: &str,
                name: &str,
            ) -> Result<
                (Vec<$crate::state::Definition>, Option<chrono::DateTime<chrono::Utc>>),
                $crate::state::StateError,
            > {
                let sql = format!(
                    "select {}, removed_at from definitions where kind = $1 and name = $2 order by version",
                    $crate::state::rows::DEFINITION_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(kind)
                    .bind(name)
                    .fetch_all(&self.pool)
                    .await?;
                let mut removed = None;
                let mut out = Vec::new();
                for r in &rows {
                    use sqlx::Row as _;
                    removed = r.try_get("removed_at")?;
                    out.push($crate::state::rows::definition(r)?);
                }
                Ok((out, removed))
            }

            async fn apply(
                &self,
                kind: &str,
                changes: &[$crate::state::Apply],
                actor: &str,
                at: chrono::DateTime<chrono::Utc>,
                promotion: Option<&$crate::state::promotion::Promotion>,
            ) -> Result<(), $crate::state::StateError> {
                use sqlx::Row as _;
                let mut tx = self.pool.begin().await?;
                if let Some(p) = promotion {
                    sqlx::query(
                        "insert into promotions (at, actor, from_env, to_env, segments) \
                         values ($1, $2, $3, $4, $5)",
                    )
                    .bind(p.at)
                    .bind(&p.actor)
                    .bind(&p.from_env)
                    .bind(&p.to_env)
                    .bind(serde_json::to_string(&p.segments).unwrap_or_default())
                    .execute(&mut *tx)
                    .await?;
                }
                for change in changes {
                    match change {
                        $crate::state::Apply::Put { name, hash, content } => {
                            let row = sqlx::query(
                                "select coalesce(max(version), 0) as v from definitions where kind = $1 and name = $2",
                            )
                            .bind(kind)
                            .bind(name)
                            .fetch_one(&mut *tx)
                            .await?;
                            let version: i64 = row.try_get("v")?;
                            sqlx::query(
                                "insert into definitions (kind, name, version, hash, content, applied_by, applied_at) \
                                 values ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind(kind)
                            .bind(name)
                            .bind(version + 1)
                            .bind(hash)
                            .bind(content)
                            .bind(actor)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                            let action = if version == 0 { "add" } else { "change" };
                            sqlx::query(
                                "insert into audit (at, actor, action, subject, detail) values ($1, $2, $3, $4, $5)",
                            )
                            .bind(at)
                            .bind(actor)
                            .bind(format!("apply {action}"))
                            .bind(format!("{kind} {name}"))
                            .bind(format!("version {} ({hash})", version + 1))
                            .execute(&mut *tx)
                            .await?;
                        }
                        $crate::state::Apply::Remove { name } => {
                            sqlx::query(
                                "update definitions set removed_at = $1, removed_by = $2 \
                                 where kind = $3 and name = $4 and removed_at is null",
                            )
                            .bind(at)
                            .bind(actor)
                            .bind(kind)
                            .bind(name)
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query(
                                "insert into audit (at, actor, action, subject, detail) values ($1, $2, $3, $4, $5)",
                            )
                            .bind(at)
                            .bind(actor)
                            .bind("apply remove")
                            .bind(format!("{kind} {name}"))
                            .bind("removed from the project; its history stays")
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn start_run(
                &self,
                kind: $crate::state::RunKind,
                segment: Option<&str>,
                host: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::state::StateError> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "insert into runs (command, segment, started_at, status, pid, host) \
                     values ($1, $2, $3, 'running', $4, $5) returning id",
                )
                .bind(kind.as_str())
                .bind(segment)
                .bind(at)
                .bind(i64::from(std::process::id()))
                .bind(host)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("id")?)
            }

            async fn finish_run(
                &self,
                id: i64,
                status: $crate::state::RunStatus,
                rows: Option<i64>,
                error: Option<&str>,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "update runs set status = $1, rows = $2, error = $3, ended_at = $4 where id = $5",
                )
                .bind(status.as_str())
                .bind(rows)
                .bind(error)
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn unfinished_runs(
                &self,
            ) -> Result<Vec<$crate::state::Run>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from runs where status = 'running' order by id",
                    $crate::state::rows::RUN_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::run)
                    .collect::<Result<_, _>>()?)
            }

            async fn runs(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::state::Run>, $crate::state::StateError> {
                let sql = format!(
                    "select {} from runs order by id desc limit $1",
                    $crate::state::rows::RUN_COLUMNS
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .iter()
                    .map($crate::state::rows::run)
                    .collect::<Result<_, _>>()?)
            }

            async fn audit(
                &self,
                actor: &str,
                action: &str,
                subject: &str,
                detail: &str,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into audit (at, actor, action, subject, detail) values ($1, $2, $3, $4, $5)",
                )
                .bind(chrono::Utc::now())
                .bind(actor)
                .bind(action)
                .bind(subject)
                .bind(detail)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn lock(
                &self,
                key: &str,
                owner: &$crate::state::LockOwner,
                wait: std::time::Duration,
                waiting: &(dyn for<'h> Fn(&'h $crate::state::LockHolder) + Send + Sync),
            ) -> Result<$crate::state::Lock, $crate::state::StateError> {
                let started = std::time::Instant::now();
                let mut told = false;
                loop {
                    if let Some(guard) = self.try_lock(key).await? {
                        let holder = $crate::state::LockHolder::this_process(owner);
                        self.record_holder(key, &holder).await?;
                        return Ok($crate::state::Lock::new(key, holder, guard));
                    }
                    let current = self.lock_holder(key).await?;
                    if started.elapsed() >= wait {
                        return Err($crate::state::StateError::Locked {
                            key: key.to_string(),
                            holder: Box::new(current),
                        });
                    }
                    if !told {
                        waiting(&current);
                        told = true;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }

            async fn renew_lock(
                &self,
                lock: &mut $crate::state::Lock,
                ttl: std::time::Duration,
            ) -> Result<(), $crate::state::StateError> {
                lock.check()
                    .await
                    .map_err(|source| $crate::state::StateError::LockLost {
                        key: lock.key().to_string(),
                        source,
                    })?;
                let holder = lock.holder().renewed(ttl);
                self.record_holder(lock.key(), &holder).await?;
                *lock.holder_mut() = holder;
                Ok(())
            }

            async fn server_version(&self) -> Result<String, $crate::state::StateError> {
                Ok(sqlx::query_scalar::<_, String>(Self::VERSION_SQL)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn migrations(&self) -> Result<Vec<(i64, String)>, $crate::state::StateError> {
                use sqlx::Row as _;
                let rows = sqlx::query("select version, description from _sqlx_migrations order by version")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("version")?, r.try_get("description")?)))
                    .collect()
            }
        }

        impl $ty {
            /// Who holds the lock `key`, as recorded when it was taken or last renewed.
            async fn lock_holder(
                &self,
                key: &str,
            ) -> Result<$crate::state::LockHolder, $crate::state::StateError> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "select holder, actor, pid, host, since, until from locks where name = $1",
                )
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    Some(r) => $crate::state::LockHolder {
                        holder: r.try_get("holder")?,
                        actor: r.try_get("actor")?,
                        pid: r.try_get("pid")?,
                        host: r.try_get("host")?,
                        since: Some(r.try_get("since")?),
                        until: r.try_get("until")?,
                    },
                    None => $crate::state::LockHolder::default(),
                })
            }

            /// Records `holder` as the holder of the lock `key` (the caller has it).
            async fn record_holder(
                &self,
                key: &str,
                holder: &$crate::state::LockHolder,
            ) -> Result<(), $crate::state::StateError> {
                sqlx::query(
                    "insert into locks (name, holder, actor, pid, host, since, until) \
                     values ($1, $2, $3, $4, $5, $6, $7) \
                     on conflict (name) do update set holder = excluded.holder, actor = excluded.actor, \
                     pid = excluded.pid, host = excluded.host, since = excluded.since, until = excluded.until",
                )
                .bind(key)
                .bind(&holder.holder)
                .bind(&holder.actor)
                .bind(holder.pid)
                .bind(&holder.host)
                .bind(holder.since.unwrap_or_else(chrono::Utc::now))
                .bind(holder.until)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(super) use impl_store;
