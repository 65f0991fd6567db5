//! The `cdp` binary: parse arguments, run, print an error once, and exit with its code.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;

use cdp::cli::{Cli, run};
use cdp::error::Error;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = cli.verbose;
    let quiet = cli.quiet;
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
        .and_then(|rt| {
            rt.block_on(async {
                let cancel = CancellationToken::new();
                let on_signal = tokio::spawn(interrupt(cancel.clone(), quiet));
                let done = run(cli, cancel).await;
                on_signal.abort();
                done
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `plan --detailed-exitcode`: the plan printed is the whole message.
        Err(Error::ChangesPresent) => ExitCode::from(2),
        Err(Error::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        // As shells report a command ended by Ctrl-C.
        Err(err) if err.is_interrupted() => {
            report(&err, verbose);
            ExitCode::from(130)
        }
        Err(err) => {
            report(&err, verbose);
            ExitCode::from(1)
        }
    }
}

/// The first Ctrl-C asks the running command to stop (a sync lets what is in flight be
/// answered and checkpointed, a Snowflake statement is cancelled); a second ends cdp at once.
async fn interrupt(cancel: CancellationToken, quiet: bool) {
    if tokio::signal::ctrl_c().await.is_ok() {
        if !quiet {
            let _ = writeln!(
                std::io::stderr(),
                "stopping after what is in flight (Ctrl-C again to quit now)"
            );
        }
        cancel.cancel();
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    }
}

fn report(err: &Error, verbose: bool) {
    let mut out = std::io::stderr().lock();
    if let Some(invalid) = err.problems() {
        for d in &invalid.diagnostics {
            let _ = writeln!(
                out,
                "{}",
                d.render(invalid.sources.get(&d.file).map(String::as_str))
            );
        }
    }
    let _ = writeln!(out, "error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        // Engines write messages over several lines; keep them under their heading.
        let text = cause.to_string();
        let text = text.trim().replace('\n', "\n    ");
        let _ = writeln!(out, "  Caused by: {text}");
        source = cause.source();
    }
    if let (true, Some(sql)) = (verbose, err.sql()) {
        let _ = writeln!(out, "\nthe SQL was:\n{sql}");
    }
    if let Some(hint) = err.hint() {
        let _ = writeln!(out, "\nhint: {hint}");
    }
}
