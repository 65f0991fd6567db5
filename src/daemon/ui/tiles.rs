//! A dashboard's tiles as a page draws them: its 12-column grid (each tile where the spec puts
//! it, as the PDF does; one column, in reading order, on a phone), each tile read by the one
//! chart model: charts as inline SVG through the SVG renderer, a number tile's figure and a
//! table tile's rows as text (larger and selectable, as people read them on a screen).

use super::charts::figure;
use super::html::{escape, table};
use crate::dashboard::chart::model::MAX_GRID_ROWS;
use crate::dashboard::chart::{Chart, ChartKind};
use crate::dashboard::result::TileResult;
use crate::table::ColumnType;

/// The grid as the style sheet draws it on a laptop, in CSS pixels: a column's width (of the
/// page's 1088), a row's height, the gap between tiles, a tile's padding and title band.
const COLUMN: f32 = 76.0;
const ROW: f32 = 64.0;
const GAP: f32 = 16.0;
const PAD: f32 = 16.0;
const TITLE: f32 = 34.0;
/// Charts are drawn a little smaller than shown (the model sizes its text for print), as the
/// segments' charts are.
const SCALE: f32 = 0.8;
/// A chart's drawing on a phone (one column of about 340 pixels).
const NARROW: (f32, f32) = (280.0, 200.0);

/// A table's row (and its header) on a laptop, in CSS pixels.
const TABLE_ROW: f32 = 40.0;

/// The tiles in a grid.
pub fn grid(tiles: &[TileResult]) -> String {
    let mut order: Vec<&TileResult> = tiles.iter().collect();
    order.sort_by_key(|t| (t.meta.layout.y, t.meta.layout.x));
    let cells: String = order.iter().map(|t| tile(t, rows_tall(t, tiles))).collect();
    format!("<div class=\"dash\">{cells}</div>")
}

/// The grid rows a tile spans: as declared, but a table at the bottom of the grid with fewer
/// rows than its tile holds ends where they do, rather than leave an empty box below them.
fn rows_tall(t: &TileResult, all: &[TileResult]) -> u32 {
    let l = t.meta.layout;
    let declared = l.h.max(1);
    if t.meta.chart.kind != ChartKind::Table {
        return declared;
    }
    let shown = t.table.rows.len().clamp(1, MAX_GRID_ROWS) as f32;
    let note = if t.left_out() > 0 { TABLE_ROW } else { 0.0 };
    let needed = TITLE + 2.0 * PAD + TABLE_ROW * (shown + 1.0) + note;
    let fits = (((needed + GAP) / (ROW + GAP)).ceil() as u32).max(2);
    let below = all
        .iter()
        .filter(|o| !std::ptr::eq(*o, t))
        .any(|o| o.meta.layout.y + o.meta.layout.h > l.y + fits);
    if fits < declared && !below {
        fits
    } else {
        declared
    }
}

/// The room a tile's content has on a laptop, in CSS pixels.
fn room(t: &TileResult) -> (f32, f32) {
    let span = |cells: u32, unit: f32| cells as f32 * unit + cells.saturating_sub(1) as f32 * GAP;
    let l = t.meta.layout;
    (
        (span(l.w.max(1), COLUMN) - 2.0 * PAD).max(80.0),
        (span(l.h.max(1), ROW) - 2.0 * PAD - TITLE).max(40.0),
    )
}

fn tile(t: &TileResult, tall: u32) -> String {
    let l = t.meta.layout;
    let chart = Chart::build(&t.meta.chart, &t.table);
    let (kind, content) = match chart.kind {
        ChartKind::Number => ("number", number(&chart)),
        ChartKind::Table => ("table", rows(&chart, t)),
        _ => {
            let (w, h) = room(t);
            let narrow = if chart.kind == ChartKind::Pie {
                (NARROW.0, NARROW.1 + 40.0)
            } else {
                NARROW
            };
            ("chart", figure(&chart, (w * SCALE, h * SCALE), narrow))
        }
    };
    format!(
        "<section class=\"tile {kind}\" id=\"tile-{}\" style=\"--x:{};--y:{};--w:{};--h:{}\">\
         <h2 title=\"{title}\">{title}</h2><div class=\"body\">{content}</div></section>",
        escape(&t.meta.id),
        l.x + 1,
        l.y + 1,
        l.w.max(1),
        tall,
        title = escape(&t.meta.chart.title),
    )
}

