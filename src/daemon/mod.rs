//! `cdp daemon`: the HTTP server over the same operations as the command line. So far the JSON
//! API (segments, runs, campaigns; a refresh or sync started as a job) behind a bearer token,
//! the web UI behind a login, `/healthz`, and a graceful shutdown.

pub mod api;
mod auth;
pub mod jobs;
mod metrics;
mod reply;
pub mod routes;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::ops::Context;

pub use routes::{Auth, ROUTES, Route};

/// What every handler shares: the operations' context (project, state store, actor), and the
/// jobs the API started.
#[derive(Clone)]
pub struct App {
    pub ctx: Arc<Context>,
    pub jobs: Arc<jobs::Jobs>,
}

/// Serves until `shutdown` is cancelled; `listening` is told the address bound (port 0 picks
/// one). Requests in progress finish before it returns.
pub async fn serve(
    ctx: Context,
    listen: SocketAddr,
    shutdown: CancellationToken,
    listening: impl FnOnce(SocketAddr),
) -> Result<()> {
    // Opened (and migrated) before the first request, so that a wrong store fails the start.
    ctx.store().await?;
    let app = App {
        ctx: Arc::new(ctx),
        jobs: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| Error::Listen {
            addr: listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| Error::Listen {
        addr: listen,
        source,
    })?;
    listening(bound);
    axum::serve(
        listener,
        routes::router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
    .map_err(|source| Error::Listen {
        addr: bound,
        source,
    })
}
