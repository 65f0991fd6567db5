//! `cdp campaign report`: the report printed as tables (or one JSON document), and written as
//! PDF and Excel files when asked.

use std::path::Path;

use super::Resolved;
use crate::campaign::report::sections::{headline, sections};
use crate::dashboard::export::FileFormat;
use crate::dashboard::export::pdf::PageSize;
use crate::error::{Error, Result};
use crate::ops;
use crate::ops::campaign_report::CampaignReport;
use crate::output::Format;

/// `--export`'s values.
pub fn export_file(text: &str) -> std::result::Result<FileFormat, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "pdf" => Ok(FileFormat::Pdf),
        "xlsx" => Ok(FileFormat::Xlsx),
        other => Err(format!(
            "`{other}` is not a file to export: use pdf, xlsx or both"
        )),
    }
}

pub async fn report(r: &Resolved, name: &str, export: &[FileFormat], out: &Path) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::campaign_report::report(&ctx, name).await?;
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
    } else {
        print(r, &report)?;
    }
    if export.is_empty() {
        return Ok(());
    }
    let options = ops::dashboard_export::ExportOptions {
        formats: export.to_vec(),
        dir: out.to_path_buf(),
        page: PageSize::A4,
    };
    for file in ops::campaign_report::export(&ctx, &report, &options)? {
        r.printer.note(&format!("wrote {}", file.path.display()));
    }
    Ok(())
}

/// The headline, each section as a table, then the verdict in words.
fn print(r: &Resolved, report: &CampaignReport) -> Result<()> {
    r.printer.heading(&headline(report));
    for section in sections(report) {
        r.printer.heading(&section.title);
        let names = section.table.names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        r.printer
            .rows(&names, section.text_rows())
            .map_err(Error::Output)?;
    }
    r.printer
        .heading(&format!("Verdict: {}", report.comparison.verdict));
    Ok(())
}
