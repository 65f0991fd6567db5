//! Pagination without drawing: where the grid puts tiles, when rows of tiles move on, and how a
//! table's rows are shared out over pages.

use super::fixtures::{customers, tile};
use crate::dashboard::chart::ChartKind;
use crate::dashboard::export::pdf::layout::{Content, Frame, Placement, paginate};
use crate::dashboard::result::TileResult;

/// A page of A4 landscape with the margins the renderer uses, give or take.
const FRAME: Frame = Frame {
    left: 36.0,
    right: 806.0,
    first_top: 110.0,
    top: 54.0,
    bottom: 549.0,
};

fn titles(tiles: &[TileResult], page: &[Placement]) -> Vec<String> {
    page.iter().map(|p| tiles[p.tile].meta.id.clone()).collect()
}

fn table(id: &str, rows: usize, total: u64, at: (u32, u32, u32, u32)) -> TileResult {
    let mut t = tile(id, ChartKind::Table, id, at);
    t.table = customers(rows);
    t.total_rows = total;
    t
}

#[test]
fn the_grid_spans_the_printable_width_with_gutters() {
    let tiles = vec![
        tile("left", ChartKind::Line, "", (0, 0, 6, 4)),
        tile("right", ChartKind::Bar, "", (6, 0, 6, 4)),
        tile("whole", ChartKind::Area, "", (0, 4, 12, 2)),
    ];
    let pages = paginate(&tiles, FRAME);
    assert_eq!(pages.len(), 1);
    let [left, right, whole] = [&pages[0][0], &pages[0][1], &pages[0][2]];
    assert_eq!(left.x, FRAME.left);
    assert!((right.x + right.w - FRAME.right).abs() < 0.01);
    assert!((whole.w - (FRAME.right - FRAME.left)).abs() < 0.01);
    assert!(
        (right.x - (left.x + left.w) - 10.0).abs() < 0.01,
        "a gutter between"
    );
    assert_eq!(left.y, FRAME.first_top);
    assert_eq!(left.h, 4.0 * 40.0 + 3.0 * 10.0);
    assert!(
        (whole.y - (left.y + left.h + 10.0)).abs() < 0.01,
        "a gutter below"
    );
}

#[test]
fn tiles_go_in_grid_order_whatever_order_they_come_in() {
    let tiles = vec![
        tile("c", ChartKind::Line, "", (0, 4, 12, 2)),
        tile("b", ChartKind::Line, "", (6, 0, 6, 4)),
        tile("a", ChartKind::Line, "", (0, 0, 6, 4)),
    ];
    let pages = paginate(&tiles, FRAME);
    assert_eq!(titles(&tiles, &pages[0]), ["a", "b", "c"]);
}

#[test]
fn a_row_that_does_not_fit_moves_to_the_next_page_whole() {
    // Two tiles side by side of different heights make one row of the grid (4 units).
    let tiles = vec![
        tile("top", ChartKind::Line, "", (0, 0, 12, 6)),
        tile("tall", ChartKind::Line, "", (0, 6, 6, 4)),
        tile("short", ChartKind::Line, "", (6, 6, 6, 1)),
        tile("under", ChartKind::Line, "", (6, 7, 6, 2)),
    ];
    let pages = paginate(&tiles, FRAME);
    assert_eq!(pages.len(), 2);
    assert_eq!(titles(&tiles, &pages[0]), ["top"]);
    assert_eq!(titles(&tiles, &pages[1]), ["tall", "short", "under"]);
    assert_eq!(pages[1][0].y, FRAME.top);
    assert!((pages[1][2].y - (pages[1][1].y + pages[1][1].h + 10.0)).abs() < 0.01);
}

