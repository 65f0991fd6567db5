//! Sending a stream of numbered items to a destination: batches at its limit, a token bucket
//! below its rate, several requests in flight so the rate (not latency) sets the pace, each
//! response's decision acted on (as the destination's delivery allows), and a checkpoint after
//! every answered batch.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::batch::{Batch, Batcher};
use super::checkpoint::{Tracker, Writer};
use super::rate::{SHARE, TokenBucket};
use crate::destinations::{
    Change, Delivery, Destination, DestinationError, Item, Outcome, Refused,
};
use crate::retry::Backoff;
use crate::state::sync::{Rejection, SyncStats};

/// What a run of the pipeline needs besides the items.
pub struct Run<I: Item = Change> {
    pub destination: Arc<dyn Destination<I>>,
    /// The destination's name, for messages.
    pub name: String,
    pub run_id: i64,
    pub segment: String,
    pub key: String,
    pub backoff: Backoff,
    /// Called with the number of items answered, as batches finish.
    pub progress: Box<dyn Fn(u64) + Send + Sync>,
    /// Called once with what the first request created (kind, id), such as a cohort.
    pub created: Box<dyn Fn(&'static str, String) + Send + Sync>,
    /// Cancelled when the person running cdp asks it to stop (Ctrl-C): nothing more is handed
    /// out, and what is in flight is answered and checkpointed.
    pub cancel: CancellationToken,
}

/// What a run of the pipeline did.
pub struct Sent<I = Change> {
    pub stats: SyncStats,
    /// Every item numbered up to this one was answered (and checkpointed).
    pub acked_seq: i64,
    /// The error that stopped it, if one did.
    pub failure: Option<DestinationError>,
    /// Whether it was asked to stop before it finished.
    pub stopped: bool,
    /// Items of at-most-once requests that may or may not have been processed: never sent
    /// again, counted as answered (so below `acked_seq` unless a gap before them holds it back),
    /// and left for the caller to record; `stats.sent` does not count them.
    pub unknown: Vec<I>,
}

/// A request's batch, the delivery it went out with, and what its answer means.
struct Answered<I> {
    batch: Batch<I>,
    delivery: Delivery,
    outcome: Outcome,
}

/// Sends every item read from `pages`, in order of their numbers. What was answered is
/// checkpointed whether or not a failure stopped it.
pub async fn send_all<I: Item>(
    run: Run<I>,
    mut pages: mpsc::Receiver<Vec<I>>,
    writer: Writer,
) -> Sent<I> {
    let limits = run.destination.limits();
    let slots = Arc::new(Semaphore::new(limits.concurrency.max(1)));
    let mut batcher = Batcher::new(limits.batch);
    let mut in_flight: JoinSet<Answered<I>> = JoinSet::new();
    let mut more_pages = true;
    let cancel = run.cancel.clone();
    let mut p = Pipeline {
        bucket: TokenBucket::new(limits.rate, SHARE),
        tracker: Tracker::new(0),
        waiting: Vec::new(),
        unknown: Vec::new(),
        stats: SyncStats::default(),
        failure: None,
        started: Instant::now(),
        writer,
        run,
    };
    loop {
        while let Some(done) = in_flight.try_join_next() {
            p.answer(done.expect("a send task panicked")).await;
        }
        if p.failure.is_some() || cancel.is_cancelled() {
            break;
        }
        let now = Instant::now();
        // A batch that creates what the others refer to goes out alone, and first.
        let alone = p.run.destination.next_alone();
        let next = if alone && !in_flight.is_empty() {
            None
        } else if let Some(batch) = p.due(now) {
            Some(batch)
        } else if (alone && !p.waiting.is_empty()) || (more_pages && !batcher.full()) {
            None
        } else {
            batcher
                .next(!more_pages)
                .inspect(|b| p.tracker.handed_out(b.id, b.last_seq()))
        };
        let Some(batch) = next else {
            if !more_pages && batcher.is_empty() && in_flight.is_empty() && p.waiting.is_empty() {
                break;
            }
            let retry_at = p.waiting.iter().map(|(at, _)| *at).min();
            tokio::select! {
                page = pages.recv(), if more_pages && !batcher.full() => match page {
                    Some(page) => batcher.push(page),
                    None => more_pages = false,
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    p.answer(done.expect("a send task panicked")).await;
                }
                _ = tokio::time::sleep_until(retry_at.unwrap_or(now)), if retry_at.is_some() => {}
                _ = cancel.cancelled() => {}
            }
            continue;
        };
        let Some(batch) = p.refuse_unsendable(batch) else {
            continue;
        };
        // A stop while waiting for a slot or a token sends nothing more: the batch in hand stays
        // unanswered, so the checkpoint stops before it and the next run sends it.
        let permit = tokio::select! {
            biased;
            _ = cancel.cancelled() => continue,
            permit = slots.clone().acquire_owned() => permit.expect("never closed"),
        };
        tokio::select! {
            biased;
            _ = cancel.cancelled() => continue,
            () = p.bucket.acquire() => {}
        }
        p.stats.requests += 1;
        if batch.attempt > 0 {
            p.stats.retried += 1;
        }
        let destination = p.run.destination.clone();
        let delivery = destination.delivery();
        in_flight.spawn(async move {
            let outcome = destination.send(&batch.items).await;
            drop(permit);
            Answered {
                batch,
                delivery,
                outcome,
            }
        });
    }
    // Stopped by a failure or a cancellation: what is out still gets its answer recorded, and
    // nothing more is sent.
    while let Some(done) = in_flight.join_next().await {
        p.answer(done.expect("a send task panicked")).await;
    }
    p.stats.duration_ms = p.started.elapsed().as_millis() as i64;
    p.writer.send(p.tracker.watermark(), p.stats, Vec::new());
    let mut failure = p.failure;
    if let Err(e) = p.writer.finish().await {
        failure.get_or_insert(DestinationError::State(e));
    }
    Sent {
        stats: p.stats,
        acked_seq: p.tracker.watermark(),
        failure,
        stopped: cancel.is_cancelled(),
        unknown: p.unknown,
    }
}

/// What the pipeline knows while it runs: answers, batches waiting to be sent again, counts.
struct Pipeline<I: Item> {
    run: Run<I>,
    bucket: TokenBucket,
    tracker: Tracker,
    writer: Writer,
    /// Batches to send again, and when.
    waiting: Vec<(Instant, Batch<I>)>,
    /// Items whose at-most-once request may or may not have been processed.
    unknown: Vec<I>,
    stats: SyncStats,
    failure: Option<DestinationError>,
    started: Instant,
}

impl<I: Item> Pipeline<I> {
    /// The lowest-numbered batch whose pause is over.
    fn due(&mut self, now: Instant) -> Option<Batch<I>> {
        let i = self
            .waiting
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at <= now)
            .min_by_key(|(_, (_, b))| b.id)
            .map(|(i, _)| i)?;
        Some(self.waiting.swap_remove(i).1)
    }

