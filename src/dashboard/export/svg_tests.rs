//! The SVG of every chart kind on fixed data, as snapshots, and the writer's escaping and
//! numbers.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::{escape, num, render};
use crate::dashboard::chart::scene::{Anchor, Color, Item, Scene};
use crate::dashboard::chart::{Chart, ChartKind, ChartSpec, Format};
use crate::table::{Cell, Table};

fn spec(kind: ChartKind, x: Option<&str>, y: &[&str], series: Option<&str>) -> ChartSpec {
    ChartSpec::of(kind, x, y, series)
}

fn with(mut spec: ChartSpec, column: &str, format: Format) -> ChartSpec {
    spec.formats.insert(column.into(), format);
    spec
}

fn svg(spec: &ChartSpec, table: &Table) -> String {
    render(&Chart::build(spec, table).scene(480.0, 260.0))
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + Duration::days(n)
}

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

/// Daily signups over two weeks, a dip in the middle.
fn daily() -> Table {
    let rows = (0..14)
        .map(|i| {
            let v = 120 + (i * 37 % 90) - if i == 7 { 80 } else { 0 };
            vec![Cell::Date(day(i)), Cell::Int(v)]
        })
        .collect();
    Table::new(&["day", "signups"], rows)
}

/// Monthly revenue by channel over a year and a half, as timestamps.
fn monthly() -> Table {
    let mut rows = Vec::new();
    for m in 0..18u32 {
        let at = Utc
            .with_ymd_and_hms(2025 + (m / 12) as i32, m % 12 + 1, 1, 0, 0, 0)
            .unwrap();
        for (c, channel) in ["Email", "Paid search", "Organic"].iter().enumerate() {
            let v = 20_000.0 + 9_000.0 * c as f64 + 1_500.0 * m as f64 * (1.0 + c as f64 / 2.0)
                - 4_000.0 * ((m * (c as u32 + 2)) % 5) as f64;
            rows.push(vec![Cell::Timestamp(at), text(channel), Cell::Float(v)]);
        }
    }
    Table::new(&["month", "channel", "revenue"], rows)
}

#[test]
fn line_over_days() {
    let s = spec(ChartKind::Line, Some("day"), &["signups"], None);
    insta::assert_snapshot!(svg(&s, &daily()));
}

#[test]
fn line_over_months_split_by_series_in_dollars() {
    let s = spec(
        ChartKind::Line,
        Some("month"),
        &["revenue"],
        Some("channel"),
    );
    let s = with(s, "revenue", Format::Currency("USD".into()));
    insta::assert_snapshot!(svg(&s, &monthly()));
}

#[test]
fn area_of_two_columns() {
    let rows = (0..60)
        .map(|i| {
            let visits = 900 + (i * 53 % 400) + i * 12;
            let buyers = 150 + (i * 29 % 120) + i * 3;
            vec![Cell::Date(day(i)), Cell::Int(visits), Cell::Int(buyers)]
        })
        .collect();
    let t = Table::new(&["day", "visitors", "buyers"], rows);
    let s = spec(ChartKind::Area, Some("day"), &["visitors", "buyers"], None);
    insta::assert_snapshot!(svg(&s, &t));
}

#[test]
fn bars_of_long_categories() {
    let names = [
        "High-value customers in Europe",
        "Churn risk (90 days)",
        "Newsletter subscribers",
        "Cart abandoners",
        "VIP",
        "Reactivated last quarter",
        "Trial users without a purchase",
    ];
    let rows = names
        .iter()
        .zip([48_210, 12_940, 88_300, 23_115, 1_870, 9_402, 31_777])
        .map(|(n, v)| vec![text(n), Cell::Int(v)])
        .collect();
    let t = Table::new(&["segment", "members"], rows);
    let s = spec(ChartKind::Bar, Some("segment"), &["members"], None);
    insta::assert_snapshot!(svg(&s, &t));
}