#[test]
fn tiles_off_the_grid_are_kept_on_it_and_a_row_taller_than_a_page_is_squeezed() {
    let tiles = vec![
        tile("wide", ChartKind::Line, "", (10, 0, 6, 0)),
        tile("giant", ChartKind::Line, "", (0, 1, 12, 30)),
    ];
    let pages = paginate(&tiles, FRAME);
    let wide = &pages[0][0];
    assert!(
        wide.x + wide.w <= FRAME.right + 0.01,
        "cut at the right edge"
    );
    assert_eq!(wide.h, 40.0, "at least one unit high");
    let giant = &pages[1][0];
    assert_eq!(giant.y, FRAME.top);
    assert!(giant.y + giant.h <= FRAME.bottom + 0.01);
}

#[test]
fn a_page_break_is_kept_unless_the_page_is_still_empty() {
    let mut first = tile("first", ChartKind::Line, "", (0, 0, 12, 2));
    first.meta.page_break_before = true;
    let mut second = tile("second", ChartKind::Line, "", (0, 2, 12, 2));
    second.meta.page_break_before = true;
    let tiles = vec![first, second];
    let pages = paginate(&tiles, FRAME);
    assert_eq!(pages.len(), 2);
    assert_eq!(titles(&tiles, &pages[0]), ["first"]);
}

/// Every page's rows of the tile `id`, with whether they continue and end the table.
fn parts(
    tiles: &[TileResult],
    pages: &[Vec<Placement>],
    id: &str,
) -> Vec<(usize, usize, bool, bool)> {
    pages
        .iter()
        .flatten()
        .filter(|p| tiles[p.tile].meta.id == id)
        .filter_map(|p| match &p.content {
            Content::Table {
                rows,
                continued,
                ends,
            } => Some((rows.start, rows.end, *continued, *ends)),
            Content::Chart => None,
        })
        .collect()
}

#[test]
fn a_long_table_is_shared_out_over_pages_without_a_gap_or_a_repeat() {
    let tiles = vec![
        table("long", 300, 300, (0, 0, 8, 4)),
        tile("beside", ChartKind::Line, "", (8, 0, 4, 4)),
        tile("after", ChartKind::Line, "", (0, 4, 12, 2)),
    ];
    let pages = paginate(&tiles, FRAME);
    let parts = parts(&tiles, &pages, "long");
    assert!(parts.len() >= 3, "{parts:?}");
    assert_eq!(parts[0].0, 0);
    assert!(
        !parts[0].2 && parts.iter().skip(1).all(|p| p.2),
        "continued after the first"
    );
    for pair in parts.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "contiguous: {parts:?}");
        assert!(!pair[0].3);
    }
    let last = parts[parts.len() - 1];
    assert_eq!((last.1, last.3), (300, true));
    // The continuation keeps the table's columns; the next row of the grid comes after it.
    let on_last_page = titles(&tiles, &pages[pages.len() - 1]);
    assert_eq!(on_last_page, ["long", "after"]);
    assert_eq!(titles(&tiles, &pages[0]), ["long", "beside"]);
}

#[test]
fn the_left_out_line_never_stands_alone_and_small_tables_end_in_their_frame() {
    // A 4-unit frame holds 156 pt of content: a header and ten rows, or nine and the note.
    let tiles = vec![
        table("fits", 5, 5, (0, 0, 6, 4)),
        table("cut", 11, 12_011, (6, 0, 6, 4)),
        table("empty", 0, 0, (0, 4, 6, 2)),
    ];
    let pages = paginate(&tiles, FRAME);
    assert_eq!(parts(&tiles, &pages, "fits"), [(0, 5, false, true)]);
    assert_eq!(parts(&tiles, &pages, "empty"), [(0, 0, false, true)]);
    let cut = parts(&tiles, &pages, "cut");
    assert_eq!(cut.len(), 2, "{cut:?}");
    assert!(
        cut[1].1 - cut[1].0 >= 1,
        "the note comes with a row: {cut:?}"
    );
}

#[test]
fn a_table_too_short_for_a_row_goes_on_over_the_next_page() {
    let tiles = vec![table("tiny", 3, 3, (0, 0, 12, 1))];
    let pages = paginate(&tiles, FRAME);
    assert_eq!(
        parts(&tiles, &pages, "tiny"),
        [(0, 0, false, false), (0, 3, true, true)]
    );
}
