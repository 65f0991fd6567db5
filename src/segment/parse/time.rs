//! Time in rules: windows (`within`, `during`), durations and instants.

use crate::segment::rule::Window;
use crate::syntax::decode::{Decoder, Fields, index};
use crate::syntax::yaml::Node;

pub fn parse_window(d: &mut Decoder, f: &Fields) -> Option<Window> {
    match (f.get("within"), f.get("during")) {
        (Some(_), Some(_)) => {
            let key = f.key("during").unwrap();
            d.report(
                key.pos,
                &f.at("during"),
                "give `within` or `during`, not both",
            )
            .hint = Some(
                "`within: 30d` rolls back from now; `during: [start, end]` is a fixed range".into(),
            );
            None
        }
        (Some(n), None) => parse_span(d, n, &f.at("within")).map(Window::Within),
        (None, Some(n)) => parse_during(d, n, &f.at("during")),
        (None, None) => Some(Window::Ever),
    }
}

fn parse_during(d: &mut Decoder, node: &Node, path: &str) -> Option<Window> {
    let items = d.list(node, path, "a list `[start, end]` of dates")?;
    if items.len() != 2 {
        d.report(
            node.pos,
            path,
            format!("`during` takes two dates, found {}", items.len()),
        )
        .hint = Some(
            "write `during: [2026-01-01, 2026-02-01]` (start inclusive, end exclusive)".into(),
        );
        return None;
    }
    let start = parse_instant(d, &items[0], &index(path, 0));
    let end = parse_instant(d, &items[1], &index(path, 1));
    let (start, end) = (start?, end?);
    if start >= end {
        d.report(
            items[1].pos,
            &index(path, 1),
            "the end of `during` must come after its start",
        )
        .hint = Some("the range is [start, end): start inclusive, end exclusive".into());
        return None;
    }
    Some(Window::During(start, end))
}

pub use crate::syntax::time::{instant_from_str, parse_instant, parse_span, span_from_str};
