//! Checkpoints: the highest change number below which every batch is answered, moved forward as
//! batches finish in any order, and written to the state store by a task of its own so that
//! sending never waits for it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::state::StateError;
use crate::state::Store;
use crate::state::sync::{Rejection, SyncKey, SyncStats};

/// Batches handed out and answered, by id; ids are handed out in change order.
#[derive(Default)]
pub struct Tracker {
    /// The last change number of each batch not yet below the watermark.
    last_seq: BTreeMap<u64, i64>,
    done: BTreeSet<u64>,
    watermark: i64,
}

impl Tracker {
    pub fn new(start: i64) -> Self {
        Tracker {
            watermark: start,
            ..Default::default()
        }
    }

    pub fn handed_out(&mut self, id: u64, last_seq: i64) {
        self.last_seq.insert(id, last_seq);
    }

    /// Records an answered batch; returns the new watermark when it moved.
    pub fn answered(&mut self, id: u64) -> Option<i64> {
        self.done.insert(id);
        let before = self.watermark;
        while let Some((&first, &seq)) = self.last_seq.first_key_value() {
            if !self.done.remove(&first) {
                break;
            }
            self.last_seq.remove(&first);
            self.watermark = seq;
        }
        (self.watermark != before).then_some(self.watermark)
    }

    pub fn watermark(&self) -> i64 {
        self.watermark
    }
}

struct Update {
    acked_seq: i64,
    stats: SyncStats,
    rejections: Vec<Rejection>,
}

/// Writes checkpoints in the background: each write takes everything queued since the last.
pub struct Writer {
    tx: Option<mpsc::UnboundedSender<Update>>,
    task: JoinHandle<Result<(), StateError>>,
}

impl Writer {
    pub fn start(store: Arc<dyn Store>, key: (i64, String, String)) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Update>();
        let task = tokio::spawn(async move {
            let (run_id, segment, destination) = key;
            let key = SyncKey {
                run_id,
                segment: &segment,
                destination: &destination,
            };
            while let Some(mut update) = rx.recv().await {
                while let Ok(more) = rx.try_recv() {
                    update.acked_seq = update.acked_seq.max(more.acked_seq);
                    update.stats = more.stats;
                    update.rejections.extend(more.rejections);
                }
                store
                    .checkpoint(key, update.acked_seq, &update.stats, &update.rejections)
                    .await?;
            }
            Ok(())
        });
        Writer { tx: Some(tx), task }
    }

    /// A writer that keeps nothing: for senders that record each answer themselves (a
    /// campaign's messages).
    pub fn discard() -> Self {
        Writer {
            tx: None,
            task: tokio::spawn(async { Ok(()) }),
        }
    }

    pub fn send(&self, acked_seq: i64, stats: SyncStats, rejections: Vec<Rejection>) {
        if let Some(tx) = &self.tx {
            // The task ends only on a store error, which `finish` reports.
            let _ = tx.send(Update {
                acked_seq,
                stats,
                rejections,
            });
        }
    }

    /// Waits until everything sent is written.
    pub async fn finish(mut self) -> Result<(), StateError> {
        drop(self.tx.take());
        match self.task.await {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tracker;

    #[test]
    fn the_watermark_moves_only_over_answered_prefixes() {
        let mut t = Tracker::new(0);
        for (id, last) in [(0, 75), (1, 150), (2, 225), (3, 240)] {
            t.handed_out(id, last);
        }
        assert_eq!(t.answered(1), None);
        assert_eq!(t.answered(2), None);
        assert_eq!(t.answered(0), Some(225));
        assert_eq!(t.answered(3), Some(240));
        assert_eq!(t.watermark(), 240);
    }
}
