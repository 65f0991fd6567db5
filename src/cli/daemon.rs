//! `cdp daemon`: serves the API until Ctrl-C or SIGTERM, saying where it listens on stderr.

use std::io::Write as _;

use super::Resolved;
use crate::error::Result;

pub async fn daemon(r: &Resolved, options: &crate::daemon::Options) -> Result<()> {
    let ctx = r.context()?;
    let shutdown = r.cancel.clone();
    // SIGTERM (systemd, a container's stop) asks the same as Ctrl-C: take nothing new, let
    // what is in progress finish.
    let on_term = shutdown.clone();
    tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
            on_term.cancel();
        }
    });
    crate::daemon::serve(ctx, options, shutdown, |addr| {
        let _ = writeln!(std::io::stderr().lock(), "listening on http://{addr}");
    })
    .await
}
