//! An image's type read from its first bytes (PNG, JPEG, GIF, WebP, SVG), and the types a file
//! name's extension stands for.

use std::fmt;

/// The image types cdp keeps as assets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
}

impl ImageType {
    pub const ALL: [ImageType; 5] = [
        ImageType::Png,
        ImageType::Jpeg,
        ImageType::Gif,
        ImageType::Webp,
        ImageType::Svg,
    ];

    /// The extension of keys of this type.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Png => "png",
            ImageType::Jpeg => "jpg",
            ImageType::Gif => "gif",
            ImageType::Webp => "webp",
            ImageType::Svg => "svg",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Webp => "image/webp",
            ImageType::Svg => "image/svg+xml",
        }
    }

    /// The type a file extension names, in any case (`jpeg` and `jpg` are both JPEG).
    pub fn from_extension(ext: &str) -> Option<ImageType> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(ImageType::Png),
            "jpg" | "jpeg" => Some(ImageType::Jpeg),
            "gif" => Some(ImageType::Gif),
            "webp" => Some(ImageType::Webp),
            "svg" => Some(ImageType::Svg),
            _ => None,
        }
    }
}

impl fmt::Display for ImageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageType::Png => "PNG",
            ImageType::Jpeg => "JPEG",
            ImageType::Gif => "GIF",
            ImageType::Webp => "WebP",
            ImageType::Svg => "SVG",
        })
    }
}

/// The type of an image from its bytes: the magic numbers of the binary formats, or an `<svg`
/// element at the start of the text after an optional byte order mark, XML declaration,
/// doctype, comments and white space.
pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(PNG) {
        return Some(ImageType::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageType::Jpeg);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(ImageType::Gif);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(ImageType::Webp);
    }
    is_svg(bytes).then_some(ImageType::Svg)
}

/// Whether the text opens with an `<svg` element once the prolog is skipped.
fn is_svg(bytes: &[u8]) -> bool {
    // The prolog of a real file is short; looking further would read a whole binary file.
    let head = &bytes[..bytes.len().min(4096)];
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        rest = trim_start(rest);
        let skipped = if rest.starts_with(b"<?") {
            after(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            after(rest, b"-->")
        } else if rest.starts_with(b"<!DOCTYPE") || rest.starts_with(b"<!doctype") {
            after(rest, b">")
        } else {
            let Some(tag) = rest.strip_prefix(b"<svg") else {
                return false;
            };
            // `<svg>`, `<svg xmlns=...`, not `<svgfoo`.
            return tag
                .first()
                .is_some_and(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'));
        };
        match skipped {
            Some(r) => rest = r,
            None => return false,
        }
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &bytes[n..]
}

/// The bytes after the first `end`.
fn after<'a>(bytes: &'a [u8], end: &[u8]) -> Option<&'a [u8]> {
    bytes
        .windows(end.len())
        .position(|w| w == end)
        .map(|i| &bytes[i + end.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_formats_by_their_magic_numbers() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(ImageType::Png)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(ImageType::Gif));
        assert_eq!(sniff(b"GIF87a"), Some(ImageType::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(ImageType::Webp));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"\x89PNG"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
    }

    #[test]
    fn svg_after_a_prolog() {
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some(ImageType::Svg)
        );
        let full = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n  <svg>";
        assert_eq!(sniff(full), Some(ImageType::Svg));
        assert_eq!(sniff(b"<html><svg></svg></html>"), None);
        assert_eq!(sniff(b"<svgfoo>"), None);
        assert_eq!(sniff(b"<!-- never closed <svg>"), None);
        assert_eq!(sniff(b"hello <svg>"), None);
    }

    #[test]
    fn extensions_name_types() {
        assert_eq!(ImageType::from_extension("JPEG"), Some(ImageType::Jpeg));
        assert_eq!(ImageType::from_extension("jpg"), Some(ImageType::Jpeg));
        assert_eq!(ImageType::from_extension("txt"), None);
        for t in ImageType::ALL {
            assert_eq!(ImageType::from_extension(t.extension()), Some(t));
        }
    }
}
