//! One tile on a page: its frame, its bold title, and its content (the chart's scene, or a
//! part of its table) in the box below the title.

use super::Drawing;
use super::canvas::{Canvas, Run};
use super::layout::{Content, Placement, content_height};
use super::scene;
use super::style::{FRAME, INK, TILE_PAD, TILE_TITLE_BAND, TILE_TITLE_SIZE};
use super::table::TableText;
use crate::dashboard::result::TileResult;

/// What a tile is called on the page: its title, else its id.
pub fn title(tile: &TileResult) -> &str {
    let title = tile.meta.chart.title.trim();
    if title.is_empty() {
        &tile.meta.id
    } else {
        title
    }
}

pub fn draw(
    canvas: &mut Canvas<'_>,
    tile: &TileResult,
    at: &Placement,
    table: Option<&TableText>,
    drawing: &dyn Drawing,
) {
    canvas.stroke_rect(at.x, at.y, at.w, at.h, FRAME, 0.75);
    let inner_x = at.x + TILE_PAD;
    let inner_w = (at.w - 2.0 * TILE_PAD).max(0.0);
    let continued = matches!(
        at.content,
        Content::Table {
            continued: true,
            ..
        }
    );
    let heading = if continued {
        format!("{} (continued)", title(tile))
    } else {
        title(tile).to_string()
    };
    let fonts = canvas.fonts();
    let heading = fonts.fit(&heading, TILE_TITLE_SIZE, true, inner_w);
    let baseline = at.y + TILE_PAD + TILE_TITLE_SIZE * 0.95;
    canvas.text(Run::new(inner_x, baseline, &heading, TILE_TITLE_SIZE, INK).bold());

    let top = at.y + TILE_PAD + TILE_TITLE_BAND;
    let height = content_height(at.h);
    match &at.content {
        Content::Chart => {
            if inner_w > 0.0 && height > 0.0 {
                let drawn = drawing.chart(tile, inner_w, height);
                // A chart that spills over its box stays inside its frame.
                canvas.clip(at.x, at.y, at.w, at.h);
                scene::draw(canvas, &drawn, inner_x, top, inner_w, height);
                canvas.unclip();
            }
        }
        Content::Table { rows, ends, .. } => {
            if let Some(table) = table {
                table.draw(canvas, (inner_x, top, inner_w, height), rows.clone(), *ends);
            }
        }
    }
}
