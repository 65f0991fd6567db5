//! A launch's journal of sends, written by one task: each request's recipients before it goes
//! out, and its answer after. Entries that arrive while a transaction commits go into the next
//! one together (group commit), so the state store keeps up with Braze's rate however many
//! requests are in flight, and each writer still waits until its entry is durable.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::state::Store;
use crate::state::campaign::SendEntry;

/// Most entries one transaction takes.
const GROUP: usize = 256;

type Reply = oneshot::Sender<Result<(), String>>;

pub struct Journal {
    tx: mpsc::UnboundedSender<(SendEntry, Reply)>,
}

impl Journal {
    /// Starts the writer of `campaign`'s launch `launch_id`; it ends with the last handle.
    pub fn start(store: Arc<dyn Store>, campaign: String, launch_id: i64) -> Journal {
        let (tx, mut rx) = mpsc::unbounded_channel::<(SendEntry, Reply)>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                while group.len() < GROUP {
                    match rx.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (entries, replies): (Vec<SendEntry>, Vec<Reply>) = group.into_iter().unzip();
                let written = store
                    .write_sends(&campaign, launch_id, &entries)
                    .await
                    .map_err(|e| crate::error::chain(&e));
                for reply in replies {
                    let _ = reply.send(written.clone());
                }
            }
        });
        Journal { tx }
    }

    /// Writes `entry`, returning once it is committed.
    pub async fn write(&self, entry: SendEntry) -> Result<(), String> {
        let (reply, done) = oneshot::channel();
        self.tx
            .send((entry, reply))
            .map_err(|_| "the journal's writer stopped".to_string())?;
        done.await
            .map_err(|_| "the journal's writer stopped".to_string())?
    }
}
