//! Runs the queue's jobs one at a time: each on a context of its own (the project read again,
//! so it sees what `cdp apply` changed), on a thread and runtime of its own, its lock renewed
//! while it runs, its record kept in the state store. On shutdown the running job has
//! `--shutdown-timeout` to finish; then it is cancelled (the operations checkpoint) and given
//! back to the queue for another daemon, or for this one's next start.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::alerts::{Action, Alerts, JobOutcome};
use super::job_thread::JobThread;
use super::jobs::Jobs;
use super::log::Log;
use super::queue::{Queue, Taken};
use super::work::{Done, Entry, Work};
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::state::Store;
use crate::state::daemon_jobs::JobRecord;

/// How long a job cancelled at shutdown has to checkpoint before the daemon leaves it.
const CHECKPOINT_GRACE: Duration = Duration::from_secs(10);

pub struct Runner {
    /// The daemon's context: the project as the daemon started, its actor and environment.
    pub base: Arc<Context>,
    pub queue: Arc<dyn Queue>,
    pub store: Arc<dyn Store>,
    pub jobs: Arc<Jobs>,
    pub log: Log,
    /// This daemon, as the state store records who took a job: `host:pid`.
    pub daemon: String,
    pub shutdown_timeout: Duration,
    /// Failed jobs, too many users refused, and recoveries, told by webhook and email.
    pub alerts: Alerts,
    /// Where jobs run.
    pub thread: JobThread,
}

impl Runner {
    /// Queues `work` (for a scheduled `instant`, or now from the API or the UI); its job id, or
    /// none when that instant was queued already.
    pub async fn submit(
        &self,
        work: Work,
        instant: Option<DateTime<Utc>>,
    ) -> Result<Option<String>> {
        let entry = Entry::new(work, instant);
        if !self.queue.offer(&entry).await? {
            return Ok(None);
        }
        self.store.queue_job(&record(&entry, "queued")).await?;
        self.log.info(
            "queued",
            &[
                ("job", &entry.work.key()),
                ("id", &entry.id),
                (
                    "instant",
                    &instant.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ),
            ],
        );
        Ok(Some(entry.id))
    }

