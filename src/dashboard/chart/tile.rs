//! The tiles that are not plots: a number tile's large figure with its caption, and a table
//! tile's first rows as a compact text table (the PDF draws full tables itself).

use super::layout::{
    ASCENT, BAND, GRID, INK, MIDDLE, MUTED, PAD, SMALL, TEXT, fit, label, message,
};
use super::model::Chart;
use super::scene::{Anchor, Item};
use crate::dashboard::font;
use crate::table::ColumnType;

/// Figures at least this large are written short ($1.23M) rather than in full.
const LARGE: f64 = 1e6;
/// The largest figure size, in points.
const FIGURE: f32 = 40.0;
/// A figure's caption size.
const CAPTION: f32 = 10.0;
/// A table row's height and a cell's inner margin.
const ROW: f32 = 16.0;
const CELL: f32 = 5.0;
/// The narrowest column a table keeps.
const NARROWEST: f32 = 28.0;

/// The figure centred, as large as fits, with its column's name under it unless the title
/// already says it.
pub(super) fn figure(chart: &Chart, width: f32, height: f32) -> Vec<Item> {
    let Some(f) = &chart.figure else {
        return message(width, height, "No values to chart").items;
    };
    let room = width - 2.0 * PAD;
    let full = if f.text.is_empty() { "–" } else { &f.text };
    let large = f.value.is_some_and(|v| v.abs() >= LARGE);
    let caption = caption(&f.column, &chart.title);
    let caption_h = if caption.is_empty() {
        0.0
    } else {
        CAPTION + 8.0
    };
    // Sized as if every figure had a caption, so number tiles side by side match.
    let most = ((height - 2.0 * PAD - CAPTION - 8.0) / 1.1).clamp(6.0, FIGURE);
    let size_of = |t: &str| most.min(most * room / font::width(t, most, true).max(1.0));
    let mut text = if large {
        f.short.clone()
    } else {
        full.to_string()
    };
    let mut size = size_of(&text);
    if size < most * 0.6 && f.value.is_some() {
        text = f.short.clone();
        size = size_of(&text);
    }
    let size = size.max(6.0);
    let text = fit(&text, room, size, true);
    let block = size * ASCENT + caption_h;
    let baseline = (height - block) / 2.0 + size * ASCENT;
    let mut items = vec![Item::Text {
        at: (width / 2.0, baseline),
        text,
        size,
        color: INK,
        anchor: Anchor::Middle,
        bold: true,
        rotate: 0.0,
    }];
    if !caption.is_empty() {
        let at = (width / 2.0, baseline + 8.0 + CAPTION);
        let text = fit(&caption, room, CAPTION, false);
        items.push(label(at, &text, CAPTION, MUTED, Anchor::Middle));
    }
    items
}

