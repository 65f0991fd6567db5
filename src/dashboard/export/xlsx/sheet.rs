//! A tile's sheets while its rows stream in: the header, typed rows in order, a continuation
//! sheet past Excel's last row, the widths each column needs; then the autofilter and widths.

use rust_xlsxwriter::{ColNum, RowNum, Workbook, Worksheet};

use super::XlsxError;
use super::cells::{self, MAX_WIDTH};
use super::chart::ChartRows;
use super::names::SheetNames;
use super::style::{ColumnStyle, Styles};
use crate::dashboard::chart::ChartKind;
use crate::dashboard::result::TileMeta;
use crate::table::Cell;
use crate::warehouse::{RowSink, WarehouseError};

/// The rows an Excel sheet holds, header included.
pub const EXCEL_ROWS: u32 = 1_048_576;

/// The columns an Excel sheet holds.
const EXCEL_COLUMNS: usize = 16_384;

/// The workbook and what every tile's sheets share.
pub struct Book {
    pub workbook: Workbook,
    pub names: SheetNames,
    pub styles: Styles,
    /// Rows per sheet, header included (Excel's limit, smaller in tests).
    pub row_limit: u32,
}

/// One sheet of a tile and the data rows on it.
pub struct Part {
    pub name: String,
    pub sheet: Worksheet,
    pub rows: u32,
    /// About how many bytes the sheet's XML takes (to know when the zip needs ZIP64).
    pub xml_bytes: u64,
}

/// Past this many bytes a sheet's XML may not fit a plain zip entry (4 GiB, with a margin for
/// the estimate), and the package is written with ZIP64 entries.
pub const ZIP64_FROM: u64 = 3 << 30;

/// About how many bytes a cell takes in the sheet's XML: its reference, style and type
/// attributes, its tags and its value.
fn xml_size(cell: &Cell) -> u64 {
    let value = match cell {
        Cell::Null => return 0,
        Cell::Text(s) | Cell::Json(s) => s.len(),
        _ => 24,
    };
    48 + value as u64
}

/// A tile's sheets and the state of its stream.
pub struct TileSheet {
    pub meta: TileMeta,
    /// The name of the tile's first sheet, reserved when the export was created.
    pub first_name: String,
    pub parts: Vec<Part>,
    pub columns: Option<Vec<String>>,
    pub styles: Vec<ColumnStyle>,
    /// The most characters each column shows so far, header included.
    pub widths: Vec<usize>,
    pub rows: u64,
    pub chart: Option<ChartRows>,
}

impl TileSheet {
    pub fn new(meta: TileMeta, first_name: String) -> TileSheet {
        TileSheet {
            meta,
            first_name,
            parts: Vec::new(),
            columns: None,
            styles: Vec::new(),
            widths: Vec::new(),
            rows: 0,
            chart: None,
        }
    }

    /// Table tiles stream to constant-memory sheets; chart and number tiles are small and kept
    /// in memory, so their pivoted values, chart and card can go beside the data at the end.
    fn streams(&self) -> bool {
        self.meta.chart.kind == ChartKind::Table
    }

    fn start(&mut self, book: &mut Book, names: &[String]) -> Result<(), XlsxError> {
        if let Some(columns) = &self.columns {
            if columns == names && self.rows == 0 {
                return Ok(());
            }
            return Err(XlsxError::Twice {
                tile: self.meta.id.clone(),
            });
        }
        if names.len() > EXCEL_COLUMNS {
            return Err(XlsxError::TooWide {
                tile: self.meta.id.clone(),
                columns: names.len(),
            });
        }
        self.chart = ChartRows::new(&self.meta, names)?;
        self.styles = names
            .iter()
            .map(|n| ColumnStyle::new(self.meta.chart.formats.get(n)))
            .collect();
        // Two more for the autofilter's button.
        self.widths = names.iter().map(|n| cells::text_width(n) + 2).collect();
        self.columns = Some(names.to_vec());
        let name = self.first_name.clone();
        self.open(book, name)
    }

