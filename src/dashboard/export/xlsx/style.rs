//! Cell formats: the workbook's fixed styles (header, titles, links) and each column's number
//! formats, taken from the tile's `Format` for that column.

use rust_xlsxwriter::Format as CellFormat;

use crate::dashboard::chart::Format;

pub const DATE: &str = "yyyy-mm-dd";
pub const DATE_TIME: &str = "yyyy-mm-dd hh:mm:ss";

/// The styles every sheet shares.
pub struct Styles {
    pub header: CellFormat,
    pub title: CellFormat,
    pub label: CellFormat,
    pub generated_at: CellFormat,
    pub count: CellFormat,
}

impl Styles {
    pub fn new() -> Styles {
        Styles {
            header: CellFormat::new().set_bold(),
            title: CellFormat::new().set_bold().set_font_size(18),
            label: CellFormat::new().set_bold(),
            generated_at: CellFormat::new().set_num_format(format!("{DATE_TIME} \"UTC\"")),
            count: CellFormat::new().set_num_format("#,##0"),
        }
    }
}

/// How one column's cells are formatted, by the cell's type.
#[derive(Clone, Debug)]
pub struct ColumnStyle {
    pub int: Option<CellFormat>,
    pub float: Option<CellFormat>,
    pub date: CellFormat,
    pub date_time: CellFormat,
    /// Characters a number takes beyond its digits and group separators (decimals, symbol, %).
    pub number_extra: usize,
    /// Numbers are shown with group separators.
    pub grouped: bool,
    /// Floats are shown as a percentage.
    pub percent: bool,
    /// Characters a timestamp takes: a date and time, or its day alone.
    pub date_time_width: usize,
}

impl ColumnStyle {
    /// The style of a column with `format`, or the defaults (General numbers, ISO dates).
    pub fn new(format: Option<&Format>) -> ColumnStyle {
        let mut style = ColumnStyle {
            int: None,
            float: None,
            date: CellFormat::new().set_num_format(DATE),
            date_time: CellFormat::new().set_num_format(DATE_TIME),
            number_extra: 0,
            grouped: false,
            percent: false,
            date_time_width: DATE_TIME.len(),
        };
        match format {
            None => {}
            Some(Format::Number) => {
                style.int = Some(CellFormat::new().set_num_format("#,##0"));
                style.float = Some(CellFormat::new().set_num_format("#,##0.00"));
                style.grouped = true;
                style.number_extra = 3;
            }
            Some(Format::Percent) => {
                let percent = CellFormat::new().set_num_format("0.0%");
                style.int = Some(percent.clone());
                style.float = Some(percent);
                style.percent = true;
            }
            Some(Format::Currency(code)) => {
                let (pattern, symbol_len) = currency(code);
                let currency = CellFormat::new().set_num_format(pattern);
                style.int = Some(currency.clone());
                style.float = Some(currency);
                style.grouped = true;
                style.number_extra = symbol_len + 3;
            }
            Some(Format::Date) => {
                style.date_time = CellFormat::new().set_num_format(DATE);
                style.date_time_width = DATE.len();
            }
        }
        style
    }

    /// The number of characters `value` takes when shown with this style (for column widths).
    pub fn number_width(&self, value: f64) -> usize {
        if self.percent {
            return digits(value * 100.0) + 3;
        }
        if self.int.is_none() {
            return general_width(value);
        }
        let digits = digits(value);
        let separators = if self.grouped {
            digits.saturating_sub(1) / 3
        } else {
            0
        };
        digits + separators + self.number_extra + usize::from(value < 0.0)
    }
}

/// Digits before the decimal point.
fn digits(value: f64) -> usize {
    let whole = value.abs().trunc();
    if whole < 10.0 {
        1
    } else {
        (whole.log10().floor() as usize) + 1
    }
}

/// Excel's General format shows up to 11 characters of a number.
fn general_width(value: f64) -> usize {
    if value.fract() == 0.0 && value.abs() < 1e11 {
        digits(value) + usize::from(value < 0.0)
    } else {
        11
    }
}

/// The Excel number format of an amount in the currency with ISO code `code`, and the width of
/// its symbol.
fn currency(code: &str) -> (String, usize) {
    let upper = code.to_ascii_uppercase();
    let symbol = match upper.as_str() {
        "USD" => return ("$#,##0.00".to_string(), 1),
        "EUR" => "€",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        "INR" => "₹",
        "KRW" => "₩",
        "CHF" => "CHF ",
        _ => {
            let escaped = upper.replace('"', "");
            let len = escaped.chars().count() + 1;
            return (format!("#,##0.00 \"{escaped}\""), len);
        }
    };
    let decimals = if matches!(upper.as_str(), "JPY" | "KRW") {
        ""
    } else {
        ".00"
    };
    (
        format!("\"{symbol}\"#,##0{decimals}"),
        symbol.chars().count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_have_their_symbol_or_their_code() {
        assert_eq!(currency("USD").0, "$#,##0.00");
        assert_eq!(currency("eur").0, "\"€\"#,##0.00");
        assert_eq!(currency("JPY").0, "\"¥\"#,##0");
        assert_eq!(currency("SEK").0, "#,##0.00 \"SEK\"");
    }

    #[test]
    fn widths_follow_the_format() {
        let plain = ColumnStyle::new(None);
        assert_eq!(plain.number_width(12345.0), 5);
        assert_eq!(plain.number_width(-7.0), 2);
        assert_eq!(plain.number_width(0.1234), 11);
        let grouped = ColumnStyle::new(Some(&Format::Number));
        assert_eq!(grouped.number_width(1_234_567.0), 9 + 3);
        let percent = ColumnStyle::new(Some(&Format::Percent));
        assert_eq!(percent.number_width(0.125), 5);
        assert_eq!(ColumnStyle::new(Some(&Format::Date)).date_time_width, 10);
        assert_eq!(plain.date_time_width, 19);
    }
}
