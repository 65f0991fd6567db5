//! The pipeline against a scripted destination: every decision a response can carry, as each
//! delivery allows, and a stop asked for mid-run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use tokio::sync::watch;

use super::*;
use crate::destinations::{Limits, Sample};
use crate::project::config::RateLimit;

/// Requests the scripted destination lets be in flight at once.
const IN_FLIGHT: usize = 4;
/// Changes per scripted request.
const BATCH: usize = 3;

/// Answers each request from a script (then `Done`), and records what it was sent.
struct Scripted {
    script: Mutex<Vec<Outcome>>,
    sent: Mutex<Vec<Vec<String>>>,
    alone: AtomicUsize,
    delivery: Delivery,
    /// Requests received so far, for a test to wait on.
    received: watch::Sender<usize>,
    /// When set, each request waits for a permit before it is answered.
    gate: Option<Arc<Semaphore>>,
}

impl Scripted {
    /// Answers from `script`; the first `alone` requests go out one at a time, so the script
    /// answers them in the order of their batches.
    fn new(script: Vec<Outcome>, alone: usize, delivery: Delivery) -> Self {
        Scripted {
            script: Mutex::new(script),
            sent: Mutex::new(Vec::new()),
            alone: AtomicUsize::new(alone),
            delivery,
            received: watch::Sender::new(0),
            gate: None,
        }
    }

    fn batches(&self) -> Vec<Vec<String>> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait]
impl Destination for Scripted {
    fn limits(&self) -> Limits {
        Limits {
            batch: BATCH,
            rate: RateLimit {
                requests: 10_000,
                per: Duration::from_secs(1),
            },
            concurrency: IN_FLIGHT,
        }
    }
    fn delivery(&self) -> Delivery {
        self.delivery
    }
    fn next_alone(&self) -> bool {
        self.alone.load(Ordering::SeqCst) > 0
    }
    fn refuse(&self, user_id: &str) -> Option<String> {
        (user_id == "null").then(|| "junk".into())
    }
    fn sample(&self, _: &[Change]) -> crate::destinations::Sample {
        Sample {
            method: "POST",
            url: String::new(),
            body: serde_json::Value::Null,
        }
    }
    async fn send(&self, batch: &[Change]) -> Outcome {
        self.sent
            .lock()
            .unwrap()
            .push(batch.iter().map(|c| c.user_id.clone()).collect());
        self.received.send_modify(|n| *n += 1);
        if let Some(gate) = &self.gate {
            gate.acquire().await.expect("never closed").forget();
        }
        let _ = self
            .alone
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        let mut script = self.script.lock().unwrap();
        if script.is_empty() {
            Outcome::Done {
                refused: vec![],
                created: None,
            }
        } else {
            script.remove(0)
        }
    }
}

fn changes(ids: &[&str]) -> Vec<Change> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| Change {
            seq: i as i64 + 1,
            user_id: id.to_string(),
            is_member: true,
        })
        .collect()
}

/// Runs the pipeline over `ids` (numbered from 1) to `destination`, and checks that its last
/// checkpoint was written.
async fn run(destination: Arc<Scripted>, ids: &[&str], cancel: CancellationToken) -> Sent {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn crate::state::Store> =
        Arc::from(crate::state::open(None, dir.path()).await.unwrap());
    let run_id = store
        .start_run(crate::state::RunKind::Sync, None, "test", Utc::now())
        .await
        .unwrap();
    let key = crate::state::sync::SyncKey {
        run_id,
        segment: "s",
        destination: "d:attribute",
    };
    store.start_sync(key, (0, 0, 0), Utc::now()).await.unwrap();
    let run = Run {
        destination,
        name: "d".into(),
        run_id,
        segment: "s".into(),
        key: "d:attribute".into(),
        backoff: Backoff {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
        },
        progress: Box::new(|_| {}),
        created: Box::new(|_, _| {}),
        cancel,
    };
    let (tx, rx) = mpsc::channel(2);
    let pages = changes(ids);
    tokio::spawn(async move {
        for page in pages.chunks(4) {
            // A pipeline that stopped reads no more.
            if tx.send(page.to_vec()).await.is_err() {
                break;
            }
        }
    });
    let writer = Writer::start(store.clone(), (run_id, "s".into(), "d:attribute".into()));
    let sent = send_all(run, rx, writer).await;
    let recorded = store.unfolded_syncs("s", "d:attribute").await.unwrap();
    assert_eq!(
        recorded[0].acked_seq, sent.acked_seq,
        "the last checkpoint is written"
    );
    sent
}

async fn send(script: Vec<Outcome>, ids: &[&str], alone: usize) -> (Sent, Vec<Vec<String>>) {
    let destination = Arc::new(Scripted::new(script, alone, Delivery::Idempotent));
    let sent = run(destination.clone(), ids, CancellationToken::new()).await;
    (sent, destination.batches())
}

fn retry() -> Outcome {
    Outcome::Retry {
        after: None,
        pause_all: false,
        reason: "503".into(),
    }
}

