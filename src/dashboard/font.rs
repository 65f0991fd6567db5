//! The font every export draws with, kept in the repository so every machine renders the same:
//! DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE`).

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
/// The family name SVG asks for, with fallbacks a browser has.
pub const FAMILY: &str = "'DejaVu Sans', Verdana, sans-serif";

use std::sync::LazyLock;

/// The faces parsed once; `None` only if the embedded bytes were not a font.
static FACES: LazyLock<[Option<ttf_parser::Face<'static>>; 2]> = LazyLock::new(|| {
    [
        ttf_parser::Face::parse(REGULAR, 0).ok(),
        ttf_parser::Face::parse(BOLD, 0).ok(),
    ]
});

/// The width in points of `text` set in one line at `size` points, from the font's advance
/// widths (no kerning, as the SVG and PDF renderers set text). A character the font lacks
/// counts as its missing-glyph box.
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let Some(face) = &FACES[usize::from(bold)] else {
        return text.chars().count() as f32 * size * 0.6;
    };
    let units: u32 = text
        .chars()
        .map(|c| {
            let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            u32::from(face.glyph_hor_advance(glyph).unwrap_or(0))
        })
        .sum();
    units as f32 * size / f32::from(face.units_per_em())
}

/// `text` whole when it fits in `max` points, else as much of it as fits followed by an
/// ellipsis (empty when not even that fits). Widths add up character by character (the font
/// is set without kerning), so this is one pass.
pub fn fit(text: &str, max: f32, size: f32, bold: bool) -> String {
    if width(text, size, bold) <= max {
        return text.to_string();
    }
    let room = max - width("…", size, bold);
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        used += width(c.encode_utf8(&mut [0; 4]), size, bold);
        if used > room {
            break;
        }
        end = i + c.len_utf8();
    }
    if room < 0.0 {
        return String::new();
    }
    format!("{}…", text[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::width;

    #[test]
    fn widths_come_from_the_advances_and_grow_with_size_and_weight() {
        assert_eq!(width("", 12.0, false), 0.0);
        let m = width("m", 10.0, false);
        let i = width("i", 10.0, false);
        assert!(m > 2.0 * i, "m {m} i {i}");
        assert!((width("mm", 10.0, false) - 2.0 * m).abs() < 1e-4);
        assert!((width("Revenue", 20.0, false) - 2.0 * width("Revenue", 10.0, false)).abs() < 1e-3);
        assert!(width("Revenue", 10.0, true) > width("Revenue", 10.0, false));
        // DejaVu Sans digits are 1303 of 2048 units wide.
        assert!((width("0", 2048.0, false) - 1303.0).abs() < 0.5);
        assert!(width("€£—", 10.0, false) > 0.0);
    }
}
