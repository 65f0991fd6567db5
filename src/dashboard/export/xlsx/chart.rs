//! A chart tile's native Excel chart (line, column, area, pie) bound to its sheet's cells, the
//! pivoted block it reads when a `series` column splits the values, and a number tile's card.

use std::collections::HashMap;

use rust_xlsxwriter::{Chart, ChartType, ColNum, Format as CellFormat, RowNum};

use super::XlsxError;
use super::cells;
use super::sheet::{Book, Part, column_width};
use super::style::ColumnStyle;
use crate::dashboard::chart::ChartKind;
use crate::dashboard::result::TileMeta;
use crate::table::Cell;

/// The most series an Excel chart draws.
const MAX_SERIES: usize = 255;

/// The chart's size in pixels.
const CHART_WIDTH: u32 = 720;
const CHART_HEIGHT: u32 = 400;

/// What a chart or number tile keeps of its rows while they stream.
pub struct ChartRows {
    x: Option<usize>,
    ys: Vec<usize>,
    /// Set when a `series` column splits the values (not for a pie, which draws one series).
    pivot: Option<Pivot>,
    /// A number tile's first row.
    first: Option<Vec<Cell>>,
    /// What the x values are, when they are dates or timestamps (the axis writes them so).
    x_time: Option<XTime>,
}

/// Dates, or timestamps with a time of day.
#[derive(Clone, Copy, PartialEq)]
enum XTime {
    Days,
    Times,
}

/// Values by category (rows) and series value (columns), in order of first appearance.
struct Pivot {
    series_col: usize,
    categories: Vec<Cell>,
    category_at: HashMap<String, usize>,
    series: Vec<Cell>,
    series_at: HashMap<String, usize>,
    /// Rows seen per series value, the category of a chart without `x`.
    ordinals: Vec<i64>,
    /// Sums by (category, series value × y column).
    values: HashMap<(usize, usize), f64>,
}

/// A cell's identity for grouping (its type and value).
fn key(cell: &Cell) -> String {
    format!("{cell:?}")
}

fn position(list: &mut Vec<Cell>, at: &mut HashMap<String, usize>, cell: &Cell) -> usize {
    *at.entry(key(cell)).or_insert_with(|| {
        list.push(cell.clone());
        list.len() - 1
    })
}

impl ChartRows {
    /// What `meta`'s chart needs from rows with columns `names`; `None` for a table tile.
    pub fn new(meta: &TileMeta, names: &[String]) -> Result<Option<ChartRows>, XlsxError> {
        let spec = &meta.chart;
        let find = |column: &String| {
            names
                .iter()
                .position(|n| n == column)
                .ok_or_else(|| XlsxError::MissingColumn {
                    tile: meta.id.clone(),
                    column: column.clone(),
                })
        };
        let x = spec.x.as_ref().map(find).transpose()?;
        let ys = spec.y.iter().map(find).collect::<Result<Vec<_>, _>>()?;
        let series = spec.series.as_ref().map(find).transpose()?;
        let pivot = match (spec.kind, series) {
            (ChartKind::Line | ChartKind::Bar | ChartKind::Area, Some(series_col)) => Some(Pivot {
                series_col,
                categories: Vec::new(),
                category_at: HashMap::new(),
                series: Vec::new(),
                series_at: HashMap::new(),
                ordinals: Vec::new(),
                values: HashMap::new(),
            }),
            _ => None,
        };
        Ok(match spec.kind {
            ChartKind::Table => None,
            _ => Some(ChartRows {
                x,
                ys,
                pivot,
                first: None,
                x_time: None,
            }),
        })
    }

