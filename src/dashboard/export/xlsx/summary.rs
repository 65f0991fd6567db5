//! The `Summary` sheet: what was run, where, when and with which params, then each tile with its
//! kind, its row count and a link to its sheet.

use rust_xlsxwriter::{ColNum, RowNum, Url, Worksheet};

use super::XlsxError;
use super::cells;
use super::names::quoted;
use super::sheet::column_width;
use super::style::Styles;
use crate::dashboard::result::Header;

/// The first sheet's name.
pub const SUMMARY: &str = "Summary";

/// A tile's line on the Summary.
pub struct TileLine<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub rows: u64,
    pub sheets: &'a [String],
}

/// The row of the tiles' table header on the Summary.
pub fn tiles_header_row(header: &Header) -> RowNum {
    let params = if header.params.is_empty() {
        0
    } else {
        header.params.len() + 2
    };
    (7 + params) as RowNum
}

pub fn write(header: &Header, tiles: &[TileLine], styles: &Styles) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(SUMMARY)?;
    let mut widths = [0usize; 5];
    let mut note = |col: usize, chars: usize| widths[col] = widths[col].max(chars);

    sheet.write_string_with_format(0, 0, &header.title, &styles.title)?;
    sheet.set_row_height(0, 26)?;
    if let Some(description) = &header.description {
        cells::text(&mut sheet, 1, 0, description)?;
    }
    let facts = [
        ("Dashboard", header.name.as_str()),
        ("Environment", &header.environment),
    ];
    for (i, (label, value)) in facts.iter().enumerate() {
        let row = 3 + i as RowNum;
        sheet.write_string_with_format(row, 0, *label, &styles.label)?;
        note(1, cells::text(&mut sheet, row, 1, value)?);
    }
    sheet.write_string_with_format(5, 0, "Generated at", &styles.label)?;
    sheet.write_datetime_with_format(
        5,
        1,
        header.generated_at.naive_utc(),
        &styles.generated_at,
    )?;
    note(1, 23);
    note(0, 12);

    if !header.params.is_empty() {
        sheet.write_string_with_format(7, 0, "Parameter", &styles.header)?;
        sheet.write_string_with_format(7, 1, "Value", &styles.header)?;
        for (i, (name, value)) in header.params.iter().enumerate() {
            let row = 8 + i as RowNum;
            note(0, cells::text(&mut sheet, row, 0, name)?);
            note(1, cells::text(&mut sheet, row, 1, value)?);
        }
    }

    let top = tiles_header_row(header);
    let titles = ["Tile", "Chart", "Rows", "Sheet", "Continued on"];
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(top, col as ColNum, *title, &styles.header)?;
        note(col, title.len());
    }
    for (i, tile) in tiles.iter().enumerate() {
        let row = top + 1 + i as RowNum;
        note(0, cells::text(&mut sheet, row, 0, tile.title)?);
        note(1, cells::text(&mut sheet, row, 1, tile.kind)?);
        sheet.write_number_with_format(row, 2, tile.rows as f64, &styles.count)?;
        note(2, tile.rows.to_string().len() + 4);
        if let Some(first) = tile.sheets.first() {
            let link = Url::new(format!("internal:{}!A1", quoted(first))).set_text(first);
            sheet.write_url(row, 3, link)?;
            note(3, cells::text_width(first));
        }
        if tile.sheets.len() > 1 {
            note(
                4,
                cells::text(&mut sheet, row, 4, &tile.sheets[1..].join(", "))?,
            );
        }
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as ColNum, column_width(*width))?;
    }
    Ok(sheet)
}
