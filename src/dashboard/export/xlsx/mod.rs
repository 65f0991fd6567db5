//! The Excel export: a workbook with a Summary sheet and one sheet per tile, each tile's rows
//! streamed into it as its query runs, with a native chart beside every chart tile's data.
//!
//! Table tiles go to constant-memory sheets (rows flushed to a temporary file as they come), so
//! a tile of millions of rows never sits in memory; chart and number tiles are small and kept in
//! memory until the end, when their chart or card is drawn beside the data.

mod cells;
mod chart;
mod names;
mod sheet;
mod style;
mod summary;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, Workbook};

use self::names::SheetNames;
use self::sheet::{Book, EXCEL_ROWS, TileSheet, ZIP64_FROM};
use self::style::Styles;
use self::summary::{SUMMARY, TileLine};
use crate::dashboard::result::{Header, TileMeta};

pub use self::sheet::TileSink;

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("cannot create `{}`", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the workbook")]
    Write(#[from] rust_xlsxwriter::XlsxError),
    #[error("no tile {index}: the dashboard has {count}")]
    NoTile { index: usize, count: usize },
    #[error("tile `{tile}`: rows arrived before its columns")]
    NoColumns { tile: String },
    #[error("tile `{tile}`: a row of {got} cells under {expected} columns")]
    RowWidth {
        tile: String,
        expected: usize,
        got: usize,
    },
    #[error("tile `{tile}`: its result arrived a second time")]
    Twice { tile: String },
    #[error("tile `{tile}`: {columns} columns, more than a sheet holds")]
    TooWide { tile: String, columns: usize },
    #[error("tile `{tile}`: the chart reads `{column}`, a column the query did not return")]
    MissingColumn { tile: String, column: String },
}

/// What was written, tile by tile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XlsxSummary {
    pub tiles: Vec<TileWritten>,
}

/// One tile's sheets (the first, then any continuations) and its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileWritten {
    pub id: String,
    pub sheets: Vec<String>,
    pub rows: u64,
}

/// A workbook being written: create it, stream each tile's rows into `tile(i)`, then `finish`.
pub struct XlsxExport {
    file: File,
    header: Header,
    book: Book,
    tiles: Vec<TileSheet>,
}

impl XlsxExport {
    /// Starts the workbook for `tiles` at `path` (created now, written by `finish`).
    pub fn create(
        path: &Path,
        header: &Header,
        tiles: &[TileMeta],
    ) -> Result<XlsxExport, XlsxError> {
        XlsxExport::with_row_limit(path, header, tiles, EXCEL_ROWS)
    }

    /// As `create`, with sheets of `row_limit` rows (header included) rather than Excel's
    /// 1,048,576, so the continuation sheets can be tried on a few rows.
    pub(crate) fn with_row_limit(
        path: &Path,
        header: &Header,
        tiles: &[TileMeta],
        row_limit: u32,
    ) -> Result<XlsxExport, XlsxError> {
        let file = File::create(path).map_err(|source| XlsxError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let mut workbook = Workbook::new();
        workbook.set_properties(&properties(header));
        let mut names = SheetNames::default();
        names.reserve(SUMMARY);
        // Excel keeps this name for its change history.
        names.reserve("History");
        let tiles = tiles
            .iter()
            .enumerate()
            .map(|(i, meta)| TileSheet::new(meta.clone(), names.tile(&meta.id, i + 1)))
            .collect();
        Ok(XlsxExport {
            file,
            header: header.clone(),
            book: Book {
                workbook,
                names,
                styles: Styles::new(),
                row_limit: row_limit.clamp(2, EXCEL_ROWS),
            },
            tiles,
        })
    }

    /// The sink for tile `index` (in the order of `tiles`): its columns, then its rows, once.
    pub fn tile(&mut self, index: usize) -> Result<TileSink<'_>, XlsxError> {
        let count = self.tiles.len();
        let tile = self
            .tiles
            .get_mut(index)
            .ok_or(XlsxError::NoTile { index, count })?;
        Ok(TileSink {
            book: &mut self.book,
            tile,
        })
    }

    /// Writes the Summary first, then each tile's sheets with their charts, and saves the file.
    pub fn finish(mut self) -> Result<XlsxSummary, XlsxError> {
        for tile in &mut self.tiles {
            tile.close(&mut self.book)?;
        }
        let written: Vec<TileWritten> = self
            .tiles
            .iter()
            .map(|t| TileWritten {
                id: t.meta.id.clone(),
                sheets: t.parts.iter().map(|p| p.name.clone()).collect(),
                rows: t.rows,
            })
            .collect();
        let lines: Vec<TileLine> = self
            .tiles
            .iter()
            .zip(&written)
            .map(|(t, w)| TileLine {
                title: &t.meta.chart.title,
                kind: t.meta.chart.kind.name(),
                rows: w.rows,
                sheets: &w.sheets,
            })
            .collect();
        let summary = summary::write(&self.header, &lines, &self.book.styles)?;
        let large = self
            .tiles
            .iter()
            .flat_map(|t| &t.parts)
            .any(|p| p.xml_bytes >= ZIP64_FROM);
        let workbook = &mut self.book.workbook;
        workbook.use_zip_large_file(large);
        workbook.push_worksheet(summary);
        for tile in self.tiles {
            for part in tile.parts {
                workbook.push_worksheet(part.sheet);
            }
        }
        workbook.save_to_writer(self.file)?;
        Ok(XlsxSummary { tiles: written })
    }
}

/// The document's properties: the dashboard's title and name, its description, the environment,
/// and the run's time as its creation time (so one run exports the same bytes every time).
fn properties(header: &Header) -> DocProperties {
    let properties = DocProperties::new()
        .set_title(&header.title)
        .set_subject(&header.name)
        .set_author("cdp")
        .set_creation_datetime(&header.generated_at)
        .set_custom_property("environment", &header.environment);
    match &header.description {
        Some(description) => properties.set_comment(description),
        None => properties,
    }
}
