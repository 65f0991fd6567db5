//! The SQLite backend: a file beside the project (`.cdp/state.db` by default).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StateError;
use super::lock::{Guard, PROJECT_LOCK};
use super::queries::impl_store;
use super::sync_queries::impl_sync_state;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
    describe: String,
    /// The SQLite file, beside which each lock key has its lock file.
    path: std::path::PathBuf,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self, StateError> {
        let describe = format!("`{}` (SQLite)", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StateError::Folder {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StateError::Open {
                store: describe.clone(),
                source,
            })?
            .filename(path)
            .create_if_missing(true)
            // Readers go on while a refresh writes; a writer waits for another instead of failing.
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode a killed process loses nothing it committed; only a power cut could
            // lose the last commits. Sync checkpoints commit many times a second.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
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
        Ok(SqliteStore {
            pool,
            describe,
            path: path.to_path_buf(),
        })
    }

    /// An exclusive lock on the key's own file, which the lock then owns. The files stay: removing
    /// one could let a process that opened it before lock a file no other will look at.
    async fn try_lock(&self, key: &str) -> Result<Option<Guard>, StateError> {
        let path = std::path::PathBuf::from(lock_file(self.path.as_os_str(), key));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StateError::LockFile {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Guard::File(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(source)) => Err(StateError::LockFile { path, source }),
        }
    }
}

impl SqliteStore {
    /// Statements run in the load's transaction after the rows: identity counters moved past
    /// the ids loaded.
    const AFTER_LOAD: &[&str] = &[];
    const VERSION_SQL: &str = "select sqlite_version()";
}

impl_store!(SqliteStore);
impl_sync_state!(SqliteStore);
crate::state::auth::impl_auth_state!(SqliteStore);
crate::state::daemon_jobs::impl_daemon_job_state!(SqliteStore);
crate::state::snapshots::impl_snapshot_state!(SqliteStore);
crate::state::alert::impl_alert_state!(SqliteStore);
crate::state::campaign_queries::impl_campaign_state!(SqliteStore, sqlx::Sqlite);
crate::state::promotion::impl_promotions!(SqliteStore);
crate::state::dump_queries::impl_dump!(SqliteStore, SqliteLoader, sqlx::Sqlite, values);

/// The lock file of `key` beside the SQLite file `db` (its path as given): `state.db.lock` for
/// the project lock, as before keys existed; for other keys `state.db.<key>-<hash>.lock`, the
/// key made safe for a file name and shortened, and the hash keeping apart two keys that read
/// alike there.
fn lock_file(db: &std::ffi::OsStr, key: &str) -> std::ffi::OsString {
    let mut name = db.to_owned();
    if key != PROJECT_LOCK {
        let readable: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .take(64)
            .collect();
        let digest = Sha256::digest(key.as_bytes());
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        name.push(format!(".{readable}-{hash}"));
    }
    name.push(".lock");
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_lock_keeps_its_file() {
        assert_eq!(
            lock_file("a/state.db".as_ref(), PROJECT_LOCK),
            "a/state.db.lock"
        );
    }

    #[test]
    fn other_keys_have_files_of_their_own() {
        let a = lock_file("state.db".as_ref(), "job:refresh:vip");
        // Pinned: two cdp versions must agree on it to exclude each other.
        assert_eq!(a, "state.db.job-refresh-vip-734df1fb.lock");
        let alike = lock_file("state.db".as_ref(), "job-refresh-vip");
        assert_ne!(a, alike, "alike once made safe, still apart");
        let long = lock_file("state.db".as_ref(), &"x".repeat(1000));
        assert!(long.len() < 100, "{long:?}");
    }
}
