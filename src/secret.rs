//! Values that must never be printed: `Display` and `Debug` show `****`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value, for the one place that hands it to a driver or header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// A connection URL printed without its password: `postgres://cdp:****@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return "****".into();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    format!("{}://{}:****@{}", &url[..scheme_end], user, &rest[at + 1..])
}

/// A line of a file with the password of every `scheme://user:password@host` in it masked, one
/// `*` per character, so columns after it stay where they were (for carets under a snippet).
pub fn mask_passwords(line: &str) -> String {
    let mut out = line.to_string();
    let mut from = 0;
    while let Some(found) = out[from..].find("://") {
        let start = from + found + 3;
        let end = out[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '}' | ']'))
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@')
            && let Some(colon) = out[start..start + at].find(':')
        {
            let (a, b) = (start + colon + 1, start + at);
            let stars = "*".repeat(out[a..b].chars().count());
            out.replace_range(a..b, &stars);
        }
        from = end.max(start);
    }
    mask_secret_values(&mut out);
    out
}

/// Keys whose values are secrets: a value written in the file (not a `${ENV}` reference) is
/// masked wherever a line of the file is shown.
pub const SECRET_KEYS: &[&str] = &[
    "api_key",
    "secret_key",
    "token",
    "private_key",
    "private_key_passphrase",
];

fn mask_secret_values(out: &mut String) {
    for key in SECRET_KEYS {
        let pattern = format!("{key}:");
        let mut from = 0;
        while let Some(found) = out[from..].find(&pattern) {
            let at = from + found;
            from = at + pattern.len();
            let boundary = out[..at]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '"' | '\''));
            if !boundary {
                continue;
            }
            let rest = &out[from..];
            let start = from + (rest.len() - rest.trim_start().len());
            let value = &out[start..];
            let (start, end) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = value[1..].find(q).map_or(value.len(), |i| i + 1);
                    (start + 1, start + close)
                }
                _ => {
                    let len = value.find([',', '}', '#']).unwrap_or(value.len());
                    (start, start + value[..len].trim_end().len())
                }
            };
            if start < end && !out[start..end].starts_with("${") {
                let stars = "*".repeat(out[start..end].chars().count());
                out.replace_range(start..end, &stars);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_a_line_are_masked_in_place() {
        let line = r#"  state: { url: "postgres://cdp:hunter2@db:5432/x" }  # and sqlite://a"#;
        let masked = mask_passwords(line);
        assert_eq!(
            masked,
            r#"  state: { url: "postgres://cdp:*******@db:5432/x" }  # and sqlite://a"#
        );
        assert_eq!(masked.len(), line.len());
        assert_eq!(mask_passwords("no url here"), "no url here");
        assert_eq!(
            mask_passwords(r#"  braze: { api_key: abc123, secret_key: "s3" }"#),
            r#"  braze: { api_key: ******, secret_key: "**" }"#
        );
        assert_eq!(
            mask_passwords(r#"  api_key: "${BRAZE_API_KEY}" # from CI"#),
            r#"  api_key: "${BRAZE_API_KEY}" # from CI"#
        );
    }

    #[test]
    fn never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "**** ****");
        assert_eq!(
            redact_url("postgres://u:p@h:5432/d"),
            "postgres://u:****@h:5432/d"
        );
        assert_eq!(redact_url("postgres://h/d"), "postgres://h/d");
    }
}
