//! `validate --connect`, `test` and `compile`: the project checked against the warehouse, each
//! segment's fixtures, and the SQL a segment runs.

use crate::error::{Error, Result};
use crate::fixtures::{self, Outcome};
use crate::ops::Context;
use crate::project_check;
use crate::segment::compile::Compiler;
use crate::sql::dialect::DialectKind;
use crate::warehouse::{self, dialect_of};

/// A valid project, and what was reached when it was checked against its warehouse.
#[derive(Debug, serde::Serialize)]
pub struct Validated {
    pub valid: bool,
    pub environment: String,
    pub warehouse: String,
    pub segments: usize,
    pub dashboards: usize,
    pub campaigns: usize,
    /// What `--connect` signed in to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connected: Option<String>,
    /// Always empty here: problems are the error of a failed validation.
    pub problems: Vec<crate::syntax::diagnostic::Diagnostic>,
}

/// The project (already loaded, so its files are valid), and with `connect` its fit with the
/// warehouse: every problem found there, placed in the files, is the error.
pub async fn validate(ctx: &Context, connect: bool) -> Result<Validated> {
    let project = &ctx.project;
    // Offer images that are asset keys are looked up in the store (files were checked on load).
    if connect && !project.campaigns.is_empty() {
        let spec = project.assets_of(&project.env)?;
        let store = crate::assets::open(&spec, &project.root).await?;
        let problems =
            crate::campaign::assets::check_keys(&project.root, &project.campaigns, store.as_ref())
                .await;
        if !problems.is_empty() {
            return Err(Error::Load(crate::project::LoadError::Invalid {
                invalid: crate::syntax::Invalid {
                    diagnostics: problems,
                    sources: project.sources.clone(),
                },
            }));
        }
    }
    let mut connected = None;
    if connect {
        let what = warehouse::check_connection(project, &ctx.session()).await?;
        ctx.note(&format!("connected: {what}"));
        connected = Some(what);
        let mut wh = ctx.warehouse().await?;
        let diagnostics = project_check::check(project, wh.as_mut(), ctx.now).await;
        if !diagnostics.is_empty() {
            return Err(Error::Mismatch {
                invalid: crate::syntax::Invalid {
                    diagnostics,
                    sources: project.sources.clone(),
                },
            });
        }
    }
    Ok(Validated {
        valid: true,
        environment: project.env.clone(),
        warehouse: project.warehouse.kind().to_string(),
        segments: project.segments.len(),
        dashboards: project.dashboards.len(),
        campaigns: project.campaigns.len(),
        connected,
        problems: Vec::new(),
    })
}

/// Every fixture of every segment; the error names how many failed.
#[derive(Debug, serde::Serialize)]
#[serde(transparent)]
pub struct Tested {
    pub outcomes: Vec<Outcome>,
}

impl Tested {
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.passed()).count()
    }

    pub fn outcome(&self) -> Result<()> {
        match self.failed() {
            0 => Ok(()),
            failed => Err(Error::TestsFailed {
                failed,
                total: self.outcomes.len(),
            }),
        }
    }
}

pub async fn test(ctx: &Context) -> Result<Tested> {
    Ok(Tested {
        outcomes: fixtures::run(&ctx.project, ctx.now).await?,
    })
}

/// The SQL a segment compiles to in a dialect (default: the environment's warehouse's).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Compiled {
    pub segment: String,
    pub dialect: DialectKind,
    pub sql: String,
}

pub fn compile(ctx: &Context, name: &str, dialect: Option<DialectKind>) -> Result<Compiled> {
    crate::ops::segments::find(&ctx.project, name)?;
    let kind = dialect.unwrap_or_else(|| dialect_of(&ctx.project.warehouse));
    let compiler = Compiler {
        dialect: kind.dialect(),
        tables: ctx.project.tables(),
        now: ctx.now,
    };
    let sql = compiler
        .segment(&ctx.project.segments, name)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Compiled {
        segment: name.to_string(),
        dialect: kind,
        sql,
    })
}
