//! How a plan is shown: a text listing for people, Markdown for a pull-request comment, JSON
//! for machines.

use std::io::Write;

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops::plan::PlanReport;
use crate::output::Format;
use crate::plan::{Action, Plan};
use crate::sync::status::TargetStatus;

pub(super) fn print_plan(r: &Resolved, report: &PlanReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let text = match r.printer.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(report).expect("plan serialises")
        ),
        Format::Markdown => plan_markdown(&report.plan, &report.syncs),
        Format::Table | Format::Csv => plan_text(&report.plan, &report.syncs),
    };
    out.write_all(text.as_bytes()).map_err(Error::Output)
}

fn counts(plan: &Plan) -> (usize, usize, usize) {
    let n = |a: Action| plan.items.iter().filter(|i| i.action == a).count();
    (n(Action::Add), n(Action::Change), n(Action::Remove))
}

fn summary(plan: &Plan) -> String {
    let (add, change, remove) = counts(plan);
    if !plan.has_changes() {
        return format!(
            "No changes: {} segment{} applied and up to date.",
            plan.unchanged.len(),
            if plan.unchanged.len() == 1 { "" } else { "s" }
        );
    }
    format!(
        "Plan: {add} to add, {change} to change, {remove} to remove; {} unchanged.",
        plan.unchanged.len()
    )
}

fn number(n: Option<i64>) -> String {
    let Some(n) = n else {
        return "-".into();
    };
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn delta(now: Option<i64>, last: Option<i64>) -> String {
    match (now, last) {
        (Some(n), Some(l)) => {
            let d = n - l;
            if d >= 0 {
                format!("+{}", number(Some(d)))
            } else {
                number(Some(d))
            }
        }
        _ => "-".into(),
    }
}

fn sign(a: Action) -> &'static str {
    match a {
        Action::Add => "+",
        Action::Change => "~",
        Action::Remove => "-",
    }
}

/// The plan for people; `syncs`, when given, says what a sync would send now.
pub(super) fn plan_text(plan: &Plan, syncs: &[TargetStatus]) -> String {
    let mut s = String::new();
    for i in &plan.items {
        let version = i
            .applied_version
            .map(|v| format!(" (applied version {v})"))
            .unwrap_or_default();
        s.push_str(&format!(
            "{} {} {}{version}\n",
            sign(i.action),
            i.action.as_str(),
            i.segment
        ));
        match (i.members_now, i.members_last) {
            (Some(now), None) => s.push_str(&format!("    members now {}\n", number(Some(now)))),
            (now, Some(last)) => s.push_str(&format!(
                "    members now {}, at last refresh {} ({})\n",
                number(now),
                number(Some(last)),
                delta(now, Some(last))
            )),
            (None, None) => {}
        }
        match (&i.action, &i.sql_diff) {
            (Action::Change, Some(diff)) => {
                for line in diff.lines() {
                    s.push_str(&format!("    {line}\n"));
                }
            }
            (Action::Change, None) => {
                s.push_str("    the compiled SQL is the same (description, schedule or destinations changed)\n")
            }
            _ => {}
        }
    }
    if plan.has_changes() {
        s.push('\n');
    }
    s.push_str(&summary(plan));
    s.push('\n');
    if !syncs.is_empty() {
        s.push_str("\nDestinations (what `cdp sync` would send now):\n");
        for t in syncs {
            s.push_str(&format!(
                "    {}{} → {} ({}): add {}, remove {}\n",
                t.segment,
                if t.retired { " (retired)" } else { "" },
                t.destination,
                t.mode,
                number(Some(t.to_add)),
                number(Some(t.to_remove))
            ));
        }
    }
    s
}

fn plan_markdown(plan: &Plan, syncs: &[TargetStatus]) -> String {
    let mut s = format!("### cdp plan\n\n{}\n", summary(plan));
    if !syncs.is_empty() {
        s.push_str("\n| segment | destination | as | sync would add | sync would remove |\n");
        s.push_str("|---|---|---|---:|---:|\n");
        for t in syncs {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                t.segment,
                t.destination,
                t.mode,
                number(Some(t.to_add)),
                number(Some(t.to_remove))
            ));
        }
    }
    if !plan.has_changes() {
        return s;
    }
    s.push_str("\n| | segment | applied version | members now | at last refresh | change |\n");
    s.push_str("|---|---|---:|---:|---:|---:|\n");
    for i in &plan.items {
        s.push_str(&format!(
            "| {} {} | `{}` | {} | {} | {} | {} |\n",
            sign(i.action),
            i.action.as_str(),
            i.segment,
            i.applied_version
                .map(|v| v.to_string())
                .unwrap_or("-".into()),
            number(i.members_now),
            number(i.members_last),
            delta(i.members_now, i.members_last)
        ));
    }
    for i in &plan.items {
        if let Some(diff) = &i.sql_diff {
            let fence = "```";
            s.push_str(&format!(
                "\n<details><summary><code>{}</code>: compiled SQL</summary>\n\n{fence}diff\n{}{fence}\n\n</details>\n",
                i.segment,
                if diff.ends_with('\n') { diff.clone() } else { format!("{diff}\n") }
            ));
        }
    }
    s
}
