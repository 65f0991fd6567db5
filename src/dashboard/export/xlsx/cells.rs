//! One result cell written as a typed Excel cell: numbers as numbers, booleans as booleans,
//! dates and timestamps as Excel dates, text as text, null as nothing.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ColNum, RowNum, Worksheet, XlsxError as WriterError};

use super::style::{ColumnStyle, DATE};
use crate::table::Cell;

/// The most UTF-16 units Excel keeps in one cell.
const MAX_TEXT: usize = 32_767;

/// The widest a column is made, in characters.
pub const MAX_WIDTH: usize = 60;

/// Writes `cell` at (`row`, `col`) and returns how many characters it shows (at most
/// `MAX_WIDTH`), for the column's width.
///
/// Excel has no NaN or infinity, so those floats are left empty; dates outside Excel's calendar
/// (1900 to 9999) are written as ISO text; text past Excel's 32,767 characters is cut.
pub fn write(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    style: &ColumnStyle,
) -> Result<usize, WriterError> {
    match cell {
        Cell::Null => Ok(0),
        Cell::Bool(b) => {
            sheet.write_boolean(row, col, *b)?;
            Ok(5)
        }
        Cell::Int(i) => number(sheet, row, col, *i as f64, style.int.as_ref(), style),
        Cell::Float(f) if f.is_finite() => number(sheet, row, col, *f, style.float.as_ref(), style),
        Cell::Float(_) => Ok(0),
        Cell::Text(s) | Cell::Json(s) => text(sheet, row, col, s),
        Cell::Date(d) if in_excel_calendar(*d) => {
            sheet.write_datetime_with_format(row, col, *d, &style.date)?;
            Ok(DATE.len())
        }
        Cell::Timestamp(t) if in_excel_calendar(t.date_naive()) => {
            sheet.write_datetime_with_format(row, col, t.naive_utc(), &style.date_time)?;
            Ok(style.date_time_width)
        }
        Cell::Date(_) | Cell::Timestamp(_) => text(sheet, row, col, &cell.to_text()),
    }
}

fn number(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: f64,
    format: Option<&rust_xlsxwriter::Format>,
    style: &ColumnStyle,
) -> Result<usize, WriterError> {
    match format {
        Some(format) => sheet.write_number_with_format(row, col, value, format)?,
        None => sheet.write_number(row, col, value)?,
    };
    Ok(style.number_width(value).min(MAX_WIDTH))
}

/// Writes `s` as a text cell (cut to Excel's limit) and returns its width.
pub fn text(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    s: &str,
) -> Result<usize, WriterError> {
    let kept = cut_to_excel(s);
    sheet.write_string(row, col, kept)?;
    Ok(text_width(kept))
}

/// The width of `s` in characters, up to `MAX_WIDTH`; a multi-line text counts its longest line.
pub fn text_width(s: &str) -> usize {
    s.lines()
        .map(|line| line.chars().take(MAX_WIDTH).count())
        .max()
        .unwrap_or(0)
}

/// The longest start of `s` Excel keeps in a cell.
fn cut_to_excel(s: &str) -> &str {
    if s.len() <= MAX_TEXT {
        return s;
    }
    let mut units = 0;
    for (at, c) in s.char_indices() {
        units += c.len_utf16();
        if units > MAX_TEXT {
            return &s[..at];
        }
    }
    s
}

/// Excel's dates run from 1900-01-01 to 9999-12-31.
fn in_excel_calendar(d: NaiveDate) -> bool {
    (1900..=9999).contains(&d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_excels_limit_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT + 10);
        let kept = cut_to_excel(&long);
        assert_eq!(kept.chars().count(), MAX_TEXT);
        assert_eq!(cut_to_excel("short"), "short");
        assert_eq!(text_width("ab\nabcd"), 4);
        assert_eq!(text_width(&"x".repeat(500)), MAX_WIDTH);
    }

    #[test]
    fn dates_outside_excels_calendar_are_not_dates() {
        assert!(in_excel_calendar(
            NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
        ));
        assert!(!in_excel_calendar(
            NaiveDate::from_ymd_opt(1899, 12, 31).unwrap()
        ));
    }
}
