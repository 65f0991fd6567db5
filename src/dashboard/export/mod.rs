//! The renderers of a dashboard run: SVG for the web, PDF for reading and printing, and the
//! Excel workbook.

pub mod pdf;
pub mod svg;
pub mod xlsx;

/// A file `dashboard export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Pdf,
    Xlsx,
}
