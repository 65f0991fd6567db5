//! The PDF read back: rendered from a hand-made run, written to a temporary directory and read
//! with poppler's `pdftotext`, `pdffonts` and `pdfinfo` (CI installs poppler-utils).

mod fixtures;
mod layout;

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{PageSize, render};
use crate::dashboard::chart::ChartKind;
use crate::dashboard::result::TileResult;
use fixtures::{Sketch, header, tile, tiles};

/// Runs a poppler tool on `pdf`, failing clearly when it is not installed.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    // pdftotext writes next to the PDF unless told `-` (standard output) after it.
    let to_stdout: &[&str] = if tool == "pdftotext" { &["-"] } else { &[] };
    let run = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(to_stdout)
        .output();
    let out = match run {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` is not installed: the PDF tests read the pages back with poppler-utils \
             (apt-get install poppler-utils)"
        ),
        Err(e) => panic!("cannot run `{tool}`: {e}"),
    };
    assert!(
        out.status.success(),
        "`{tool}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Renders `tiles`, writes the PDF (also to `$CDP_PDF_SAMPLE_DIR/<name>.pdf` when set, to look
/// at) and returns its path, kept alive with its directory.
fn write(name: &str, tiles: &[TileResult], page: PageSize) -> (tempfile::TempDir, PathBuf) {
    let bytes = render(&header(), tiles, page, &Sketch).expect("the PDF renders");
    assert!(bytes.starts_with(b"%PDF-1.4"), "transparency needs PDF 1.4");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&path, &bytes).expect("the PDF is written");
    if let Some(keep) = std::env::var_os("CDP_PDF_SAMPLE_DIR") {
        std::fs::write(Path::new(&keep).join(format!("{name}.pdf")), &bytes)
            .expect("the sample is written");
    }
    (dir, path)
}

/// Each page's text, laid out as on the page.
fn pages(pdf: &Path) -> Vec<String> {
    let text = poppler("pdftotext", &["-layout"], pdf);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

#[test]
fn the_first_page_says_what_ran_where_when_and_with_which_params() {
    let (_dir, pdf) = write("report", &tiles(), PageSize::A4);
    let pages = pages(&pdf);
    let first = &pages[0];
    for expected in [
        "Customer health",
        "Who is active, who converts",
        "Environment",
        "prod",
        "Generated",
        "2026-11-30 07:05 UTC",
        "days = 30 · country = US",
        "Daily active customers",
        "Customers",
        "48,213",
        "Conversion",
        "0.125",
        "Nov 10",
    ] {
        assert!(
            first.contains(expected),
            "page 1 lacks {expected:?}:\n{first}"
        );
    }
    for page in &pages[1..] {
        assert!(
            page.contains("Customer health"),
            "no running header:\n{page}"
        );
        assert!(
            !page.contains("Who is active"),
            "the full header is on page 1 only"
        );
    }
}

#[test]
fn every_page_has_a_footer_with_its_number_and_the_dashboard() {
    let (_dir, pdf) = write("footer", &tiles(), PageSize::A4);
    let pages = pages(&pdf);
    let count = pages.len();
    assert!(count >= 4, "300 rows take several pages, got {count}");
    for (i, page) in pages.iter().enumerate() {
        let footer = format!("Page {} of {count}", i + 1);
        assert!(
            page.contains(&footer),
            "page {} lacks {footer:?}:\n{page}",
            i + 1
        );
        assert!(page.contains("customer_health · generated 2026-11-30 07:05 UTC"));
    }
    let info = poppler("pdfinfo", &[], &pdf);
    let said = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(str::trim);
    assert_eq!(said, Some(count.to_string().as_str()), "{info}");
    assert!(
        info.contains("841.89 x 595.28 pts (A4)"),
        "A4 landscape:\n{info}"
    );
}

#[test]
fn a_long_table_continues_with_its_header_row_on_every_page() {
    let (_dir, pdf) = write("long-table", &tiles(), PageSize::A4);
    let pages = pages(&pdf);
    let mut seen = 0;
    let mut spans = 0;
    for page in &pages {
        let rows = page.matches("customer-0").count();
        if rows == 0 || !page.contains("Top customers") {
            continue;
        }
        spans += 1;
        let header = page
            .lines()
            .find(|l| l.contains("customer") && l.contains("country") && l.contains("revenue"));
        assert!(
            header.is_some(),
            "a page of the table lacks its header row:\n{page}"
        );
        seen += rows;
    }
    assert!(spans >= 3, "the table spans pages, got {spans}");
    assert!(
        pages
            .iter()
            .skip(1)
            .any(|p| p.contains("Top customers (continued)"))
    );
    for i in [1, 2, 150, 299, 300] {
        let name = format!("customer-{i:04}");
        assert!(pages.iter().any(|p| p.contains(&name)), "{name} missing");
    }
    // Each of the 300 rows once, plus the cut table's five rows.
    assert_eq!(seen, 305, "every row once");
    // Numbers sit right, formatted by the chart model: the revenue column's last digits align.
    let row = pages
        .iter()
        .flat_map(|p| p.lines())
        .find(|l| l.contains("customer-0300"))
        .expect("the last row");
    assert!(row.contains("$3750.00"), "{row}");
}

#[test]
fn cut_and_empty_tables_say_so() {
    let (_dir, pdf) = write("cut", &tiles(), PageSize::A4);
    let text = pages(&pdf).join("\n");
    assert!(
        text.contains("12,000 more rows not shown (see the Excel export)"),
        "{text}"
    );
    assert!(text.contains("Churned this week"));
    assert!(text.contains("No rows"));
}

#[test]
fn the_fonts_are_embedded() {
    let (_dir, pdf) = write("fonts", &tiles(), PageSize::Letter);
    let fonts = poppler("pdffonts", &[], &pdf);
    let embedded: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        embedded.iter().any(|l| l.contains("DejaVuSans-Bold")),
        "{fonts}"
    );
    assert!(
        embedded
            .iter()
            .any(|l| l.contains("DejaVuSans") && !l.contains("Bold")),
        "{fonts}"
    );
    for line in &embedded {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // name, type words, encoding, then emb sub uni object-id generation.
        let flags = &cols[cols.len().saturating_sub(5)..cols.len().saturating_sub(2)];
        assert_eq!(
            flags,
            ["yes", "yes", "yes"],
            "not embedded with unicode: {line}"
        );
    }
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(
        info.contains("792 x 612 pts (letter)"),
        "Letter landscape:\n{info}"
    );
}

#[test]
fn a_page_break_starts_a_new_page_and_rows_that_do_not_fit_move_on() {
    let mut a = tile("a", ChartKind::Line, "Alpha chart", (0, 0, 6, 4));
    a.total_rows = 1;
    let mut b = tile("b", ChartKind::Line, "Bravo chart", (6, 0, 6, 4));
    b.meta.page_break_before = false;
    let mut c = tile("c", ChartKind::Line, "Charlie chart", (0, 4, 12, 3));
    c.meta.page_break_before = true;
    let d = tile("d", ChartKind::Line, "Delta chart", (0, 7, 12, 4));
    let e = tile("e", ChartKind::Line, "Echo chart", (0, 11, 12, 4));
    let (_dir, pdf) = write("breaks", &[e, d, c, b, a], PageSize::A4);
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 3, "{pages:#?}");
    assert!(pages[0].contains("Alpha chart") && pages[0].contains("Bravo chart"));
    assert!(!pages[0].contains("Charlie"), "the break moves Charlie on");
    assert!(pages[1].contains("Charlie chart") && pages[1].contains("Delta chart"));
    assert!(
        pages[2].contains("Echo chart"),
        "Echo does not fit under Delta"
    );
}

