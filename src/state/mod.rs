//! The state store: applied definitions, runs, refresh snapshots, syncs, the audit log and
//! keyed locks (the project lock among them).
//!
//! One trait with a backend per engine: SQLite (a file, the default) and PostgreSQL (by URL). Both
//! run the same SQL (see `queries.rs`); each has its own migrations under `migrations/`.

pub mod alert;
pub mod auth;
pub mod campaign;
mod campaign_queries;
pub mod daemon_jobs;
pub mod dump;
pub mod dump_queries;
mod dump_tables;
mod dump_values;
mod lock;
pub mod migration_log;
mod postgres;
pub mod promotion;
mod queries;
mod rows;
pub mod snapshots;
mod sqlite;
pub mod sync;
mod sync_queries;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use lock::{Lock, LockHolder, LockOwner, PROJECT_LOCK};

use crate::secret::{Secret, redact_url};

/// The kind of definition a segment file is recorded as.
pub const SEGMENT: &str = "segment";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot open the state store {store}")]
    Open {
        store: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create the folder `{}` for the state store", path.display())]
    Folder {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot migrate the state store {store}")]
    Migrate {
        store: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("the state store failed")]
    Query(#[from] sqlx::Error),
    #[error("another cdp process holds {}: {holder}", lock::LockName(key))]
    Locked {
        key: String,
        holder: Box<LockHolder>,
    },
    #[error("{} was lost", lock::LockName(key))]
    LockLost {
        key: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot take the lock file `{}`", path.display())]
    LockFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Dump(#[from] dump::DumpError),
    #[error("unsupported state store URL `{0}`")]
    Scheme(String),
}

/// A run kind the state store does not know, read from a run recorded by another cdp.
#[derive(Debug, thiserror::Error)]
#[error("unknown run kind `{0}`")]
pub struct UnknownRunKind(pub String);

/// One applied version of a definition.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Definition {
    pub name: String,
    pub version: i64,
    pub hash: String,
    pub content: String,
    pub applied_by: String,
    pub applied_at: DateTime<Utc>,
}

/// What `apply` writes for one definition.
#[derive(Clone, Debug)]
pub enum Apply {
    /// A new version (added or changed).
    Put {
        name: String,
        hash: String,
        content: String,
    },
    Remove {
        name: String,
    },
}

/// What a run does; recorded in `runs.command` as the strings `as_str` gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunKind {
    /// Recomputes segment membership in the warehouse.
    Refresh,
    /// Sends membership changes to destinations.
    Sync,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Refresh => "refresh",
            RunKind::Sync => "sync",
        }
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RunKind {
    type Err = UnknownRunKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "refresh" => Ok(RunKind::Refresh),
            "sync" => Ok(RunKind::Sync),
            other => Err(UnknownRunKind(other.to_string())),
        }
    }
}

impl serde::Serialize for RunKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    /// The process stopped without finishing (found by the next run).
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Run {
    pub id: i64,
    /// Serialized as `command`, the column it is stored in.
    #[serde(rename = "command")]
    pub kind: RunKind,
    pub segment: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub rows: Option<i64>,
    pub status: String,
    pub error: Option<String>,
}

/// What one refresh found for one segment.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Snapshot {
    pub run_id: i64,
    pub segment: String,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub size: i64,
    pub entered: i64,
    pub exited: i64,
    pub duration_ms: i64,
}

#[async_trait]
pub trait Store:
    sync::SyncState
    + campaign::CampaignState
    + alert::AlertState
    + auth::AuthState
    + daemon_jobs::DaemonJobState
    + snapshots::SnapshotState
    + dump_queries::Dump
    + promotion::Promotions
    + Send
    + Sync
{
    /// Which store this is, for messages (URLs redacted).
    fn describe(&self) -> &str;

    /// The current version of every definition of `kind` that is applied and not removed.
    async fn definitions(&self, kind: &str) -> Result<Vec<Definition>, StateError>;

    /// Every version of one definition, oldest first, and when it was removed (if it was).
    async fn versions(
        &self,
        kind: &str,
        name: &str,
    ) -> Result<(Vec<Definition>, Option<DateTime<Utc>>), StateError>;

    /// Records new versions and removals in one transaction, with an audit entry each, and
    /// the promotion they come from, when they do.
    async fn apply(
        &self,
        kind: &str,
        changes: &[Apply],
        actor: &str,
        at: DateTime<Utc>,
        promotion: Option<&promotion::Promotion>,
    ) -> Result<(), StateError>;

    /// Records a run as running, on `host` by this process.
    async fn start_run(
        &self,
        kind: RunKind,
        segment: Option<&str>,
        host: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StateError>;

    async fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        rows: Option<i64>,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;

    /// Runs still marked running, oldest first.
    async fn unfinished_runs(&self) -> Result<Vec<Run>, StateError>;

    async fn runs(&self, limit: i64) -> Result<Vec<Run>, StateError>;

    async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), StateError>;

    /// Takes the lock `key` for `owner`, waiting up to `wait` while another holds it (telling
    /// `waiting` once who that is). Two keys never wait for each other. Released on drop, and
    /// by the operating system or the server when the process dies. It has no lease until
    /// [`Store::renew_lock`] declares one.
    async fn lock(
        &self,
        key: &str,
        owner: &LockOwner,
        wait: Duration,
        waiting: &(dyn for<'h> Fn(&'h LockHolder) + Send + Sync),
    ) -> Result<Lock, StateError>;

    /// Declares that `lock`'s holder keeps it for `ttl` from now: records the new `until`
    /// (which [`Lock::expires_at`] then answers). Fails with [`StateError::LockLost`] when what
    /// kept the lock is gone (a PostgreSQL session that ended).
    async fn renew_lock(&self, lock: &mut Lock, ttl: Duration) -> Result<(), StateError>;

    /// Applied migrations: (version, description).
    async fn migrations(&self) -> Result<Vec<(i64, String)>, StateError>;

    /// The engine's version (`3.45.1`, `15.14 (Debian 15.14-0+deb12u1)`).
    async fn server_version(&self) -> Result<String, StateError>;
}

