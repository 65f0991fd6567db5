//! The one escaping function of the UI's HTML, and the small pieces every page builds with
//! (numbers and instants as people read them, tables, badges, messages), each escaping what it
//! is given.

use chrono::{DateTime, Utc};

use crate::dashboard::chart::{Format, format};
use crate::table::Cell;

/// Text safe in an element or a quoted attribute: `& < > " '` become entities, control
/// characters other than line breaks and tabs become spaces (the SVG renderer's escaping, which
/// keeps line breaks here for `<pre>`).
pub fn escape(text: &str) -> String {
    crate::dashboard::export::svg::escape_markup(text, true)
}

/// A count with grouped digits (`12,345`), or a dash.
pub fn count(n: Option<i64>) -> String {
    n.map_or_else(
        || "–".to_string(),
        |n| format::cell(&Cell::Int(n), Some(&Format::Number)),
    )
}

/// An instant in UTC to the minute, or a dash.
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "–".to_string(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// A `<table>` in a box that scrolls sideways on a narrow screen. `head` is text (escaped
/// here), a heading starting with `#` names a column of numbers (aligned right); `rows` are
/// cells already written as HTML.
pub fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let numeric: Vec<bool> = head.iter().map(|h| h.starts_with('#')).collect();
    let class = |i: usize| {
        if numeric.get(i) == Some(&true) {
            " class=\"num\""
        } else {
            ""
        }
    };
    let mut out = String::from("<div class=\"scroll\"><table><thead><tr>");
    for (i, h) in head.iter().enumerate() {
        out.push_str(&format!(
            "<th{}>{}</th>",
            class(i),
            escape(h.trim_start_matches('#'))
        ));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            out.push_str(&format!("<td{}>{cell}</td>", class(i)));
        }
        out.push_str("</tr>");
    }
    if rows.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"{}\" class=\"muted\">Nothing yet</td></tr>",
            head.len().max(1)
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A coloured label for a status (`succeeded`, `failed`, `running`, `up`, `down` ...).
pub fn badge(status: &str) -> String {
    let tone = match status {
        "succeeded" | "up" | "ok" | "applied, up to date" => "good",
        "failed" | "down" | "interrupted" => "bad",
        "running" => "busy",
        _ => "plain",
    };
    format!("<span class=\"badge {tone}\">{}</span>", escape(status))
}

/// A box with a message: `tone` is `error`, `warn` or `info`.
pub fn notice(tone: &str, text: &str) -> String {
    format!("<div class=\"notice {tone}\">{}</div>", escape(text))
}

/// A link to `href` (a path cdp built; escaped all the same).
pub fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
}

/// `1 campaign`, `3 campaigns`.
pub fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_keeps_line_breaks() {
        assert_eq!(
            escape(r#"<script>alert("x" + 'y')</script> & co"#),
            "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; co"
        );
        assert_eq!(
            escape("select 1\nfrom t\twhere a"),
            "select 1\nfrom t\twhere a"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c"), "a b c");
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "escaped text is escaped again"
        );
        assert_eq!(escape("Zürich ✓"), "Zürich ✓");
    }

    #[test]
    fn pieces_escape_what_they_are_given() {
        let t = table(&["<b>"], &[vec![escape("<i>")]]);
        assert!(
            t.contains("<th>&lt;b&gt;</th>") && t.contains("<td>&lt;i&gt;</td>"),
            "{t}"
        );
        assert!(table(&["a", "b"], &[]).contains("colspan=\"2\""));
        let numbers = table(&["name", "#size"], &[vec!["a".into(), "1".into()]]);
        assert!(
            numbers.contains("<th class=\"num\">size</th>")
                && numbers.contains("<td class=\"num\">1</td>"),
            "{numbers}"
        );
        assert_eq!(
            link("/x?a=\"b\"", "<y>"),
            "<a href=\"/x?a=&quot;b&quot;\">&lt;y&gt;</a>"
        );
        assert!(badge("<failed>").contains("&lt;failed&gt;"));
        assert_eq!(count(Some(1234567)), "1,234,567");
        assert_eq!(count(None), "–");
    }
}
