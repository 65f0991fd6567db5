//! Cutting a stream of numbered changes into batches at an API's limit.

use std::collections::VecDeque;

use crate::destinations::Change;

/// A request's worth of changes. A batch keeps its id when only part of it is sent again.
#[derive(Clone, Debug)]
pub struct Batch {
    pub id: u64,
    pub changes: Vec<Change>,
    /// Times it has been sent and failed.
    pub attempt: u32,
}

/// Takes changes in order and hands out batches of at most `size`, numbered from 0.
pub struct Batcher {
    size: usize,
    buffer: VecDeque<Change>,
    next_id: u64,
}

impl Batcher {
    pub fn new(size: usize) -> Self {
        Batcher {
            size: size.max(1),
            buffer: VecDeque::new(),
            next_id: 0,
        }
    }

    pub fn push(&mut self, changes: Vec<Change>) {
        self.buffer.extend(changes);
    }

    /// Whether a full batch is ready.
    pub fn full(&self) -> bool {
        self.buffer.len() >= self.size
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The next batch: a full one, or (with `last`, no more changes coming) what remains.
    pub fn next(&mut self, last: bool) -> Option<Batch> {
        if self.buffer.is_empty() || (!last && !self.full()) {
            return None;
        }
        let n = self.size.min(self.buffer.len());
        let changes: Vec<Change> = self.buffer.drain(..n).collect();
        let id = self.next_id;
        self.next_id += 1;
        Some(Batch {
            id,
            changes,
            attempt: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(from: i64, to: i64) -> Vec<Change> {
        (from..=to)
            .map(|seq| Change {
                seq,
                user_id: format!("u{seq}"),
                is_member: true,
            })
            .collect()
    }

    #[test]
    fn batches_hold_at_most_the_limit_and_keep_order() {
        let mut b = Batcher::new(75);
        b.push(changes(1, 100));
        let first = b.next(false).unwrap();
        assert_eq!((first.id, first.changes.len()), (0, 75));
        assert!(b.next(false).is_none(), "25 left is not a full batch");
        b.push(changes(101, 160));
        let second = b.next(false).unwrap();
        assert_eq!(second.changes.first().unwrap().seq, 76);
        assert_eq!(second.changes.last().unwrap().seq, 150);
        let last = b.next(true).unwrap();
        assert_eq!((last.id, last.changes.len()), (2, 10));
        assert!(b.next(true).is_none());
    }
}
