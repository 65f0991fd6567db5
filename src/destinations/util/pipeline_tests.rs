//! The pipeline against a scripted destination: every decision a response can carry.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::*;
use crate::destinations::{Limits, Sample};
use crate::project::config::RateLimit;

/// Answers each request from a script (then `Done`), and records what it was sent.
struct Scripted {
    script: Mutex<Vec<Outcome>>,
    sent: Mutex<Vec<Vec<String>>>,
    alone: AtomicUsize,
}

#[async_trait]
impl Destination for Scripted {
    fn limits(&self) -> Limits {
        Limits {
            batch: 3,
            rate: RateLimit {
                requests: 10_000,
                per: Duration::from_secs(1),
            },
            concurrency: 4,
        }
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

async fn send(script: Vec<Outcome>, ids: &[&str], alone: usize) -> (Sent, Vec<Vec<String>>) {
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
    let destination = Arc::new(Scripted {
        script: Mutex::new(script),
        sent: Mutex::new(Vec::new()),
        alone: AtomicUsize::new(alone),
    });
    let run = Run {
        destination: destination.clone(),
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
        stop: tokio::sync::watch::channel(false).1,
    };
    let (tx, rx) = mpsc::channel(2);
    let pages = changes(ids);
    tokio::spawn(async move {
        for page in pages.chunks(4) {
            tx.send(page.to_vec()).await.unwrap();
        }
    });
    let writer = Writer::start(store.clone(), (run_id, "s".into(), "d:attribute".into()));
    let sent = send_all(run, rx, writer).await;
    let recorded = store.unfolded_syncs("s", "d:attribute").await.unwrap();
    assert_eq!(
        recorded[0].acked_seq, sent.acked_seq,
        "the last checkpoint is written"
    );
    let batches = destination.sent.lock().unwrap().clone();
    (sent, batches)
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
