//! Durations (`30d`) and instants (`2026-01-01`, RFC 3339) as project files and flags write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::decode::Decoder;
use super::yaml::{Node, Value};

/// A span of time in whole seconds, written `30d`, `12h`, `2w` ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub seconds: i64,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.seconds;
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
            if s % size == 0 && s >= size {
                return write!(f, "{}{unit}", s / size);
            }
        }
        write!(f, "{s}s")
    }
}

/// A date (`2026-01-01`, midnight UTC) or an RFC 3339 timestamp.
pub fn parse_instant(d: &mut Decoder, node: &Node, path: &str) -> Option<DateTime<Utc>> {
    let text = d.text(node, path)?;
    if let Some(t) = instant_from_str(&text) {
        return Some(t);
    }
    d.report(node.pos, path, format!("`{text}` is not a date"))
        .expected = Some("a date `YYYY-MM-DD` or an RFC 3339 timestamp".into());
    None
}

pub fn instant_from_str(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

pub fn parse_span(d: &mut Decoder, node: &Node, path: &str) -> Option<Span> {
    let text = match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => {
            d.wrong_type(node, path, "a duration such as `30d`");
            return None;
        }
    };
    match span_from_str(&text) {
        Ok(span) => Some(span),
        Err(hint) => {
            let diag = d.report(node.pos, path, format!("`{text}` is not a duration"));
            diag.expected = Some("a whole number and a unit: `s`, `m`, `h`, `d` or `w`".into());
            diag.hint = Some(hint);
            None
        }
    }
}

/// Parses `30d`; on failure, a hint saying how to write what was probably meant.
pub fn span_from_str(text: &str) -> Result<Span, String> {
    let t = text.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = t[digits.len()..].trim();
    let number: Option<i64> = digits.parse().ok();
    let size = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3_600),
        "d" => Some(86_400),
        "w" => Some(604_800),
        _ => None,
    };
    match (number, size) {
        (Some(n), Some(size)) if n > 0 => n
            .checked_mul(size)
            .map(|seconds| Span { seconds })
            .ok_or_else(|| "that is too long".to_string()),
        (Some(0), Some(_)) => Err("a window must be longer than zero".into()),
        (Some(n), None) => {
            let lower = unit.to_ascii_lowercase();
            let guess = match lower.as_str() {
                "" => None,
                u if u.starts_with("mo") => Some(format!("{}d", n * 30)),
                u if u.starts_with("y") => Some(format!("{}d", n * 365)),
                u if u.starts_with("min") => Some(format!("{n}m")),
                u if u.starts_with("sec") => Some(format!("{n}s")),
                u if u.starts_with('h') => Some(format!("{n}h")),
                u if u.starts_with('d') => Some(format!("{n}d")),
                u if u.starts_with('w') => Some(format!("{n}w")),
                _ => None,
            };
            Err(match guess {
                Some(g) => format!("did you mean `{g}`?"),
                None => format!("write it like `{n}d` (units: s m h d w)"),
            })
        }
        _ => Err("write it like `30d` or `12h` (units: s m h d w)".into()),
    }
}
