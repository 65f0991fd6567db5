//! The schedules: applied segments' `schedule:` (a refresh, then the sync of what changed),
//! campaigns' cron `schedule:` (a launch) and dashboards' `refresh:` (their tiles), fired by
//! tokio-cron-scheduler. Read again every few seconds, so `cdp apply` and edited files take
//! effect without a restart. Each tick queues the job for its instant (the queue runs an instant
//! once, however many daemons offer it); a schedule missed while no daemon ran is queued once,
//! for its latest instant, when the daemon (re)reads it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;

use super::runner::Runner;
use super::work::Work;
use crate::error::{Error, Result};
use crate::schedule::Schedule;

/// How often the schedules are read again.
pub const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// When a scheduled job runs.
#[derive(Clone, Debug)]
pub enum When {
    Cron(Box<Schedule>),
    /// Every so many seconds, on multiples of it since the epoch (so every daemon agrees).
    Every(i64),
}

impl When {
    /// The instant a run at `now` belongs to.
    pub fn last_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            When::Cron(s) => s.last_at_or_before(now),
            When::Every(secs) => {
                let t = now.timestamp();
                DateTime::from_timestamp(t - t.rem_euclid(*secs), 0)
            }
        }
    }

    pub fn text(&self) -> String {
        match self {
            When::Cron(s) => s.as_str().to_string(),
            When::Every(secs) => format!("every {secs}s"),
        }
    }
}

/// One scheduled job.
#[derive(Clone, Debug)]
pub struct Scheduled {
    pub work: Work,
    pub when: When,
    /// Since when it is scheduled, if known (a segment's apply): a schedule never run is caught
    /// up only when an instant passed since.
    pub since: Option<DateTime<Utc>>,
}

/// Everything scheduled now: the applied segments, the project's campaigns and dashboards.
pub async fn scheduled(runner: &Runner) -> Result<Vec<Scheduled>> {
    let base = &runner.base.project;
    let project = crate::project::load(&base.root, Some(&base.env))?;
    let store = runner.store.as_ref();
    let applied_at: BTreeMap<String, DateTime<Utc>> = store
        .definitions(crate::state::SEGMENT)
        .await?
        .into_iter()
        .map(|d| (d.name, d.applied_at))
        .collect();
    let mut out = Vec::new();
    for (def, _, _) in crate::applied::applied_segments(store).await? {
        if let Some(s) = def.schedule {
            out.push(Scheduled {
                since: applied_at.get(&def.name).copied(),
                work: Work::Refresh {
                    segment: def.name,
                    then_sync: true,
                },
                when: When::Cron(Box::new(s)),
            });
        }
    }
    for c in &project.campaigns {
        if let Some(s) = &c.schedule {
            out.push(Scheduled {
                work: Work::Launch {
                    campaign: c.name.clone(),
                },
                when: When::Cron(Box::new(s.clone())),
                since: None,
            });
        }
    }
    for d in &project.dashboards {
        if let Some(span) = d.refresh {
            out.push(Scheduled {
                work: Work::Dashboard {
                    dashboard: d.name.clone(),
                },
                when: When::Every(span.seconds.max(1)),
                since: None,
            });
        }
    }
    Ok(out)
}

/// Fires the schedules until `stop` is cancelled.
pub async fn run(runner: Arc<Runner>, stop: CancellationToken) -> Result<()> {
    let mut cron = JobScheduler::new().await.map_err(scheduler_error)?;
    cron.start().await.map_err(scheduler_error)?;
    let (tx, mut fired) = tokio::sync::mpsc::unbounded_channel::<(String, DateTime<Utc>)>();
    // Each schedule by its job key, with what fires it: (text of its when, its work, tcs id).
    let mut current: BTreeMap<String, (String, Work, tokio_cron_scheduler::job::JobId)> =
        BTreeMap::new();
    let mut reload = tokio::time::interval(RELOAD_EVERY);
    let mut seen: Option<u64> = None;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = reload.tick() => {
                // Read again only when an apply or a file changed since the last read.
                let now = fingerprint(&runner).await;
                if now.is_some() && now == seen {
                    continue;
                }
                match scheduled(&runner).await {
                    Ok(list) => {
                        seen = now;
                        let added = update(&cron, &mut current, list, &tx, &runner).await;
                        for s in added {
                            catch_up(&runner, &s).await;
                        }
                    }
                    Err(e) => runner.log.error("cannot read the schedules; the last ones read stay", &e),
                }
            }
            Some((key, at)) = fired.recv() => {
                if let Some((_, work, _)) = current.get(&key)
                    && let Err(e) = runner.submit(work.clone(), Some(at)).await
                {
                    runner.log.error("cannot queue a scheduled job", &e);
                }
            }
        }
    }
    cron.shutdown().await.map_err(scheduler_error)
}

