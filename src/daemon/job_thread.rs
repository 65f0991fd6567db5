//! The thread the daemon's jobs run on, one after another, for the daemon's life: the
//! operations hold what cannot cross threads, so a job runs on this thread's own runtime, and
//! what outlives one job (the pool of PostgreSQL warehouse connections) lives on it too. The
//! thread waits for jobs inside its runtime, so the runtime keeps serving the connections
//! registered with it (the state store's, shared with the HTTP handlers) between jobs.

use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot};

use super::work::{Done, Work};
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::project::config::WarehouseConfig;

/// One job for the thread: its work, its context, and where to answer.
struct Job {
    work: Work,
    ctx: Context,
    done: oneshot::Sender<Result<Done>>,
}

/// Sends jobs to the thread, started at the first one.
#[derive(Default)]
pub struct JobThread {
    jobs: Mutex<Option<mpsc::UnboundedSender<Job>>>,
}

impl JobThread {
    /// Runs `work` on the thread; its result arrives on the receiver.
    pub fn run(&self, work: Work, ctx: Context) -> oneshot::Receiver<Result<Done>> {
        let (done, answer) = oneshot::channel();
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let sender = jobs.get_or_insert_with(start);
        if let Err(mpsc::error::SendError(job)) = sender.send(Job { work, ctx, done }) {
            // The thread is gone (it could not build its runtime): answer here.
            *jobs = None;
            let _ = job.done.send(Err(Error::Queue {
                message: "the daemon's job thread stopped".into(),
            }));
        }
        answer
    }
}

fn start() -> mpsc::UnboundedSender<Job> {
    let (sender, mut jobs) = mpsc::unbounded_channel::<Job>();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                while let Some(job) = jobs.blocking_recv() {
                    let _ = job.done.send(Err(Error::Runtime(std::io::Error::new(
                        e.kind(),
                        e.to_string(),
                    ))));
                }
                return;
            }
        };
        rt.block_on(async move {
            // The pool of the warehouse's URL, kept while jobs use the same one.
            let mut pool: Option<(String, sqlx::PgPool)> = None;
            while let Some(mut job) = jobs.recv().await {
                if let WarehouseConfig::Postgres { url, .. } = &job.ctx.project.warehouse {
                    let url = url.expose();
                    if pool.as_ref().is_none_or(|(u, _)| u != url) {
                        pool = crate::warehouse::postgres::pool(url)
                            .ok()
                            .map(|p| (url.to_string(), p));
                    }
                    job.ctx.pg_pool = pool.as_ref().map(|(_, p)| p.clone());
                }
                let result = job.work.run(&job.ctx).await;
                drop(job.ctx);
                release_memory();
                let _ = job.done.send(result);
            }
        });
    });
    sender
}

/// Gives back to the system the memory a job freed: glibc keeps freed memory in its arenas,
/// and an idle daemon should be small.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns the allocator's free pages to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
