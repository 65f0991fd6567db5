//! Laying a chart out as a scene: which layout each kind takes, and what they share (the
//! colours and sizes of text and lines, text fitted with an ellipsis, legends, messages).

use super::model::Chart;
use super::scene::{Anchor, Color, Item, Point, Scene};
use super::{ChartKind, cartesian, pie, tile};
use crate::dashboard::font;

/// Figures.
pub const INK: Color = Color(0x11, 0x18, 0x27);
/// Legends and table cells.
pub const TEXT: Color = Color(0x37, 0x41, 0x51);
/// Tick labels and captions.
pub const MUTED: Color = Color(0x6B, 0x72, 0x80);
/// Messages in place of a chart.
pub const FAINT: Color = Color(0x9C, 0xA3, 0xAF);
/// Gridlines and table rules.
pub const GRID: Color = Color(0xE5, 0xE7, 0xEB);
/// The axis line along the bottom of a plot.
pub const AXIS: Color = Color(0xC4, 0xC9, 0xD0);
/// The zero line when values go below it.
pub const ZERO: Color = Color(0x6B, 0x72, 0x80);
pub const WHITE: Color = Color(0xFF, 0xFF, 0xFF);
/// A table's header band.
pub const BAND: Color = Color(0xF3, 0xF4, 0xF6);

/// Space kept clear around the scene's edges.
pub const PAD: f32 = 6.0;
/// Tick labels, legends and table text.
pub const SMALL: f32 = 9.0;
/// Distance from a text's baseline up to the middle of its lowercase letters, as a share of
/// its size: a text at `y + size * MIDDLE` looks centred on `y`.
pub const MIDDLE: f32 = 0.35;
/// DejaVu Sans's ascent as a share of the size: a line's top is this far above its baseline.
pub const ASCENT: f32 = 0.76;

impl Chart {
    /// Lays the chart out in a box of `width` by `height` points: axes, ticks, gridlines,
    /// series, legends, a pie, a number tile's figure or a table's first rows; "No rows" when
    /// the result was empty.
    ///
    /// The title is not drawn: renderers draw each tile's title themselves, above the scene.
    pub fn scene(&self, width: f32, height: f32) -> Scene {
        let width = width.max(1.0);
        let height = height.max(1.0);
        if self.rows == 0 {
            return message(width, height, "No rows");
        }
        let items = match self.kind {
            ChartKind::Line | ChartKind::Bar | ChartKind::Area if self.has_values() => {
                cartesian::items(self, width, height)
            }
            ChartKind::Pie if !self.slices.is_empty() => pie::items(self, width, height),
            ChartKind::Number => tile::figure(self, width, height),
            ChartKind::Table => tile::grid(self, width, height),
            ChartKind::Line | ChartKind::Bar | ChartKind::Area | ChartKind::Pie => {
                return message(width, height, "No values to chart");
            }
        };
        Scene {
            width,
            height,
            items,
        }
    }
}

/// A scene that only says `text`, centred.
pub fn message(width: f32, height: f32, text: &str) -> Scene {
    let size = 11.0;
    Scene {
        width,
        height,
        items: vec![label(
            (width / 2.0, height / 2.0 + size * MIDDLE),
            &fit(text, width - 2.0 * PAD, size, false),
            size,
            FAINT,
            Anchor::Middle,
        )],
    }
}

/// Regular, unrotated text.
pub fn label(at: Point, text: &str, size: f32, color: Color, anchor: Anchor) -> Item {
    Item::Text {
        at,
        text: text.to_string(),
        size,
        color,
        anchor,
        bold: false,
        rotate: 0.0,
    }
}

pub use crate::dashboard::font::fit;