#[tokio::test]
async fn retries_and_partial_retries_end_with_everything_answered() {
    let script = vec![
        retry(),
        Outcome::RetryItems {
            retry: vec![0],
            refused: vec![Refused {
                index: 1,
                reason: "bad".into(),
                permanent: false,
            }],
            after: None,
            reason: "400".into(),
        },
    ];
    let (sent, batches) = send(script, &["a", "b", "c", "d", "null", "f", "g"], 0).await;
    assert!(sent.failure.is_none());
    assert_eq!(sent.acked_seq, 7);
    // Of 7 changes, `null` is refused without a request and one more by an answer.
    assert_eq!(sent.stats.rejected, 2, "{batches:?}");
    assert_eq!(sent.stats.sent, 5, "{batches:?}");
    assert_eq!(sent.stats.requests as usize, batches.len());
    assert_eq!(sent.stats.retried, 2);
    assert!(
        batches
            .iter()
            .all(|b| b.len() <= 3 && !b.contains(&"null".to_string()))
    );
}

#[tokio::test]
async fn a_fatal_answer_stops_and_keeps_what_was_answered() {
    let script = vec![
        Outcome::Done {
            refused: vec![],
            created: None,
        },
        Outcome::Fatal("401".into()),
    ];
    // Alone: one request at a time, so the order of answers is the order of batches.
    let (sent, batches) = send(script, &["a", "b", "c", "d", "e", "f", "g"], 10).await;
    assert!(matches!(sent.failure, Some(DestinationError::Fatal { .. })));
    assert_eq!(sent.acked_seq, 3);
    assert_eq!(batches.len(), 2);
}

#[tokio::test]
async fn giving_up_after_the_last_attempt() {
    let (sent, batches) = send(vec![retry(), retry(), retry()], &["a"], 0).await;
    assert!(matches!(
        sent.failure,
        Some(DestinationError::GaveUp { attempts: 3, .. })
    ));
    assert_eq!((sent.acked_seq, batches.len()), (0, 3));
}

/// The request went out and its answer was lost (a timeout, a dropped connection).
fn lost() -> Outcome {
    Outcome::Unknown {
        after: None,
        reason: "operation timed out".into(),
    }
}

fn rate_limited() -> Outcome {
    Outcome::Retry {
        after: None,
        pause_all: true,
        reason: "429 rate limited".into(),
    }
}

fn names(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

#[tokio::test]
async fn an_at_most_once_request_whose_answer_is_lost_is_never_sent_again() {
    // One request at a time: the script answers the batches in order.
    let destination = Arc::new(Scripted::new(
        vec![lost(), rate_limited()],
        10,
        Delivery::AtMostOnce,
    ));
    let ids = ["a", "b", "c", "d", "e", "f", "g"];
    let sent = run(destination.clone(), &ids, CancellationToken::new()).await;
    assert!(sent.failure.is_none());
    assert_eq!(
        destination.batches(),
        [
            names(&["a", "b", "c"]),
            // Not processed (429): sent again.
            names(&["d", "e", "f"]),
            names(&["d", "e", "f"]),
            names(&["g"]),
        ],
        "the batch whose answer was lost goes out once"
    );
    let unknown: Vec<&str> = sent.unknown.iter().map(|c| c.user_id.as_str()).collect();
    assert_eq!(unknown, ["a", "b", "c"]);
    // Unknown counts as answered: the run goes on, and its checkpoint passes them.
    assert_eq!(sent.acked_seq, 7);
    assert_eq!((sent.stats.sent, sent.stats.retried), (4, 1));
    assert_eq!(sent.stats.requests, 4);
}

#[tokio::test]
async fn an_idempotent_request_whose_answer_is_lost_is_sent_again() {
    let (sent, batches) = send(vec![lost()], &["a", "b", "c"], 0).await;
    assert!(sent.failure.is_none());
    assert_eq!(batches, [names(&["a", "b", "c"]), names(&["a", "b", "c"])]);
    assert!(sent.unknown.is_empty());
    assert_eq!(sent.acked_seq, 3);
    assert_eq!((sent.stats.sent, sent.stats.retried), (3, 1));
}

#[tokio::test]
async fn a_cancelled_run_hands_out_nothing_more_and_checkpoints_what_was_answered() {
    const USERS: usize = 30;
    let gate = Arc::new(Semaphore::new(0));
    let destination = Arc::new(Scripted {
        gate: Some(gate.clone()),
        ..Scripted::new(Vec::new(), 0, Delivery::Idempotent)
    });
    let cancel = CancellationToken::new();
    let mut received = destination.received.subscribe();
    let stopper = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            // Every slot is taken, and the next batch waits for one.
            received.wait_for(|n| *n >= IN_FLIGHT).await.unwrap();
            cancel.cancel();
            // Enough for every batch: one sent after the stop would be answered, and counted.
            gate.add_permits(USERS);
        }
    });
    let ids: Vec<String> = (1..=USERS).map(|i| format!("u{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let sent = run(destination.clone(), &ids, cancel).await;
    stopper.await.unwrap();
    assert!(sent.stopped);
    assert!(sent.failure.is_none());
    assert_eq!(
        destination.batches().len(),
        IN_FLIGHT,
        "nothing is sent after the stop"
    );
    // What was in flight is answered, and checkpointed (`run` checks it was written).
    assert_eq!(sent.acked_seq, (IN_FLIGHT * BATCH) as i64);
    assert_eq!(sent.stats.sent, (IN_FLIGHT * BATCH) as i64);
}
