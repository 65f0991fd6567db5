//! DuckDB: the embedded default.

use super::dialect::Dialect;

pub struct DuckDb;

impl Dialect for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    // https://duckdb.org/docs/sql/data_types/numeric#floating-point-types
    fn float_type(&self) -> &'static str {
        "double"
    }

    /// Embedded: the database runs in cdp's process.
    fn in_process(&self) -> bool {
        true
    }

    /// In the temporary catalog: in memory, spilling to disk, never written to the database
    /// file (cdp holds one connection for a whole command).
    fn scratch_table(&self, _schema: &str, table: &str) -> (&'static str, String) {
        (
            "create temp table",
            self.ident(&format!("temp.main.cdp_{table}")),
        )
    }

    // https://duckdb.org/docs/data/json/json_functions#json-extraction-functions
    fn json_text(&self, column: &str, key: &str) -> String {
        format!(
            "json_extract_string({column}, {})",
            self.string(&format!("$.\"{key}\""))
        )
    }

    // https://duckdb.org/docs/data/json/json_functions#json-scalar-functions (json_type)
    fn json_number(&self, column: &str, key: &str) -> String {
        let path = self.string(&format!("$.\"{key}\""));
        format!(
            "case when json_type({column}, {path}) in ('BIGINT', 'UBIGINT', 'DOUBLE') then cast(json_extract_string({column}, {path}) as double) end"
        )
    }

    // A JSON value is stored as its text.
    fn raw_json_contains(&self, column: &str, needle: &str) -> Option<String> {
        Some(format!(
            "contains(cast({column} as varchar), {})",
            self.string(needle)
        ))
    }

    // https://duckdb.org/docs/sql/functions/regular_expressions#regexp_matchesstring-pattern
    fn regex_match(&self, value: &str, pattern: &str) -> String {
        format!("regexp_matches({value}, {})", self.string(pattern))
    }
}