/// A column's name as a caption (`total_revenue` is "Total revenue"), empty when the title
/// already reads the same.
fn caption(column: &str, title: &str) -> String {
    let words = column.replace('_', " ");
    let words = words.trim();
    if words.eq_ignore_ascii_case(title.trim()) {
        return String::new();
    }
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A header band and the rows that fit, each cell shortened to its column; numbers aligned
/// right; a last line counts the rows left out.
pub(super) fn grid(chart: &Chart, width: f32, height: f32) -> Vec<Item> {
    let Some(g) = &chart.grid else {
        return message(width, height, "No rows").items;
    };
    let fits = ((height / ROW) as usize).saturating_sub(1);
    let mut shown = g.rows.len().min(fits);
    if shown < g.total_rows && shown == fits {
        shown = fits.saturating_sub(1);
    }
    let rows = &g.rows[..shown];
    let natural: Vec<f32> = g
        .columns
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let cells = rows.iter().filter_map(|r| r.get(c));
            cells
                .map(|t| font::width(t, SMALL, false))
                .fold(font::width(name, SMALL, true), f32::max)
                + 2.0 * CELL
        })
        .collect();
    let whole: Vec<bool> = g
        .kinds
        .iter()
        .map(|k| !matches!(k, ColumnType::Text | ColumnType::Json | ColumnType::Any))
        .collect();
    let widths = share(&natural, &whole, width);
    let mut items = vec![Item::Rect {
        x: 0.0,
        y: 0.0,
        w: width,
        h: ROW,
        fill: BAND,
    }];
    let baseline = |row: usize| row as f32 * ROW + ROW / 2.0 + SMALL * MIDDLE;
    let mut x = 0.0;
    for (c, w) in widths.iter().enumerate() {
        let right = matches!(g.kinds.get(c), Some(ColumnType::Int | ColumnType::Float));
        let (at, anchor) = if right {
            (x + w - CELL, Anchor::End)
        } else {
            (x + CELL, Anchor::Start)
        };
        let name = fit(&g.columns[c], w - 2.0 * CELL, SMALL, true);
        items.push(Item::Text {
            at: (at, baseline(0)),
            text: name,
            size: SMALL,
            color: TEXT,
            anchor,
            bold: true,
            rotate: 0.0,
        });
        for (r, row) in rows.iter().enumerate() {
            let text = fit(
                row.get(c).map_or("", String::as_str),
                w - 2.0 * CELL,
                SMALL,
                false,
            );
            items.push(label((at, baseline(r + 1)), &text, SMALL, INK, anchor));
        }
        x += w;
    }
    for r in 1..=shown {
        let y = (r + 1) as f32 * ROW;
        items.push(Item::Line {
            from: (0.0, y),
            to: (width, y),
            stroke: GRID,
            width: 0.75,
            dash: None,
        });
    }
    if shown < g.total_rows {
        let left = g.total_rows - shown;
        let text = if left == 1 {
            "1 more row".to_string()
        } else {
            format!("{left} more rows")
        };
        let at = (CELL, baseline(shown + 1));
        items.push(label(at, &text, SMALL, MUTED, Anchor::Start));
    }
    items
}

/// Column widths within `width`: each its natural width when all fit; else numbers and dates
/// (`whole`) keep theirs, the narrow text columns too and the wide ones share the rest evenly,
/// dropping columns from the right while that rest leaves a text column under `NARROWEST`.
fn share(natural: &[f32], whole: &[bool], width: f32) -> Vec<f32> {
    if natural.iter().sum::<f32>() <= width {
        return natural.to_vec();
    }
    for count in (1..=natural.len()).rev() {
        let natural = &natural[..count];
        let kept = |i: usize| whole.get(i).copied().unwrap_or(false);
        let fixed: f32 = (0..count).filter(|i| kept(*i)).map(|i| natural[i]).sum();
        let mut flexible: Vec<usize> = (0..count).filter(|i| !kept(*i)).collect();
        let mut left = width - fixed;
        if left < 0.0 || left < flexible.len() as f32 * NARROWEST {
            continue;
        }
        flexible.sort_by(|a, b| natural[*a].total_cmp(&natural[*b]));
        let mut out = natural.to_vec();
        for (k, &i) in flexible.iter().enumerate() {
            out[i] = natural[i].min(left / (flexible.len() - k) as f32);
            left -= out[i];
        }
        return out;
    }
    vec![width]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_are_column_names_in_words_unless_the_title_says_them() {
        assert_eq!(caption("total_revenue", "Revenue"), "Total revenue");
        assert_eq!(caption("revenue", "Revenue"), "");
        assert_eq!(caption("", "Revenue"), "");
    }

    #[test]
    fn narrow_columns_keep_their_width_and_wide_ones_share_the_rest() {
        let text = [false; 10];
        assert_eq!(share(&[40.0, 60.0], &text, 200.0), [40.0, 60.0]);
        assert_eq!(
            share(&[40.0, 300.0, 200.0], &text, 200.0),
            [40.0, 80.0, 80.0]
        );
        assert_eq!(share(&[50.0; 10], &text, 100.0).len(), 3);
        let numbers = [false, true, false, true];
        assert_eq!(
            share(&[200.0, 60.0, 100.0, 70.0], &numbers, 250.0),
            [60.0, 60.0, 60.0, 70.0]
        );
        assert_eq!(
            share(&[200.0, 60.0, 100.0, 70.0], &numbers, 140.0),
            [40.0, 60.0, 40.0]
        );
        assert_eq!(
            share(&[200.0, 60.0, 100.0, 70.0], &numbers, 100.0),
            [40.0, 60.0]
        );
        assert_eq!(share(&[500.0], &[true], 100.0), [100.0]);
    }
}
