//! One problem found in a project file: where it is, what was expected, and how to fix it.

use std::fmt::Write as _;

use serde::Serialize;

use super::yaml::Pos;

/// Every problem of a project, with the text of each file for rendering snippets.
#[derive(Debug)]
pub struct Invalid {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Path of the file relative to the project folder, with `/` separators.
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Dotted path of the key at fault, e.g. `rules.all[1].within`.
    pub key: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, pos: Pos, key: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            key: key.to_string(),
            message: message.into(),
            expected: None,
            hint: None,
        }
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Renders the problem with the offending line of `source` and a caret under it.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "error: {}", self.message);
        let _ = writeln!(out, "  --> {}:{}:{}", self.file, self.line, self.column);
        if let Some(text) = source
            .and_then(|s| s.lines().nth(self.line.saturating_sub(1) as usize))
            .map(crate::secret::mask_passwords)
        {
            let text = text.as_str();
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_at = text
                .chars()
                .take(self.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect::<String>();
            let width = token_width(text, self.column);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{num} | {text}");
            let _ = writeln!(out, "{pad} | {caret_at}{}", "^".repeat(width));
        }
        if !self.key.is_empty() {
            let _ = writeln!(out, "  = key: {}", self.key);
        }
        if let Some(expected) = &self.expected {
            let _ = writeln!(out, "  = expected: {expected}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        out
    }
}

/// Width of the token starting at `column`, so the caret underlines a whole key or value.
fn token_width(line: &str, column: u32) -> usize {
    let rest: String = line
        .chars()
        .skip(column.saturating_sub(1) as usize)
        .collect();
    let token = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].find(q).map(|i| i + 2).unwrap_or(rest.len()),
        // A flow collection: to its closing bracket, or to the end of the line when it goes on.
        Some('[' | '{') => match flow_end(&rest) {
            Some(end) => rest[..end].chars().count(),
            None => rest
                .len()
                .min(rest.find(['#']).unwrap_or(rest.len()).max(1)),
        },
        _ => rest
            .find([':', ',', ']', '}', '#'])
            .map(|i| rest[..i].trim_end().len())
            .unwrap_or(rest.trim_end().len()),
    };
    token.clamp(1, 80)
}

/// The byte just past the bracket closing the flow collection `text` starts with, when it
/// closes on this line (brackets inside quotes and after a comment's `#` do not count).
fn flow_end(text: &str) -> Option<usize> {
    let (mut depth, mut quote, mut after_space) = (0usize, None, false);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if after_space => return None,
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        after_space = c.is_whitespace();
    }
    None
}

/// Words people write for cdp's keys, from other tools and from SQL.
const SYNONYMS: &[(&str, &str)] = &[
    ("equals", "eq"),
    ("equal", "eq"),
    ("is", "eq"),
    ("=", "eq"),
    ("==", "eq"),
    ("not_equals", "ne"),
    ("neq", "ne"),
    ("!=", "ne"),
    ("<>", "ne"),
    (">", "gt"),
    (">=", "gte"),
    ("ge", "gte"),
    ("<", "lt"),
    ("<=", "lte"),
    ("le", "lte"),
    ("nin", "not_in"),
    ("one_of", "in"),
    ("exists", "is_set"),
    ("regex", "matches"),
    ("like", "contains"),
    ("startswith", "starts_with"),
    ("endswith", "ends_with"),
    ("and", "all"),
    ("or", "any"),
    ("window", "within"),
    ("last", "within"),
    ("since", "within"),
    ("filter", "where"),
    ("filters", "where"),
    ("properties", "where"),
    ("average", "avg"),
    ("total", "sum"),
    ("cron", "schedule"),
    ("rule", "rules"),
    ("conditions", "rules"),
    ("mode", "as"),
    ("type", "as"),
    ("destination", "to"),
    ("target", "to"),
    ("group_id", "subscription_group_id"),
    ("subscription_group", "subscription_group_id"),
    ("apikey", "api_key"),
    ("key", "api_key"),
    ("secret", "secret_key"),
    ("url", "endpoint"),
    ("rest_endpoint", "endpoint"),
    ("project_id", "app_id"),
];

/// Suggests the closest known name to a misspelt one.
pub fn did_you_mean<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(given, known).map(|k| format!("did you mean `{k}`?"))
}

/// The known name a misspelt one most likely meant: a synonym, the same name in another case,
/// or the most similar.
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let known: Vec<&str> = known.into_iter().collect();
    let lower = given.to_ascii_lowercase();
    if let Some((_, k)) = SYNONYMS
        .iter()
        .find(|(w, k)| *w == lower && known.contains(k))
    {
        return known.iter().copied().find(|n| n == k);
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(given)) {
        return Some(k);
    }
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(given, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_the_key() {
        let d = Diagnostic::new(
            "segments/a.yaml",
            Pos { line: 2, column: 3 },
            "rules.withn",
            "unknown key `withn`",
        )
        .hint("did you mean `within`?");
        let text = d.render(Some("rules:\n  withn: 3d\n"));
        assert!(text.contains("2 |   withn: 3d\n  |   ^^^^^\n"), "{text}");
    }

    #[test]
    fn a_flow_collection_is_underlined_to_its_closing_bracket() {
        let line = r#"  where: [{ property: plan, eq: [a, "]"] }]  # x"#;
        assert_eq!(token_width(line, 10), 34);
        assert_eq!(token_width(line, 33), 8);
        assert_eq!(token_width("  count: { gte: 1 }", 10), 10);
        // Going on to the next line: to the end of this one.
        assert_eq!(token_width("  count: {", 10), 1);
        assert_eq!(token_width("  all: [ a, # ]", 8), 5);
    }

    #[test]
    fn suggests_near_names() {
        assert_eq!(
            did_you_mean("withn", ["within", "where"]).unwrap(),
            "did you mean `within`?"
        );
        assert_eq!(did_you_mean("zzz", ["within", "where"]), None);
    }
}
