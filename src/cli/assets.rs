//! `cdp assets upload|list|url|migrate`: run the operations and print their reports.

use std::io::Write as _;

use super::{AssetsCommand, Resolved};
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub async fn run(r: &Resolved, command: AssetsCommand) -> Result<()> {
    let ctx = r.context()?;
    match command {
        AssetsCommand::Upload { files, jobs } => {
            let report = ops::assets::upload(&ctx, &files, jobs as usize).await?;
            if r.printer.format == Format::Json {
                return r.printer.json(&report).map_err(Error::Output);
            }
            let rows = report
                .uploaded
                .into_iter()
                .map(|u| {
                    vec![
                        Cell::Text(u.key),
                        Cell::Text(u.file),
                        Cell::Int(u.size as i64),
                        Cell::Text(u.content_type.into()),
                        Cell::Text(
                            if u.stored {
                                "uploaded"
                            } else {
                                "already there"
                            }
                            .into(),
                        ),
                    ]
                })
                .collect();
            r.printer
                .rows(&["key", "file", "bytes", "type", "status"], rows)
                .map_err(Error::Output)
        }
        AssetsCommand::List => {
            let report = ops::assets::list(&ctx).await?;
            if r.printer.format == Format::Json {
                return r.printer.json(&report).map_err(Error::Output);
            }
            let rows = report
                .assets
                .into_iter()
                .map(|a| {
                    vec![
                        Cell::Text(a.key),
                        Cell::Int(a.size as i64),
                        Cell::Text(a.content_type.unwrap_or("").into()),
                        a.uploaded_at.map_or(Cell::Null, Cell::Timestamp),
                    ]
                })
                .collect();
            r.printer
                .rows(&["key", "bytes", "type", "uploaded at"], rows)
                .map_err(Error::Output)
        }
        AssetsCommand::Url { key, expires } => {
            let report = ops::assets::url(&ctx, &key, expires).await?;
            if r.printer.format == Format::Json {
                return r.printer.json(&report).map_err(Error::Output);
            }
            writeln!(std::io::stdout(), "{}", report.url).map_err(Error::Output)
        }
        AssetsCommand::Migrate { to, dry_run, jobs } => {
            let report = ops::assets::migrate(&ctx, &to, jobs as usize, dry_run).await?;
            if r.printer.format == Format::Json {
                return r.printer.json(&report).map_err(Error::Output);
            }
            let m = &report.migration;
            if dry_run {
                let mut out = std::io::stdout().lock();
                for key in &m.to_copy {
                    writeln!(out, "{key}").map_err(Error::Output)?;
                }
                r.printer.note(&format!(
                    "{} of {} assets would be copied from {} to {} ({} already there)",
                    m.to_copy.len(),
                    m.objects,
                    report.source,
                    report.target,
                    m.skipped
                ));
                return Ok(());
            }
            r.printer
                .rows(
                    &["from", "to", "assets", "copied", "skipped", "bytes copied"],
                    vec![vec![
                        Cell::Text(format!("{} ({})", report.from, report.source)),
                        Cell::Text(format!("{} ({})", report.to, report.target)),
                        Cell::Int(m.objects as i64),
                        Cell::Int(m.copied as i64),
                        Cell::Int(m.skipped as i64),
                        Cell::Int(m.bytes_copied as i64),
                    ]],
                )
                .map_err(Error::Output)
        }
    }
}