/// A number tile: its figure in full, and the column it comes from.
fn number(chart: &Chart) -> String {
    let Some(f) = &chart.figure else {
        return "<p class=\"muted\">No value</p>".to_string();
    };
    let text = if f.text.is_empty() { "–" } else { &f.text };
    let caption = f.column.replace('_', " ");
    // A line for the caption even when there is none, so that figures side by side align.
    let caption = if caption.trim().eq_ignore_ascii_case(chart.title.trim()) {
        "<small>&nbsp;</small>".to_string()
    } else {
        format!("<small>{}</small>", escape(&caption))
    };
    format!(
        "<div class=\"figure\"><b title=\"{}\">{}</b>{caption}</div>",
        escape(&f.short),
        escape(text)
    )
}

/// A table tile: its first rows, numbers aligned right, and how many were left out.
fn rows(chart: &Chart, t: &TileResult) -> String {
    let Some(g) = chart.grid.as_ref().filter(|g| !g.rows.is_empty()) else {
        return "<p class=\"muted none\">No rows</p>".to_string();
    };
    let numeric = |k: &ColumnType| matches!(k, ColumnType::Int | ColumnType::Float);
    let head: Vec<String> = g
        .columns
        .iter()
        .zip(&g.kinds)
        .map(|(c, k)| {
            if numeric(k) {
                format!("#{c}")
            } else {
                c.clone()
            }
        })
        .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let cells: Vec<Vec<String>> = g
        .rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    let total = t.total_rows.max(g.total_rows as u64);
    let note = if total > g.rows.len() as u64 {
        format!(
            "<p class=\"muted note\">The first {} of {} rows</p>",
            g.rows.len(),
            super::html::count(Some(total as i64))
        )
    } else {
        String::new()
    };
    format!("{}{note}", table(&head, &cells))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::chart::ChartSpec;
    use crate::dashboard::result::{Layout, TileMeta};
    use crate::table::{Cell, Table};

    fn tile_of(id: &str, kind: ChartKind, layout: Layout, table: Table) -> TileResult {
        let total_rows = table.rows.len() as u64;
        TileResult {
            meta: TileMeta {
                id: id.into(),
                chart: ChartSpec {
                    kind,
                    title: format!("<{id}>"),
                    x: Some("k".into()),
                    y: vec!["n".into()],
                    series: None,
                    formats: Default::default(),
                },
                layout,
                page_break_before: false,
                max_rows: 100,
            },
            table,
            total_rows,
        }
    }

    #[test]
    fn tiles_are_placed_on_the_grid_in_reading_order_and_drawn_by_kind() {
        let t = Table::new(
            &["k", "n"],
            vec![
                vec![Cell::Text("a".into()), Cell::Int(1234)],
                vec![Cell::Text("b".into()), Cell::Int(5)],
            ],
        );
        let at = |x, y, w, h| Layout { x, y, w, h };
        let html = grid(&[
            tile_of("bars", ChartKind::Bar, at(0, 2, 8, 4), t.clone()),
            tile_of("rows", ChartKind::Table, at(8, 2, 4, 4), t.clone()),
            tile_of("total", ChartKind::Number, at(0, 0, 3, 2), t),
        ]);
        let first = |id: &str| html.find(&format!("id=\"tile-{id}\"")).unwrap();
        assert!(first("total") < first("bars") && first("bars") < first("rows"));
        assert!(html.contains("style=\"--x:9;--y:3;--w:4;--h:4\""), "{html}");
        assert!(html.contains(">&lt;bars&gt;</h2>"), "titles escaped");
        assert!(
            html.contains("style=\"--x:9;--y:3;--w:4;--h:4\""),
            "a table with others beside it keeps its height"
        );
        assert_eq!(
            html.matches("<svg").count(),
            2,
            "the chart, wide and narrow"
        );
        assert!(html.contains("<b title=\"1.23k\">1,234</b>"), "{html}");
        assert!(html.contains("<th class=\"num\">n</th>") && html.contains(">5</td>"));

        // A table at the bottom ends with its rows; one with none says so.
        let few = grid(&[
            tile_of("top", ChartKind::Number, at(0, 0, 12, 2), Table::default()),
            tile_of("rows", ChartKind::Table, at(0, 2, 12, 10), Table::default()),
        ]);
        assert!(few.contains("--y:3;--w:12;--h:3\""), "{few}");
        assert!(few.contains("No rows") && !few.contains("<table"), "{few}");
    }
}
