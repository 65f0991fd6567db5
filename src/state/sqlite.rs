//! The SQLite backend: a file beside the project (`.cdp/state.db` by default).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::queries::impl_store;
use super::sync_queries::impl_sync_state;
use super::{Lock, StateError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
    describe: String,
    lock_path: std::path::PathBuf,
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
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        Ok(SqliteStore {
            pool,
            describe,
            lock_path: lock_path.into(),
        })
    }

    async fn try_lock(&self) -> Result<Option<Lock>, StateError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(|source| StateError::LockFile {
                path: self.lock_path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock::File(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(source)) => Err(StateError::LockFile {
                path: self.lock_path.clone(),
                source,
            }),
        }
    }
}

impl_store!(SqliteStore);
impl_sync_state!(SqliteStore);
