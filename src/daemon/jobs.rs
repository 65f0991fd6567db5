//! The jobs this daemon ran since it started, kept in memory for `/metrics`: kind, outcome and
//! how long each took. (Every job's record, whichever daemon ran it, is in the state store.)

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A job as the metrics count it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Job {
    pub id: String,
    /// `refresh`, `sync`, `launch` or `dashboard`.
    pub kind: &'static str,
    /// The segment, campaign or dashboard.
    pub subject: String,
    /// `running`, `succeeded`, `failed` or `interrupted`.
    pub status: &'static str,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// The jobs run since the daemon started.
#[derive(Default)]
pub struct Jobs {
    table: Mutex<BTreeMap<String, Job>>,
}

impl Jobs {
    fn table(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Job>> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn begin(&self, id: &str, kind: &'static str, subject: &str) {
        let job = Job {
            id: id.to_string(),
            kind,
            subject: subject.to_string(),
            status: "running",
            started_at: Utc::now(),
            ended_at: None,
        };
        self.table().insert(id.to_string(), job);
    }

    pub fn end(&self, id: &str, status: &'static str) {
        if let Some(job) = self.table().get_mut(id) {
            job.status = status;
            job.ended_at = Some(Utc::now());
        }
    }

    /// Every job since the daemon started.
    pub fn all(&self) -> Vec<Job> {
        self.table().values().cloned().collect()
    }
}
