//! The daemon's job queue: in the process by default, on Redis when the environment sets
//! `queue: { redis_url }`, so that several daemons share it. Either way a scheduled instant is
//! queued once, a job is run by one daemon at a time (a lock per job key), and a job taken by a
//! daemon that died goes back to the queue once its lock expires.

mod local;
mod redis;

use std::time::Duration;

use async_trait::async_trait;

use super::work::Entry;
use crate::error::Result;

pub use local::LocalQueue;
pub use redis::RedisQueue;

/// What `take` gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    /// Locked to this daemon: run it, renew the lock while it runs, then `done`.
    Run(Entry),
    /// The same job is running (here or on another daemon): not started again.
    Skipped(Entry),
}

#[async_trait]
pub trait Queue: Send + Sync {
    /// Queues an entry unless an entry of its key and instant was queued already; whether it
    /// was queued now.
    async fn offer(&self, entry: &Entry) -> Result<bool>;

    /// The next entry, waiting up to `wait` for one.
    async fn take(&self, wait: Duration) -> Result<Option<Taken>>;

    /// Extends this daemon's lock on a running entry; false when the lock was lost (it expired
    /// and another daemon may have taken the job up).
    async fn renew(&self, entry: &Entry) -> Result<bool>;

    /// The entry ended here: off the queue, its lock released.
    async fn done(&self, entry: &Entry) -> Result<()>;

    /// The entry did not end here (the daemon is stopping): back to the queue for another
    /// daemon, its lock released.
    async fn give_back(&self, entry: &Entry) -> Result<()>;

    /// Puts back the entries whose daemon died (their lock expired); how many.
    async fn reap(&self) -> Result<usize>;

    /// Entries waiting to run.
    async fn depth(&self) -> Result<usize>;

    /// Whether the queue answers (for `/healthz`).
    async fn ping(&self) -> Result<()>;

    /// `in-process` or `redis`.
    fn kind(&self) -> &'static str;

    /// How long a lock lasts unless renewed.
    fn lock_ttl(&self) -> Duration;
}