/// A legend's entries (a dot and a name) in rows from `(x, y)` (the top of the first row),
/// wrapping within `max` points, at most `rows` rows; entries past them are counted as
/// "+N more". Returns the items and the height used.
pub fn legend(
    entries: &[(String, Color)],
    x: f32,
    y: f32,
    max: f32,
    rows: usize,
) -> (Vec<Item>, f32) {
    const DOT: f32 = 3.5;
    const ROW: f32 = 14.0;
    let names: Vec<String> = entries
        .iter()
        .map(|(name, _)| fit(name, max - 2.0 * DOT - 5.0, SMALL, false))
        .collect();
    let widths: Vec<f32> = names
        .iter()
        .map(|n| 2.0 * DOT + 5.0 + font::width(n, SMALL, false))
        .collect();
    // The most entries that fit in the rows, with a "+N more" after them when some do not.
    let mut shown = entries.len();
    let mut more = None;
    let mut places = wrap(&widths, max);
    while places.last().is_some_and(|p| p.0 >= rows.max(1)) && shown > 0 {
        shown -= 1;
        let text = format!("+{} more", entries.len() - shown);
        let mut with_more = widths[..shown].to_vec();
        with_more.push(font::width(&text, SMALL, false));
        places = wrap(&with_more, max);
        more = Some(text);
    }
    let mut items = Vec::new();
    for (i, &(row, dx)) in places.iter().enumerate() {
        let baseline = y + row as f32 * ROW + SMALL * ASCENT + 1.0;
        match (entries.get(i).filter(|_| i < shown), &more) {
            (Some((_, color)), _) => {
                items.push(Item::Circle {
                    center: (x + dx + DOT, baseline - SMALL * MIDDLE),
                    r: DOT,
                    fill: *color,
                });
                let at = (x + dx + 2.0 * DOT + 5.0, baseline);
                items.push(label(at, &names[i], SMALL, TEXT, Anchor::Start));
            }
            (None, Some(text)) => {
                items.push(label((x + dx, baseline), text, SMALL, MUTED, Anchor::Start));
            }
            (None, None) => {}
        }
    }
    let used = places.last().map_or(0, |p| p.0 + 1);
    (items, used as f32 * ROW)
}

/// The row and offset of each of a run of boxes `widths` wide, wrapped within `max`.
fn wrap(widths: &[f32], max: f32) -> Vec<(usize, f32)> {
    const GAP: f32 = 14.0;
    let (mut row, mut at) = (0, 0.0);
    widths
        .iter()
        .map(|&w| {
            if at > 0.0 && at + w > max {
                row += 1;
                at = 0.0;
            }
            let place = (row, at);
            at += w + GAP;
            place
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_with_an_ellipsis_to_its_room() {
        let w = font::width("Newsletter", SMALL, false);
        assert_eq!(fit("Newsletter", w, SMALL, false), "Newsletter");
        let cut = fit("Newsletter subscribers", w, SMALL, false);
        assert!(cut.ends_with('…') && cut.starts_with("Newslet"), "{cut}");
        assert!(font::width(&cut, SMALL, false) <= w);
        assert_eq!(
            fit(
                "Paid search",
                font::width("Paid …", SMALL, false),
                SMALL,
                false
            ),
            "Paid…"
        );
        assert_eq!(fit("Newsletter", 1.0, SMALL, false), "");
        assert_eq!(
            fit("Ünïcödé ✓ text", 30.0, SMALL, true).chars().last(),
            Some('…')
        );
    }

    #[test]
    fn a_legend_wraps_and_counts_what_does_not_fit() {
        let entries: Vec<(String, Color)> = (0..12)
            .map(|i| (format!("Channel {i}"), Color(0, 0, 0)))
            .collect();
        let (items, height) = legend(&entries, 0.0, 0.0, 200.0, 2);
        assert_eq!(height, 28.0);
        let texts: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let more = texts.last().copied().unwrap_or_default();
        assert!(
            more.starts_with('+') && more.ends_with(" more"),
            "{texts:?}"
        );
        let shown = texts.len() - 1;
        assert_eq!(more, format!("+{} more", 12 - shown));
        let (items, height) = legend(&entries[..2], 0.0, 0.0, 400.0, 2);
        assert_eq!((items.len(), height), (4, 14.0));
    }
}
