//! Sending a stream of changes to a destination: batches at its limit, a token bucket below its
//! rate, several requests in flight so the rate (not latency) sets the pace, each response's
//! decision acted on, and a checkpoint after every answered batch.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::batch::{Batch, Batcher};
use super::checkpoint::{Tracker, Writer};
use super::rate::{SHARE, TokenBucket};
use crate::destinations::{Change, Destination, DestinationError, Outcome, Refused};
use crate::retry::Backoff;
use crate::state::sync::{Rejection, SyncStats};

/// What a run of the pipeline needs besides the changes.
pub struct Run {
    pub destination: Arc<dyn Destination>,
    /// The destination's name, for messages.
    pub name: String,
    pub run_id: i64,
    pub segment: String,
    pub key: String,
    pub backoff: Backoff,
    /// Called with the number of changes answered, as batches finish.
    pub progress: Box<dyn Fn(u64) + Send + Sync>,
    /// Called once with what the first request created (kind, id), such as a cohort.
    pub created: Box<dyn Fn(&'static str, String) + Send + Sync>,
}

/// What a run of the pipeline did.
pub struct Sent {
    pub stats: SyncStats,
    /// Every change numbered up to this one was answered (and checkpointed).
    pub acked_seq: i64,
    /// The error that stopped it, if one did.
    pub failure: Option<DestinationError>,
}

/// Sends every change read from `pages`, in order of their numbers. What was answered is
/// checkpointed whether or not a failure stopped it.
pub async fn send_all(run: Run, mut pages: mpsc::Receiver<Vec<Change>>, writer: Writer) -> Sent {
    let started = Instant::now();
    let limits = run.destination.limits();
    let bucket = TokenBucket::new(limits.rate, SHARE);
    let slots = Arc::new(Semaphore::new(limits.concurrency.max(1)));
    let mut batcher = Batcher::new(limits.batch);
    let mut tracker = Tracker::new(0);
    let mut in_flight: JoinSet<(Batch, Outcome)> = JoinSet::new();
    let mut waiting: Vec<(Instant, Batch)> = Vec::new();
    let mut stats = SyncStats::default();
    let mut failure: Option<DestinationError> = None;
    let mut more_pages = true;

    loop {
        while let Some(done) = in_flight.try_join_next() {
            let (batch, outcome) = done.expect("a send task panicked");
            handle(
                &run,
                &mut tracker,
                &writer,
                &mut stats,
                &mut waiting,
                &bucket,
                &mut failure,
                batch,
                outcome,
                started,
            )
            .await;
        }
        if failure.is_some() {
            break;
        }
        let now = Instant::now();
        let due = waiting
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at <= now)
            .min_by_key(|(_, (_, b))| b.id)
            .map(|(i, _)| i);
        // A batch that creates what the others refer to goes out alone, and first.
        let alone = run.destination.next_alone();
        let next = if alone && !in_flight.is_empty() {
            None
        } else if let Some(i) = due {
            Some(waiting.swap_remove(i).1)
        } else if (alone && !waiting.is_empty()) || (more_pages && !batcher.full()) {
            None
        } else {
            batcher.next(!more_pages).inspect(|b| {
                tracker.handed_out(b.id, b.changes.last().map_or(0, |c| c.seq));
            })
        };
        let Some(mut batch) = next else {
            if !more_pages && batcher.is_empty() && in_flight.is_empty() && waiting.is_empty() {
                break;
            }
            let retry_at = waiting.iter().map(|(at, _)| *at).min();
            tokio::select! {
                page = pages.recv(), if more_pages && !batcher.full() => match page {
                    Some(p) => batcher.push(p),
                    None => more_pages = false,
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    let (batch, outcome) = done.expect("a send task panicked");
                    handle(&run, &mut tracker, &writer, &mut stats, &mut waiting, &bucket, &mut failure, batch, outcome, started).await;
                }
                _ = tokio::time::sleep_until(retry_at.unwrap_or(now)), if retry_at.is_some() => {}
                else => {}
            }
            continue;
        };
        // Changes the destination can never take are refused here, without a request.
        let refused: Vec<Refused> = batch
            .changes
            .iter()
            .enumerate()
            .filter_map(|(index, c)| {
                run.destination.refuse(&c.user_id).map(|reason| Refused {
                    index,
                    reason,
                    permanent: true,
                })
            })
            .collect();
        if !refused.is_empty() {
            record_refused(&run, &mut stats, &writer, &tracker, &batch, &refused);
            let skip: std::collections::BTreeSet<usize> = refused.iter().map(|r| r.index).collect();
            batch.changes = batch
                .changes
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !skip.contains(i))
                .map(|(_, c)| c)
                .collect();
            if batch.changes.is_empty() {
                answered(&run, &mut tracker, &writer, &stats, batch.id, started);
                continue;
            }
        }
        let permit = slots.clone().acquire_owned().await.expect("never closed");
        bucket.acquire().await;
        stats.requests += 1;
        if batch.attempt > 0 {
            stats.retried += 1;
        }
        let destination = run.destination.clone();
        in_flight.spawn(async move {
            let outcome = destination.send(&batch.changes).await;
            drop(permit);
            (batch, outcome)
        });
    }
    // Stopped by a failure: what is out still gets its answer recorded.
    while let Some(done) = in_flight.join_next().await {
        let (batch, outcome) = done.expect("a send task panicked");
        let mut ignored = None;
        handle(
            &run,
            &mut tracker,
            &writer,
            &mut stats,
            &mut Vec::new(),
            &bucket,
            &mut ignored,
            batch,
            outcome,
            started,
        )
        .await;
    }
    stats.duration_ms = started.elapsed().as_millis() as i64;
    writer.send(tracker.watermark(), stats, Vec::new());
    if let Err(e) = writer.finish().await {
        failure.get_or_insert(DestinationError::State(e));
    }
    Sent {
        stats,
        acked_seq: tracker.watermark(),
        failure,
    }
}