    /// Refuses, without a request, the items the destination can never take; returns what is
    /// left to send, if anything.
    fn refuse_unsendable(&mut self, mut batch: Batch<I>) -> Option<Batch<I>> {
        let refused: Vec<Refused> = batch
            .items
            .iter()
            .enumerate()
            .filter_map(|(index, c)| {
                self.run
                    .destination
                    .refuse(c.user_id())
                    .map(|reason| Refused {
                        index,
                        reason,
                        permanent: true,
                    })
            })
            .collect();
        if refused.is_empty() {
            return Some(batch);
        }
        self.record_refused(&batch, &refused);
        let skip: BTreeSet<usize> = refused.iter().map(|r| r.index).collect();
        keep(&mut batch, |i| !skip.contains(&i));
        if batch.items.is_empty() {
            self.answered(batch.id);
            return None;
        }
        Some(batch)
    }

    /// Acts on one response, as the delivery its request went out with allows.
    async fn answer(&mut self, answered: Answered<I>) {
        let Answered {
            mut batch,
            delivery,
            outcome,
        } = answered;
        match outcome {
            Outcome::Done { refused, created } => {
                if let Some((kind, id)) = created {
                    (self.run.created)(kind, id);
                }
                self.record_refused(&batch, &refused);
                self.stats.sent += (batch.items.len() - refused.len()) as i64;
                self.answered(batch.id);
            }
            Outcome::Retry {
                after,
                pause_all,
                reason,
            } => {
                if pause_all && let Some(wait) = after {
                    self.bucket.pause(wait).await;
                }
                self.again(batch, after, reason);
            }
            Outcome::Unknown { after, reason } => match delivery {
                Delivery::Idempotent => self.again(batch, after, reason),
                // Sending it again could act twice: its items are unknown, and answered.
                Delivery::AtMostOnce => {
                    let id = batch.id;
                    self.unknown.append(&mut batch.items);
                    self.answered(id);
                }
            },
            Outcome::RetryItems {
                retry,
                refused,
                after,
                reason,
            } => {
                self.record_refused(&batch, &refused);
                let again: BTreeSet<usize> = retry.into_iter().collect();
                self.stats.sent += (batch.items.len() - again.len() - refused.len()) as i64;
                keep(&mut batch, |i| again.contains(&i));
                if batch.items.is_empty() {
                    self.answered(batch.id);
                } else {
                    self.again(batch, after, reason);
                }
            }
            Outcome::Fatal(message) => {
                self.failure.get_or_insert(DestinationError::Fatal {
                    destination: self.run.name.clone(),
                    message,
                });
            }
        }
    }

