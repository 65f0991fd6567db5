//! The SVG export: a chart's scene as one standalone `<svg>` document, its numbers written the
//! same way on every machine so the output is stable.

use std::fmt::Write;

use crate::dashboard::chart::scene::{Anchor, Color, Item, Point, Scene};
use crate::dashboard::font;

/// The scene as an SVG document `scene.width` by `scene.height` points (its `viewBox` too), in
/// the export font, with no background.
pub fn render(scene: &Scene) -> String {
    let (w, h) = (num(scene.width), num(scene.height));
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{}\">\n",
        escape(font::FAMILY)
    );
    for item in &scene.items {
        item_into(&mut out, item);
        out.push('\n');
    }
    out.push_str("</svg>\n");
    out
}

fn item_into(out: &mut String, item: &Item) {
    // Writing to a String cannot fail.
    let _ = match item {
        Item::Line {
            from,
            to,
            stroke,
            width,
            dash,
        } => {
            let dash = dash.map_or(String::new(), |d| {
                format!(" stroke-dasharray=\"{} {}\"", num(d), num(d))
            });
            write!(
                out,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{dash}/>",
                num(from.0),
                num(from.1),
                num(to.0),
                num(to.1),
                hex(*stroke),
                num(*width)
            )
        }
        Item::Polyline {
            points,
            stroke,
            width,
        } => write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" \
             stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
            path(points),
            hex(*stroke),
            num(*width)
        ),
        Item::Polygon {
            points,
            fill,
            opacity,
        } => {
            let opacity = if *opacity < 1.0 {
                format!(" fill-opacity=\"{}\"", num(opacity.max(0.0)))
            } else {
                String::new()
            };
            write!(
                out,
                "<polygon points=\"{}\" fill=\"{}\"{opacity}/>",
                path(points),
                hex(*fill)
            )
        }
        Item::Rect { x, y, w, h, fill } => write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
            num(*x),
            num(*y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            hex(*fill)
        ),
        Item::Circle { center, r, fill } => write!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>",
            num(center.0),
            num(center.1),
            num(r.max(0.0)),
            hex(*fill)
        ),
        Item::Text {
            at,
            text,
            size,
            color,
            anchor,
            bold,
            rotate,
        } => {
            let (x, y) = (num(at.0), num(at.1));
            let anchor = match anchor {
                Anchor::Start => "",
                Anchor::Middle => " text-anchor=\"middle\"",
                Anchor::End => " text-anchor=\"end\"",
            };
            let weight = if *bold { " font-weight=\"bold\"" } else { "" };
            let turn = if *rotate != 0.0 {
                format!(" transform=\"rotate({} {x} {y})\"", num(*rotate))
            } else {
                String::new()
            };
            write!(
                out,
                "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" fill=\"{}\"{anchor}{weight}{turn}>{}</text>",
                num(*size),
                hex(*color),
                escape(text)
            )
        }
    };
}

/// A coordinate or size with at most two decimals, trailing zeros trimmed (`12`, `3.5`,
/// `-0.25`); never `-0`, and 0 for what is not a number.
fn num(v: f32) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let text = format!("{:.2}", v);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn path(points: &[Point]) -> String {
    let pairs: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect();
    pairs.join(" ")
}

fn hex(c: Color) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Text safe in an element or an attribute.
fn escape(text: &str) -> String {
    escape_markup(text, false)
}

/// Text safe in an element or a quoted attribute of SVG or HTML: `& < > " '` as entities,
/// control characters as spaces but for tabs and, when `keep_breaks`, line breaks. The one
/// escaping function of cdp's markup (the daemon's pages use it too).
pub fn escape_markup(text: &str, keep_breaks: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' if keep_breaks => out.push(c),
            c if c.is_control() && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "svg_tests.rs"]
mod tests;
