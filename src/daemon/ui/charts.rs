//! The UI's charts: a segment's refresh history read into a table once, laid out by the
//! dashboard chart model and drawn by its SVG renderer, inline in the page. A wide and a narrow
//! drawing of each chart, so that its text stays readable on a phone.

use std::collections::BTreeMap;

use crate::dashboard::chart::{Chart, ChartKind, ChartSpec, Format};
use crate::dashboard::export::svg;
use crate::state::Snapshot;
use crate::table::Table;

/// A sparkline shows this many refreshes at most, the latest.
const SPARK_REFRESHES: usize = 20;

/// One row per refresh: `at`, `members`, `entered`, `exited` (the dashboards' own reading).
pub use crate::dashboard::segment_history as history;

fn chart(kind: ChartKind, title: &str, y: &[&str], table: &Table) -> Chart {
    let formats: BTreeMap<String, Format> =
        y.iter().map(|c| (c.to_string(), Format::Number)).collect();
    let spec = ChartSpec {
        kind,
        title: title.to_string(),
        x: Some("at".into()),
        y: y.iter().map(|c| c.to_string()).collect(),
        series: None,
        formats,
    };
    Chart::build(&spec, table)
}

/// A chart as a figure with a wide drawing and a narrow one (the style sheet shows one).
pub(super) fn figure(chart: &Chart, wide: (f32, f32), narrow: (f32, f32)) -> String {
    format!(
        "<figure class=\"chart\" role=\"img\" aria-label=\"{}\" style=\"margin:0\">\
         <div class=\"wide\">{}</div><div class=\"narrow\">{}</div></figure>",
        super::html::escape(&chart.title),
        svg::render(&chart.scene(wide.0, wide.1)),
        svg::render(&chart.scene(narrow.0, narrow.1)),
    )
}

/// The drawings' sizes in points, a little smaller than the page shows them (the dashboard
/// model's text is sized for print; on a screen it reads better larger): wide in a card of
/// about 500 pixels, narrow on a phone's 340.
const WIDE: (f32, f32) = (400.0, 180.0);
const NARROW: (f32, f32) = (280.0, 190.0);

/// Members at each refresh.
pub fn members(table: &Table) -> String {
    let c = chart(ChartKind::Line, "Members", &["members"], table);
    figure(&c, WIDE, NARROW)
}

/// The refreshes whose entered and exited are changes: all but a segment's first, which
/// enters every member and would dwarf the rest.
pub fn changed(snapshots: &[Snapshot]) -> &[Snapshot] {
    if snapshots.len() > 1 {
        &snapshots[1..]
    } else {
        snapshots
    }
}

/// Entered and exited at each refresh but the first.
pub fn changes(snapshots: &[Snapshot]) -> String {
    let table = history(changed(snapshots));
    let c = chart(
        ChartKind::Bar,
        "Entered and exited",
        &["entered", "exited"],
        &table,
    );
    figure(&c, WIDE, NARROW)
}

/// The last refreshes' entered and exited, small and without a legend (the page has one),
/// for a list.
pub fn sparkline(snapshots: &[Snapshot]) -> String {
    let shown = changed(snapshots);
    if shown.is_empty() {
        return "<span class=\"muted\">no refresh yet</span>".to_string();
    }
    let last = &shown[shown.len().saturating_sub(SPARK_REFRESHES)..];
    let mut c = chart(
        ChartKind::Line,
        "Entered and exited",
        &["entered", "exited"],
        &history(last),
    );
    c.legend = false;
    format!(
        "<div class=\"spark\" role=\"img\" aria-label=\"entered and exited at the last {} refreshes\">{}</div>",
        last.len(),
        svg::render(&c.scene(170.0, 56.0))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn snapshots(n: i64) -> Vec<Snapshot> {
        let t0 = Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap();
        (0..n)
            .map(|i| Snapshot {
                run_id: i,
                segment: "vip".into(),
                version: 1,
                at: t0 + Duration::days(i),
                size: 1000 + 10 * i,
                entered: 20 + i,
                exited: 10,
                duration_ms: 5,
            })
            .collect()
    }

    #[test]
    fn the_history_charts_draw_each_refresh() {
        let table = history(&snapshots(5));
        assert_eq!(table.rows.len(), 5);
        let members = members(&table);
        assert_eq!(members.matches("<svg").count(), 2, "wide and narrow");
        assert!(
            members.contains("<polyline") && members.contains(">Jun 5<"),
            "{members}"
        );
        let changes = changes(&snapshots(5));
        assert!(
            changes.contains(">entered<") && changes.contains(">exited<"),
            "a legend"
        );
        // In each drawing, a legend dot and a bar per refresh but the first, for each series.
        for color in ["#0072b2", "#e69f00"] {
            let marks = changes.matches(&format!("fill=\"{color}\"/>")).count();
            assert_eq!(marks, 2 * (1 + 4), "{color}: {changes}");
        }
    }

    #[test]
    fn a_sparkline_shows_the_last_refreshes_or_says_there_are_none() {
        assert!(sparkline(&[]).contains("no refresh yet"));
        let s = sparkline(&snapshots(30));
        assert!(
            s.contains("last 20 refreshes") && s.contains("<polyline"),
            "{s}"
        );
        assert!(!s.contains(">entered<"), "no legend: {s}");
        assert!(
            sparkline(&snapshots(1)).contains("<circle"),
            "a first refresh alone"
        );
    }
}
