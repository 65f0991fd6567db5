//! `dashboard export`: the PDF read back by its text (poppler) and its pages rendered, the
//! workbook read back with calamine and unzipped, both against what the queries return.

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::common::TempProject;

/// A dashboard whose every figure is known: a table longer than its PDF cut, a chart, a
/// number, and a date column.
const KNOWN: &str = r#"name: known
title: Known figures
params: { n: 500 }
tiles:
  - { id: total, title: Total, chart: number, sql: "select {{ n }} * 2 as total", format: { total: number }, layout: { x: 0, y: 0, w: 3, h: 2 } }
  - id: by_day
    title: Rows per day
    chart: bar
    sql: "select cast(date '2026-06-01' + cast(i % 5 as integer) as date) as day, count(*) as rows from range({{ n }}) t(i) group by 1 order by 1"
    x: day
    y: rows
    layout: { x: 3, y: 0, w: 9, h: 4 }
  - id: long_table
    title: Every row
    chart: table
    sql: "select i as n, 'row ' || i as label, i % 2 = 0 as even, i * 0.5 as half from range({{ n }}) t(i) order by i"
    max_rows: 150
    layout: { x: 0, y: 4, w: 12, h: 6 }
"#;

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils; .ci/run does)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn export(p: &TempProject, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let dir = p.path().join("out");
    let out = dir.to_string_lossy().into_owned();
    let mut args = vec!["dashboard", "export", name, "-o", &out];
    args.extend(extra);
    p.run(&args).ok();
    dir
}

#[test]
fn the_pdf_has_every_tile_and_repeats_the_table_header_on_each_page() {
    let p = TempProject::with("", &[]);
    p.write("dashboards/known.yaml", KNOWN);
    let dir = export(&p, "known", &["--format", "pdf", "--param", "n=400"]);
    assert!(
        !dir.join("known.xlsx").exists(),
        "only the PDF was asked for"
    );
    let text = pdftotext(&dir.join("known.pdf"));
    for expected in [
        "Known figures",
        "n = 400",
        "Total",
        "800",
        "Rows per day",
        "Every row",
        "Jun 1",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    let with_table: Vec<&&str> = pages.iter().filter(|p| p.contains("row 1")).collect();
    // The table spans pages, and each one it is on has the header row.
    let spanned = pages.iter().filter(|p| p.contains("Every row")).count();
    assert!(spanned >= 2, "the table should span pages: {spanned}");
    for page in pages.iter().filter(|p| p.contains("Every row")) {
        assert!(
            page.contains("label") && page.contains("half"),
            "header missing on a page:\n{page}"
        );
    }
    assert!(!with_table.is_empty());
    // 150 rows drawn: row 149 is, row 150 is not, and the rest are counted.
    assert!(text.contains("row 149"), "{text}");
    assert!(!text.contains("row 150 "), "{text}");
    assert!(text.contains("250 more rows not shown"), "{text}");
    assert!(
        text.contains(&format!("Page 1 of {}", pages.len())),
        "{text}"
    );

    // Every page renders.
    let png = p.path().join("png");
    std::fs::create_dir_all(&png).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(dir.join("known.pdf"))
        .arg(png.join("page"))
        .output()
        .expect("pdftoppm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&png).unwrap().count(), pages.len());
}

#[test]
fn the_workbook_holds_every_row_typed_with_a_chart_per_chart_tile() {
    let p = TempProject::with("", &[]);
    p.write("dashboards/known.yaml", KNOWN);
    let dir = export(&p, "known", &["--format", "xlsx"]);
    assert!(
        !dir.join("known.pdf").exists(),
        "only the workbook was asked for"
    );
    let path = dir.join("known.xlsx");
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Summary", "total", "by_day", "long_table"]
    );

    let table = book.worksheet_range("long_table").unwrap();
    assert_eq!(table.height(), 501, "every row and the header");
    assert_eq!(table.get_value((0, 1)), Some(&Data::String("label".into())));
    for i in [0u32, 1, 250, 499] {
        let row = i + 1;
        assert_eq!(
            table.get_value((row, 0)),
            Some(&Data::Float(i as f64)),
            "n of row {i}"
        );
        assert_eq!(
            table.get_value((row, 1)),
            Some(&Data::String(format!("row {i}")))
        );
        assert_eq!(table.get_value((row, 2)), Some(&Data::Bool(i % 2 == 0)));
        assert_eq!(
            table.get_value((row, 3)),
            Some(&Data::Float(i as f64 * 0.5))
        );
    }
    let days = book.worksheet_range("by_day").unwrap();
    assert!(
        matches!(days.get_value((1, 0)), Some(Data::DateTime(_))),
        "{:?}",
        days.get_value((1, 0))
    );
    assert_eq!(days.get_value((1, 1)), Some(&Data::Float(100.0)));

    // One chart part, bound to the tile's own sheet.
    let file = std::fs::File::open(&path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let charts: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .filter(|n| n.starts_with("xl/charts/chart"))
        .collect();
    assert_eq!(charts.len(), 1, "{charts:?}");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(&charts[0]).unwrap(), &mut xml).unwrap();
    assert!(xml.contains("by_day!$B$2:$B$6"), "{xml}");
    // The date axis writes dates, not Excel's day numbers.
    assert!(xml.contains(r#"formatCode="yyyy-mm-dd""#), "{xml}");
}

#[test]
fn the_demo_dashboard_exports_and_a_failed_export_leaves_no_file() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "600", "--days", "40"])
        .ok();
    let dir = export(&p, "growth", &["--page-size", "letter"]);
    let text = pdftotext(&dir.join("growth.pdf"));
    for title in [
        "Growth overview",
        "Daily active users by platform",
        "Users by plan",
        "Purchases in the window",
        "Segment sizes",
    ] {
        assert!(text.contains(title), "{title} missing");
    }
    let book: Xlsx<_> = open_workbook(dir.join("growth.xlsx")).unwrap();
    assert_eq!(book.sheet_names().len(), 12);

    // A tile that fails: nothing is written, and the earlier files stay as they were.
    let before = std::fs::read(dir.join("growth.pdf")).unwrap();
    p.write(
        "dashboards/broken.yaml",
        "name: broken\ntiles:\n  - { id: a, chart: table, sql: select nope from users }\n",
    );
    let out = p.run(&[
        "dashboard",
        "export",
        "broken",
        "-o",
        &dir.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("tile `a` (dashboards/broken.yaml:3) failed in the warehouse"),
        "{}",
        out.stderr
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("broken")), "{names:?}");
    assert_eq!(std::fs::read(dir.join("growth.pdf")).unwrap(), before);
}
