//! Where every tile goes: the 12-column grid mapped onto the printable area, rows of tiles
//! moved whole to the next page when they do not fit, and long tables continued on pages of
//! their own.

use std::ops::Range;

use super::style::{
    GRID_UNIT, GUTTER, TABLE_HEADER_HEIGHT, TABLE_NOTE_HEIGHT, TABLE_ROW_HEIGHT, TILE_PAD,
    TILE_TITLE_BAND,
};
use crate::dashboard::chart::ChartKind;
use crate::dashboard::result::TileResult;

const COLUMNS: u32 = 12;

/// The printable area of the pages, in points from the top left corner.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub left: f32,
    pub right: f32,
    /// Where tiles start on the first page, below the dashboard's header.
    pub first_top: f32,
    /// Where tiles start on the later pages, below the running header.
    pub top: f32,
    pub bottom: f32,
}

impl Frame {
    fn column_width(&self) -> f32 {
        (self.right - self.left - GUTTER * (COLUMNS - 1) as f32) / COLUMNS as f32
    }

    fn span(&self, cells: u32, unit: f32) -> f32 {
        cells as f32 * unit + cells.saturating_sub(1) as f32 * GUTTER
    }
}

/// What part of its tile a placement shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// The chart (or number), drawn from its scene.
    Chart,
    /// Some rows of a table; `continued` when earlier rows are on an earlier page, `ends` when
    /// the table ends here (and the left-out line, if any, goes below the rows).
    Table {
        rows: Range<usize>,
        continued: bool,
        ends: bool,
    },
}

/// A tile's frame on a page.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub tile: usize,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub content: Content,
}

/// The height a tile's content gets inside a frame of `h` points (below padding and title).
pub fn content_height(h: f32) -> f32 {
    (h - 2.0 * TILE_PAD - TILE_TITLE_BAND).max(0.0)
}

/// The height of a table's part: its header row, `rows` rows and the left-out line.
pub fn table_height(rows: usize, note: bool) -> f32 {
    let note = if note { TABLE_NOTE_HEIGHT } else { 0.0 };
    TABLE_HEADER_HEIGHT + rows as f32 * TABLE_ROW_HEIGHT + note
}

/// How many of `remaining` rows fit in `height` points, and whether the table ends there
/// (its last row and, when rows were left out, the line saying so).
fn chunk(height: f32, remaining: usize, note: bool) -> (usize, bool) {
    let room = ((height - TABLE_HEADER_HEIGHT) / TABLE_ROW_HEIGHT)
        .floor()
        .max(0.0) as usize;
    if remaining == 0 || table_height(remaining, note) <= height {
        return (remaining, true);
    }
    // Keep one row back so the left-out line never stands alone under a repeated header.
    (room.min(remaining.saturating_sub(1)), false)
}

/// Tiles whose grid rows overlap: they move to the next page together.
struct Band {
    tiles: Vec<usize>,
    y0: u32,
    y1: u32,
    breaks: bool,
}

fn bands(tiles: &[TileResult]) -> Vec<Band> {
    let mut order: Vec<usize> = (0..tiles.len()).collect();
    order.sort_by_key(|&i| (tiles[i].meta.layout.y, tiles[i].meta.layout.x));
    let mut out: Vec<Band> = Vec::new();
    for i in order {
        let meta = &tiles[i].meta;
        let (y0, y1) = (meta.layout.y, meta.layout.y + meta.layout.h.max(1));
        match out.last_mut() {
            Some(band) if y0 < band.y1 => {
                band.tiles.push(i);
                band.y1 = band.y1.max(y1);
                band.breaks |= meta.page_break_before;
            }
            _ => out.push(Band {
                tiles: vec![i],
                y0,
                y1,
                breaks: meta.page_break_before,
            }),
        }
    }
    out
}

/// A table still to continue on the next page: its tile and its next row.
struct Pending {
    tile: usize,
    next: usize,
}

struct Paper<'a> {
    frame: Frame,
    tiles: &'a [TileResult],
    pages: Vec<Vec<Placement>>,
    /// The top of the free space on the last page.
    cursor: f32,
    /// The grid row the last band on this page ended at, to keep empty grid rows empty.
    last_row: Option<u32>,
}