#[allow(clippy::too_many_arguments)]
async fn handle(
    run: &Run,
    tracker: &mut Tracker,
    writer: &Writer,
    stats: &mut SyncStats,
    waiting: &mut Vec<(Instant, Batch)>,
    bucket: &TokenBucket,
    failure: &mut Option<DestinationError>,
    mut batch: Batch,
    outcome: Outcome,
    started: Instant,
) {
    match outcome {
        Outcome::Done { refused, created } => {
            if let Some((kind, id)) = created {
                (run.created)(kind, id);
            }
            record_refused(run, stats, writer, tracker, &batch, &refused);
            stats.sent += (batch.changes.len() - refused.len()) as i64;
            answered(run, tracker, writer, stats, batch.id, started);
        }
        Outcome::Retry {
            after,
            pause_all,
            reason,
        } => {
            if pause_all && let Some(wait) = after {
                bucket.pause(wait).await;
            }
            again(run, waiting, failure, batch, after, reason);
        }
        Outcome::RetryItems {
            retry,
            refused,
            after,
            reason,
        } => {
            record_refused(run, stats, writer, tracker, &batch, &refused);
            let keep: std::collections::BTreeSet<usize> = retry.into_iter().collect();
            let done = batch.changes.len() - keep.len() - refused.len();
            stats.sent += done as i64;
            batch.changes = batch
                .changes
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep.contains(i))
                .map(|(_, c)| c)
                .collect();
            if batch.changes.is_empty() {
                answered(run, tracker, writer, stats, batch.id, started);
            } else {
                again(run, waiting, failure, batch, after, reason);
            }
        }
        Outcome::Fatal(message) => {
            failure.get_or_insert(DestinationError::Fatal {
                destination: run.name.clone(),
                message,
            });
        }
    }
}

/// Queues a batch to be sent again after the backoff, or gives up after the last attempt.
fn again(
    run: &Run,
    waiting: &mut Vec<(Instant, Batch)>,
    failure: &mut Option<DestinationError>,
    mut batch: Batch,
    after: Option<Duration>,
    reason: String,
) {
    batch.attempt += 1;
    if batch.attempt >= run.backoff.attempts {
        failure.get_or_insert(DestinationError::GaveUp {
            destination: run.name.clone(),
            attempts: batch.attempt,
            last: reason,
        });
        return;
    }
    let wait = run.backoff.delay(batch.attempt - 1, after);
    waiting.push((Instant::now() + wait, batch));
}

fn record_refused(
    run: &Run,
    stats: &mut SyncStats,
    writer: &Writer,
    tracker: &Tracker,
    batch: &Batch,
    refused: &[Refused],
) {
    if refused.is_empty() {
        return;
    }
    stats.rejected += refused.len() as i64;
    let at = Utc::now();
    let rows = refused
        .iter()
        .filter_map(|r| batch.changes.get(r.index).map(|c| (r, c)))
        .map(|(r, c)| Rejection {
            run_id: run.run_id,
            segment: run.segment.clone(),
            destination: run.key.clone(),
            user_id: c.user_id.clone(),
            is_member: c.is_member,
            reason: r.reason.clone(),
            permanent: r.permanent,
            at,
        })
        .collect();
    writer.send(tracker.watermark(), *stats, rows);
}

fn answered(
    run: &Run,
    tracker: &mut Tracker,
    writer: &Writer,
    stats: &SyncStats,
    id: u64,
    started: Instant,
) {
    let before = tracker.watermark();
    if let Some(watermark) = tracker.answered(id) {
        let mut stats = *stats;
        stats.duration_ms = started.elapsed().as_millis() as i64;
        writer.send(watermark, stats, Vec::new());
        (run.progress)((watermark - before) as u64);
    }
}
