//! `cdp env promote` and `cdp env history`: the plan of a promotion shown as `plan` shows it,
//! confirmed by typing the target's name, and the promotions an environment received.

use std::io::Write as _;
use std::time::Duration;

use super::Resolved;
use super::plan_view::{plan_text, print_plan};
use super::state::confirm_typed;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub async fn promote(
    r: &Resolved,
    from: &str,
    to: &str,
    auto_approve: bool,
    wait: Duration,
) -> Result<()> {
    if from == to {
        return Err(Error::PromoteToItself { env: from.into() });
    }
    let source = r.context_for(crate::project::load(&r.dir, Some(from))?);
    let target = r.context_for(crate::project::load(&r.dir, Some(to))?);
    let report = ops::promote::plan(&source, &target).await?;
    if !report.changes {
        print_plan(r, &report)?;
        return Ok(());
    }
    let printer = r.printer;
    let approve = |plan: &crate::plan::Plan| {
        // The plan with member counts, unless the target changed since it was made.
        let same = |a: &crate::plan::Plan, b: &crate::plan::Plan| {
            let key = |p: &crate::plan::Plan| {
                p.items
                    .iter()
                    .map(|i| (i.segment.clone(), i.action, i.hash.clone()))
                    .collect::<Vec<_>>()
            };
            key(a) == key(b)
        };
        let shown = if same(plan, &report.plan) {
            &report.plan
        } else {
            plan
        };
        if !printer.quiet || !auto_approve {
            let _ = write!(std::io::stderr().lock(), "{}", plan_text(shown, &[]));
        }
        if auto_approve {
            Ok(())
        } else {
            confirm_typed(
                &format!("Promote these changes from `{from}` to `{to}`? Type `{to}` to go on: "),
                to,
            )
        }
    };
    let done = ops::promote::promote(&source, &target, wait, &approve).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&done).map_err(Error::Output);
    }
    if !done.applied {
        r.printer
            .note(&format!("No changes: `{to}` already matches `{from}`."));
        return Ok(());
    }
    let changed = done
        .promotion
        .segments
        .iter()
        .filter(|s| s.action != "unchanged")
        .count();
    r.printer.note(&format!(
        "Promoted {changed} segment{} from `{from}` to `{to}` (by {}); `cdp env history --env {to}` lists it.",
        if changed == 1 { "" } else { "s" },
        done.promotion.actor
    ));
    Ok(())
}

pub async fn history(r: &Resolved, limit: i64) -> Result<()> {
    let ctx = r.context()?;
    let log = ops::promote::history(&ctx, limit).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&log).map_err(Error::Output);
    }
    let mut rows = Vec::new();
    for p in log {
        for (i, s) in p.segments.iter().enumerate() {
            let first = i == 0;
            let text = |v: &str| Cell::Text(if first { v.to_string() } else { String::new() });
            rows.push(vec![
                if first {
                    Cell::Timestamp(p.at)
                } else {
                    Cell::Text(String::new())
                },
                text(&p.from_env),
                text(&p.to_env),
                text(&p.actor),
                Cell::Text(s.segment.clone()),
                Cell::Text(s.action.clone()),
                s.source_version.map_or(Cell::Null, Cell::Int),
                Cell::Text(s.hash.clone().unwrap_or_default()),
            ]);
        }
    }
    r.printer
        .rows(
            &[
                "at", "from", "to", "by", "segment", "action", "version", "hash",
            ],
            rows,
        )
        .map_err(Error::Output)
}
