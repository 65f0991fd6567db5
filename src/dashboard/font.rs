//! The font every export draws with, kept in the repository so every machine renders the same:
//! DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE`).

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
/// The family name SVG asks for, with fallbacks a browser has.
pub const FAMILY: &str = "'DejaVu Sans', Verdana, sans-serif";
