//! `cdp validate`, `cdp test`, `cdp compile`: run the checks and print what they found.

use std::io::Write;

use serde_json::json;

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::sql::dialect::DialectKind;

pub async fn validate(r: &Resolved, connect: bool) -> Result<()> {
    let checked = match r.load() {
        Ok(project) => ops::check::validate(&r.context_for(project), connect).await,
        Err(e) => Err(e),
    };
    match checked {
        Ok(report) => {
            if !r.dir.join("cdp.yaml").exists() {
                r.printer.note(&format!(
                    "no cdp.yaml in {}: the defaults apply (the embedded DuckDB); `cdp init` writes a project, `--project-dir` points at one",
                    r.dir.display()
                ));
            }
            if r.printer.format == Format::Json {
                r.printer.json(&report).map_err(Error::Output)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "ok: {} segment{}{}{} valid (environment `{}`, {} warehouse)",
                    report.segments,
                    if report.segments == 1 { "" } else { "s" },
                    match report.dashboards {
                        0 => String::new(),
                        1 => ", 1 dashboard".to_string(),
                        n => format!(", {n} dashboards"),
                    },
                    match report.campaigns {
                        0 => String::new(),
                        1 => ", 1 campaign".to_string(),
                        n => format!(", {n} campaigns"),
                    },
                    report.environment,
                    report.warehouse
                )
                .map_err(Error::Output)?;
            }
            Ok(())
        }
        Err(e) if r.printer.format == Format::Json => {
            if let Some(invalid) = e.problems() {
                r.printer
                    .json(&json!({ "valid": false, "problems": invalid.diagnostics }))
                    .map_err(Error::Output)?;
            }
            Err(e)
        }
        Err(e) => Err(e),
    }
}

pub async fn test(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let tested = ops::check::test(&ctx).await?;
    let outcomes = &tested.outcomes;
    let failed = tested.failed();
    if r.printer.format == Format::Json {
        r.printer.json(&tested).map_err(Error::Output)?;
    } else {
        let mut out = std::io::stdout().lock();
        let mut by_segment: Vec<(&str, usize, usize)> = Vec::new();
        for o in outcomes {
            match by_segment.last_mut() {
                Some((s, total, ok)) if *s == o.segment => {
                    *total += 1;
                    *ok += o.passed() as usize;
                }
                _ => by_segment.push((&o.segment, 1, o.passed() as usize)),
            }
        }
        for (segment, total, ok) in &by_segment {
            let status = if ok == total { "ok  " } else { "FAIL" };
            writeln!(out, "{status} {segment} ({ok}/{total} fixtures)").map_err(Error::Output)?;
        }
        for o in outcomes.iter().filter(|o| !o.passed()) {
            writeln!(
                out,
                "\nFAIL {}: user `{}` ({}:{}) should {}be a member, but is {}",
                o.segment,
                o.user,
                o.file,
                o.line,
                if o.expected { "" } else { "not " },
                if o.actual { "one" } else { "not" }
            )
            .map_err(Error::Output)?;
            for t in &o.trace {
                let verdict = match t.result {
                    Some(true) => "true ",
                    Some(false) => "false",
                    None => "?    ",
                };
                writeln!(
                    out,
                    "  {}{verdict} {}  [{}]",
                    "  ".repeat(t.depth),
                    t.rule,
                    t.seen
                )
                .map_err(Error::Output)?;
            }
        }
        let segments = by_segment.len();
        writeln!(
            out,
            "\n{} fixtures in {segments} segments: {} passed, {failed} failed",
            outcomes.len(),
            outcomes.len() - failed
        )
        .map_err(Error::Output)?;
    }
    tested.outcome()
}

pub fn compile(r: &Resolved, name: &str, dialect: Option<DialectKind>) -> Result<()> {
    let ctx = r.context()?;
    let compiled = ops::check::compile(&ctx, name, dialect)?;
    if r.printer.format == Format::Json {
        return r.printer.json(&compiled).map_err(Error::Output);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{};", compiled.sql).map_err(Error::Output)
}