#[test]
fn a_dashboard_without_tiles_is_one_page_with_its_header_and_footer() {
    let (_dir, pdf) = write("empty", &[], PageSize::A4);
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("Customer health") && pages[0].contains("Page 1 of 1"));
}

#[test]
fn narrow_columns_cut_their_cells_with_an_ellipsis_and_odd_text_does_not_break_the_page() {
    let mut narrow = tile("narrow", ChartKind::Table, "", (0, 0, 3, 4));
    narrow.table = crate::table::Table::new(
        &["a rather long column name", "city"],
        vec![vec![
            crate::table::Cell::Text("a value far too long for a quarter of the page".into()),
            crate::table::Cell::Text("東京 🚀 Zürich".into()),
        ]],
    );
    narrow.total_rows = 1;
    let mut chart = tile(
        "odd",
        ChartKind::Line,
        "A chart with a title much too long to fit in a narrow tile of the grid",
        (3, 0, 2, 4),
    );
    chart.total_rows = 1;
    let (_dir, pdf) = write("narrow", &[narrow, chart], PageSize::A4);
    let text = pages(&pdf).join("\n");
    assert!(
        text.contains("narrow"),
        "an untitled tile shows its id:\n{text}"
    );
    assert!(text.contains("a value far"), "{text}");
    assert!(text.contains('…'), "cut with an ellipsis:\n{text}");
    assert!(!text.contains("quarter of the page"), "{text}");
    assert!(text.contains("A chart with"), "{text}");
}

#[test]
fn a_long_description_wraps_and_many_params_take_a_line_of_their_own() {
    let mut long = header();
    long.description = Some("Every customer who bought in the window, ".repeat(12));
    long.params = (1..=9)
        .map(|i| (format!("param_{i}"), format!("value number {i}")))
        .collect();
    let bytes = render(&long, &tiles()[..3], PageSize::A4, &Sketch).expect("renders");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pdf = dir.path().join("long-header.pdf");
    std::fs::write(&pdf, &bytes).expect("written");
    if let Some(keep) = std::env::var_os("CDP_PDF_SAMPLE_DIR") {
        std::fs::write(Path::new(&keep).join("long-header.pdf"), &bytes).expect("kept");
    }
    let first = &pages(&pdf)[0];
    let lines: Vec<&str> = first
        .lines()
        .filter(|l| l.contains("Every customer"))
        .collect();
    assert!(lines.len() >= 2, "the description wraps:\n{first}");
    let params = first
        .lines()
        .find(|l| l.contains("param_1 = value number 1"));
    let params = params.expect("the params line");
    assert!(
        !params.contains("Environment"),
        "params on a line of their own: {params}"
    );
    assert!(first.contains("Daily active customers"));
}