    pub fn observe(&mut self, row: &[Cell]) {
        if self.first.is_none() {
            self.first = Some(row.to_vec());
        }
        match self.x.and_then(|x| row.get(x)) {
            Some(Cell::Date(_)) => self.x_time = self.x_time.or(Some(XTime::Days)),
            Some(Cell::Timestamp(t)) if t.time() != chrono::NaiveTime::MIN => {
                self.x_time = Some(XTime::Times)
            }
            Some(Cell::Timestamp(_)) => self.x_time = self.x_time.or(Some(XTime::Days)),
            _ => {}
        }
        let Some(p) = &mut self.pivot else {
            return;
        };
        let s = position(&mut p.series, &mut p.series_at, &row[p.series_col]);
        if p.ordinals.len() <= s {
            p.ordinals.resize(s + 1, 0);
        }
        p.ordinals[s] += 1;
        let category = match self.x {
            Some(x) => row[x].clone(),
            None => Cell::Int(p.ordinals[s]),
        };
        let c = position(&mut p.categories, &mut p.category_at, &category);
        for (i, &y) in self.ys.iter().enumerate() {
            let value = match row[y] {
                Cell::Int(v) => v as f64,
                Cell::Float(v) if v.is_finite() => v,
                _ => continue,
            };
            *p.values.entry((c, s * self.ys.len() + i)).or_insert(0.0) += value;
        }
    }

    /// Draws the chart (or the number card) on the tile's first sheet, beside its data.
    pub fn draw(
        self,
        book: &mut Book,
        meta: &TileMeta,
        part: &mut Part,
        styles: &[ColumnStyle],
        widths: &[usize],
    ) -> Result<(), XlsxError> {
        let beside = (widths.len() + 1) as ColNum;
        let kind = match meta.chart.kind {
            ChartKind::Table => return Ok(()),
            ChartKind::Number => return self.card(book, meta, part, styles, beside),
            ChartKind::Line => ChartType::Line,
            ChartKind::Bar => ChartType::Column,
            ChartKind::Area => ChartType::Area,
            ChartKind::Pie => ChartType::Pie,
        };
        if self.ys.is_empty() {
            // Nothing to draw: Excel refuses a chart without a series.
            return Ok(());
        }
        let mut chart = Chart::new(kind);
        chart.set_width(CHART_WIDTH).set_height(CHART_HEIGHT);
        chart
            .title()
            .set_name(meta.chart.title.trim_start_matches('='));
        let sheet = part.name.clone();
        // With no rows there is no series value to pivot on: the chart reads the (empty) columns.
        let at = match self.pivot.as_ref().filter(|p| !p.series.is_empty()) {
            Some(pivot) => {
                let (last_row, last_col) =
                    self.pivot_block(book, meta, part, pivot, styles, beside)?;
                for col in beside + 1..=last_col {
                    chart
                        .add_series()
                        .set_categories((sheet.as_str(), 1, beside, last_row, beside))
                        .set_values((sheet.as_str(), 1, col, last_row, col))
                        .set_name((sheet.as_str(), 0, col));
                }
                last_col + 2
            }
            None => {
                let last_row: RowNum = part.rows.max(1);
                let ys = if kind == ChartType::Pie {
                    &self.ys[..self.ys.len().min(1)]
                } else {
                    &self.ys[..]
                };
                for &y in ys {
                    let series = chart.add_series();
                    let y = y as ColNum;
                    series
                        .set_values((sheet.as_str(), 1, y, last_row, y))
                        .set_name((sheet.as_str(), 0, y));
                    if let Some(x) = self.x {
                        let x = x as ColNum;
                        series.set_categories((sheet.as_str(), 1, x, last_row, x));
                    }
                }
                if ys.len() == 1 && kind != ChartType::Pie {
                    chart.legend().set_hidden();
                }
                beside
            }
        };
        if let (true, Some(x)) = (kind != ChartType::Pie, &meta.chart.x) {
            chart.x_axis().set_name(x.trim_start_matches('='));
            // Dates as dates on the axis, not as Excel's day numbers.
            match self.x_time {
                Some(XTime::Days) => {
                    chart.x_axis().set_num_format("yyyy-mm-dd");
                }
                Some(XTime::Times) => {
                    chart.x_axis().set_num_format("yyyy-mm-dd hh:mm");
                }
                None => {}
            }
        }
        part.sheet.insert_chart(1, at, &chart)?;
        Ok(())
    }

