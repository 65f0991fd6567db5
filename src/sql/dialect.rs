//! What differs between SQL engines, as questions whose default answers are generic SQL.

use chrono::{DateTime, Utc};

use super::escape::{lower_snake, quote_path, quote_string};
use crate::table::ColType;

/// The SQL engines cdp compiles for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DialectKind {
    Duckdb,
    Postgres,
    Snowflake,
}

impl DialectKind {
    pub const ALL: [DialectKind; 3] = [
        DialectKind::Duckdb,
        DialectKind::Postgres,
        DialectKind::Snowflake,
    ];

    /// The engine's name as written in flags and `type:` (`duckdb`, `postgres`, `snowflake`).
    pub fn as_str(self) -> &'static str {
        self.dialect().name()
    }

    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            DialectKind::Duckdb => &super::duckdb::DuckDb,
            DialectKind::Postgres => &super::postgres::Postgres,
            DialectKind::Snowflake => &super::snowflake::Snowflake,
        }
    }
}

/// Every method has a generic-SQL default; an engine overrides only what it does differently.
pub trait Dialect: Sync {
    fn name(&self) -> &'static str;

    /// Whether an unquoted identifier resolves to `name` as written.
    fn bare_identifier(&self, name: &str) -> bool {
        lower_snake(name)
    }

    fn ident(&self, name: &str) -> String {
        quote_path(name, |n| self.bare_identifier(n))
    }

    /// Whether `\` escapes inside string literals.
    fn backslash_escapes(&self) -> bool {
        false
    }

    fn string(&self, value: &str) -> String {
        quote_string(value, self.backslash_escapes())
    }

    fn timestamp(&self, at: DateTime<Utc>) -> String {
        format!("timestamp '{}'", at.format("%Y-%m-%d %H:%M:%S%.f"))
    }

    fn interval_seconds(&self, seconds: i64) -> String {
        format!("interval '{seconds} seconds'")
    }

    fn text_type(&self) -> &'static str {
        "varchar"
    }

    fn float_type(&self) -> &'static str {
        "double precision"
    }

    fn timestamp_type(&self) -> &'static str {
        "timestamp"
    }

    fn json_type(&self) -> &'static str {
        "json"
    }

    /// The type of a column of a table cdp creates.
    fn column_type(&self, t: ColType) -> &'static str {
        match t {
            ColType::Text => self.text_type(),
            ColType::Int => "bigint",
            ColType::Float => self.float_type(),
            ColType::Bool => "boolean",
            ColType::Timestamp => self.timestamp_type(),
            ColType::Json => self.json_type(),
        }
    }

    /// Whether secondary indexes pay for cdp's tables: a row store that reads open intervals
    /// and pending changes by index. Column stores scan instead and have none to create.
    fn indexes_pay(&self) -> bool {
        false
    }

    /// Whether the engine runs inside cdp's process and shares its memory (so results are read
    /// in small pages), rather than across a network round trip per query.
    fn in_process(&self) -> bool {
        false
    }

    /// A JSON document written as `json` text, as a value of `json_type` (for an insert's
    /// select list, where a bare string literal would be text).
    fn json_value(&self, json: &str) -> String {
        format!("cast({} as {})", self.string(json), self.json_type())
    }

    /// A JSON property of `column` as text (NULL when absent).
    fn json_text(&self, column: &str, key: &str) -> String;

    /// A JSON property of `column` as a number (NULL when absent or not a JSON number).
    fn json_number(&self, column: &str, key: &str) -> String;

    /// Text of 8 hexadecimal digits as an integer.
    fn hex_to_bigint(&self, hex: &str) -> String {
        format!("cast('0x' || {hex} as bigint)")
    }

    fn regex_match(&self, value: &str, pattern: &str) -> String {
        format!("regexp_like({value}, {})", self.string(pattern))
    }

    fn contains(&self, value: &str, needle: &str) -> String {
        format!("position({} in {value}) > 0", self.string(needle))
    }

    /// Whether the raw text of the JSON `column` holds `needle`, where reading it costs less than
    /// parsing; `None` where the JSON is stored parsed (its text would be written anew).
    fn raw_json_contains(&self, column: &str, needle: &str) -> Option<String> {
        let _ = (column, needle);
        None
    }

    /// `count(*)` for `LIMIT n` previews.
    /// Numbers rows 1, 2, 3...: in whatever order the engine reads them, with no sort where the
    /// dialect allows it; else ordered by `order`.
    fn row_number(&self, order: &str) -> String {
        let _ = order;
        "row_number() over ()".into()
    }

    fn limit(&self, n: u64) -> String {
        format!("limit {n}")
    }

    /// A table that lives only while one command runs: the statement that creates it (followed
    /// by its name) and its name. By default a table in cdp's schema, since a temporary one would
    /// not outlive a request on an engine that runs each request in a session of its own
    /// (Snowflake's SQL API).
    fn scratch_table(&self, schema: &str, table: &str) -> (&'static str, String) {
        ("create table", self.ident(&format!("{schema}.{table}")))
    }
}
