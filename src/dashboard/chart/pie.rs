//! Pie charts: slices clockwise from twelve o'clock, largest first, their shares written on
//! those wide enough, and a legend of names and shares beside the pie (below it in a tall box).

use std::f32::consts::{PI, TAU};

use super::layout::{ASCENT, INK, MIDDLE, MUTED, PAD, SMALL, TEXT, WHITE, fit, label, legend};
use super::model::Chart;
use super::scene::{Anchor, Color, Item, Point};
use crate::dashboard::font;

/// A slice's arc is drawn as straight pieces of at most this angle.
const STEP: f32 = PI / 90.0;
/// Rows of the side legend.
const ROW: f32 = 15.0;
const DOT: f32 = 3.5;

pub(super) fn items(chart: &Chart, width: f32, height: f32) -> Vec<Item> {
    let total: f64 = chart.slices.iter().map(|s| s.value).sum();
    let shares: Vec<f64> = chart.slices.iter().map(|s| s.value / total).collect();
    let names: Vec<String> = chart.slices.iter().map(|s| s.label.clone()).collect();
    let mut items = Vec::new();
    let (center, r) = if width >= height * 1.25 {
        side(chart, &names, &shares, width, height, &mut items)
    } else {
        let entries: Vec<(String, Color)> = chart
            .slices
            .iter()
            .zip(&shares)
            .map(|(s, share)| (format!("{} {}", s.label, percent(*share)), s.color))
            .collect();
        // Laid out once to measure, then again where it goes, its widest row centred.
        let (probe, used) = legend(&entries, 0.0, 0.0, width - 2.0 * PAD, 3);
        let r = ((height - 3.0 * PAD - used).min(width - 2.0 * PAD) / 2.0).max(1.0);
        let top = (height - (2.0 * r + PAD + used)) / 2.0;
        let row_w = probe
            .iter()
            .filter_map(|item| match item {
                Item::Text { at, text, .. } => Some(at.0 + font::width(text, SMALL, false)),
                _ => None,
            })
            .fold(0.0, f32::max);
        let left = ((width - row_w) / 2.0).max(PAD);
        let below = top + 2.0 * r + PAD;
        items.extend(legend(&entries, left, below, width - 2.0 * PAD, 3).0);
        ((width / 2.0, top + r), r)
    };
    let mut start = -PI / 2.0;
    let mut bounds = Vec::new();
    for (slice, share) in chart.slices.iter().zip(&shares) {
        let sweep = *share as f32 * TAU;
        items.push(Item::Polygon {
            points: wedge(center, r, start, sweep),
            fill: slice.color,
            opacity: 1.0,
        });
        bounds.push(start);
        start += sweep;
    }
    if chart.slices.len() > 1 {
        for angle in &bounds {
            let edge = (center.0 + r * angle.cos(), center.1 + r * angle.sin());
            items.push(Item::Line {
                from: center,
                to: edge,
                stroke: WHITE,
                width: 1.5,
                dash: None,
            });
        }
    }
    for ((slice, share), a0) in chart.slices.iter().zip(&shares).zip(&bounds) {
        let sweep = *share as f32 * TAU;
        let text = percent(*share);
        let w = font::width(&text, SMALL, true);
        let at = 0.64 * r;
        // Written on the slice when its arc at that radius leaves room (and the slice is not all).
        if sweep < TAU * 0.999 && sweep * at < w + 8.0 || r < 24.0 {
            continue;
        }
        let mid = a0 + sweep / 2.0;
        let (x, y) = if sweep >= TAU * 0.999 {
            center
        } else {
            (center.0 + at * mid.cos(), center.1 + at * mid.sin())
        };
        items.push(Item::Text {
            at: (x, y + SMALL * MIDDLE),
            text,
            size: SMALL,
            color: on(slice.color),
            anchor: Anchor::Middle,
            bold: true,
            rotate: 0.0,
        });
    }
    items
}

