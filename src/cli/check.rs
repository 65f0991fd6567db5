//! `cdp validate`, `cdp test`, `cdp compile`.

use std::io::Write;

use serde_json::json;

use super::{Context, find_segment};
use crate::error::{Error, Result};
use crate::fixtures;
use crate::output::Format;
use crate::segment::compile::Compiler;
use crate::segment::sql::dialect::DialectKind;
use crate::warehouse::{dialect_of, project_check};

pub async fn validate(ctx: &Context, connect: bool) -> Result<()> {
    let checked = match ctx.load() {
        Ok(project) if connect => connected(ctx, project).await,
        other => other,
    };
    match checked {
        Ok(project) => {
            if !project.root.join("cdp.yaml").exists() {
                ctx.printer.note(&format!(
                    "no cdp.yaml in {}: the defaults apply (the embedded DuckDB); `cdp init` writes a project, `--project-dir` points at one",
                    project.root.display()
                ));
            }
            if ctx.printer.format == Format::Json {
                ctx.printer
                    .json(&json!({ "valid": true, "environment": project.env, "segments": project.segments.len(), "problems": [] }))
                    .map_err(Error::Output)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "ok: {} segment{} valid (environment `{}`, {} warehouse)",
                    project.segments.len(),
                    if project.segments.len() == 1 { "" } else { "s" },
                    project.env,
                    project.warehouse.kind()
                )
                .map_err(Error::Output)?;
            }
            Ok(())
        }
        Err(e) if ctx.printer.format == Format::Json => {
            if let Some(invalid) = e.problems() {
                ctx.printer
                    .json(&json!({ "valid": false, "problems": invalid.diagnostics }))
                    .map_err(Error::Output)?;
            }
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Connects, then checks the project against the warehouse's tables and columns.
async fn connected(
    ctx: &Context,
    project: crate::project::Project,
) -> Result<crate::project::Project> {
    let what = crate::warehouse::check_connection(&project).await?;
    ctx.printer.note(&format!("connected: {what}"));
    let mut wh = crate::warehouse::open(&project).await?;
    let diagnostics = project_check::check(&project, wh.as_mut(), ctx.now).await;
    if diagnostics.is_empty() {
        return Ok(project);
    }
    Err(Error::Mismatch {
        invalid: crate::project::Invalid {
            diagnostics,
            sources: project.sources,
        },
    })
}

pub async fn test(ctx: &Context) -> Result<()> {
    let project = ctx.load()?;
    let outcomes = fixtures::run(&project, ctx.now).await?;
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    if ctx.printer.format == Format::Json {
        ctx.printer
            .json(&serde_json::to_value(&outcomes).expect("json"))
            .map_err(Error::Output)?;
    } else {
        let mut out = std::io::stdout().lock();
        let mut by_segment: Vec<(&str, usize, usize)> = Vec::new();
        for o in &outcomes {
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
    if failed > 0 {
        return Err(Error::TestsFailed {
            failed,
            total: outcomes.len(),
        });
    }
    Ok(())
}

pub fn compile(ctx: &Context, name: &str, dialect: Option<DialectKind>) -> Result<()> {
    let project = ctx.load()?;
    find_segment(&project, name)?;
    let kind = dialect.unwrap_or_else(|| dialect_of(&project.warehouse));
    let compiler = Compiler {
        dialect: kind.dialect(),
        tables: project.tables(),
        now: ctx.now,
    };
    let sql = compiler
        .segment(&project.segments, name)
        .expect("validated segments compile");
    let mut out = std::io::stdout().lock();
    writeln!(out, "{sql};").map_err(Error::Output)
}
