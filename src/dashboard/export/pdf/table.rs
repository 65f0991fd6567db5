//! Table tiles: every cell written once as the table shows it, column widths from what the
//! cells measure, and one part of the table (header row, rows, left-out line) drawn in a box.

use std::ops::Range;

use super::Drawing;
use super::canvas::{Canvas, Run};
use super::fonts::{Fonts, grouped};
use super::style::{
    HEADER_FILL, INK, MUTED, RULE, TABLE_CELL_PAD, TABLE_HEADER_HEIGHT, TABLE_NOTE_HEIGHT,
    TABLE_NOTE_SIZE, TABLE_ROW_HEIGHT, TABLE_SIZE, ZEBRA_FILL,
};
use crate::dashboard::chart::scene::Anchor;
use crate::dashboard::result::TileResult;
use crate::table::{Cell, ColumnType};

/// A table tile's text, ready to lay out.
pub struct TableText {
    headers: Vec<String>,
    /// Whether a column's header sits right, over numbers.
    numeric: Vec<bool>,
    /// Each row's cells: the text and whether it sits right (a number).
    cells: Vec<Vec<(String, bool)>>,
    /// What each column measures at its widest, padding included.
    natural: Vec<f32>,
    left_out: u64,
}

impl TableText {
    pub fn new(tile: &TileResult, fonts: &Fonts, drawing: &dyn Drawing) -> TableText {
        let columns = &tile.table.columns;
        let formats = &tile.meta.chart.formats;
        let headers: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let numeric = columns
            .iter()
            .map(|c| matches!(c.kind, ColumnType::Int | ColumnType::Float))
            .collect();
        let mut natural: Vec<f32> = headers
            .iter()
            .map(|h| fonts.width(h, TABLE_SIZE, true))
            .collect();
        let cells: Vec<Vec<(String, bool)>> = tile
            .table
            .rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, column)| {
                        let cell = row.get(i).unwrap_or(&Cell::Null);
                        let text = drawing.cell(cell, formats.get(&column.name));
                        natural[i] = natural[i].max(fonts.width(&text, TABLE_SIZE, false));
                        (text, matches!(cell, Cell::Int(_) | Cell::Float(_)))
                    })
                    .collect()
            })
            .collect();
        for w in &mut natural {
            *w += 2.0 * TABLE_CELL_PAD;
        }
        TableText {
            headers,
            numeric,
            cells,
            natural,
            left_out: tile.left_out(),
        }
    }

    /// The line under the last row when rows were left out.
    pub fn note(&self) -> Option<String> {
        (self.left_out > 0).then(|| {
            let rows = if self.left_out == 1 { "row" } else { "rows" };
            format!(
                "{} more {rows} not shown (see the Excel export)",
                grouped(self.left_out)
            )
        })
    }

    /// Column widths filling `width`: as measured, the room left shared out evenly; when there
    /// is no room, narrow columns keep their width and the wide ones share what is left.
    pub fn widths(&self, width: f32) -> Vec<f32> {
        let total: f32 = self.natural.iter().sum();
        if total <= 0.0 {
            return vec![0.0; self.natural.len()];
        }
        if total <= width {
            let extra = (width - total) / self.natural.len() as f32;
            return self.natural.iter().map(|w| w + extra).collect();
        }
        let mut out = vec![None; self.natural.len()];
        let mut left = width;
        loop {
            let open = out.iter().filter(|w| w.is_none()).count();
            if open == 0 {
                break;
            }
            let share = left / open as f32;
            let mut settled = false;
            for (slot, natural) in out.iter_mut().zip(&self.natural) {
                if slot.is_none() && *natural <= share {
                    *slot = Some(*natural);
                    left -= natural;
                    settled = true;
                }
            }
            if !settled {
                for slot in out.iter_mut().filter(|w| w.is_none()) {
                    *slot = Some(share);
                }
            }
        }
        out.into_iter().map(|w| w.unwrap_or(0.0)).collect()
    }

    /// Draws the header row and `rows` in the box at (`x`, `y`), then the left-out line when
    /// `ends`; a table without rows says so in the middle of the box instead.
    pub fn draw(
        &self,
        canvas: &mut Canvas<'_>,
        (x, y, width, height): (f32, f32, f32, f32),
        rows: Range<usize>,
        ends: bool,
    ) {
        let fonts = canvas.fonts();
        if self.cells.is_empty() {
            let text = self.note().unwrap_or_else(|| "No rows".to_string());
            let text = fonts.fit(&text, TABLE_SIZE, false, width);
            let run = Run::new(x + width / 2.0, y + height / 2.0, &text, TABLE_SIZE, MUTED);
            canvas.text(run.anchor(Anchor::Middle));
            return;
        }
        if rows.is_empty() && !ends {
            // Too little room for a row here: the table starts on the next page.
            return;
        }
        let widths = self.widths(width);
        canvas.fill_rect(x, y, width, TABLE_HEADER_HEIGHT, HEADER_FILL);
        self.draw_row(canvas, (x, y, TABLE_HEADER_HEIGHT), &widths, None);
        let mut top = y + TABLE_HEADER_HEIGHT;
        canvas.line((x, top), (x + width, top), RULE, 0.75, None);
        for (n, i) in rows.enumerate() {
            if n % 2 == 1 {
                canvas.fill_rect(x, top, width, TABLE_ROW_HEIGHT, ZEBRA_FILL);
            }
            self.draw_row(canvas, (x, top, TABLE_ROW_HEIGHT), &widths, Some(i));
            top += TABLE_ROW_HEIGHT;
        }
        canvas.line((x, top), (x + width, top), RULE, 0.75, None);
        if let Some(note) = self.note().filter(|_| ends) {
            let note = fonts.fit(&note, TABLE_NOTE_SIZE, false, width);
            let baseline = top + TABLE_NOTE_HEIGHT - 4.0;
            canvas.text(Run::new(x, baseline, &note, TABLE_NOTE_SIZE, MUTED));
        }
    }

    /// One row of text: the header (`row` none) in bold, else the row's cells.
    fn draw_row(
        &self,
        canvas: &mut Canvas<'_>,
        (x, top, height): (f32, f32, f32),
        widths: &[f32],
        row: Option<usize>,
    ) {
        let fonts = canvas.fonts();
        let baseline = top + (height + TABLE_SIZE * 0.72) / 2.0;
        let mut left = x;
        for (i, w) in widths.iter().enumerate() {
            let (text, right, bold) = match row {
                None => (self.headers[i].as_str(), self.numeric[i], true),
                Some(r) => match self.cells.get(r).and_then(|cells| cells.get(i)) {
                    Some((text, right)) => (text.as_str(), *right, false),
                    None => ("", false, false),
                },
            };
            let room = w - 2.0 * TABLE_CELL_PAD;
            let shown = fonts.fit(text, TABLE_SIZE, bold, room);
            let (at, anchor) = if right {
                (left + w - TABLE_CELL_PAD, Anchor::End)
            } else {
                (left + TABLE_CELL_PAD, Anchor::Start)
            };
            let run = Run::new(at, baseline, &shown, TABLE_SIZE, INK).anchor(anchor);
            canvas.text(if bold { run.bold() } else { run });
            left += w;
        }
    }
}
