//! The few Snowflake-only constructs cdp emits, rewritten for DuckDB, so the double (and the
//! differential test) can run Snowflake SQL: VARIANT paths, `typeof`, `timestamp_ntz`,
//! `regexp_instr`, `to_number` of hexadecimal digits, and backslash escapes in string literals.

use std::sync::LazyLock;

use regex::Regex;

/// DuckDB definitions the rewritten SQL relies on; run once per connection.
pub const SETUP: &str = "
    create or replace macro cdp_regexp_instr(s, p) as case when regexp_matches(s, p) then 1 else 0 end;
    create or replace macro cdp_snowflake_type(j, p) as case json_type(j, p)
        when 'BIGINT' then 'INTEGER' when 'UBIGINT' then 'INTEGER' when 'DOUBLE' then 'DOUBLE'
        when 'NULL' then 'NULL_VALUE' else json_type(j, p) end;
    create or replace macro to_number(x, f) as case when f = 'XXXXXXXX' then cast('0x' || x as bigint) end;";

pub fn to_duckdb(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut code = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            code.push(c);
            continue;
        }
        out.push_str(&rewrite(&std::mem::take(&mut code)));
        // A Snowflake string: `''` and `\'` are quotes, `\\` a backslash.
        let mut text = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        text.push(n);
                    }
                }
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    text.push('\'');
                }
                '\'' => break,
                c => text.push(c),
            }
        }
        out.push('\'');
        out.push_str(&text.replace('\'', "''"));
        out.push('\'');
    }
    out.push_str(&rewrite(&code));
    out
}

const COL: &str = r#"((?:\w+|"[^"]*")(?:\.(?:\w+|"[^"]*"))*)"#;
const KEY: &str = r#""((?:[^"]|"")*)""#;

// `typeof(v) in ('INTEGER', ...)`: the literals were split out as strings already.
static TYPEOF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r#"typeof\({COL}:{KEY}\) in \("#)).unwrap());
static TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r#"{COL}:{KEY}::varchar"#)).unwrap());
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r#"{COL}:{KEY}::double"#)).unwrap());

/// Rewrites code outside string literals.
fn rewrite(code: &str) -> String {
    let mut s = TYPEOF
        .replace_all(code, "cdp_snowflake_type($1, '$$.\"$2\"') in (")
        .into_owned();
    s = TEXT
        .replace_all(&s, "json_extract_string($1, '$$.\"$2\"')")
        .into_owned();
    s = NUMBER
        .replace_all(&s, "cast(json_extract_string($1, '$$.\"$2\"') as double)")
        .into_owned();
    s.replace("::timestamp_ntz", "::timestamp")
        .replace("timestamp_ntz", "timestamp")
        .replace(" variant", " json")
        .replace("regexp_instr(", "cdp_regexp_instr(")
        .replace("parse_json(", "json(")
}

#[test]
fn literals_keep_their_value_and_paths_become_json_functions() {
    assert_eq!(
        to_duckdb(r"select 'a\\b', 'it''s', 'x\'y'"),
        r"select 'a\b', 'it''s', 'x''y'"
    );
    assert_eq!(
        to_duckdb(r#"ev.properties:"path"::varchar = '/p:"x"::varchar'"#),
        r#"json_extract_string(ev.properties, '$."path"') = '/p:"x"::varchar'"#
    );
    assert_eq!(
        to_duckdb("'2026-06-15 00:00:00'::timestamp_ntz"),
        "'2026-06-15 00:00:00'::timestamp"
    );
}