impl StateError {
    /// What to do about it, when the state store knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            StateError::Locked { .. } => Some("wait for it to finish, or pass `--wait 10m` to wait longer; a process that died releases the lock by itself".into()),
            StateError::Open { .. } => Some("check `state: { url }` in cdp.yaml, and that the server is running".into()),
            StateError::Migrate { .. } => Some("the state store was written by a newer cdp, or changed by hand; `cdp migrate` shows its migrations".into()),
            StateError::Dump(e) => Some(match e {
                dump::DumpError::NotEmpty { .. } => "import or migrate into an empty store (a new database, or a new SQLite file); `state migrate --force` replaces what it holds, after writing a backup of it".into(),
                dump::DumpError::SameStore => "name another store with `--to`: a PostgreSQL URL, or `sqlite://path/to/state.db`".into(),
                dump::DumpError::Mismatch { .. } => "the target changed while it was copied, or lost rows; run `state migrate --force` again (the source is untouched)".into(),
                dump::DumpError::Migrations { .. } => "export and import with the same cdp version; `cdp migrate` shows a store's migrations".into(),
                dump::DumpError::Format { .. } => "import with the cdp version that exported it".into(),
                _ => "export the store again; nothing was imported".into(),
            }),
            _ => None,
        }
    }
}

/// How a store at `url` names itself in messages (as its `describe` will), before opening it.
pub fn describe_url(url: &Secret) -> String {
    let text = url.expose();
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        format!("`{}` (PostgreSQL)", redact_url(text))
    } else if let Some(path) = text.strip_prefix("sqlite://") {
        format!("`{}` (SQLite)", path.split('?').next().unwrap_or(path))
    } else {
        format!("`{}`", redact_url(text))
    }
}

/// Opens (creating and migrating as needed) the store: `url` when configured, else the SQLite
/// file `.cdp/state.db` under `local_dir` (the project's `.cdp`, whose parent a relative
/// `sqlite://` path is read from).
pub async fn open(url: Option<&Secret>, local_dir: &Path) -> Result<Box<dyn Store>, StateError> {
    match url {
        None => Ok(Box::new(
            sqlite::SqliteStore::open(&local_dir.join("state.db")).await?,
        )),
        Some(url) => {
            let text = url.expose();
            if text.starts_with("postgres://") || text.starts_with("postgresql://") {
                Ok(Box::new(postgres::PostgresStore::connect(text).await?))
            } else if let Some(path) = text.strip_prefix("sqlite://") {
                // A relative path is the project's, as every other path of cdp.yaml is.
                let path = Path::new(path.split('?').next().unwrap_or(path));
                let root = local_dir.parent().unwrap_or(local_dir);
                Ok(Box::new(sqlite::SqliteStore::open(&root.join(path)).await?))
            } else {
                Err(StateError::Scheme(redact_url(text)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_kinds_are_stored_as_the_strings_earlier_versions_wrote() {
        assert_eq!(RunKind::Refresh.as_str(), "refresh");
        assert_eq!(RunKind::Sync.as_str(), "sync");
        for kind in [RunKind::Refresh, RunKind::Sync] {
            assert_eq!(kind.as_str().parse::<RunKind>().unwrap(), kind);
            assert_eq!(kind.to_string(), kind.as_str());
        }
        let unknown = "export".parse::<RunKind>().unwrap_err();
        assert_eq!(unknown.to_string(), "unknown run kind `export`");
    }
}
