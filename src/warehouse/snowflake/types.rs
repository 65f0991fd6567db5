//! SQL API result values (strings in the `jsonv2` format) to cdp's cells, by each column's
//! `rowType` (reference: "Responses").

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::warehouse::Cell;

/// One entry of `resultSetMetaData.rowType`.
#[derive(Clone, Debug, serde::Deserialize, PartialEq)]
pub struct RowType {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub scale: Option<i64>,
    #[serde(default)]
    pub nullable: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("Snowflake returned `{value}` for column `{column}` of type {kind}, which cdp cannot read")]
pub struct BadValue {
    pub column: String,
    pub kind: String,
    pub value: String,
}

/// A value as cdp reads it. NULL arrives as JSON null (`nullable=true`, which cdp always asks for).
pub fn cell(value: Option<&str>, col: &RowType) -> Result<Cell, BadValue> {
    let Some(v) = value else {
        return Ok(Cell::Null);
    };
    let bad = || BadValue {
        column: col.name.clone(),
        kind: col.kind.clone(),
        value: v.chars().take(64).collect(),
    };
    Ok(match col.kind.to_ascii_lowercase().as_str() {
        "fixed" if col.scale.unwrap_or(0) == 0 => match v.parse::<i64>() {
            Ok(i) => Cell::Int(i),
            // NUMBER(38,0) can exceed 64 bits: keep the digits.
            Err(_)
                if v.trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_digit()) =>
            {
                Cell::Text(v.to_string())
            }
            Err(_) => return Err(bad()),
        },
        "fixed" | "real" => Cell::Float(v.parse().map_err(|_| bad())?),
        "boolean" => match v {
            "true" | "TRUE" | "1" => Cell::Bool(true),
            "false" | "FALSE" | "0" => Cell::Bool(false),
            _ => return Err(bad()),
        },
        "date" => {
            let days: i64 = v.parse().map_err(|_| bad())?;
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
            Cell::Date(epoch + Duration::days(days))
        }
        "timestamp_ntz" | "timestamp_ltz" => Cell::Timestamp(epoch_seconds(v).ok_or_else(bad)?),
        "timestamp_tz" => {
            // "<epoch seconds> <offset minutes + 1440>": the seconds are already UTC.
            let seconds = v.split_whitespace().next().ok_or_else(bad)?;
            Cell::Timestamp(epoch_seconds(seconds).ok_or_else(bad)?)
        }
        "variant" | "object" | "array" => Cell::Json(v.to_string()),
        // TEXT, TIME (seconds since midnight), BINARY (hex) and anything newer: as written.
        _ => Cell::Text(v.to_string()),
    })
}

/// `1718452800.123456789` (seconds with up to 9 decimals) as an instant.
fn epoch_seconds(v: &str) -> Option<DateTime<Utc>> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, "0"));
    let secs: i64 = whole.parse().ok()?;
    let digits: String = frac.chars().take(9).collect();
    let nanos: u32 = format!("{digits:0<9}").parse().ok()?;
    // Negative instants count the fraction towards the epoch.
    if whole.starts_with('-') && nanos > 0 {
        DateTime::from_timestamp(secs - 1, 1_000_000_000 - nanos)
    } else {
        DateTime::from_timestamp(secs, nanos)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn col(kind: &str, scale: i64) -> RowType {
        RowType {
            name: "c".into(),
            kind: kind.into(),
            scale: Some(scale),
            nullable: Some(true),
        }
    }

    #[test]
    fn every_documented_type_reads() {
        assert_eq!(cell(Some("42"), &col("fixed", 0)).unwrap(), Cell::Int(42));
        assert_eq!(
            cell(Some("12.50"), &col("fixed", 2)).unwrap(),
            Cell::Float(12.5)
        );
        assert_eq!(
            cell(Some("123456789012345678901234567890"), &col("fixed", 0)).unwrap(),
            Cell::Text("123456789012345678901234567890".into())
        );
        assert_eq!(
            cell(Some("1.5e3"), &col("real", 0)).unwrap(),
            Cell::Float(1500.0)
        );
        assert_eq!(
            cell(Some("true"), &col("boolean", 0)).unwrap(),
            Cell::Bool(true)
        );
        assert_eq!(
            cell(Some("20619"), &col("date", 0)).unwrap(),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 15).unwrap())
        );
        let at = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        assert_eq!(
            cell(Some("1781524800.000000000"), &col("timestamp_ntz", 9)).unwrap(),
            Cell::Timestamp(at)
        );
        assert_eq!(
            cell(Some("1781524800.5"), &col("timestamp_ltz", 9)).unwrap(),
            Cell::Timestamp(at + Duration::milliseconds(500))
        );
        assert_eq!(
            cell(Some("1781524800.000000000 1560"), &col("timestamp_tz", 9)).unwrap(),
            Cell::Timestamp(at),
            "the offset (+2h) does not move the instant"
        );
        assert_eq!(
            cell(Some("-1.5"), &col("timestamp_ntz", 9)).unwrap(),
            Cell::Timestamp(
                Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 58).unwrap()
                    + Duration::milliseconds(500)
            )
        );
        assert_eq!(
            cell(Some("{\"a\": 1}"), &col("variant", 0)).unwrap(),
            Cell::Json("{\"a\": 1}".into())
        );
        assert_eq!(cell(None, &col("text", 0)).unwrap(), Cell::Null);
        assert_eq!(
            cell(Some("abc"), &col("text", 0)).unwrap(),
            Cell::Text("abc".into())
        );
    }

    #[test]
    fn a_value_that_does_not_fit_its_type_is_an_error_naming_the_column() {
        let err = cell(Some("x"), &col("fixed", 0)).unwrap_err();
        assert!(
            err.to_string().contains("`x` for column `c` of type fixed"),
            "{err}"
        );
    }
}
