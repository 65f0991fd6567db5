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
fn figure(chart: &Chart, wide: (f32, f32), narrow: (f32, f32)) -> String {
    format!(
        "<figure class=\"chart\" role=\"img\" aria-label=\"{}\" style=\"margin:0\">\
         <div class=\"wide\">{}</div><div class=\"narrow\">{}</div></figure>",
        super::html::escape(&chart.title),
        svg::render(&chart.scene(wide.0, wide.1)),
        svg::render(&chart.scene(narrow.0, narrow.1)),
    )
}

/// Members at each refresh.
pub fn members(table: &Table) -> String {
    let c = chart(ChartKind::Line, "Members", &["members"], table);
    figure(&c, (520.0, 220.0), (330.0, 200.0))
}

/// Entered and exited at each refresh.
pub fn changes(table: &Table) -> String {
    let c = chart(
        ChartKind::Bar,
        "Entered and exited",
        &["entered", "exited"],
        table,
    );
    figure(&c, (520.0, 220.0), (330.0, 200.0))
}

/// The last refreshes' entered and exited, small, for a list.
pub fn sparkline(snapshots: &[Snapshot]) -> String {
    if snapshots.is_empty() {
        return "<span class=\"muted\">no refresh yet</span>".to_string();
    }
    let last = &snapshots[snapshots.len().saturating_sub(SPARK_REFRESHES)..];
    let c = chart(
        ChartKind::Line,
        "Entered and exited",
        &["entered", "exited"],
        &history(last),
    );
    format!(
        "<div class=\"spark\" role=\"img\" aria-label=\"entered and exited at the last {} refreshes\">{}</div>",
        last.len(),
        svg::render(&c.scene(200.0, 64.0))
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
        let changes = changes(&table);
        assert!(changes.contains("entered") && changes.contains("exited"));
        assert!(
            changes.matches("<rect").count() >= 2 * 10,
            "a bar per refresh and series"
        );
    }

    #[test]
    fn a_sparkline_shows_the_last_refreshes_or_says_there_are_none() {
        assert!(sparkline(&[]).contains("no refresh yet"));
        let s = sparkline(&snapshots(30));
        assert!(
            s.contains("last 20 refreshes") && s.contains("<polyline"),
            "{s}"
        );
    }
}