#[test]
fn grouped_bars_with_negative_values() {
    let rows = [
        ("Q1", 0.12, -0.04),
        ("Q2", -0.08, 0.03),
        ("Q3", 0.21, 0.09),
        ("Q4", 0.05, -0.11),
    ]
    .iter()
    .map(|(q, a, b)| vec![text(q), Cell::Float(*a), Cell::Float(*b)])
    .collect();
    let t = Table::new(&["quarter", "growth", "margin change"], rows);
    let s = spec(
        ChartKind::Bar,
        Some("quarter"),
        &["growth", "margin change"],
        None,
    );
    let s = with(s, "growth", Format::Percent);
    insta::assert_snapshot!(svg(&s, &t));
}

#[test]
fn bars_over_months() {
    let s = spec(ChartKind::Bar, Some("month"), &["revenue"], None);
    let s = with(s, "revenue", Format::Currency("EUR".into()));
    let mut t = monthly();
    t.rows.retain(|r| r[1] == text("Email"));
    insta::assert_snapshot!(svg(&s, &t));
}

#[test]
fn line_over_numbers() {
    let rows = (1..=30)
        .map(|d| {
            vec![
                Cell::Int(d),
                Cell::Float(1.0 - 0.6 * (1.0 - (-d as f64 / 8.0).exp())),
            ]
        })
        .collect();
    let t = Table::new(&["days since signup", "retention"], rows);
    let s = spec(
        ChartKind::Line,
        Some("days since signup"),
        &["retention"],
        None,
    );
    let s = with(s, "retention", Format::Percent);
    insta::assert_snapshot!(svg(&s, &t));
}

#[test]
fn line_of_one_point() {
    let t = Table::new(
        &["day", "orders"],
        vec![vec![Cell::Date(day(2)), Cell::Int(42)]],
    );
    let s = spec(ChartKind::Line, Some("day"), &["orders"], None);
    insta::assert_snapshot!(svg(&s, &t));
}

fn sources() -> Table {
    let rows = [
        ("Organic search", 4210),
        ("Email", 3120),
        ("Paid social", 1800),
        ("Direct", 1475),
        ("Referral", 640),
        ("Affiliates", 410),
        ("Podcast", 150),
        ("Events", 120),
        ("Print", 60),
        ("Other partners", 40),
    ]
    .iter()
    .map(|(n, v)| vec![text(n), Cell::Int(*v)])
    .collect();
    Table::new(&["source", "customers"], rows)
}

#[test]
fn pie_with_a_legend_beside_it() {
    let s = spec(ChartKind::Pie, Some("source"), &["customers"], None);
    insta::assert_snapshot!(svg(&s, &sources()));
}

#[test]
fn pie_in_a_tall_box_has_its_legend_below() {
    let s = spec(ChartKind::Pie, Some("source"), &["customers"], None);
    let mut t = sources();
    t.rows.truncate(4);
    insta::assert_snapshot!(render(&Chart::build(&s, &t).scene(240.0, 300.0)));
}

#[test]
fn number_tiles() {
    let t = Table::new(
        &["total_revenue", "conversion"],
        vec![vec![Cell::Float(12_345_678.9), Cell::Float(0.0345)]],
    );
    let s = spec(ChartKind::Number, None, &["total_revenue"], None);
    let s = with(s, "total_revenue", Format::Currency("USD".into()));
    let big = render(&Chart::build(&s, &t).scene(240.0, 120.0));
    let s = spec(ChartKind::Number, None, &["conversion"], None);
    let s = with(s, "conversion", Format::Percent);
    let ratio = render(&Chart::build(&s, &t).scene(240.0, 120.0));
    insta::assert_snapshot!(format!("{big}\n{ratio}"));
}

