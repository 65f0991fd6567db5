//! `env promote`: the segments applied in one environment applied to another (the plan shown
//! as `plan` shows it, applied once approved, and recorded in the target's store); and
//! `env history`, the promotions a target received.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::plan::{PlanReport, changes};
use crate::plan::{self, Action, Plan, Proposed};
use crate::segment::file::SegmentDef;
use crate::state::promotion::{PromotedSegment, Promotion};
use crate::state::{Definition, SEGMENT};

/// The source environment's applied segments: each parsed, with its recorded YAML and version.
struct Applied {
    defs: Vec<SegmentDef>,
    definitions: Vec<Definition>,
}

impl Applied {
    async fn read(from: &Context) -> Result<Applied> {
        let definitions = from.store().await?.definitions(SEGMENT).await?;
        let mut defs = Vec::new();
        for d in &definitions {
            let file = format!(
                "{} (applied in {}, version {})",
                d.name, from.project.env, d.version
            );
            defs.push(
                crate::project::parse_segment_text(&file, &d.content).map_err(|invalid| {
                    Error::AppliedInvalid {
                        name: d.name.clone(),
                        invalid,
                    }
                })?,
            );
        }
        if defs.is_empty() {
            return Err(Error::NothingToPromote {
                env: from.project.env.clone(),
            });
        }
        Ok(Applied { defs, definitions })
    }

    /// The target's project tables with the source's segments.
    fn proposed<'a>(&'a self, to: &'a Context) -> Proposed<'a> {
        Proposed {
            texts: self
                .defs
                .iter()
                .zip(&self.definitions)
                .map(|(def, d)| (def, d.content.clone()))
                .collect(),
            defs: &self.defs,
            tables: to.project.tables(),
        }
    }
}

/// The plan of a promotion, with member counts in the target's warehouse.
pub async fn plan(from: &Context, to: &Context) -> Result<PlanReport> {
    let applied = Applied::read(from).await?;
    let proposed = applied.proposed(to);
    let store = to.store().await?;
    let dialect = crate::warehouse::dialect_of(&to.project.warehouse).dialect();
    let mut plan = plan::diff_with(&proposed, dialect, store.as_ref(), to.now).await?;
    if plan.has_changes() {
        let mut wh = to.warehouse().await?;
        plan::count_members(&mut plan, &proposed, store.as_ref(), wh.as_mut(), to.now).await?;
    }
    Ok(PlanReport::new(plan, Vec::new()))
}

/// What a promotion did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Promoted {
    /// False when the target already matched the source.
    pub applied: bool,
    #[serde(flatten)]
    pub promotion: Promotion,
}

/// Applies the source's segments to the target under the target's project lock, once
/// `approve` accepts the plan, recording the promotion in the same transaction.
pub async fn promote(
    from: &Context,
    to: &Context,
    wait: Duration,
    approve: crate::ops::plan::Approve<'_>,
) -> Result<Promoted> {
    let applied = Applied::read(from).await?;
    let proposed = applied.proposed(to);
    let store = to.store().await?;
    let _lock = to.lock("env promote", wait).await?;
    let dialect = crate::warehouse::dialect_of(&to.project.warehouse).dialect();
    let plan = plan::diff_with(&proposed, dialect, store.as_ref(), to.now).await?;
    let promotion = Promotion {
        at: to.now,
        actor: to.actor.name.clone(),
        from_env: from.project.env.clone(),
        to_env: to.project.env.clone(),
        segments: promoted(&applied, &plan),
    };
    if plan.has_changes() {
        approve(&plan)?;
        store
            .apply(
                SEGMENT,
                &changes(&plan),
                &to.actor.name,
                to.now,
                Some(&promotion),
            )
            .await?;
    }
    Ok(Promoted {
        applied: plan.has_changes(),
        promotion,
    })
}

/// Every segment of the source with what the promotion does to it, then the removals.
fn promoted(applied: &Applied, plan: &Plan) -> Vec<PromotedSegment> {
    let action = |name: &str| {
        plan.items
            .iter()
            .find(|i| i.segment == name)
            .map_or("unchanged", |i| i.action.as_str())
    };
    let mut out: Vec<PromotedSegment> = applied
        .definitions
        .iter()
        .map(|d| PromotedSegment {
            segment: d.name.clone(),
            action: action(&d.name).into(),
            source_version: Some(d.version),
            hash: Some(d.hash.clone()),
        })
        .collect();
    out.extend(
        plan.items
            .iter()
            .filter(|i| i.action == Action::Remove)
            .map(|i| PromotedSegment {
                segment: i.segment.clone(),
                action: i.action.as_str().into(),
                source_version: None,
                hash: None,
            }),
    );
    out
}

/// Promotions into the context's environment, newest first.
pub async fn history(ctx: &Context, limit: i64) -> Result<Vec<Promotion>> {
    Ok(ctx.store().await?.promotions(limit).await?)
}