    /// Takes and runs jobs until `stop` is cancelled, then returns once the running job ended
    /// or was given back.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let reap_every = (self.queue.lock_ttl() / 2).max(Duration::from_secs(1));
        let mut next_reap = tokio::time::Instant::now();
        while !stop.is_cancelled() {
            if tokio::time::Instant::now() >= next_reap {
                match self.queue.reap().await {
                    Ok(0) => {}
                    Ok(n) => self.log.warn(
                        "jobs of a daemon that stopped answering put back",
                        &[("jobs", &n.to_string())],
                    ),
                    Err(e) => self.log.error("cannot look for abandoned jobs", &e),
                }
                next_reap = tokio::time::Instant::now() + reap_every;
            }
            let taken = tokio::select! {
                _ = stop.cancelled() => break,
                t = self.queue.take(Duration::from_secs(1)) => t,
            };
            match taken {
                Ok(None) => {}
                Ok(Some(Taken::Skipped(entry))) => self.skipped(&entry).await,
                Ok(Some(Taken::Run(entry))) => self.execute(entry, &stop).await,
                Err(e) => {
                    self.log.error("cannot take a job from the queue", &e);
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    }
                }
            }
        }
    }

    async fn skipped(&self, entry: &Entry) {
        let _ = self.store.queue_job(&record(entry, "queued")).await;
        let why = "the same job was still running";
        let _ = self
            .store
            .end_job(&entry.id, "skipped", Utc::now(), Some(why), None)
            .await;
        self.log
            .info("skipped", &[("job", &entry.work.key()), ("why", why)]);
    }

    async fn execute(&self, entry: Entry, stop: &CancellationToken) {
        let key = entry.work.key();
        let started = std::time::Instant::now();
        // A job taken up after its first daemon died may have no row yet.
        if let Err(e) = self.store.queue_job(&record(&entry, "queued")).await {
            self.log.error("cannot record a job", &e.into());
        }
        if let Err(e) = self
            .store
            .start_job(&entry.id, &self.daemon, Utc::now())
            .await
        {
            self.log.error("cannot record a job", &e.into());
        }
        self.jobs
            .begin(&entry.id, entry.work.kind(), entry.work.subject());
        self.log
            .info("started", &[("job", &key), ("id", &entry.id)]);

        let cancel = CancellationToken::new();
        let (ended, interrupted) = self.supervise(&entry, stop, &cancel).await;
        let secs = format!("{:.3}", started.elapsed().as_secs_f64());
        let (status, error, report, rejected) = match ended {
            Some(Ok(done)) => ("succeeded", None, Some(done.report), done.rejected),
            _ if interrupted => (
                "interrupted",
                Some("the daemon stopped before the job ended; it is taken up again".to_string()),
                None,
                0,
            ),
            Some(Err(e)) => ("failed", Some(message(&e)), None, 0),
            None => (
                "failed",
                Some("the job's thread ended without a result".to_string()),
                None,
                0,
            ),
        };
        self.jobs.end(&entry.id, status);
        let recorded = self
            .store
            .end_job(
                &entry.id,
                status,
                Utc::now(),
                error.as_deref(),
                report.as_ref(),
            )
            .await;
        if let Err(e) = recorded {
            self.log.error("cannot record a job", &e.into());
        }
        self.finish_in_queue(&entry, status == "interrupted").await;
        let outcome = match (status, &error) {
            ("succeeded", _) => Some(JobOutcome::Succeeded { rejected }),
            ("failed", Some(e)) => Some(JobOutcome::Failed { error: e.clone() }),
            _ => None,
        };
        if let Some(outcome) = outcome {
            self.alert(&key, &outcome).await;
        }
        let fields = [("job", key.as_str()), ("seconds", secs.as_str())];
        match (status, &error) {
            ("succeeded", _) => {
                let rejected = rejected.to_string();
                let mut all = fields.to_vec();
                all.push(("rejected", &rejected));
                self.log.info(status, &all);
            }
            ("interrupted", _) => self.log.warn(status, &fields),
            (_, e) => self
                .log
                .error_text(status, &fields, e.as_deref().unwrap_or_default()),
        }
    }

    /// Tells the alerts how a job ended; logs what they sent.
    async fn alert(&self, key: &str, outcome: &JobOutcome) {
        match self
            .alerts
            .finished(self.store.as_ref(), key, outcome)
            .await
        {
            Ok(report) => {
                if let Action::Alerted { kind } = &report.action {
                    let kind = format!("{kind:?}").to_lowercase();
                    for d in &report.deliveries {
                        let channel = format!("{:?}", d.channel).to_lowercase();
                        let fields = [
                            ("job", key),
                            ("kind", kind.as_str()),
                            ("channel", channel.as_str()),
                        ];
                        match &d.error {
                            None => self.log.info("alert sent", &fields),
                            Some(e) => self.log.error_text("alert not delivered", &fields, e),
                        }
                    }
                }
            }
            Err(e) => self.log.error("cannot record the job's alert streak", &e),
        }
    }

    async fn finish_in_queue(&self, entry: &Entry, give_back: bool) {
        let done = if give_back {
            self.queue.give_back(entry).await
        } else {
            self.queue.done(entry).await
        };
        if let Err(e) = done {
            self.log.error("cannot release a job in the queue", &e);
        }
    }

    /// Runs the entry on its own thread and waits for it, renewing its lock; at shutdown, gives
    /// it `shutdown_timeout`, then cancels it. The result (none if the daemon left it), and
    /// whether shutdown interrupted it.
    async fn supervise(
        &self,
        entry: &Entry,
        stop: &CancellationToken,
        cancel: &CancellationToken,
    ) -> (Option<Result<Done>>, bool) {
        let mut rx = match self.job_context(&entry.work, cancel.clone()) {
            Ok(ctx) => self.thread.run(entry.work.clone(), ctx),
            Err(e) => return (Some(Err(e)), false),
        };
        let renew_every = (self.queue.lock_ttl() / 3).max(Duration::from_millis(200));
        let mut renew = tokio::time::interval(renew_every);
        renew.tick().await;
        let far = tokio::time::Instant::now() + Duration::from_secs(10 * 365 * 24 * 3600);
        let mut deadline = far;
        let mut stopping = false;
        loop {
            tokio::select! {
                done = &mut rx => return (done.ok(), stopping && cancel.is_cancelled()),
                _ = renew.tick() => match self.queue.renew(entry).await {
                    Ok(true) => {}
                    Ok(false) => self.log.warn("lost the job's lock (it expired); another daemon may take it up", &[("job", &entry.work.key())]),
                    Err(e) => self.log.error("cannot renew the job's lock", &e),
                },
                _ = stop.cancelled(), if !stopping => {
                    stopping = true;
                    deadline = tokio::time::Instant::now() + self.shutdown_timeout;
                    self.log.info("stopping: the running job has until the shutdown timeout", &[("job", &entry.work.key()), ("seconds", &self.shutdown_timeout.as_secs().to_string())]);
                }
                _ = tokio::time::sleep_until(deadline), if stopping => {
                    if cancel.is_cancelled() {
                        // It did not checkpoint in time: leave it; the queue takes it up again.
                        return (None, true);
                    }
                    cancel.cancel();
                    deadline = tokio::time::Instant::now() + CHECKPOINT_GRACE;
                }
            }
        }
    }

    fn job_context(&self, work: &Work, cancel: CancellationToken) -> Result<Context> {
        let base = &self.base;
        let project = crate::project::load(&base.project.root, Some(&base.project.env))?;
        Ok(Context::new(project, Utc::now(), base.actor.clone())
            .with_store(self.store.clone())
            .with_cancel(cancel)
            .with_command(format!("cdp daemon {} {}", work.kind(), work.subject())))
    }
}

/// A job's record as queued.
pub fn record(entry: &Entry, status: &str) -> JobRecord {
    JobRecord {
        id: entry.id.clone(),
        job: entry.work.key(),
        instant: entry.instant,
        status: status.to_string(),
        daemon: None,
        attempts: 0,
        queued_at: Utc::now(),
        started_at: None,
        ended_at: None,
        error: None,
        report: None,
    }
}

/// An error as a job's record shows it: the chain and the hint, never a secret.
pub fn message(e: &Error) -> String {
    let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
    format!("{}{hint}", crate::error::chain(e))
}
