//! Values that must never be printed: `Display` and `Debug` show `****`.

use std::fmt;
use std::ops::Range;

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

/// A connection URL printed without its secrets: the password of its userinfo and the value of
/// every secret parameter of its query string or fragment, `postgres://cdp:****@host/db` and
/// `postgres://host/db?user=cdp&password=****`. Text without a scheme is not read as a URL (it
/// may be a `key=value` connection string) and is hidden whole.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return "****".into();
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    format!(
        "{head}{}",
        replace_ranges(rest, &url_secrets(rest), |_| "****".into())
    )
}

/// A line of a file with the secrets of every `scheme://...` URL in it (as [`redact_url`] finds
/// them) masked, one `*` per character, so columns after them stay where they were (for carets
/// under a snippet).
pub fn mask_passwords(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(found) = rest.find("://") {
        let start = found + 3;
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '}' | ']'))
            .map_or(rest.len(), |i| start + i);
        let url = &rest[start..end];
        out.push_str(&rest[..start]);
        out.push_str(&replace_ranges(url, &url_secrets(url), |s| {
            "*".repeat(s.chars().count())
        }));
        rest = &rest[end..];
    }
    out.push_str(rest);
    mask_secret_values(&mut out);
    out
}

/// The byte ranges of the secrets in a URL after its `scheme://`, in order: the password of the
/// userinfo, then each non-empty value of a secret parameter in the query string and fragment.
///
/// The userinfo ends at the last `@` before the query or fragment begins, as URL parsers read
/// it; when there is none there, at the last `@` with no `=` before it, so that a password
/// holding an unencoded `?` or `#` is hidden too (a `@` in a parameter's value follows a `=`).
fn url_secrets(rest: &str) -> Vec<Range<usize>> {
    let mut secrets = Vec::new();
    let query_or_fragment = rest.find(['?', '#']).unwrap_or(rest.len());
    let at = rest[..query_or_fragment]
        .rfind('@')
        .or_else(|| rest.rfind('@').filter(|&at| !rest[..at].contains('=')));
    if let Some(at) = at
        && let Some(colon) = rest[..at].find(':')
        && colon + 1 < at
    {
        secrets.push(colon + 1..at);
    }
    let after = at.map_or(0, |at| at + 1);
    let Some(found) = rest[after..].find(['?', '#']) else {
        return secrets;
    };
    // The query string and the fragment (which may carry an `access_token=`), as `&`-separated
    // `name=value` pairs.
    let mut from = after + found + 1;
    for part in rest[from..].split(['&', '#']) {
        if let Some(eq) = part.find('=')
            && eq + 1 < part.len()
            && is_secret_parameter(&part[..eq])
        {
            secrets.push(from + eq + 1..from + part.len());
        }
        from += part.len() + 1;
    }
    secrets
}

/// Parameter names whose values are secrets, compared without case, after percent-decoding and
/// with `-` read as `_`: these names, and any name ending in `password`, `passwd`, `secret`,
/// `token` or `key` (`sslpassword`, `client_secret`, `access_token`, `api_key`, `apikey`).
fn is_secret_parameter(name: &str) -> bool {
    const NAMES: &[&str] = &["pass", "pwd", "auth", "credentials", "sig", "signature"];
    const ENDINGS: &[&str] = &["password", "passwd", "secret", "token", "key"];
    let name = percent_decode(name).to_ascii_lowercase().replace('-', "_");
    NAMES.contains(&name.as_str()) || ENDINGS.iter().any(|end| name.ends_with(end))
}

