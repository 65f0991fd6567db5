//! The PostgreSQL backend, for teams and servers: `state: { url: "${CDP_STATE_URL}" }`.

use std::str::FromStr;

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Row};

use super::StateError;
use super::lock::{Guard, PROJECT_LOCK};
use super::queries::impl_store;
use super::sync_queries::impl_sync_state;
use crate::secret::redact_url;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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

    /// A session-level advisory lock on the key's number, on a connection of its own, which the
    /// lock then owns.
    async fn try_lock(&self, key: &str) -> Result<Option<Guard>, StateError> {
        let mut conn = sqlx::PgConnection::connect_with(&self.options).await?;
        let row = sqlx::query("select pg_try_advisory_lock($1) as ok")
            .bind(advisory_key(key))
            .fetch_one(&mut conn)
            .await?;
        if row.try_get::<bool, _>("ok")? {
            Ok(Some(Guard::Postgres(conn)))
        } else {
            conn.close().await.ok();
            Ok(None)
        }
    }
}

impl PostgresStore {
    /// Statements run in the load's transaction after the rows: identity counters moved past
    /// the ids loaded.
    const AFTER_LOAD: &[&str] = &[
        "select setval(pg_get_serial_sequence('runs', 'id'), coalesce(max(id), 1), max(id) is not null) from runs",
        "select setval(pg_get_serial_sequence('audit', 'id'), coalesce(max(id), 1), max(id) is not null) from audit",
        "select setval(pg_get_serial_sequence('promotions', 'id'), coalesce(max(id), 1), max(id) is not null) from promotions",
        "select setval(pg_get_serial_sequence('campaign_launches', 'id'), coalesce(max(id), 1), max(id) is not null) from campaign_launches",
    ];
    const VERSION_SQL: &str = "show server_version";
}

impl_store!(PostgresStore);
impl_sync_state!(PostgresStore);
crate::state::auth::impl_auth_state!(PostgresStore);
crate::state::daemon_jobs::impl_daemon_job_state!(PostgresStore);
crate::state::snapshots::impl_snapshot_state!(PostgresStore);
crate::state::alert::impl_alert_state!(PostgresStore);
crate::state::campaign_queries::impl_campaign_state!(PostgresStore, sqlx::Postgres);
crate::state::promotion::impl_promotions!(PostgresStore);
crate::state::dump_queries::impl_dump!(PostgresStore, PostgresLoader, sqlx::Postgres, copy);

/// The advisory lock number of `key`: the project lock keeps the constant it had before keys
/// existed; other keys take the first 8 bytes of their SHA-256.
fn advisory_key(key: &str) -> i64 {
    /// Any fixed number; the project lock's since the first release.
    const PROJECT_KEY: i64 = 0x6364_705f_6c6f_636b;
    if key == PROJECT_LOCK {
        return PROJECT_KEY;
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_a_stable_number_and_the_project_keeps_its_own() {
        assert_eq!(advisory_key(PROJECT_LOCK), 0x6364_705f_6c6f_636b);
        // Pinned: two cdp versions must agree on it to exclude each other.
        assert_eq!(advisory_key("job:refresh:vip"), 0x734d_f1fb_b90c_9527);
        assert_ne!(advisory_key("job:refresh:vip"), advisory_key(PROJECT_LOCK));
        assert_ne!(
            advisory_key("job:refresh:vip"),
            advisory_key("job:refresh:vips")
        );
    }
}
