//! `dashboard export`: every tile run once, its rows streamed into the Excel workbook as they
//! come and kept for the PDF, then both files written beside each other, whole or not at all.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::dashboard::DashboardError;
use crate::dashboard::chart::scene::Scene;
use crate::dashboard::chart::{Chart, Format, format};
use crate::dashboard::export::FileFormat;
use crate::dashboard::export::pdf::{self, Drawing, PageSize};
use crate::dashboard::export::xlsx::XlsxExport;
use crate::dashboard::params_given;
use crate::dashboard::result::{Header, TileResult};
use crate::dashboard::run;
use crate::dashboard::sinks::Timed;
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::dashboard::{find, header};
use crate::table::Cell;
use crate::warehouse::RowSink;

/// What to write and where.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    pub formats: Vec<FileFormat>,
    pub dir: PathBuf,
    pub page: PageSize,
}

/// One file written.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Written {
    pub format: FileFormat,
    pub path: PathBuf,
    pub bytes: u64,
}

/// What an export wrote and where its time went.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportReport {
    pub dashboard: String,
    pub files: Vec<Written>,
    pub tiles: usize,
    /// Rows every tile's query returned, all of which the workbook holds.
    pub rows: u64,
    /// Time in the warehouse (the tiles' queries, not counting writing their rows).
    pub queries_ms: u64,
    /// Time writing the workbook: rows as they streamed, then the Summary, charts and file.
    pub xlsx_ms: u64,
    /// Time drawing and writing the PDF.
    pub pdf_ms: u64,
}

/// Draws tiles with the chart model and writes cells with its formats.
pub(crate) struct Charts;

impl Drawing for Charts {
    fn chart(&self, tile: &TileResult, width: f32, height: f32) -> Scene {
        Chart::build(&tile.meta.chart, &tile.table).scene(width, height)
    }

    fn cell(&self, cell: &Cell, format: Option<&Format>) -> String {
        format::cell(cell, format)
    }
}

/// A file written beside its final name, moved there only once whole.
pub(crate) fn partial(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// Removes the partial files it holds when dropped: an export that fails leaves none behind.
pub(crate) struct Partials(pub(crate) Vec<PathBuf>);

impl Drop for Partials {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn publish(partial: &Path, path: &Path) -> Result<u64> {
    std::fs::rename(partial, path).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

/// Draws the PDF of `tiles` and writes it beside `path` (see [`publish_all`]).
pub(crate) fn write_pdf(
    header: &Header,
    tiles: &[TileResult],
    page: PageSize,
    path: &Path,
) -> Result<()> {
    let bytes =
        pdf::render(header, tiles, page, &Charts).map_err(|e| DashboardError::Pdf(Box::new(e)))?;
    std::fs::write(partial(path), bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Moves the whole files written beside `pdf` and `xlsx` to their names, once both are done,
/// so they replace what an earlier export wrote only together.
pub(crate) fn publish_all(pdf: Option<PathBuf>, xlsx: Option<PathBuf>) -> Result<Vec<Written>> {
    let mut files = Vec::new();
    for (format, path) in [(FileFormat::Pdf, pdf), (FileFormat::Xlsx, xlsx)] {
        if let Some(path) = path {
            files.push(Written {
                format,
                bytes: publish(&partial(&path), &path)?,
                path,
            });
        }
    }
    Ok(files)
}

pub async fn export(
    ctx: &Context,
    name: &str,
    given: &[(String, String)],
    options: &ExportOptions,
) -> Result<ExportReport> {
    let dash = find(ctx, name)?;
    let declared = params_given::resolve(dash, given)?;
    let values = params_given::with_built_ins(dash, declared.clone(), ctx.now);
    let header = header(ctx, dash, &declared);
    std::fs::create_dir_all(&options.dir).map_err(|source| Error::Write {
        path: options.dir.clone(),
        source,
    })?;
    let pdf_path = options.dir.join(format!("{}.pdf", dash.name));
    let xlsx_path = options.dir.join(format!("{}.xlsx", dash.name));
    let metas: Vec<_> = dash.tiles.iter().map(|t| t.meta()).collect();
    let _partials = Partials(vec![partial(&pdf_path), partial(&xlsx_path)]);
    let mut workbook = match options.formats.contains(&FileFormat::Xlsx) {
        true => Some(
            XlsxExport::create(&partial(&xlsx_path), &header, &metas)
                .map_err(|e| DashboardError::Xlsx(Box::new(e)))?,
        ),
        false => None,
    };

    let store = ctx.store().await?;
    let mut wh = ctx.warehouse().await?;
    let progress = ctx.reporter.progress();
    progress.start("tiles", dash.tiles.len() as u64);
    let started = Instant::now();
    let mut writing = Duration::ZERO;
    let mut tiles = Vec::with_capacity(dash.tiles.len());
    for (i, tile) in dash.tiles.iter().enumerate() {
        let result = match workbook.as_mut() {
            Some(book) => {
                let mut sink = book
                    .tile(i)
                    .map_err(|e| DashboardError::Xlsx(Box::new(e)))?;
                let mut timed = Timed::new(&mut sink);
                let done = ctx
                    .unless_cancelled(run::tile(
                        dash,
                        tile,
                        &values,
                        wh.as_mut(),
                        store.as_ref(),
                        Some(&mut timed as &mut dyn RowSink),
                    ))
                    .await;
                writing += timed.spent();
                done?
            }
            None => {
                ctx.unless_cancelled(run::tile(
                    dash,
                    tile,
                    &values,
                    wh.as_mut(),
                    store.as_ref(),
                    None,
                ))
                .await?
            }
        };
        progress.advance(1);
        tiles.push(result);
    }
    progress.finish();
    let queries = started.elapsed().saturating_sub(writing);
    let rows = tiles.iter().map(|t| t.total_rows).sum();

    let mut xlsx_time = writing;
    let wrote_xlsx = workbook.is_some();
    if let Some(book) = workbook {
        let t = Instant::now();
        book.finish()
            .map_err(|e| DashboardError::Xlsx(Box::new(e)))?;
        xlsx_time += t.elapsed();
    }
    let mut pdf_time = Duration::ZERO;
    let pdf = options.formats.contains(&FileFormat::Pdf);
    if pdf {
        let t = Instant::now();
        write_pdf(&header, &tiles, options.page, &pdf_path)?;
        pdf_time = t.elapsed();
    }
    let files = publish_all(pdf.then_some(pdf_path), wrote_xlsx.then_some(xlsx_path))?;
    Ok(ExportReport {
        dashboard: dash.name.clone(),
        files,
        tiles: tiles.len(),
        rows,
        queries_ms: queries.as_millis() as u64,
        xlsx_ms: xlsx_time.as_millis() as u64,
        pdf_ms: pdf_time.as_millis() as u64,
    })
}
