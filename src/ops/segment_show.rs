//! `segments show` and the daemon's lists: a segment's rules, compiled SQL, applied version and
//! status in words, with its last refresh; for every segment at once in three queries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::segments::known;
use crate::error::Result;
use crate::ops::Context;
use crate::project::Project;
use crate::segment::compile::Compiler;
use crate::segment::file::SegmentDef;
use crate::state::{Definition, Snapshot};
use crate::warehouse;

/// A segment's rules, SQL, applied version, last refresh and size.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Shown {
    pub name: String,
    pub status: String,
    pub description: Option<String>,
    pub schedule: Option<String>,
    pub rules: Option<String>,
    pub applied_version: Option<i64>,
    pub applied_by: Option<String>,
    pub applied_at: Option<DateTime<Utc>>,
    pub last_refresh: Option<DateTime<Utc>>,
    pub members: Option<i64>,
    pub entered: Option<i64>,
    pub exited: Option<i64>,
    pub compiled_sql: Option<String>,
}

impl Shown {
    /// From what the project declares (`def`), what is applied, and the last refresh.
    fn new(
        project: &Project,
        name: &str,
        def: Option<&SegmentDef>,
        (applied, removed): (Option<&Definition>, Option<DateTime<Utc>>),
        last: Option<Snapshot>,
        compiled_sql: Option<String>,
    ) -> Shown {
        Shown {
            name: name.to_string(),
            status: status_of(project, def, applied, removed),
            description: def.and_then(|d| d.description.clone()),
            schedule: def.and_then(|d| d.schedule.as_ref().map(|s| s.to_string())),
            rules: def.map(|d| d.rules.summary()),
            applied_version: applied.map(|a| a.version),
            applied_by: applied.map(|a| a.applied_by.clone()),
            applied_at: applied.map(|a| a.applied_at),
            last_refresh: last.as_ref().map(|s| s.at),
            members: last.as_ref().map(|s| s.size),
            entered: last.as_ref().map(|s| s.entered),
            exited: last.as_ref().map(|s| s.exited),
            compiled_sql,
        }
    }
}

/// One segment of the project or of the state store (a removed one), with its compiled SQL.
pub async fn show(ctx: &Context, name: &str) -> Result<Shown> {
    let project = &ctx.project;
    let store = ctx.store().await?;
    let (versions, removed) = known(project, store.as_ref(), name).await?;
    let last = store.last_snapshot(name).await?;
    let def = project.segment(name);
    let compiled_sql = def.and_then(|_| {
        let compiler = Compiler {
            dialect: warehouse::dialect_of(&project.warehouse).dialect(),
            tables: project.tables(),
            now: ctx.now,
        };
        compiler.segment(&project.segments, name).ok()
    });
    let applied = (versions.last(), removed);
    Ok(Shown::new(project, name, def, applied, last, compiled_sql))
}

/// Every segment of the project as a list shows it (no compiled SQL), in three queries.
pub async fn summaries(ctx: &Context) -> Result<Vec<Shown>> {
    let project = &ctx.project;
    let store = ctx.store().await?;
    let applied: BTreeMap<String, Definition> = store
        .definitions(crate::state::SEGMENT)
        .await?
        .into_iter()
        .map(|d| (d.name.clone(), d))
        .collect();
    let mut last: BTreeMap<String, Snapshot> = store
        .last_snapshots()
        .await?
        .into_iter()
        .map(|s| (s.segment.clone(), s))
        .collect();
    Ok(project
        .segments
        .iter()
        .map(|d| {
            let a = (applied.get(&d.name), None);
            Shown::new(project, &d.name, Some(d), a, last.remove(&d.name), None)
        })
        .collect())
}

/// What a segment's applied state says of it, in words.
fn status_of(
    project: &Project,
    def: Option<&SegmentDef>,
    applied: Option<&Definition>,
    removed: Option<DateTime<Utc>>,
) -> String {
    match (def, applied, removed) {
        (_, Some(_), Some(at)) => format!("removed {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        (Some(_), None, _) => "not applied (run `cdp apply`)".to_string(),
        (Some(d), Some(a), None) => {
            let path = project.root.join(&d.file);
            let same = std::fs::read_to_string(path)
                .map(|t| crate::applied::content_hash(&t) == a.hash)
                .unwrap_or(false);
            if same {
                "applied, up to date".to_string()
            } else {
                "applied; the YAML has changes not applied (see `cdp plan`)".to_string()
            }
        }
        (None, Some(_), None) => "applied, no longer in the project (see `cdp plan`)".to_string(),
        (None, None, _) => "unknown".to_string(),
    }
}
