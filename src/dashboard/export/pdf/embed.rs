//! The fonts written into the file: each face cut down to the glyphs the pages use (a few
//! kilobytes instead of the whole face) and registered under the id the pages name it by.

use std::collections::BTreeSet;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::{ParsedFont, PdfDocument, PdfFont};

use super::PdfError;
use super::fonts::Face;

/// Embeds `face` with the glyphs of `chars` (and .notdef, which a subset must start with).
pub fn embed(doc: &mut PdfDocument, face: &Face, chars: &BTreeSet<char>) -> Result<(), PdfError> {
    if chars.is_empty() {
        return Ok(());
    }
    let glyphs: BTreeSet<u16> = chars
        .iter()
        .filter_map(|c| face.parsed.lookup_glyph_index(u32::from(*c)))
        .filter(|gid| *gid != 0)
        .collect();
    let ids: Vec<u16> = std::iter::once(0).chain(glyphs.iter().copied()).collect();
    let failed = |why: String| PdfError::Font {
        name: face.postscript,
        why,
    };
    let data = ReadScope::new(face.bytes)
        .read::<FontData<'_>>()
        .map_err(|e| failed(e.to_string()))?;
    let provider = data.table_provider(0).map_err(|e| failed(e.to_string()))?;
    let bytes = subset(
        &provider,
        &ids,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .map_err(|e| failed(e.to_string()))?;
    let mut warnings = Vec::new();
    let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
        .ok_or_else(|| failed("the subset does not parse".to_string()))?;
    parsed.font_name = Some(format!("{}+{}", tag(&ids), face.postscript));
    doc.resources
        .fonts
        .map
        .insert(face.id.clone(), PdfFont::new(parsed));
    Ok(())
}

/// The six capital letters a subset font's name starts with, from the glyphs it keeps, so
/// two different subsets of a face are told apart and the same one is named the same.
fn tag(ids: &[u16]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for byte in id.to_le_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::export::pdf::fonts::Fonts;

    #[test]
    fn a_subset_keeps_the_characters_used_and_is_small() {
        let fonts = Fonts::load().expect("the embedded fonts parse");
        let mut doc = PdfDocument::new("t");
        let chars: BTreeSet<char> = "Page 1 of 3 · revenue".chars().collect();
        embed(&mut doc, &fonts.regular, &chars).expect("the subset embeds");
        let font = &doc.resources.fonts.map[&fonts.regular.id];
        let parsed = &font.parsed_font;
        for c in &chars {
            let gid = parsed.lookup_glyph_index(u32::from(*c));
            assert!(gid.is_some_and(|g| g != 0), "{c:?} kept");
        }
        assert!(parsed.lookup_glyph_index(u32::from('Z')).is_none());
        assert!(
            parsed.original_bytes.len() < 40_000,
            "{}",
            parsed.original_bytes.len()
        );
        let name = parsed.font_name.clone().unwrap_or_default();
        assert!(name.ends_with("+DejaVuSans") && name.len() == 17, "{name}");
    }

    #[test]
    fn tags_are_six_capitals_and_depend_on_the_glyphs() {
        let a = tag(&[0, 1, 2]);
        assert_eq!(a.len(), 6);
        assert!(a.chars().all(|c| c.is_ascii_uppercase()));
        assert_eq!(a, tag(&[0, 1, 2]));
        assert_ne!(a, tag(&[0, 1, 3]));
    }
}
