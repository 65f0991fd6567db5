//! `cdp plan`: the project's segments against what is applied (added, changed, removed), the
//! diff of each change's compiled SQL, and member counts now against the last refresh.

use chrono::{DateTime, Utc};

use crate::applied::{applied_segments, content_hash, project_texts};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::project::config::Tables;
use crate::segment::file::SegmentDef;

use crate::segment::compile::Compiler;
use crate::state::Store;
use crate::warehouse::{Cell, Warehouse};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Add,
    Change,
    Remove,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Change => "change",
            Action::Remove => "remove",
        }
    }
}

/// One segment that `apply` would change.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Item {
    pub segment: String,
    pub action: Action,
    /// The applied version it replaces or removes.
    pub applied_version: Option<i64>,
    /// The YAML as written, recorded by `apply` (none for a removal).
    #[serde(skip)]
    pub content: Option<String>,
    pub hash: Option<String>,
    /// Unified diff of the compiled SQL, applied -> proposed (changes only).
    pub sql_diff: Option<String>,
    /// Members it would have now, counted in the warehouse (0 for a removal).
    pub members_now: Option<i64>,
    /// Its size at its last refresh.
    pub members_last: Option<i64>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Plan {
    pub items: Vec<Item>,
    pub unchanged: Vec<String>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        !self.items.is_empty()
    }
}

/// The segments a plan would make the applied ones: each with its YAML, and all of them (for
/// compiling those that refer to others).
pub struct Proposed<'a> {
    pub texts: Vec<(&'a SegmentDef, String)>,
    pub defs: &'a [SegmentDef],
    pub tables: &'a Tables,
}

impl<'a> Proposed<'a> {
    /// The project's segment files.
    pub fn project(project: &'a Project) -> Result<Proposed<'a>> {
        Ok(Proposed {
            texts: project_texts(project)?,
            defs: &project.segments,
            tables: project.tables(),
        })
    }
}

/// What `apply` would do, without counting members.
pub async fn diff(project: &Project, store: &dyn Store, now: DateTime<Utc>) -> Result<Plan> {
    let dialect = crate::warehouse::dialect_of(&project.warehouse).dialect();
    diff_with(&Proposed::project(project)?, dialect, store, now).await
}

/// What applying `proposed` to `store` would do, without counting members.
pub async fn diff_with(
    proposed: &Proposed<'_>,
    dialect: &dyn crate::sql::dialect::Dialect,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Plan> {
    let applied = applied_segments(store).await?;
    let compiler = Compiler {
        dialect,
        tables: proposed.tables,
        now,
    };
    let applied_defs: Vec<SegmentDef> = applied.iter().map(|a| a.0.clone()).collect();
    let mut items = Vec::new();
    let mut unchanged = Vec::new();
    for (def, text) in proposed.texts.iter().cloned() {
        let hash = content_hash(&text);
        match applied.iter().find(|a| a.0.name == def.name) {
            None => items.push(Item {
                segment: def.name.clone(),
                action: Action::Add,
                applied_version: None,
                content: Some(text),
                hash: Some(hash),
                sql_diff: None,
                members_now: None,
                members_last: None,
            }),
            Some((_, version, h)) if *h == hash => {
                let _ = version;
                unchanged.push(def.name.clone());
            }
            Some((_, version, _)) => {
                let old = compiler
                    .segment(&applied_defs, &def.name)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                let new = compiler
                    .segment(proposed.defs, &def.name)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                let (old, new) = (format!("{old}\n"), format!("{new}\n"));
                let sql_diff = (old != new).then(|| {
                    similar::TextDiff::from_lines(&old, &new)
                        .unified_diff()
                        .context_radius(2)
                        .header("applied", "proposed")
                        .to_string()
                });
                items.push(Item {
                    segment: def.name.clone(),
                    action: Action::Change,
                    applied_version: Some(*version),
                    content: Some(text),
                    hash: Some(hash),
                    sql_diff,
                    members_now: None,
                    members_last: None,
                })
            }
        }
    }
    for (def, version, _) in &applied {
        if !proposed.defs.iter().any(|d| d.name == def.name) {
            items.push(Item {
                segment: def.name.clone(),
                action: Action::Remove,
                applied_version: Some(*version),
                content: None,
                hash: None,
                sql_diff: None,
                members_now: Some(0),
                members_last: None,
            });
        }
    }
    items.sort_by(|a, b| a.segment.cmp(&b.segment));
    Ok(Plan { items, unchanged })
}

/// Fills in member counts: now (one scan of events for every added or changed segment) and at
/// the last refresh.
pub async fn count_members(
    plan: &mut Plan,
    proposed: &Proposed<'_>,
    store: &dyn Store,
    wh: &mut dyn Warehouse,
    now: DateTime<Utc>,
) -> Result<()> {
    for item in &mut plan.items {
        item.members_last = store.snapshots(&item.segment).await?.last().map(|s| s.size);
    }
    let names: Vec<&str> = plan
        .items
        .iter()
        .filter(|i| i.action != Action::Remove)
        .map(|i| i.segment.as_str())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let compiler = Compiler {
        dialect: wh.dialect(),
        tables: proposed.tables,
        now,
    };
    let (order, fused) = compiler
        .fused(proposed.defs, &names)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let sums: Vec<String> = (0..order.len())
        .map(|i| format!("sum(case when cdp_m{i} then 1 else 0 end)"))
        .collect();
    let sql = format!("select {}\nfrom (\n{fused}\n) as q", sums.join(", "));
    let rows = wh
        .rows(&sql)
        .await
        .map_err(|source| Error::Query { sql, source })?;
    let counts = rows.into_iter().next().unwrap_or_default();
    for item in &mut plan.items {
        if let Some(i) = order.iter().position(|n| *n == item.segment) {
            item.members_now = Some(counts.get(i).map_or(0, Cell::as_i64));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::applied::content_hash;

    #[test]
    fn the_hash_ignores_layout_comments_and_tests_but_not_meaning() {
        let a = "name: a\nrules:\n  all:\n    - { trait: plan, eq: pro }\n";
        let b =
            "# a comment\nname: 'a'\nrules: { all: [ { trait: plan, eq: \"pro\" } ] }\ntests: []\n";
        let c = "name: a\nrules:\n  all:\n    - { trait: plan, eq: basic }\n";
        assert_eq!(content_hash(a), content_hash(b));
        assert_ne!(content_hash(a), content_hash(c));
        assert_eq!(content_hash(a).len(), 16);
    }
}
