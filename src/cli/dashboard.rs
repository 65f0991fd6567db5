//! `cdp dashboard`: list, run and export, printed.

use super::Resolved;
use crate::dashboard::params_given;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub fn list(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let listed = ops::dashboard::list(&ctx);
    if r.printer.format == Format::Json {
        return r.printer.json(&listed).map_err(Error::Output);
    }
    let rows = listed
        .into_iter()
        .map(|d| {
            vec![
                Cell::Text(d.name),
                Cell::Text(d.title),
                Cell::Int(d.tiles as i64),
                Cell::Text(d.params.join(", ")),
                Cell::Text(d.file),
            ]
        })
        .collect();
    r.printer
        .rows(&["name", "title", "tiles", "params", "file"], rows)
        .map_err(Error::Output)
}

pub fn given(params: &[String]) -> Result<Vec<(String, String)>> {
    Ok(params
        .iter()
        .map(|p| params_given::split(p))
        .collect::<Result<_, _>>()?)
}

pub async fn run(r: &Resolved, name: &str, params: &[String]) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::dashboard::run(&ctx, name, &given(params)?).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    for tile in &report.tiles {
        let left_out = tile.left_out();
        let more = if left_out > 0 {
            format!(" ({} rows, {left_out} not shown)", tile.total_rows)
        } else {
            String::new()
        };
        r.printer
            .heading(&format!("{}{more}", tile.meta.chart.title));
        r.printer.table(&tile.table).map_err(Error::Output)?;
    }
    Ok(())
}

pub async fn export(
    r: &Resolved,
    name: &str,
    params: &[String],
    format: &super::formats::FormatArg,
    out: &std::path::Path,
    page_size: super::PageSizeArg,
) -> Result<()> {
    use crate::dashboard::export::{FileFormat, pdf::PageSize};
    let ctx = r.context()?;
    let options = ops::dashboard_export::ExportOptions {
        // No file named: both.
        formats: if format.files.is_empty() {
            vec![FileFormat::Pdf, FileFormat::Xlsx]
        } else {
            format.files.clone()
        },
        dir: out.to_path_buf(),
        page: match page_size {
            super::PageSizeArg::A4 => PageSize::A4,
            super::PageSizeArg::Letter => PageSize::Letter,
        },
    };
    let report = ops::dashboard_export::export(&ctx, name, &given(params)?, &options).await?;
    for file in &report.files {
        r.printer.note(&format!(
            "wrote {} ({})",
            file.path.display(),
            human_bytes(file.bytes)
        ));
    }
    r.printer.note(&format!(
        "{} tiles, {} rows: queries {} ms, Excel {} ms, PDF {} ms",
        report.tiles, report.rows, report.queries_ms, report.xlsx_ms, report.pdf_ms
    ));
    Ok(())
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.0} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
