//! Line, bar and area charts: a value axis of round ticks and gridlines, an x axis of bands
//! (bars, categories) or of times or numbers, the series over them and a legend on top.

use super::layout::{AXIS, GRID, MIDDLE, MUTED, PAD, SMALL, WHITE, ZERO, label, legend};
use super::model::Chart;
use super::scene::{Anchor, Item, Point};
use super::{ChartKind, axis, format, ticks};
use crate::dashboard::font;

/// The box the series are drawn in.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plot {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl Plot {
    pub fn width(&self) -> f32 {
        self.right - self.left
    }
}

/// Where x values go across the plot.
#[derive(Clone, Copy, Debug)]
pub(super) enum XScale {
    /// One band per x, the value at its centre.
    Band { band: f32 },
    /// Keys from `lo` to `hi` across the plot (one key: at its middle).
    Linear { lo: f64, hi: f64 },
}

impl XScale {
    /// The position of the `i`th x, whose key is `key`.
    pub fn at(&self, plot: &Plot, i: usize, key: f64) -> f32 {
        match *self {
            XScale::Band { band } => plot.left + band * (i as f32 + 0.5),
            XScale::Linear { lo, hi } if hi > lo => {
                plot.left + ((key - lo) / (hi - lo)) as f32 * plot.width()
            }
            XScale::Linear { .. } => plot.left + plot.width() / 2.0,
        }
    }
}

/// Lines from the value axis's labels to the plot.
const LABEL_GAP: f32 = 6.0;
/// Markers on every point when a series has at most this many.
const FEW_POINTS: usize = 12;

pub(super) fn items(chart: &Chart, width: f32, height: f32) -> Vec<Item> {
    let mut items = Vec::new();
    let mut top = PAD;
    let entries = chart.legend();
    if !entries.is_empty() {
        let (drawn, used) = legend(&entries, PAD, top, width - 2.0 * PAD, 2);
        items.extend(drawn);
        top += used + 4.0;
    }
    // Room above for the top tick label, below for the x labels.
    top += SMALL * 0.5;
    let bottom = (height - PAD - SMALL - 7.0).max(top + 1.0);

    let values = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let most = (((bottom - top) / 28.0) as usize + 1).clamp(2, 7);
    let ticks = ticks::nice_at_most(lo, hi, chart.kind != ChartKind::Line, most);
    let format = chart.format.as_ref();
    let labels: Vec<String> = ticks
        .values
        .iter()
        .map(|v| format::short(*v, format))
        .collect();
    let label_w = labels
        .iter()
        .map(|l| font::width(l, SMALL, false))
        .fold(0.0, f32::max);
    let left = PAD + label_w + LABEL_GAP;
    let plot = Plot {
        left,
        top,
        right: (width - PAD).max(left + 1.0),
        bottom,
    };
    let span = ticks.max - ticks.min;
    let y = |v: f64| plot.bottom - ((v - ticks.min) / span) as f32 * (plot.bottom - plot.top);
    let below_zero = ticks.min < 0.0;

    for (v, text) in ticks.values.iter().zip(&labels) {
        let at = y(*v);
        if *v != ticks.min && !(below_zero && *v == 0.0) {
            items.push(rule((plot.left, at), (plot.right, at), GRID, 0.75));
        }
        let baseline = (plot.left - LABEL_GAP, at + SMALL * MIDDLE);
        items.push(label(baseline, text, SMALL, MUTED, Anchor::End));
    }

    let (scale, x_items) = axis::x(chart, &plot, width);
    items.extend(x_items);
    let zero = y(0.0f64.clamp(ticks.min, ticks.max));
    let points: Vec<Vec<Point>> = chart
        .series
        .iter()
        .map(|s| {
            s.values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let key = chart.x.keys.get(i).copied().unwrap_or(i as f64);
                    v.map(|v| (scale.at(&plot, i, key), y(v)))
                })
                .collect()
        })
        .collect();

    match chart.kind {
        ChartKind::Bar => items.extend(bars(chart, &scale, &plot, &y, zero)),
        ChartKind::Area => {
            let opacity = if chart.series.len() > 1 { 0.14 } else { 0.2 };
            for (s, pts) in chart.series.iter().zip(&points) {
                if let (Some(first), Some(last)) = (pts.first(), pts.last()) {
                    let mut shape = pts.clone();
                    shape.push((last.0, zero));
                    shape.push((first.0, zero));
                    items.push(Item::Polygon {
                        points: shape,
                        fill: s.color,
                        opacity,
                    });
                }
            }
        }
        _ => {}
    }
    items.push(rule(
        (plot.left, plot.bottom),
        (plot.right, plot.bottom),
        AXIS,
        1.0,
    ));
    if below_zero {
        items.push(rule((plot.left, zero), (plot.right, zero), ZERO, 1.0));
    }
    if chart.kind != ChartKind::Bar {
        for (s, pts) in chart.series.iter().zip(&points) {
            items.extend(line(pts, s.color));
        }
    }
    items
}

