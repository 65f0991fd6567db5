//! `cdp env`: list environments and their components, and check that each component answers.

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub fn list(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let listed = ops::env::list(&ctx);
    if r.printer.format == Format::Json {
        return r.printer.json(&listed).map_err(Error::Output);
    }
    let mut rows = Vec::new();
    for env in listed {
        let name = if env.current {
            format!("{} (in use)", env.name)
        } else {
            env.name
        };
        for (i, c) in env.components.into_iter().enumerate() {
            let role = c.label();
            rows.push(vec![
                Cell::Text(if i == 0 { name.clone() } else { String::new() }),
                Cell::Text(role),
                Cell::Text(c.kind),
                Cell::Text(c.location),
            ]);
        }
    }
    r.printer
        .rows(&["environment", "component", "kind", "location"], rows)
        .map_err(Error::Output)
}

/// Checks the environment `name` (else the one in use); exit 1 when a component is down.
pub async fn status(r: &Resolved, name: Option<&str>) -> Result<()> {
    let project = crate::project::load(&r.dir, name.or(r.env.as_deref()))?;
    let ctx = r.context_for(project);
    let report = ops::env::status(&ctx).await?;
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
    } else {
        let rows = report
            .components
            .iter()
            .map(|c| {
                let role = c.component.label();
                vec![
                    Cell::Text(role),
                    Cell::Text(c.component.kind.clone()),
                    Cell::Text(c.component.location.clone()),
                    Cell::Text(if c.up { "up".into() } else { "down".into() }),
                    c.latency_ms
                        .map(|l| Cell::Int(l as i64))
                        .unwrap_or(Cell::Null),
                    Cell::Text(c.version.clone().unwrap_or_default()),
                    Cell::Text(match (&c.error, &c.hint) {
                        (Some(e), Some(h)) => format!("{e} (hint: {h})"),
                        (Some(e), None) => e.clone(),
                        _ => String::new(),
                    }),
                ]
            })
            .collect();
        r.printer
            .rows(
                &[
                    "component",
                    "kind",
                    "location",
                    "status",
                    "ms",
                    "version",
                    "error",
                ],
                rows,
            )
            .map_err(Error::Output)?;
    }
    match report.down() {
        0 => Ok(()),
        n => Err(Error::EnvDown {
            environment: report.environment,
            down: n,
        }),
    }
}
