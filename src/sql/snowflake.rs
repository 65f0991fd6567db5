//! Snowflake.

use super::dialect::Dialect;

pub struct Snowflake;

impl Dialect for Snowflake {
    // `X` is a hexadecimal digit of a numeric format:
    // https://docs.snowflake.com/en/sql-reference/sql-format-models#numeric-format-models
    fn hex_to_bigint(&self, hex: &str) -> String {
        format!("to_number({hex}, 'XXXXXXXX')")
    }

    fn name(&self) -> &'static str {
        "snowflake"
    }

    // Unquoted identifiers resolve case-insensitively (stored upper case):
    // https://docs.snowflake.com/en/sql-reference/identifiers-syntax#unquoted-identifiers
    fn bare_identifier(&self, name: &str) -> bool {
        let mut chars = name.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    // Backslash starts an escape sequence in single-quoted strings:
    // https://docs.snowflake.com/en/sql-reference/data-types-text#escape-sequences-in-single-quoted-string-constants
    fn backslash_escapes(&self) -> bool {
        true
    }

    // https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz
    fn timestamp(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        format!("'{}'::timestamp_ntz", at.format("%Y-%m-%d %H:%M:%S%.f"))
    }

    // ROW_NUMBER's window takes an ORDER BY:
    // https://docs.snowflake.com/en/sql-reference/functions/row_number
    fn row_number(&self, order: &str) -> String {
        format!("row_number() over (order by {order})")
    }

    // https://docs.snowflake.com/en/sql-reference/data-types-numeric#double-double-precision-real
    fn float_type(&self) -> &'static str {
        "double"
    }

    // https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz
    fn timestamp_type(&self) -> &'static str {
        "timestamp_ntz"
    }

    // https://docs.snowflake.com/en/sql-reference/data-types-semistructured#variant
    fn json_type(&self) -> &'static str {
        "variant"
    }

    // https://docs.snowflake.com/en/user-guide/querying-semistructured#traversing-semi-structured-data
    // https://docs.snowflake.com/en/sql-reference/functions/parse_json: a VARIANT is made from
    // text by parsing it.
    fn json_value(&self, json: &str) -> String {
        format!("parse_json({})", self.string(json))
    }

    fn json_text(&self, column: &str, key: &str) -> String {
        format!("{column}:{}::varchar", quoted_key(key))
    }

    // https://docs.snowflake.com/en/sql-reference/functions/typeof
    fn json_number(&self, column: &str, key: &str) -> String {
        let v = format!("{column}:{}", quoted_key(key));
        format!("case when typeof({v}) in ('INTEGER', 'DECIMAL', 'DOUBLE') then {v}::double end")
    }

    // REGEXP_LIKE matches the whole string; REGEXP_INSTR finds a match anywhere:
    // https://docs.snowflake.com/en/sql-reference/functions/regexp_instr
    fn regex_match(&self, value: &str, pattern: &str) -> String {
        format!("regexp_instr({value}, {}) > 0", self.string(pattern))
    }
}

/// A path element of a VARIANT: double-quoted so its case is kept.
fn quoted_key(key: &str) -> String {
    format!("\"{}\"", key.replace('"', "\"\""))
}
