//! The x axis of line, bar and area charts: bands for bars and categories, calendar or round
//! ticks for times and numbers, and labels thinned out or shortened until none overlap.

use super::cartesian::{Plot, XScale, rule};
use super::layout::{ASCENT, AXIS, MUTED, SMALL, fit, label};
use super::model::{Chart, XKind};
use super::scene::{Anchor, Item};
use super::{ChartKind, format, ticks};
use crate::dashboard::font;

/// The least space between two labels.
const SPACE: f32 = 8.0;
/// A shortened category label keeps at least this many characters before its ellipsis.
const KEEP: usize = 5;

/// Where x values go and the axis's labels (and tick marks for times and numbers).
pub(super) fn x(chart: &Chart, plot: &Plot, width: f32) -> (XScale, Vec<Item>) {
    let keys = &chart.x.keys;
    let (Some(&lo), Some(&hi)) = (keys.first(), keys.last()) else {
        return (XScale::Band { band: plot.width() }, Vec::new());
    };
    if chart.kind == ChartKind::Bar || chart.x.kind == XKind::Category {
        let band = plot.width() / keys.len() as f32;
        let (labels, shorten) = match chart.x.kind {
            XKind::Time { .. } => {
                let seconds: Vec<i64> = keys.iter().map(|k| *k as i64).collect();
                (ticks::band_labels(&seconds), false)
            }
            _ => (chart.x.labels.clone(), true),
        };
        let items = bands(&labels, shorten, plot, band, width);
        return (XScale::Band { band }, items);
    }
    if let XKind::Time { days_only } = chart.x.kind {
        let scale = XScale::Linear { lo, hi };
        for most in (1..=10).rev() {
            let t = ticks::time(lo as i64, hi as i64, most, days_only);
            let at: Vec<f32> = t
                .values
                .iter()
                .map(|v| scale.at(plot, 0, *v as f64))
                .collect();
            if let Some(items) = marked(&t.labels, &at, plot, width) {
                return (scale, items);
            }
        }
        return (scale, Vec::new());
    }
    let format = chart.x.format.as_ref();
    for most in (2..=8).rev() {
        let t = ticks::nice_at_most(lo, hi, false, most);
        let scale = XScale::Linear {
            lo: t.min,
            hi: t.max,
        };
        let labels: Vec<String> = t.values.iter().map(|v| format::short(*v, format)).collect();
        let at: Vec<f32> = t.values.iter().map(|v| scale.at(plot, 0, *v)).collect();
        if let Some(items) = marked(&labels, &at, plot, width) {
            return (scale, items);
        }
    }
    (XScale::Linear { lo, hi }, Vec::new())
}

/// Labels under tick marks at `at`, when they fit without overlapping.
fn marked(labels: &[String], at: &[f32], plot: &Plot, width: f32) -> Option<Vec<Item>> {
    let centres = place(labels, at, width)?;
    let mut items = Vec::new();
    for ((text, x), c) in labels.iter().zip(at).zip(centres) {
        items.push(rule((*x, plot.bottom), (*x, plot.bottom + 3.0), AXIS, 1.0));
        items.push(below(plot, c, text));
    }
    Some(items)
}

/// One label per band, every `k`th band's for the smallest `k` at which they fit, categories
/// shortened with an ellipsis to their room when they keep `KEEP` characters.
fn bands(labels: &[String], shorten: bool, plot: &Plot, band: f32, width: f32) -> Vec<Item> {
    for k in 1..=labels.len() {
        let room = band * k as f32 - SPACE;
        let shown: Vec<(usize, String)> = labels
            .iter()
            .enumerate()
            .step_by(k)
            .map(|(i, l)| {
                (
                    i,
                    if shorten {
                        fit(l, room, SMALL, false)
                    } else {
                        l.clone()
                    },
                )
            })
            .collect();
        let readable = shown.iter().all(|(i, s)| {
            *s == labels[*i] || s.chars().count() > KEEP.min(labels[*i].chars().count())
        });
        if !readable {
            continue;
        }
        let texts: Vec<String> = shown.iter().map(|(_, s)| s.clone()).collect();
        let at: Vec<f32> = shown
            .iter()
            .map(|(i, _)| plot.left + band * (*i as f32 + 0.5))
            .collect();
        if let Some(centres) = place(&texts, &at, width) {
            return texts
                .iter()
                .zip(centres)
                .map(|(text, c)| below(plot, c, text))
                .collect();
        }
    }
    Vec::new()
}

/// A label centred at `x` under the plot.
fn below(plot: &Plot, x: f32, text: &str) -> Item {
    let baseline = plot.bottom + 7.0 + SMALL * ASCENT;
    label((x, baseline), text, SMALL, MUTED, Anchor::Middle)
}

/// The centres of labels wanted at `at`, moved in from the scene's edges, when each leaves
/// `SPACE` before the next.
fn place(labels: &[String], at: &[f32], width: f32) -> Option<Vec<f32>> {
    let mut end = f32::NEG_INFINITY;
    let mut centres = Vec::with_capacity(labels.len());
    for (text, x) in labels.iter().zip(at) {
        let half = font::width(text, SMALL, false) / 2.0;
        let c = x.min(width - 1.0 - half).max(1.0 + half);
        if c - half < end + SPACE {
            return None;
        }
        end = c + half;
        centres.push(c);
    }
    Some(centres)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_moved_in_from_the_edges_and_refused_when_they_overlap() {
        let labels = vec!["Jun 1".to_string(), "Jun 8".to_string()];
        let w = font::width("Jun 1", SMALL, false);
        let placed = place(&labels, &[0.0, 100.0], 200.0);
        assert_eq!(placed, Some(vec![1.0 + w / 2.0, 100.0]));
        assert_eq!(place(&labels, &[50.0, 55.0], 200.0), None);
        let placed = place(&labels, &[50.0, 200.0], 200.0);
        assert_eq!(placed, Some(vec![50.0, 199.0 - w / 2.0]));
    }
}
