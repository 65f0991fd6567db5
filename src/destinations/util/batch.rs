//! Cutting a stream of numbered items into batches at an API's limit.

use std::collections::VecDeque;

use crate::destinations::Item;

/// A request's worth of items. A batch keeps its id when only part of it is sent again.
#[derive(Clone, Debug)]
pub struct Batch<I> {
    pub id: u64,
    pub items: Vec<I>,
    /// Times it has been sent and failed.
    pub attempt: u32,
}

impl<I: Item> Batch<I> {
    /// The number of its last item (0 when it holds none).
    pub fn last_seq(&self) -> i64 {
        self.items.last().map_or(0, Item::seq)
    }
}

/// Takes items in order and hands out batches of at most `size`, numbered from 0.
pub struct Batcher<I> {
    size: usize,
    buffer: VecDeque<I>,
    next_id: u64,
}

impl<I> Batcher<I> {
    pub fn new(size: usize) -> Self {
        Batcher {
            size: size.max(1),
            buffer: VecDeque::new(),
            next_id: 0,
        }
    }

    pub fn push(&mut self, items: Vec<I>) {
        self.buffer.extend(items);
    }

    /// Whether a full batch is ready.
    pub fn full(&self) -> bool {
        self.buffer.len() >= self.size
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The next batch: a full one, or (with `last`, no more items coming) what remains.
    pub fn next(&mut self, last: bool) -> Option<Batch<I>> {
        if self.buffer.is_empty() || (!last && !self.full()) {
            return None;
        }
        let n = self.size.min(self.buffer.len());
        let items: Vec<I> = self.buffer.drain(..n).collect();
        let id = self.next_id;
        self.next_id += 1;
        Some(Batch {
            id,
            items,
            attempt: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destinations::Change;

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
        assert_eq!((first.id, first.items.len()), (0, 75));
        assert!(b.next(false).is_none(), "25 left is not a full batch");
        b.push(changes(101, 160));
        let second = b.next(false).unwrap();
        assert_eq!(second.items.first().unwrap().seq, 76);
        assert_eq!(second.last_seq(), 150);
        let last = b.next(true).unwrap();
        assert_eq!((last.id, last.items.len()), (2, 10));
        assert!(b.next(true).is_none());
    }
}