    /// Writes the pivoted values at column `at`: the categories, then one column per series
    /// value (per y column when there are several). Returns the block's last row and column.
    fn pivot_block(
        &self,
        book: &Book,
        meta: &TileMeta,
        part: &mut Part,
        pivot: &Pivot,
        styles: &[ColumnStyle],
        at: ColNum,
    ) -> Result<(RowNum, ColNum), XlsxError> {
        let sheet = &mut part.sheet;
        let header = &book.styles.header;
        let x_name = meta.chart.x.as_deref().unwrap_or("#");
        sheet.write_string_with_format(0, at, x_name, header)?;
        let plain = ColumnStyle::new(None);
        let x_style = self.x.and_then(|x| styles.get(x)).unwrap_or(&plain);
        let rows = pivot
            .categories
            .len()
            .min(book.row_limit.saturating_sub(1) as usize);
        let mut width = cells::text_width(x_name);
        for (r, category) in pivot.categories.iter().take(rows).enumerate() {
            let shown = cells::write(sheet, r as RowNum + 1, at, category, x_style)?;
            width = width.max(shown);
        }
        sheet.set_column_width(at, column_width(width))?;
        let ny = self.ys.len();
        let columns = (pivot.series.len() * ny).min(MAX_SERIES);
        for column in 0..columns {
            let (s, i) = (column / ny, column % ny);
            let label = match ny {
                1 => pivot.series[s].to_text(),
                _ => format!("{} {}", pivot.series[s].to_text(), meta.chart.y[i]),
            };
            let col = at + 1 + column as ColNum;
            sheet.write_string_with_format(0, col, &label, header)?;
            let style = styles.get(self.ys[i]).unwrap_or(&plain);
            let mut width = cells::text_width(&label);
            for r in 0..rows {
                if let Some(&v) = pivot.values.get(&(r, column)) {
                    // A whole sum is written as an integer, so it takes the integer format.
                    let value = if v.fract() == 0.0 && v.abs() < 9e15 {
                        Cell::Int(v as i64)
                    } else {
                        Cell::Float(v)
                    };
                    let shown = cells::write(sheet, r as RowNum + 1, col, &value, style)?;
                    width = width.max(shown);
                }
            }
            sheet.set_column_width(col, column_width(width))?;
        }
        Ok(((rows as RowNum).max(1), at + columns as ColNum))
    }

    /// A number tile's card at column `at`: the tile title over its value, large.
    fn card(
        self,
        book: &Book,
        meta: &TileMeta,
        part: &mut Part,
        styles: &[ColumnStyle],
        at: ColNum,
    ) -> Result<(), XlsxError> {
        let sheet = &mut part.sheet;
        sheet.write_string_with_format(0, at, &meta.chart.title, &book.styles.label)?;
        let column = self.ys.first().copied().unwrap_or(0);
        let value = self.first.as_ref().and_then(|row| row.get(column));
        let big = |f: Option<&CellFormat>| {
            Some(f.cloned().unwrap_or_default().set_bold().set_font_size(20))
        };
        let mut width = cells::text_width(&meta.chart.title);
        if let (Some(value), Some(style)) = (value, styles.get(column)) {
            // A whole number reads as a figure (10,000) unless the tile gave a format.
            let grouped = CellFormat::new().set_num_format("#,##0");
            let card = ColumnStyle {
                int: big(style.int.as_ref().or(Some(&grouped))),
                float: big(style.float.as_ref()),
                ..style.clone()
            };
            let shown = cells::write(sheet, 1, at, value, &card)?;
            width = width.max(shown * 2);
            sheet.set_row_height(1, 28)?;
        }
        sheet.set_column_width(at, column_width(width))?;
        Ok(())
    }
}