    /// Queues a batch to be sent again after the backoff, or gives up after the last attempt.
    fn again(&mut self, mut batch: Batch<I>, after: Option<Duration>, reason: String) {
        batch.attempt += 1;
        if batch.attempt >= self.run.backoff.attempts {
            self.failure.get_or_insert(DestinationError::GaveUp {
                destination: self.run.name.clone(),
                attempts: batch.attempt,
                last: reason,
            });
            return;
        }
        let wait = self.run.backoff.delay(batch.attempt - 1, after);
        self.waiting.push((Instant::now() + wait, batch));
    }

    fn record_refused(&mut self, batch: &Batch<I>, refused: &[Refused]) {
        if refused.is_empty() {
            return;
        }
        self.stats.rejected += refused.len() as i64;
        let at = Utc::now();
        let rows = refused
            .iter()
            .filter_map(|r| batch.items.get(r.index).map(|c| (r, c)))
            .map(|(r, c)| Rejection {
                run_id: self.run.run_id,
                segment: self.run.segment.clone(),
                destination: self.run.key.clone(),
                user_id: c.user_id().to_string(),
                is_member: c.is_member(),
                reason: r.reason.clone(),
                permanent: r.permanent,
                at,
            })
            .collect();
        self.writer.send(self.tracker.watermark(), self.stats, rows);
    }

    /// Records an answered batch, and checkpoints when the watermark moves.
    fn answered(&mut self, id: u64) {
        let before = self.tracker.watermark();
        if let Some(watermark) = self.tracker.answered(id) {
            let mut stats = self.stats;
            stats.duration_ms = self.started.elapsed().as_millis() as i64;
            self.writer.send(watermark, stats, Vec::new());
            (self.run.progress)((watermark - before) as u64);
        }
    }
}

/// Keeps the items of a batch whose index passes `keep`.
fn keep<I>(batch: &mut Batch<I>, keep: impl Fn(usize) -> bool) {
    batch.items = std::mem::take(&mut batch.items)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, c)| c)
        .collect();
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
