//! The one place values and names from configuration become SQL text.

/// A string literal: single quotes doubled; with `backslash_escapes`, backslashes doubled too
/// (for engines that read `\` as an escape inside quotes).
pub fn quote_string(value: &str, backslash_escapes: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if backslash_escapes => out.push_str("\\\\"),
            // NUL cannot be stored by every engine; validation rejects it, this keeps SQL intact.
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An identifier, bare when `bare` allows it, else double-quoted with quotes doubled.
pub fn quote_ident(name: &str, bare: impl Fn(&str) -> bool) -> String {
    if bare(name) && !is_reserved(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\"").replace('\0', ""))
    }
}

/// A possibly qualified name (`analytics.events`), each part quoted on its own.
pub fn quote_path(path: &str, bare: impl Fn(&str) -> bool + Copy) -> String {
    path.split('.')
        .map(|p| quote_ident(p, bare))
        .collect::<Vec<_>>()
        .join(".")
}

/// Lowercase snake-case names that engines fold to lowercase and read unquoted.
pub fn lower_snake(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_reserved(name: &str) -> bool {
    // Reserved by DuckDB, PostgreSQL or Snowflake (or the SQL standard); quoting one of these
    // keeps a column named like a keyword (`at`, `order`, `values`) usable.
    const RESERVED: &[&str] = &[
        "all",
        "analyse",
        "analyze",
        "and",
        "anti",
        "any",
        "array",
        "as",
        "asc",
        "asof",
        "asymmetric",
        "at",
        "authorization",
        "between",
        "binary",
        "both",
        "by",
        "case",
        "cast",
        "check",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "describe",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "increment",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "minus",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "pivot",
        "pivot_longer",
        "pivot_wider",
        "placing",
        "positional",
        "primary",
        "qualify",
        "references",
        "regexp",
        "returning",
        "right",
        "rlike",
        "row",
        "rows",
        "sample",
        "select",
        "semi",
        "session_user",
        "show",
        "similar",
        "some",
        "summarize",
        "symmetric",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "trigger",
        "true",
        "try_cast",
        "union",
        "unique",
        "unpivot",
        "user",
        "using",
        "values",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    ];
    RESERVED.contains(&name.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cannot_break_out() {
        assert_eq!(quote_string("it's", false), "'it''s'");
        assert_eq!(
            quote_string("a\\'; drop table users; --", false),
            "'a\\''; drop table users; --'"
        );
        assert_eq!(quote_string("a\\'", true), "'a\\\\'''");
        assert_eq!(quote_string("$$x$$", false), "'$$x$$'");
        assert_eq!(quote_string("naïve ☃", false), "'naïve ☃'");
    }

    #[test]
    fn identifiers() {
        assert_eq!(quote_ident("user_id", lower_snake), "user_id");
        assert_eq!(quote_ident("userId", lower_snake), "\"userId\"");
        assert_eq!(quote_ident("user", lower_snake), "\"user\"");
        assert_eq!(quote_ident("at", lower_snake), "\"at\"");
        assert_eq!(quote_ident("values", lower_snake), "\"values\"");
        assert_eq!(quote_ident("a\"b", lower_snake), "\"a\"\"b\"");
        assert_eq!(
            quote_path("analytics.events", lower_snake),
            "analytics.events"
        );
    }
}