impl Paper<'_> {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.cursor = self.frame.top;
        self.last_row = None;
    }

    fn page_is_empty(&self) -> bool {
        self.pages.last().is_none_or(|p| p.is_empty())
    }

    fn push(&mut self, placement: Placement) {
        if let Some(page) = self.pages.last_mut() {
            page.push(placement);
        }
    }

    fn columns(&self, tile: usize) -> (f32, f32) {
        let layout = self.tiles[tile].meta.layout;
        let x = layout.x.min(COLUMNS - 1);
        let w = layout.w.clamp(1, COLUMNS - x);
        let col = self.frame.column_width();
        (
            self.frame.left + x as f32 * (col + GUTTER),
            self.frame.span(w, col),
        )
    }

    fn place(&mut self, band: &Band) {
        if band.breaks && !self.page_is_empty() {
            self.new_page();
        }
        let height = self.frame.span(band.y1 - band.y0, GRID_UNIT);
        let mut gap = match self.last_row {
            _ if self.page_is_empty() => 0.0,
            Some(row) => GUTTER + band.y0.saturating_sub(row) as f32 * (GRID_UNIT + GUTTER),
            None => GUTTER,
        };
        if !self.page_is_empty() && self.cursor + gap + height > self.frame.bottom {
            self.new_page();
            gap = 0.0;
        }
        let top = self.cursor + gap;
        // A band taller than a whole page is squeezed onto one.
        let squeeze = ((self.frame.bottom - top) / height).min(1.0);
        let mut pending = Vec::new();
        for &tile in &band.tiles {
            let layout = self.tiles[tile].meta.layout;
            let (x, w) = self.columns(tile);
            let y = top + (layout.y - band.y0) as f32 * (GRID_UNIT + GUTTER) * squeeze;
            let h = self.frame.span(layout.h.max(1), GRID_UNIT) * squeeze;
            let content = self.content(tile, 0, content_height(h), false, &mut pending);
            self.push(Placement {
                tile,
                x,
                y,
                w,
                h,
                content,
            });
        }
        self.cursor = top + height * squeeze;
        self.last_row = Some(band.y1);
        self.continue_tables(pending);
    }

    /// The content of a tile's frame whose content box is `room` points high, from row `from`.
    fn content(
        &self,
        tile: usize,
        from: usize,
        room: f32,
        continued: bool,
        pending: &mut Vec<Pending>,
    ) -> Content {
        let t = &self.tiles[tile];
        if t.meta.chart.kind != ChartKind::Table {
            return Content::Chart;
        }
        let remaining = t.table.rows.len().saturating_sub(from);
        let (mut rows, mut ends) = chunk(room, remaining, t.left_out() > 0);
        if continued && rows == 0 && !ends {
            // Not even a whole page holds a row: show the rest rather than loop.
            (rows, ends) = (remaining, true);
        }
        if !ends {
            pending.push(Pending {
                tile,
                next: from + rows,
            });
        }
        Content::Table {
            rows: from..from + rows,
            continued,
            ends,
        }
    }

    /// Each table that did not end in its frame goes on over the next pages, in its own
    /// columns, with frames as tall as their rows.
    fn continue_tables(&mut self, mut pending: Vec<Pending>) {
        while !pending.is_empty() {
            self.new_page();
            let room = content_height(self.frame.bottom - self.frame.top);
            let mut next = Vec::new();
            let mut lowest = self.cursor;
            for p in pending {
                let (x, w) = self.columns(p.tile);
                let content = self.content(p.tile, p.next, room, true, &mut next);
                let h = match &content {
                    Content::Table { rows, ends, .. } => {
                        let note = *ends && self.tiles[p.tile].left_out() > 0;
                        self.frame.bottom.min(
                            self.cursor
                                + table_height(rows.len(), note)
                                + 2.0 * TILE_PAD
                                + TILE_TITLE_BAND,
                        ) - self.cursor
                    }
                    Content::Chart => room,
                };
                lowest = lowest.max(self.cursor + h);
                self.push(Placement {
                    tile: p.tile,
                    x,
                    y: self.cursor,
                    w,
                    h,
                    content,
                });
            }
            self.cursor = lowest;
            pending = next;
        }
    }
}

/// Every page's placements, in the order drawn.
pub fn paginate(tiles: &[TileResult], frame: Frame) -> Vec<Vec<Placement>> {
    let mut paper = Paper {
        frame,
        tiles,
        pages: vec![Vec::new()],
        cursor: frame.first_top,
        last_row: None,
    };
    for band in bands(tiles) {
        paper.place(&band);
    }
    paper.pages
}