#[test]
fn table_tile_shows_the_rows_that_fit() {
    let rows = (0..40)
        .map(|i| {
            vec![
                text(&format!("customer-{i:04}@example.com")),
                text(if i % 3 == 0 {
                    "VIP & <loyal>"
                } else {
                    "regular"
                }),
                Cell::Float(1234.5 * (i as f64 + 1.0)),
                Cell::Date(day(i)),
            ]
        })
        .collect();
    let t = Table::new(&["email", "tier", "lifetime value", "first order"], rows);
    let s = spec(ChartKind::Table, None, &[], None);
    let s = with(s, "lifetime value", Format::Currency("GBP".into()));
    let narrow = render(&Chart::build(&s, &t).scene(220.0, 90.0));
    insta::assert_snapshot!(format!("{}\n{narrow}", svg(&s, &t)));
}

#[test]
fn no_rows_and_no_values_say_so() {
    let empty = Table::new(&["day", "signups"], Vec::new());
    let s = spec(ChartKind::Line, Some("day"), &["signups"], None);
    let none = svg(&s, &empty);
    assert!(none.contains(">No rows</text>"), "{none}");
    let s = spec(ChartKind::Bar, Some("missing"), &["signups"], None);
    let missing = svg(&s, &daily());
    assert!(missing.contains(">No values to chart</text>"), "{missing}");
    insta::assert_snapshot!(none);
}

#[test]
fn numbers_are_written_with_two_decimals_at_most() {
    assert_eq!(num(12.0), "12");
    assert_eq!(num(3.5), "3.5");
    assert_eq!(num(1.0 / 3.0), "0.33");
    assert_eq!(num(-0.001), "0");
    assert_eq!(num(-2.256), "-2.26");
    assert_eq!(num(f32::NAN), "0");
}

#[test]
fn text_is_escaped_and_rotated_around_its_anchor() {
    assert_eq!(escape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&#39;");
    let scene = Scene {
        width: 100.0,
        height: 50.0,
        items: vec![
            Item::Text {
                at: (10.0, 20.0),
                text: "R&D <2026>".into(),
                size: 9.0,
                color: Color(0, 0, 0),
                anchor: Anchor::End,
                bold: true,
                rotate: -45.0,
            },
            Item::Line {
                from: (0.0, 0.0),
                to: (10.0, 0.0),
                stroke: Color(255, 0, 16),
                width: 1.0,
                dash: Some(3.0),
            },
        ],
    };
    let svg = render(&scene);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\" viewBox=\"0 0 100 50\" font-family=\"&#39;DejaVu Sans&#39;, Verdana, sans-serif\">"), "{svg}");
    assert!(svg.contains("<text x=\"10\" y=\"20\" font-size=\"9\" fill=\"#000000\" text-anchor=\"end\" font-weight=\"bold\" transform=\"rotate(-45 10 20)\">R&amp;D &lt;2026&gt;</text>"), "{svg}");
    assert!(
        svg.contains("stroke=\"#ff0010\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>"),
        "{svg}"
    );
    assert!(svg.ends_with("</svg>\n"));
}

#[test]
fn small_tiles_keep_their_labels_apart() {
    let s = spec(
        ChartKind::Line,
        Some("month"),
        &["revenue"],
        Some("channel"),
    );
    let s = with(s, "revenue", Format::Currency("USD".into()));
    let line = render(&Chart::build(&s, &monthly()).scene(240.0, 150.0));
    let s = spec(ChartKind::Bar, Some("day"), &["signups"], None);
    let bars = render(&Chart::build(&s, &daily()).scene(240.0, 150.0));
    insta::assert_snapshot!(format!("{line}\n{bars}"));
}

#[test]
fn area_over_hours() {
    let rows = (0..36)
        .map(|h| {
            let at = Utc.with_ymd_and_hms(2026, 6, 3, 6, 0, 0).unwrap() + Duration::hours(h);
            let load = 40 + (h * 17 % 25) + if (h + 6) % 24 < 8 { 0 } else { 30 };
            vec![Cell::Timestamp(at), Cell::Int(load)]
        })
        .collect();
    let t = Table::new(&["hour", "sessions"], rows);
    let s = spec(ChartKind::Area, Some("hour"), &["sessions"], None);
    insta::assert_snapshot!(svg(&s, &t));
}