/// The pie on the left and a legend column on its right, both centred in the box; returns the
/// pie's centre and radius.
fn side(
    chart: &Chart,
    names: &[String],
    shares: &[f64],
    width: f32,
    height: f32,
    items: &mut Vec<Item>,
) -> (Point, f32) {
    let pcts: Vec<String> = shares.iter().map(|s| percent(*s)).collect();
    let pct_w = pcts
        .iter()
        .map(|p| font::width(p, SMALL, false))
        .fold(0.0, f32::max);
    let name_w = names
        .iter()
        .map(|n| font::width(n, SMALL, false))
        .fold(0.0, f32::max);
    let column = (2.0 * DOT + 5.0 + name_w + 8.0 + pct_w).min(width * 0.5);
    let r = ((height - 2.0 * PAD).min(width - 3.0 * PAD - column - 12.0) / 2.0).max(1.0);
    let block = 2.0 * r + 20.0 + column;
    let left = ((width - block) / 2.0).max(PAD);
    let center = (left + r, height / 2.0);
    let x = left + 2.0 * r + 20.0;
    let fits = (((height - 2.0 * PAD) / ROW) as usize).max(1);
    let shown = if names.len() > fits {
        fits - 1
    } else {
        names.len()
    };
    let rows = shown + usize::from(shown < names.len());
    let top = height / 2.0 - rows as f32 * ROW / 2.0;
    let name_room = column - 2.0 * DOT - 5.0 - 8.0 - pct_w;
    for (i, slice) in chart.slices.iter().take(shown).enumerate() {
        let baseline = top + i as f32 * ROW + SMALL * ASCENT + 2.0;
        items.push(Item::Circle {
            center: (x + DOT, baseline - SMALL * MIDDLE),
            r: DOT,
            fill: slice.color,
        });
        let name = fit(&names[i], name_room, SMALL, false);
        let at = (x + 2.0 * DOT + 5.0, baseline);
        items.push(label(at, &name, SMALL, TEXT, Anchor::Start));
        items.push(label(
            (x + column, baseline),
            &pcts[i],
            SMALL,
            MUTED,
            Anchor::End,
        ));
    }
    if shown < names.len() {
        let baseline = top + shown as f32 * ROW + SMALL * ASCENT + 2.0;
        let more = format!("+{} more", names.len() - shown);
        items.push(label((x, baseline), &more, SMALL, MUTED, Anchor::Start));
    }
    (center, r)
}

/// A slice from `start` sweeping `sweep` radians clockwise (a whole circle without its centre).
fn wedge(center: Point, r: f32, start: f32, sweep: f32) -> Vec<Point> {
    let pieces = ((sweep / STEP).ceil() as usize).max(1);
    let whole = sweep >= TAU * 0.999;
    let mut points = Vec::with_capacity(pieces + 2);
    if !whole {
        points.push(center);
    }
    let last = if whole { pieces - 1 } else { pieces };
    for i in 0..=last {
        let a = start + sweep * i as f32 / pieces as f32;
        points.push((center.0 + r * a.cos(), center.1 + r * a.sin()));
    }
    points
}

/// A share as a percentage: whole from 10 % up, one decimal below.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 9.95 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// Text colour readable on `fill`: white on dark colours, ink on light ones.
fn on(fill: Color) -> Color {
    let Color(r, g, b) = fill;
    let luma = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
    if luma > 150.0 { INK } else { WHITE }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_whole_percentages_from_ten_up() {
        assert_eq!(percent(0.421), "42 %");
        assert_eq!(percent(0.0526), "5.3 %");
        assert_eq!(percent(0.0996), "10 %");
        assert_eq!(percent(1.0), "100 %");
    }

    #[test]
    fn a_wedge_starts_at_the_centre_unless_it_is_whole() {
        let quarter = wedge((0.0, 0.0), 10.0, 0.0, PI / 2.0);
        assert_eq!(quarter[0], (0.0, 0.0));
        assert_eq!(quarter.len(), 47);
        let whole = wedge((0.0, 0.0), 10.0, 0.0, TAU);
        assert_eq!(whole.len(), 180);
        assert!(whole.iter().all(|p| ((p.0.hypot(p.1)) - 10.0).abs() < 1e-3));
    }
}
