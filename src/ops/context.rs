//! What every operation runs with: the loaded project, the instant, who runs it, where its notes
//! and progress go, and the token that asks it to stop.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::progress::{NoProgress, Progress};
use crate::project::Project;
use crate::state::{self, Lock, LockHolder, Store};
use crate::warehouse::{self, Session, Warehouse};

/// Who runs an operation, and on which machine: recorded with applies, runs and locks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Actor {
    pub name: String,
    pub host: String,
}

/// Where an operation's notes and progress go: the terminal for the command line, the run log
/// for the daemon, nowhere in tests.
pub trait Reporter: Send + Sync {
    /// A message for people ("waiting for the project lock ...").
    fn note(&self, text: &str);
    /// A fresh progress indicator for one long step.
    fn progress(&self) -> Arc<dyn Progress>;
}

/// Reports nothing.
pub struct Silent;

impl Reporter for Silent {
    fn note(&self, _: &str) {}
    fn progress(&self) -> Arc<dyn Progress> {
        Arc::new(NoProgress)
    }
}

/// Everything an operation needs besides its own options.
pub struct Context {
    pub project: Project,
    /// The one instant every time window of the run is evaluated at.
    pub now: DateTime<Utc>,
    pub actor: Actor,
    /// The command as the warehouse's query history names it (`cdp refresh power_users`).
    pub command: String,
    pub reporter: Arc<dyn Reporter>,
    /// Cancelled to ask the operation to stop: a sync checkpoints what is in flight, a refresh
    /// leaves the previous membership whole, a Snowflake statement is cancelled.
    pub cancel: CancellationToken,
    /// Tell more, such as the SQL a refresh runs.
    pub verbose: bool,
    /// How long to wait for the embedded DuckDB file while another process (a daemon's job)
    /// holds it; none: fail at once.
    pub file_wait: Duration,
    /// The daemon's pool of PostgreSQL warehouse connections, lent to its jobs.
    pub pg_pool: Option<sqlx::PgPool>,
    store: OnceCell<Arc<dyn Store>>,
}

impl Context {
    pub fn new(project: Project, now: DateTime<Utc>, actor: Actor) -> Context {
        Context {
            project,
            now,
            actor,
            command: "cdp".into(),
            reporter: Arc::new(Silent),
            cancel: CancellationToken::new(),
            verbose: false,
            file_wait: Duration::ZERO,
            pg_pool: None,
            store: OnceCell::new(),
        }
    }

    /// Uses `store` (already open, its connections pooled) instead of opening one.
    pub fn with_store(self, store: Arc<dyn Store>) -> Context {
        let _ = self.store.set(store);
        self
    }

    pub fn with_reporter(mut self, reporter: Arc<dyn Reporter>) -> Context {
        self.reporter = reporter;
        self
    }

    pub fn with_cancel(mut self, cancel: CancellationToken) -> Context {
        self.cancel = cancel;
        self
    }

    pub fn with_command(mut self, command: impl Into<String>) -> Context {
        self.command = command.into();
        self
    }

    pub fn note(&self, text: &str) {
        self.reporter.note(text);
    }

    /// The environment's state store, opened (and migrated) on first use.
    pub async fn store(&self) -> Result<Arc<dyn Store>> {
        let store = self
            .store
            .get_or_try_init(|| async {
                let opened =
                    state::open(self.project.state_url.as_ref(), &self.project.local_dir()).await?;
                Ok::<_, Error>(Arc::from(opened))
            })
            .await?;
        Ok(store.clone())
    }

    /// A new connection to the environment's warehouse, tagged with the command and stopped by
    /// the context's token.
    pub async fn warehouse(&self) -> Result<Box<dyn Warehouse>> {
        Ok(warehouse::open(&self.project, &self.session()).await?)
    }

    pub fn session(&self) -> Session {
        let reporter = self.reporter.clone();
        Session {
            tag: self.command.clone(),
            cancel: self.cancel.clone(),
            file_wait: self.file_wait,
            pg_pool: self.pg_pool.clone(),
            waiting: Some(warehouse::Waiting(Arc::new(move |text: &str| {
                reporter.note(text)
            }))),
        }
    }

    /// Takes the project lock for `what` (`refresh`, `sync` ...), waiting up to `wait` and
    /// saying whom it waits for.
    pub async fn lock(&self, what: &str, wait: Duration) -> Result<Lock> {
        let store = self.store().await?;
        let reporter = self.reporter.clone();
        let waiting = move |h: &LockHolder| {
            reporter.note(&format!(
                "waiting up to {}s for the project lock, held by {h}",
                wait.as_secs()
            ));
        };
        let owner = state::LockOwner {
            holder: format!("cdp {what}"),
            actor: self.actor.name.clone(),
            host: self.actor.host.clone(),
        };
        let lock = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return Err(Error::Interrupted),
            lock = store.lock(state::PROJECT_LOCK, &owner, wait, &waiting) => lock?,
        };
        Ok(lock)
    }

    /// Runs `work` unless the context is cancelled first; a cancelled run ends with
    /// `Interrupted`, whether `work` was dropped where it stood or failed because its statement
    /// was interrupted. Work that finished despite a late cancellation keeps its result.
    pub async fn unless_cancelled<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(Error::Interrupted),
            done = work => match done {
                Err(_) if self.cancel.is_cancelled() => Err(Error::Interrupted),
                done => done,
            },
        }
    }
}