/// `%XX` escapes decoded (a malformed one is kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with each of `ranges` (in order, not overlapping) replaced by `with` of its text.
fn replace_ranges(text: &str, ranges: &[Range<usize>], with: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for range in ranges {
        out.push_str(&text[from..range.start]);
        out.push_str(&with(&text[range.clone()]));
        from = range.end;
    }
    out.push_str(&text[from..]);
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
    fn urls_print_without_their_secrets() {
        let cases = [
            // userinfo only
            ("postgres://u:p@h:5432/d", "postgres://u:****@h:5432/d"),
            ("postgres://u@h/d", "postgres://u@h/d"),
            ("postgres://u:@h/d", "postgres://u:@h/d"),
            // query string only
            (
                "postgres://host/db?password=hunter2",
                "postgres://host/db?password=****",
            ),
            (
                "postgres://host/db?sslmode=require&PassWord=x&application_name=cdp",
                "postgres://host/db?sslmode=require&PassWord=****&application_name=cdp",
            ),
            // both
            (
                "postgres://cdp:pw@host/db?sslpassword=k3y",
                "postgres://cdp:****@host/db?sslpassword=****",
            ),
            // none
            (
                "postgres://host:5432/db?sslmode=require",
                "postgres://host:5432/db?sslmode=require",
            ),
            ("sqlite://.cdp/state.db", "sqlite://.cdp/state.db"),
            // several parameters, every spelling
            (
                "https://h/p?pass=1&pwd=2&token=3&access_token=4&secret=5&api_key=6&apikey=7&key=8&API-KEY=9&client_secret=a&user=u",
                "https://h/p?pass=****&pwd=****&token=****&access_token=****&secret=****&api_key=****&apikey=****&key=****&API-KEY=****&client_secret=****&user=u",
            ),
            // percent-encoded values and names
            (
                "postgres://u:p%40ss%3Aw@h/d?password=a%26b%3Dc&pass%77ord=x",
                "postgres://u:****@h/d?password=****&pass%77ord=****",
            ),
            // a fragment: not part of the last value, and read for secrets too
            (
                "https://h/cb?token=abc#section",
                "https://h/cb?token=****#section",
            ),
            (
                "https://h/cb#access_token=abc&token_type=bearer",
                "https://h/cb#access_token=****&token_type=bearer",
            ),
            (
                "postgres://u:p@h/d?sslmode=require#password=x",
                "postgres://u:****@h/d?sslmode=require#password=****",
            ),
            // an `@` in a value is not the end of a userinfo
            (
                "postgres://h/d?user=a@b.c&password=x",
                "postgres://h/d?user=a@b.c&password=****",
            ),
            // unencoded `#`, `?` and `/` in a password
            ("postgres://u:ab#cd@h/d", "postgres://u:****@h/d"),
            (
                "postgres://u:ab?cd@h/d?pwd=x",
                "postgres://u:****@h/d?pwd=****",
            ),
            ("postgres://u:ab/cd@h/d", "postgres://u:****@h/d"),
            // an empty value has nothing to hide
            ("postgres://h/d?password=", "postgres://h/d?password="),
            // no scheme: not read as a URL, hidden whole
            ("u:p@h/d?password=x", "****"),
            ("host=h password=x", "****"),
        ];
        for (url, redacted) in cases {
            assert_eq!(redact_url(url), redacted, "{url}");
        }
    }

    #[test]
    fn url_secrets_in_a_line_keep_their_columns() {
        let cases = [
            (
                r#"    url: "postgres://h/db?sslmode=require&password=hunter2" # x"#,
                r#"    url: "postgres://h/db?sslmode=require&password=*******" # x"#,
            ),
            (
                r#"  state: { url: postgres://u:pw@h/d?token=t0k&x=1, other: 1 }"#,
                r#"  state: { url: postgres://u:**@h/d?token=***&x=1, other: 1 }"#,
            ),
            (
                "  a: https://h/p?key=é1#frag and sqlite://x?password=s",
                "  a: https://h/p?key=**#frag and sqlite://x?password=*",
            ),
            (
                "  url: postgres://h/d?user=a@b.c # no secret",
                "  url: postgres://h/d?user=a@b.c # no secret",
            ),
        ];
        for (line, masked) in cases {
            let got = mask_passwords(line);
            assert_eq!(got, masked);
            assert_eq!(got.chars().count(), line.chars().count());
        }
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