/// A solid straight line.
pub(super) fn rule(from: Point, to: Point, stroke: super::scene::Color, width: f32) -> Item {
    Item::Line {
        from,
        to,
        stroke,
        width,
        dash: None,
    }
}

/// A series' line through its points, with markers on them when there are few (a lone point is
/// only its marker).
fn line(points: &[Point], color: super::scene::Color) -> Vec<Item> {
    let mut items = Vec::new();
    if points.len() > 1 {
        items.push(Item::Polyline {
            points: points.to_vec(),
            stroke: color,
            width: 2.0,
        });
    }
    if points.len() <= FEW_POINTS {
        let r = if points.len() == 1 { 4.0 } else { 2.75 };
        for &center in points {
            items.push(Item::Circle {
                center,
                r: r + 1.5,
                fill: WHITE,
            });
            items.push(Item::Circle {
                center,
                r,
                fill: color,
            });
        }
    }
    items
}

/// Bars grouped by x, one per series, growing from zero (down for negative values).
fn bars(
    chart: &Chart,
    scale: &XScale,
    plot: &Plot,
    y: &dyn Fn(f64) -> f32,
    zero: f32,
) -> Vec<Item> {
    let band = match scale {
        XScale::Band { band } => *band,
        XScale::Linear { .. } => plot.width() / chart.x.keys.len().max(1) as f32,
    };
    let m = chart.series.len().max(1) as f32;
    let group = (band * 0.78).min(m * 44.0);
    let gap = if m > 1.0 {
        (group * 0.04).min(2.0)
    } else {
        0.0
    };
    let bar = ((group - gap * (m - 1.0)) / m).max(0.5);
    let mut items = Vec::new();
    for (s, series) in chart.series.iter().enumerate() {
        for (i, v) in series.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let key = chart.x.keys.get(i).copied().unwrap_or(i as f64);
            let x = scale.at(plot, i, key) - group / 2.0 + s as f32 * (bar + gap);
            let top = y(*v);
            items.push(Item::Rect {
                x,
                y: top.min(zero),
                w: bar,
                h: (top - zero).abs(),
                fill: series.color,
            });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_centre_values_and_linear_scales_span_the_plot() {
        let plot = Plot {
            left: 10.0,
            top: 0.0,
            right: 110.0,
            bottom: 50.0,
        };
        let band = XScale::Band { band: 25.0 };
        assert_eq!(band.at(&plot, 0, 7.0), 22.5);
        assert_eq!(band.at(&plot, 3, 7.0), 97.5);
        let linear = XScale::Linear { lo: 0.0, hi: 10.0 };
        assert_eq!(linear.at(&plot, 9, 0.0), 10.0);
        assert_eq!(linear.at(&plot, 0, 5.0), 60.0);
        assert_eq!(linear.at(&plot, 0, 10.0), 110.0);
        let one = XScale::Linear { lo: 3.0, hi: 3.0 };
        assert_eq!(one.at(&plot, 0, 3.0), 60.0);
    }
}
