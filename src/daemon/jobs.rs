//! Jobs the API starts (a segment's refresh or sync): each runs in the background on a context
//! of its own (the project read again, so it sees what `cdp apply` changed; the instant it
//! starts), with an id; its status and report are kept in memory for `GET /api/v1/jobs/{id}`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::Result;
use crate::ops::Context;

/// A job as the API shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Job {
    pub id: u64,
    /// `refresh` or `sync`.
    pub kind: &'static str,
    pub segment: String,
    /// `running`, `succeeded` or `failed`.
    pub status: &'static str,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The operation's report, as the command line's `--format json` prints it.
    pub report: Option<Value>,
}

/// A job's work. Not `Send`: some operations hold what cannot cross threads across an await, so
/// each job runs on a runtime of its own, in a thread of its own.
pub type Work = Pin<Box<dyn Future<Output = Result<Value>>>>;

/// The jobs started since the daemon started.
#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    table: Mutex<BTreeMap<u64, Job>>,
}

impl Jobs {
    /// Starts `work` on `ctx` in the background; its id.
    pub fn start(
        self: &std::sync::Arc<Self>,
        kind: &'static str,
        segment: &str,
        ctx: Context,
        work: impl FnOnce(Context) -> Work + Send + 'static,
    ) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Job {
            id,
            kind,
            segment: segment.to_string(),
            status: "running",
            started_at: Utc::now(),
            ended_at: None,
            error: None,
            report: None,
        };
        self.table.lock().expect("not poisoned").insert(id, job);
        let jobs = self.clone();
        std::thread::spawn(move || {
            let done = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(work(ctx)),
                Err(e) => Err(crate::error::Error::Runtime(e)),
            };
            let mut table = jobs.table.lock().expect("not poisoned");
            if let Some(job) = table.get_mut(&id) {
                job.ended_at = Some(Utc::now());
                match done {
                    Ok(report) => {
                        job.status = "succeeded";
                        job.report = Some(report);
                    }
                    Err(e) => {
                        job.status = "failed";
                        let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
                        job.error = Some(format!("{}{hint}", crate::error::chain(&e)));
                    }
                }
            }
        });
        id
    }

    /// Every job since the daemon started.
    pub fn all(&self) -> Vec<Job> {
        self.table
            .lock()
            .expect("not poisoned")
            .values()
            .cloned()
            .collect()
    }

    pub fn get(&self, id: u64) -> Option<Job> {
        self.table.lock().expect("not poisoned").get(&id).cloned()
    }
}