/// What the schedules are read from, in brief: the applied versions, and the size and time of
/// each project file. None when it cannot be read (then the schedules are read again).
async fn fingerprint(runner: &Runner) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for d in runner.store.definitions(crate::state::SEGMENT).await.ok()? {
        (d.name, d.version, d.applied_at).hash(&mut h);
    }
    let root = &runner.base.project.root;
    let mut files = vec![root.join("cdp.yaml")];
    for dir in ["segments", "campaigns", "dashboards"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
        }
    }
    files.sort();
    for f in files {
        let meta = std::fs::metadata(&f).ok();
        (
            f,
            meta.as_ref().map(|m| m.len()),
            meta.and_then(|m| m.modified().ok()),
        )
            .hash(&mut h);
    }
    Some(h.finish())
}

/// Makes the cron scheduler's jobs those of `list`; the schedules new or changed.
async fn update(
    cron: &JobScheduler,
    current: &mut BTreeMap<String, (String, Work, tokio_cron_scheduler::job::JobId)>,
    list: Vec<Scheduled>,
    tx: &tokio::sync::mpsc::UnboundedSender<(String, DateTime<Utc>)>,
    runner: &Runner,
) -> Vec<Scheduled> {
    let wanted: BTreeMap<String, Scheduled> = list.into_iter().map(|s| (s.work.key(), s)).collect();
    let gone: Vec<String> = current
        .iter()
        .filter(|(k, (text, _, _))| wanted.get(*k).is_none_or(|s| s.when.text() != *text))
        .map(|(k, _)| k.clone())
        .collect();
    for key in gone {
        if let Some((_, _, id)) = current.remove(&key) {
            let _ = cron.remove(&id).await;
            runner.log.info("unscheduled", &[("job", &key)]);
        }
    }
    let mut added = Vec::new();
    for (key, s) in wanted {
        if current.contains_key(&key) {
            continue;
        }
        match add(cron, &key, &s.when, tx.clone()).await {
            Ok(id) => {
                runner
                    .log
                    .info("scheduled", &[("job", &key), ("when", &s.when.text())]);
                current.insert(key, (s.when.text(), s.work.clone(), id));
                added.push(s);
            }
            Err(e) => runner.log.error("cannot schedule a job", &e),
        }
    }
    added
}

async fn add(
    cron: &JobScheduler,
    key: &str,
    when: &When,
    tx: tokio::sync::mpsc::UnboundedSender<(String, DateTime<Utc>)>,
) -> Result<tokio_cron_scheduler::job::JobId> {
    let (key, w) = (key.to_string(), when.clone());
    let fire = move |_id, _sched| {
        let (key, w, tx) = (key.clone(), w.clone(), tx.clone());
        Box::pin(async move {
            if let Some(at) = w.last_at_or_before(Utc::now()) {
                let _ = tx.send((key, at));
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
    };
    let job = match when {
        When::Cron(s) => Job::new_async(s.with_seconds().as_str(), fire),
        When::Every(secs) => Job::new_repeated_async(Duration::from_secs(*secs as u64), fire),
    }
    .map_err(scheduler_error)?;
    cron.add(job).await.map_err(scheduler_error)
}

/// Queues a schedule's latest instant if no daemon ran it: once, however many were missed.
async fn catch_up(runner: &Runner, s: &Scheduled) {
    let now = Utc::now();
    let Some(due) = s.when.last_at_or_before(now) else {
        return;
    };
    let last = match runner.store.last_instant(&s.work.key()).await {
        Ok(last) => last,
        Err(e) => {
            return runner
                .log
                .error("cannot read a schedule's last run", &e.into());
        }
    };
    let missed = match (last, s.since, &s.work) {
        (Some(last), _, _) => last < due,
        // Never run: due if it was scheduled before that instant; a dashboard never computed
        // is computed now; a campaign is never launched only because it was seen.
        (None, Some(since), _) => since < due,
        (None, None, Work::Dashboard { .. }) => true,
        (None, None, _) => false,
    };
    if missed {
        runner.log.info(
            "catching up a missed schedule, once",
            &[("job", &s.work.key()), ("instant", &due.to_rfc3339())],
        );
        if let Err(e) = runner.submit(s.work.clone(), Some(due)).await {
            runner.log.error("cannot queue a scheduled job", &e);
        }
    }
}

fn scheduler_error(e: tokio_cron_scheduler::JobSchedulerError) -> Error {
    Error::Queue {
        message: format!("the scheduler failed: {e}"),
    }
}
