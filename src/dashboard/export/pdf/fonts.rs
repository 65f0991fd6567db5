//! The two faces the PDF draws with (DejaVu Sans regular and bold): parsed once and measured
//! with their advance widths so text can be aligned, cut and wrapped.

use printpdf::{FontId, ParsedFont};

use super::PdfError;
use crate::dashboard::font;

/// What stands for a character the face has no glyph for (a CJK character, an emoji).
pub const REPLACEMENT: char = '\u{fffd}';

/// One face: its bytes, its metrics and the id the pages name it by.
pub struct Face {
    pub bytes: &'static [u8],
    pub parsed: ParsedFont,
    /// The face's PostScript name, which the embedded font is called by.
    pub postscript: &'static str,
    pub id: FontId,
}

impl Face {
    fn load(postscript: &'static str, bytes: &'static [u8]) -> Result<Face, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
            let why = warnings
                .iter()
                .map(|w| w.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            PdfError::Font {
                name: postscript,
                why,
            }
        })?;
        Ok(Face {
            bytes,
            parsed,
            postscript,
            id: FontId(postscript.replace('-', "")),
        })
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.parsed
            .lookup_glyph_index(u32::from(c))
            .filter(|gid| *gid != 0)
    }

    /// `text` with every character the face cannot draw replaced, so that what is measured
    /// is what is drawn.
    pub fn drawable(&self, text: &str) -> String {
        text.chars().map(|c| self.shown(c)).collect()
    }

    /// The character drawn for `c`.
    fn shown(&self, c: char) -> char {
        match self.glyph(c) {
            Some(_) => c,
            // A tab or a line break in a cell is a space on one line.
            None if c.is_whitespace() => ' ',
            None => REPLACEMENT,
        }
    }
}

/// The regular and the bold face of the document.
pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
}

impl Fonts {
    pub fn load() -> Result<Fonts, PdfError> {
        Ok(Fonts {
            regular: Face::load("DejaVuSans", font::REGULAR)?,
            bold: Face::load("DejaVuSans-Bold", font::BOLD)?,
        })
    }

    pub fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }

    /// The width of `text` as drawn (see `drawable`): measured by the one measure the charts
    /// use, so a chart's labels and the page around them agree.
    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        font::width(&self.face(bold).drawable(text), size, bold)
    }

    /// `text` as drawn, whole when it fits in `max` points, else cut with an ellipsis (empty
    /// when not even the ellipsis fits).
    pub fn fit(&self, text: &str, size: f32, bold: bool, max: f32) -> String {
        font::fit(&self.face(bold).drawable(text), max, size, bold)
    }

    /// `text` broken at spaces into lines no wider than `max`, at most `lines` of them; the
    /// last line kept is cut with an ellipsis when text remains.
    pub fn wrap(&self, text: &str, size: f32, bold: bool, max: f32, lines: usize) -> Vec<String> {
        if lines == 0 {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut words = text.split_whitespace().peekable();
        while let Some(word) = words.next() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if current.is_empty() || self.width(&candidate, size, bold) <= max {
                current = candidate;
                continue;
            }
            out.push(std::mem::replace(&mut current, word.to_string()));
            if out.len() == lines {
                let rest: Vec<&str> = std::iter::once(current.as_str())
                    .chain(words.by_ref())
                    .collect();
                let last = out.pop().unwrap_or_default();
                out.push(self.fit(&format!("{last} {}", rest.join(" ")), size, bold, max));
                return out;
            }
        }
        if !current.is_empty() && out.len() < lines {
            out.push(current);
        }
        out.iter()
            .map(|line| self.fit(line, size, bold, max))
            .collect()
    }
}

/// `n` with its digits grouped by thousands, as tables write numbers: 12000 is `12,000`.
pub fn grouped(n: u64) -> String {
    crate::dashboard::chart::format::cell(&crate::table::Cell::Float(n as f64), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().expect("the embedded fonts parse")
    }

    #[test]
    fn widths_grow_with_text_and_size_and_weight() {
        let f = fonts();
        let a = f.width("Revenue", 10.0, false);
        assert!(a > 30.0 && a < 50.0, "{a}");
        assert!(f.width("Revenue", 20.0, false) > 1.9 * a);
        assert!(f.width("Revenue", 10.0, true) > a);
        assert_eq!(f.width("", 10.0, false), 0.0);
    }

    #[test]
    fn characters_the_face_lacks_are_drawn_and_measured_as_one_replacement() {
        let f = fonts();
        assert_eq!(f.regular.drawable("東京 Zürich"), "\u{fffd}\u{fffd} Zürich");
        assert_eq!(f.regular.drawable("two\tlines\n"), "two lines ");
        let replaced = f.width("\u{fffd}\u{fffd} Zürich", 8.0, false);
        assert_eq!(f.width("東京 Zürich", 8.0, false), replaced);
        assert_eq!(f.width("a\tb", 8.0, false), f.width("a b", 8.0, false));
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        let f = fonts();
        assert_eq!(f.fit("short", 8.0, false, 100.0), "short");
        let cut = f.fit("a rather long customer name indeed", 8.0, false, 60.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(f.width(&cut, 8.0, false) <= 60.0);
        assert_eq!(f.fit("anything", 8.0, false, 1.0), "");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_the_last_line() {
        let f = fonts();
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = f.wrap(text, 10.0, false, 80.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("one two"));
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert_eq!(f.wrap("fits", 10.0, false, 80.0, 2), vec!["fits"]);
        assert!(f.wrap("", 10.0, false, 80.0, 2).is_empty());
    }

    #[test]
    fn grouped_digits() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(12_000), "12,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
