//! `${NAME}` references in configuration strings, resolved from the process environment.

/// A problem with one reference.
#[derive(Debug, PartialEq)]
pub enum InterpolateError {
    Missing(String),
    Malformed(String),
}

/// Names referenced by `text`, or the malformed part.
pub fn references(text: &str) -> Result<Vec<String>, InterpolateError> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(InterpolateError::Malformed(rest[start..].to_string()));
        };
        let name = &after[..end];
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(InterpolateError::Malformed(format!("${{{name}}}")));
        }
        names.push(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Replaces every `${NAME}` with its value from `lookup`.
pub fn interpolate(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, InterpolateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    references(text)?;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').expect("checked by references");
        let name = &after[..end];
        match lookup(name) {
            Some(v) => out.push_str(&v),
            None => return Err(InterpolateError::Missing(name.to_string())),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

pub fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_reports() {
        let env = |n: &str| (n == "A").then(|| "x".to_string());
        assert_eq!(interpolate("pg://${A}/db", env).unwrap(), "pg://x/db");
        assert_eq!(
            interpolate("${B}", env),
            Err(InterpolateError::Missing("B".into()))
        );
        assert!(matches!(
            interpolate("${A", env),
            Err(InterpolateError::Malformed(_))
        ));
        assert!(matches!(
            interpolate("${1A}", env),
            Err(InterpolateError::Malformed(_))
        ));
        assert_eq!(interpolate("plain", env).unwrap(), "plain");
    }
}
