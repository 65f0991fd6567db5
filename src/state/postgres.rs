//! The PostgreSQL backend, for teams and servers: `state: { url: "${CDP_STATE_URL}" }`.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Row};

use super::queries::impl_store;
use super::sync_queries::impl_sync_state;
use super::{Lock, StateError};
use crate::secret::redact_url;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The advisory lock key of the project lock (any fixed number; one lock per database).
const LOCK_KEY: i64 = 0x6364_705f_6c6f_636b;

pub struct PostgresStore {
    pool: PgPool,
    describe: String,
    options: PgConnectOptions,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StateError> {
        let describe = format!("`{}` (PostgreSQL)", redact_url(url));
        let open = |source| StateError::Open {
            store: describe.clone(),
            source,
        };
        let mut options = PgConnectOptions::from_str(url).map_err(open)?;
        // PostgreSQL's default search path starts with a schema named like the user: a user
        // called `cdp` would find the state in the warehouse's `cdp` schema once a refresh made
        // it. The state lives in `public`, unless the URL says otherwise.
        if !url.contains("search_path") {
            options = options.options([("search_path", "public")]);
        }
        // One direct connection first: a pool would hide why it failed behind a timeout.
        sqlx::PgConnection::connect_with(&options)
            .await
            .map_err(|source| StateError::Open {
                store: describe.clone(),
                source,
            })?
            .close()
            .await
            .ok();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(std::time::Duration::from_secs(15))
            .connect_with(options.clone())
            .await
            .map_err(|source| StateError::Open {
                store: describe.clone(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StateError::Migrate {
                store: describe.clone(),
                source,
            })?;
        Ok(PostgresStore {
            pool,
            describe,
            options,
        })
    }

    /// A session-level advisory lock on a connection of its own, which the lock then owns.
    async fn try_lock(&self) -> Result<Option<Lock>, StateError> {
        let mut conn = sqlx::PgConnection::connect_with(&self.options).await?;
        let row = sqlx::query("select pg_try_advisory_lock($1) as ok")
            .bind(LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if row.try_get::<bool, _>("ok")? {
            Ok(Some(Lock::Postgres(conn)))
        } else {
            conn.close().await.ok();
            Ok(None)
        }
    }
}

impl_store!(PostgresStore);
impl_sync_state!(PostgresStore);
