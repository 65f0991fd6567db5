//! Demo rows generated on a second thread while the warehouse writes them.

use std::ops::Range;
use std::sync::mpsc::{Receiver, sync_channel};

use crate::progress::Progress;
use crate::warehouse::Cell;

/// Users generated per message from the generator thread.
const CHUNK: u64 = 1_000;

/// Streams the rows of a range of users in user order. A second thread generates them while
/// the warehouse writes, so generating uses both cores; the bounded channel caps memory.
pub struct EventRows<'a> {
    chunks: Receiver<Vec<Vec<Cell>>>,
    buffer: std::vec::IntoIter<Vec<Cell>>,
    users_left: u64,
    progress: &'a dyn Progress,
}

impl<'a> EventRows<'a> {
    /// `rows_of(i)` gives user `i`'s rows; progress counts users.
    pub fn spawn(
        users: Range<u64>,
        progress: &'a dyn Progress,
        rows_of: impl Fn(u64) -> Vec<Vec<Cell>> + Send + 'static,
    ) -> Self {
        let (tx, rx) = sync_channel(8);
        let users_left = users.end.saturating_sub(users.start);
        std::thread::spawn(move || {
            let mut start = users.start;
            while start < users.end {
                let end = (start + CHUNK).min(users.end);
                let rows: Vec<Vec<Cell>> = (start..end).flat_map(&rows_of).collect();
                if tx.send(rows).is_err() {
                    return;
                }
                start = end;
            }
        });
        EventRows {
            chunks: rx,
            buffer: Vec::new().into_iter(),
            users_left,
            progress,
        }
    }
}

impl Iterator for EventRows<'_> {
    type Item = Vec<Cell>;

    fn next(&mut self) -> Option<Vec<Cell>> {
        loop {
            if let Some(row) = self.buffer.next() {
                return Some(row);
            }
            self.buffer = self.chunks.recv().ok()?.into_iter();
            let done = self.users_left.min(CHUNK);
            self.users_left -= done;
            self.progress.advance(done);
        }
    }
}
