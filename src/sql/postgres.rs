//! PostgreSQL.

use super::dialect::Dialect;

pub struct Postgres;

impl Dialect for Postgres {
    // A bit string from hex digits, read as an integer:
    // https://www.postgresql.org/docs/current/functions-bitstring.html
    fn hex_to_bigint(&self, hex: &str) -> String {
        format!("cast(cast('x' || {hex} as bit(32)) as bigint)")
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    // https://www.postgresql.org/docs/current/datatype-json.html (binary, indexable)
    fn json_type(&self) -> &'static str {
        "jsonb"
    }

    /// A row store: open intervals and pending changes are read by partial and plain indexes.
    // https://www.postgresql.org/docs/current/indexes-partial.html
    fn indexes_pay(&self) -> bool {
        true
    }

    // https://www.postgresql.org/docs/current/functions-json.html (->>); the cast accepts json, jsonb and text
    fn json_text(&self, column: &str, key: &str) -> String {
        format!("(({column})::jsonb ->> {})", self.string(key))
    }

    // https://www.postgresql.org/docs/current/functions-json.html (jsonb_typeof)
    fn json_number(&self, column: &str, key: &str) -> String {
        let k = self.string(key);
        format!(
            "case when jsonb_typeof(({column})::jsonb -> {k}) = 'number' then (({column})::jsonb ->> {k})::double precision end"
        )
    }

    // https://www.postgresql.org/docs/current/functions-matching.html#FUNCTIONS-POSIX-REGEXP
    fn regex_match(&self, value: &str, pattern: &str) -> String {
        format!("({value} ~ {})", self.string(pattern))
    }
}
