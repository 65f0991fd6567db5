//! `env list` and `env status`: the project's environments, their components, and whether each
//! answers.

use std::time::Duration;

use crate::environments::status::{self, Check};
use crate::environments::{Component, components};
use crate::error::Result;
use crate::ops::Context;

/// How long `env status` waits for each component.
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(5);

/// One environment and its components.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Listed {
    pub name: String,
    /// The environment in use (`--env`, or `default_env`).
    pub current: bool,
    pub components: Vec<Component>,
}

pub fn list(ctx: &Context) -> Vec<Listed> {
    let config = &ctx.project.config;
    let mut out: Vec<Listed> = config
        .environments
        .iter()
        .map(|(name, spec)| Listed {
            name: name.clone(),
            current: *name == ctx.project.env,
            components: components(spec),
        })
        .collect();
    if out.is_empty() {
        // No `environments:`: the default one, on the embedded engines.
        out.push(Listed {
            name: ctx.project.env.clone(),
            current: true,
            components: components(&Default::default()),
        });
    }
    out
}

/// The environment in use, each component asked at once.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StatusReport {
    pub environment: String,
    pub components: Vec<Check>,
}

impl StatusReport {
    pub fn down(&self) -> usize {
        self.components.iter().filter(|c| !c.up).count()
    }
}

pub async fn status(ctx: &Context) -> Result<StatusReport> {
    status_with(ctx, &status::How::default()).await
}

/// As `status`, for a page of the daemon: its state store, and the embedded DuckDB file left to
/// its jobs.
pub async fn served_status(ctx: &Context) -> Result<StatusReport> {
    let how = status::How {
        store: Some(ctx.store().await?),
        leave_embedded_file: true,
    };
    status_with(ctx, &how).await
}

async fn status_with(ctx: &Context, how: &status::How) -> Result<StatusReport> {
    let components = ctx
        .unless_cancelled(async {
            Ok(status::status(&ctx.project, &ctx.session(), STATUS_TIMEOUT, how).await)
        })
        .await?;
    Ok(StatusReport {
        environment: ctx.project.env.clone(),
        components,
    })
}