    /// Adds a sheet named `name` with the header row, bold and frozen.
    fn open(&mut self, book: &mut Book, name: String) -> Result<(), XlsxError> {
        let mut sheet = if self.streams() {
            book.workbook.new_worksheet_with_constant_memory()?
        } else {
            Worksheet::new()
        };
        sheet.set_name(&name)?;
        for (col, title) in self.columns.iter().flatten().enumerate() {
            sheet.write_string_with_format(0, col as ColNum, title, &book.styles.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.parts.push(Part {
            name,
            sheet,
            rows: 0,
            xml_bytes: 0,
        });
        Ok(())
    }

    fn push(&mut self, book: &mut Book, row: &[Cell]) -> Result<(), XlsxError> {
        let expected = match &self.columns {
            Some(columns) => columns.len(),
            None => {
                return Err(XlsxError::NoColumns {
                    tile: self.meta.id.clone(),
                });
            }
        };
        if row.len() != expected {
            return Err(XlsxError::RowWidth {
                tile: self.meta.id.clone(),
                expected,
                got: row.len(),
            });
        }
        let full = self
            .parts
            .last()
            .is_some_and(|p| p.rows + 1 >= book.row_limit);
        if full {
            let part = self.parts.len() + 1;
            let name = book.names.continuation(&self.first_name, part);
            self.open(book, name)?;
        }
        let Some(part) = self.parts.last_mut() else {
            return Err(XlsxError::NoColumns {
                tile: self.meta.id.clone(),
            });
        };
        let r: RowNum = part.rows + 1;
        for (col, ((cell, style), width)) in row
            .iter()
            .zip(&self.styles)
            .zip(self.widths.iter_mut())
            .enumerate()
        {
            let shown = cells::write(&mut part.sheet, r, col as ColNum, cell, style)?;
            *width = (*width).max(shown);
            part.xml_bytes += xml_size(cell);
        }
        part.rows += 1;
        self.rows += 1;
        if let Some(chart) = &mut self.chart {
            chart.observe(row);
        }
        Ok(())
    }

    /// Finishes the tile's sheets: widths, autofilters, and the chart or card beside the data.
    /// A tile whose query never streamed gets its sheet with a line saying so.
    pub fn close(&mut self, book: &mut Book) -> Result<(), XlsxError> {
        if self.columns.is_none() {
            let mut sheet = Worksheet::new();
            sheet.set_name(&self.first_name)?;
            sheet.write_string(0, 0, "The tile's query returned no result.")?;
            self.parts.push(Part {
                name: self.first_name.clone(),
                sheet,
                rows: 0,
                xml_bytes: 0,
            });
            return Ok(());
        }
        let last_col = self.widths.len().saturating_sub(1) as ColNum;
        for part in &mut self.parts {
            for (col, width) in self.widths.iter().enumerate() {
                part.sheet
                    .set_column_width(col as ColNum, column_width(*width))?;
            }
            if !self.widths.is_empty() {
                part.sheet.autofilter(0, 0, part.rows, last_col)?;
            }
        }
        if let (Some(chart), Some(first)) = (self.chart.take(), self.parts.first_mut()) {
            chart.draw(book, &self.meta, first, &self.styles, &self.widths)?;
        }
        Ok(())
    }
}

/// Excel's column width (in characters) for content `chars` wide: a little padding, capped.
pub fn column_width(chars: usize) -> f64 {
    (chars.clamp(4, MAX_WIDTH) + 1) as f64
}

/// Streams one tile's rows into its sheets.
pub struct TileSink<'a> {
    pub(super) book: &'a mut Book,
    pub(super) tile: &'a mut TileSheet,
}

fn sink_error(e: XlsxError) -> WarehouseError {
    WarehouseError::Sink(Box::new(e))
}

impl RowSink for TileSink<'_> {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        self.tile.start(self.book, names).map_err(sink_error)
    }

    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.tile.push(self.book, row).map_err(sink_error)
    }
}
