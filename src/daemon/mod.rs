//! `cdp daemon`: the schedules, the job queue (in the process, or on Redis shared by several
//! daemons) and its runner, and the HTTP server (JSON API, `/healthz`, `/metrics`) over the
//! same operations as the command line; the web UI
//! behind a login; every route but `/healthz` and the login page behind a credential.

pub mod alerts;
pub mod api;
mod api_dashboards;
mod auth;
mod job_thread;
pub mod jobs;
pub mod log;
mod metrics;
pub mod queue;
mod reply;
pub mod routes;
pub mod runner;
pub mod scheduler;
mod tiles;
pub mod ui;
pub mod work;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::ops::Context;

pub use routes::{Auth, ROUTES, Route};

/// What every handler shares: the operations' context (project, state store, actor), and the
/// runner that queues jobs and keeps the daemon's own.
#[derive(Clone)]
pub struct App {
    pub ctx: Arc<Context>,
    pub runner: Arc<runner::Runner>,
}

/// How the daemon runs, beyond its project.
#[derive(Clone, Debug)]
pub struct Options {
    pub listen: SocketAddr,
    /// How long the running job has to finish at shutdown before it is cancelled.
    pub shutdown_timeout: Duration,
    /// How long a job's lock lasts on Redis unless its daemon renews it.
    pub lock_ttl: Duration,
    pub log: log::LogFormat,
}

/// Serves until `shutdown` is cancelled; `listening` is told the address bound (port 0 picks
/// one). Then takes no new job, lets requests in progress and the running job finish (or
/// checkpoint, after `shutdown_timeout`), and returns.
pub async fn serve(
    ctx: Context,
    options: &Options,
    shutdown: CancellationToken,
    listening: impl FnOnce(SocketAddr),
) -> Result<()> {
    let log = log::Log::stderr(options.log);
    // Opened (and migrated) before the first request, so that a wrong store fails the start.
    let store = ctx.store().await?;
    let host = ctx.actor.host.clone();
    let queue: Arc<dyn queue::Queue> = match ctx.project.queue_url() {
        Some(url) => {
            let namespace = format!("{}:{}", project_name(&ctx), ctx.project.env);
            Arc::new(queue::RedisQueue::connect(url, &namespace, options.lock_ttl, &host).await?)
        }
        None => Arc::new(queue::LocalQueue::default()),
    };
    // The operations' own cancellation stays with the runner: shutdown stops the queue, and
    // the running job is cancelled only once its time is up.
    let ctx = ctx.with_cancel(CancellationToken::new());
    let alerts = alerts::Alerts::new(ctx.project.alerts(), &project_name(&ctx), &ctx.project.env);
    let runner = Arc::new(runner::Runner {
        base: Arc::new(ctx),
        queue: queue.clone(),
        store,
        jobs: Arc::default(),
        log: log.clone(),
        daemon: format!("{host}:{}", std::process::id()),
        shutdown_timeout: options.shutdown_timeout,
        alerts,
        thread: Default::default(),
    });
    if queue.kind() == "in-process" {
        resume(&runner).await;
    }
    let app = App {
        ctx: runner.base.clone(),
        runner: runner.clone(),
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| Error::Listen {
            addr: options.listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| Error::Listen {
        addr: options.listen,
        source,
    })?;
    log.info(
        "started",
        &[
            ("listen", &bound.to_string()),
            ("queue", queue.kind()),
            ("environment", &app.ctx.project.env),
        ],
    );
    listening(bound);
    let scheduler = tokio::spawn(scheduler::run(runner.clone(), shutdown.clone()));
    let worker = tokio::spawn(runner.clone().run(shutdown.clone()));
    let served = axum::serve(
        listener,
        routes::router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
    .map_err(|source| Error::Listen {
        addr: bound,
        source,
    });
    let _ = worker.await;
    match scheduler.await {
        Ok(Err(e)) => log.error("the scheduler stopped", &e),
        Err(e) => log.error_text("the scheduler stopped", &[], &e.to_string()),
        Ok(Ok(())) => {}
    }
    log.info("stopped", &[]);
    served
}

/// The project's name as Redis keys are prefixed with: `name:` of cdp.yaml, or its folder.
fn project_name(ctx: &Context) -> String {
    ctx.project.config.name.clone().unwrap_or_else(|| {
        ctx.project
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cdp".into())
    })
}

/// With the in-process queue one daemon serves a state store: the jobs its last run left
/// queued, running (it was killed) or interrupted are queued again, to be carried on.
async fn resume(runner: &runner::Runner) {
    let left = match runner.store.jobs(None, 1000).await {
        Ok(jobs) => jobs,
        Err(e) => {
            return runner
                .log
                .error("cannot read the jobs left unfinished", &e.into());
        }
    };
    for j in left
        .into_iter()
        .filter(|j| matches!(j.status.as_str(), "queued" | "running" | "interrupted"))
    {
        let Some(work) = work::Work::from_key(&j.job, j.instant.is_some()) else {
            continue;
        };
        let entry = work::Entry {
            id: j.id.clone(),
            work,
            instant: j.instant,
        };
        match runner.queue.offer(&entry).await {
            Ok(_) => runner.log.info(
                "carrying on a job the last run left",
                &[("job", &j.job), ("id", &j.id), ("status", &j.status)],
            ),
            Err(e) => runner.log.error("cannot queue a job left unfinished", &e),
        }
    }
}
