//! The in-process queue: one daemon per state store, entries in memory; an instant queued once
//! (the state store's unique row also guards this across restarts), one job per key at a time.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{Queue, Taken};
use crate::daemon::work::Entry;
use crate::error::Result;

#[derive(Default)]
pub struct LocalQueue {
    state: Mutex<State>,
    arrived: Notify,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Entry>,
    /// Dedupe keys queued, with their instant (seconds), pruned to the last day's.
    offered: HashMap<String, i64>,
    running: HashSet<String>,
}

impl LocalQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn pop(&self) -> Option<Taken> {
        let mut s = self.state();
        let entry = s.waiting.pop_front()?;
        let key = entry.work.key();
        if s.running.contains(&key) {
            return Some(Taken::Skipped(entry));
        }
        s.running.insert(key);
        Some(Taken::Run(entry))
    }
}

#[async_trait]
impl Queue for LocalQueue {
    async fn offer(&self, entry: &Entry) -> Result<bool> {
        {
            let mut s = self.state();
            let at = entry.instant.map_or(i64::MAX, |t| t.timestamp());
            if s.offered.insert(entry.dedupe_key(), at).is_some() {
                return Ok(false);
            }
            if s.offered.len() > 4096 {
                let since = at.min(chrono::Utc::now().timestamp()) - 86_400;
                s.offered.retain(|_, t| *t >= since && *t != i64::MAX);
            }
            s.waiting.push_back(entry.clone());
        }
        self.arrived.notify_one();
        Ok(true)
    }

    async fn take(&self, wait: Duration) -> Result<Option<Taken>> {
        if let Some(t) = self.pop() {
            return Ok(Some(t));
        }
        let _ = tokio::time::timeout(wait, self.arrived.notified()).await;
        Ok(self.pop())
    }

    async fn renew(&self, _entry: &Entry) -> Result<bool> {
        Ok(true)
    }

    async fn done(&self, entry: &Entry) -> Result<()> {
        self.state().running.remove(&entry.work.key());
        Ok(())
    }

    async fn give_back(&self, entry: &Entry) -> Result<()> {
        // No other daemon shares this queue: the state store's row (left `interrupted`) is
        // what the next start takes up.
        self.done(entry).await
    }

    async fn reap(&self) -> Result<usize> {
        Ok(0)
    }

    async fn depth(&self) -> Result<usize> {
        Ok(self.state().waiting.len())
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "in-process"
    }

    fn lock_ttl(&self) -> Duration {
        Duration::from_secs(3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::work::Work;

    fn refresh(segment: &str, at: Option<i64>) -> Entry {
        let work = Work::Refresh {
            segment: segment.into(),
            then_sync: true,
        };
        Entry::new(
            work,
            at.map(|s| chrono::DateTime::from_timestamp(s, 0).unwrap()),
        )
    }

    #[tokio::test]
    async fn an_instant_is_queued_once_and_a_running_job_is_not_started_again() {
        let q = LocalQueue::default();
        assert!(q.offer(&refresh("vip", Some(60))).await.unwrap());
        assert!(
            !q.offer(&refresh("vip", Some(60))).await.unwrap(),
            "same instant"
        );
        assert!(q.offer(&refresh("vip", Some(120))).await.unwrap());
        assert!(q.offer(&refresh("vip", None)).await.unwrap());
        assert!(
            q.offer(&refresh("vip", None)).await.unwrap(),
            "no instant: each is its own"
        );
        assert_eq!(q.depth().await.unwrap(), 4);
        let wait = Duration::from_millis(10);
        let Some(Taken::Run(first)) = q.take(wait).await.unwrap() else {
            panic!("the first runs")
        };
        assert!(matches!(
            q.take(wait).await.unwrap(),
            Some(Taken::Skipped(_))
        ));
        q.done(&first).await.unwrap();
        assert!(matches!(q.take(wait).await.unwrap(), Some(Taken::Run(_))));
    }

    #[tokio::test]
    async fn take_waits_for_an_offer() {
        let q = std::sync::Arc::new(LocalQueue::default());
        let later = q.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            later.offer(&refresh("vip", Some(1))).await.unwrap();
        });
        let got = q.take(Duration::from_secs(5)).await.unwrap();
        assert!(matches!(got, Some(Taken::Run(_))));
        assert_eq!(q.take(Duration::from_millis(10)).await.unwrap(), None);
    }
}
