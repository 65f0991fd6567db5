//! The command line's options resolved once: where the project is, the instant, the printer,
//! who runs cdp, and the operations' context built from them.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use tokio_util::sync::CancellationToken;

use super::Cli;
use crate::error::{Error, Result};
use crate::ops::{self, Actor};
use crate::output::Printer;
use crate::project::{self, Project};

/// Options every command resolves once.
pub struct Resolved {
    pub dir: PathBuf,
    pub env: Option<String>,
    pub printer: Printer,
    pub now: DateTime<Utc>,
    pub verbose: bool,
    pub cancel: CancellationToken,
    /// The command as the warehouse's query history names it.
    pub tag: String,
    /// How long to wait for the project lock or the embedded warehouse's file.
    pub wait: std::time::Duration,
}

impl Resolved {
    pub fn new(cli: &Cli, cancel: CancellationToken) -> Result<Resolved> {
        let now = match &cli.now {
            Some(text) => crate::syntax::time::instant_from_str(text)
                .ok_or_else(|| Error::BadNow(text.clone()))?,
            None => Utc::now().trunc_subsecs(0),
        };
        Ok(Resolved {
            dir: cli.project_dir.clone(),
            env: cli.env.clone(),
            printer: Printer::new(cli.format.print, cli.quiet, cli.no_progress),
            now,
            verbose: cli.verbose,
            cancel,
            tag: cli.command.tag(),
            wait: cli.wait,
        })
    }

    pub fn load(&self) -> Result<Project> {
        Ok(project::load(&self.dir, self.env.as_deref())?)
    }

    /// Loads the project and builds the operations' context around it.
    pub fn context(&self) -> Result<ops::Context> {
        Ok(self.context_for(self.load()?))
    }

    pub fn context_for(&self, project: Project) -> ops::Context {
        let mut ctx = ops::Context::new(project, self.now, actor())
            .with_reporter(Arc::new(self.printer))
            .with_cancel(self.cancel.clone())
            .with_command(self.tag.clone());
        ctx.verbose = self.verbose;
        ctx.file_wait = self.wait;
        ctx
    }
}

/// Who runs cdp, for `applied_by`, runs and locks: `CDP_ACTOR`, else the CI's actor, else the
/// login name; and this machine's name.
pub fn actor() -> Actor {
    let name = ["CDP_ACTOR", "GITHUB_ACTOR", "USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    Actor { name, host }
}
