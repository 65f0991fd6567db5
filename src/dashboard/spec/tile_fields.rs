//! The simple keys of a tile, each decoded on its own: column lists, formats, `page_break`
//! and `layout`.

use std::collections::BTreeMap;

use crate::dashboard::chart::Format;
use crate::dashboard::result::Layout;
use crate::syntax::decode::{Decoder, one_of};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Value};

pub fn columns(d: &mut Decoder, node: &Node, path: &str) -> Option<Vec<String>> {
    match &node.value {
        Value::Str(s) => Some(vec![s.clone()]),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| d.string(n, &format!("{path}[{i}]")))
            .collect(),
        _ => {
            d.wrong_type(node, path, "a column name or a list of them");
            None
        }
    }
}

const FORMATS: [&str; 4] = ["number", "percent", "currency", "date"];

pub fn formats(d: &mut Decoder, node: &Node, path: &str) -> BTreeMap<String, Format> {
    let mut out = BTreeMap::new();
    let Value::Map(entries) = &node.value else {
        d.wrong_type(node, path, "a mapping of column names to formats");
        return out;
    };
    for (key, value) in entries {
        let at = format!("{path}.{}", key.name);
        let format = match &value.value {
            Value::Str(s) => match s.as_str() {
                "number" => Some(Format::Number),
                "percent" => Some(Format::Percent),
                "date" => Some(Format::Date),
                "currency" => Some(Format::Currency("USD".into())),
                other => {
                    let diag = d.report(value.pos, &at, format!("unknown format `{other}`"));
                    diag.expected = Some(one_of(&FORMATS));
                    diag.hint = did_you_mean(other, FORMATS);
                    None
                }
            },
            Value::Map(_) => d
                .fields(value, &at, "a format", &["currency"])
                .and_then(|f| d.req_string(&f, "currency", None))
                .and_then(|code| currency(d, value, &at, code)),
            _ => {
                d.wrong_type(
                    value,
                    &at,
                    "a format: number, percent, date or `{ currency: USD }`",
                );
                None
            }
        };
        if let Some(format) = format {
            out.insert(key.name.clone(), format);
        }
    }
    out
}

fn currency(d: &mut Decoder, node: &Node, path: &str, code: String) -> Option<Format> {
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        return Some(Format::Currency(code));
    }
    d.report(node.pos, path, format!("`{code}` is not a currency code"))
        .hint = Some("use an ISO 4217 code in capitals, e.g. USD, EUR, GBP".into());
    None
}

pub fn page_break(d: &mut Decoder, node: &Node, path: &str) -> bool {
    match &node.value {
        Value::Str(s) if s == "before" => true,
        _ => {
            let diag = d.report(node.pos, path, "`page_break` must be `before`");
            diag.expected = Some("`before`".into());
            false
        }
    }
}

pub fn layout(d: &mut Decoder, node: &Node, path: &str) -> Option<Layout> {
    let f = d.fields(node, path, "a layout", &["x", "y", "w", "h"])?;
    let mut get = |name: &str, min: i64| -> Option<u32> {
        match f.get(name) {
            Some(n) => match &n.value {
                Value::Int(i) if *i >= min && *i <= 10_000 => Some(*i as u32),
                _ => {
                    d.wrong_type(
                        n,
                        &f.at(name),
                        if min == 0 {
                            "a whole number from 0"
                        } else {
                            "a whole number from 1"
                        },
                    );
                    None
                }
            },
            None => {
                d.missing(
                    &f,
                    name,
                    "a whole number",
                    Some("a layout is `{ x, y, w, h }` in cells of a 12-column grid"),
                );
                None
            }
        }
    };
    let (x, y, w, h) = (get("x", 0), get("y", 0), get("w", 1), get("h", 1));
    Some(Layout {
        x: x?,
        y: y?,
        w: w?,
        h: h?,
    })
}
