//! The PDF export: a dashboard run laid out on landscape pages (header, tiles on the 12-column
//! grid, tables continued over pages, a footer on each) and written with the embedded font.

mod canvas;
mod chrome;
mod embed;
mod fonts;
mod layout;
mod scene;
mod style;
mod table;
mod tile;

#[cfg(test)]
mod tests;

use printpdf::{
    ExtendedGraphicsState, OffsetDateTime, PdfDocument, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Pt, Rect,
};

use crate::dashboard::chart::scene::Scene;
use crate::dashboard::chart::{ChartKind, Format};
use crate::dashboard::result::{Header, TileResult};
use crate::table::Cell;
use canvas::{Canvas, Used};
use chrome::Masthead;
use layout::Frame;
use style::{MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X};
use table::TableText;

/// The paper, always turned landscape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    A4,
    Letter,
}

impl PageSize {
    /// Width and height in points, landscape.
    pub fn landscape(self) -> (f32, f32) {
        match self {
            PageSize::A4 => (841.89, 595.28),
            PageSize::Letter => (792.0, 612.0),
        }
    }
}

/// What the PDF asks of the chart model.
pub trait Drawing {
    /// The tile's chart laid out in a box of `width` x `height` points (charts and number tiles).
    fn chart(&self, tile: &TileResult, width: f32, height: f32) -> Scene;
    /// A cell as a table shows it, under the column's format.
    fn cell(&self, cell: &Cell, format: Option<&Format>) -> String;
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("cannot read the embedded font {name}: {why}")]
    Font { name: &'static str, why: String },
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

/// The dashboard as a PDF: its header, then its tiles in grid order, on `page` paper.
pub fn render(
    header: &Header,
    tiles: &[TileResult],
    page: PageSize,
    drawing: &dyn Drawing,
) -> Result<Vec<u8>, PdfError> {
    let mut doc = PdfDocument::new(&header.title);
    describe(&mut doc, header);
    let fonts = fonts::Fonts::load()?;
    let (width, height) = page.landscape();
    let (left, right) = (MARGIN_X, width - MARGIN_X);
    let masthead = Masthead::new(header, &fonts, right - left);
    let frame = Frame {
        left,
        right,
        first_top: MARGIN_TOP + masthead.height(),
        top: MARGIN_TOP + chrome::RUNNING_BAND,
        bottom: height - MARGIN_BOTTOM - style::FOOTER_BAND,
    };
    let tables: Vec<Option<TableText>> = tiles
        .iter()
        .map(|t| {
            (t.meta.chart.kind == ChartKind::Table).then(|| TableText::new(t, &fonts, drawing))
        })
        .collect();
    let plan = layout::paginate(tiles, frame);
    let mut used = Used::default();
    let mut pages = Vec::with_capacity(plan.len());
    for (n, placements) in plan.iter().enumerate() {
        let mut canvas = Canvas::new(&fonts, height);
        if n == 0 {
            masthead.draw(&mut canvas, left, right, MARGIN_TOP);
        } else {
            chrome::draw_running(&mut canvas, header, left, right, MARGIN_TOP);
        }
        for at in placements {
            let table = tables.get(at.tile).and_then(Option::as_ref);
            tile::draw(&mut canvas, &tiles[at.tile], at, table, drawing);
        }
        chrome::draw_footer(
            &mut canvas,
            header,
            (left, right, height),
            n + 1,
            plan.len(),
        );
        let (ops, page_used) = canvas.finish();
        used.add(page_used);
        let paper = Rect::from_wh(Pt(width), Pt(height));
        pages.push(PdfPage {
            media_box: paper.clone(),
            trim_box: paper.clone(),
            crop_box: paper,
            ops,
        });
    }
    embed::embed(&mut doc, &fonts.regular, &used.regular)?;
    embed::embed(&mut doc, &fonts.bold, &used.bold)?;
    for per_mille in used.alphas {
        let state =
            ExtendedGraphicsState::default().with_current_fill_alpha(per_mille as f32 / 1000.0);
        doc.resources
            .extgstates
            .map
            .insert(canvas::alpha_state(per_mille), state);
    }
    doc.with_pages(pages);
    let mut warnings = Vec::new();
    let mut bytes = doc.save(&PdfSaveOptions::default(), &mut warnings);
    // printpdf labels every file PDF 1.3; fills with an alpha (the areas under lines) are
    // PDF 1.4. The label is the first line, so the offsets after it stay as they are.
    if let Some(version) = bytes.get_mut(..8).filter(|v| *v == b"%PDF-1.3") {
        version.copy_from_slice(b"%PDF-1.4");
    }
    let errors: Vec<String> = warnings
        .into_iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg)
        .collect();
    if errors.is_empty() {
        Ok(bytes)
    } else {
        Err(PdfError::Write(errors.join("; ")))
    }
}

/// The document's properties: its title, what it is about, who made it and when.
fn describe(doc: &mut PdfDocument, header: &Header) {
    let info = &mut doc.metadata.info;
    info.creator = "cdp".to_string();
    info.producer = "cdp".to_string();
    info.subject = header.description.clone().unwrap_or_default();
    if let Ok(at) = OffsetDateTime::from_unix_timestamp(header.generated_at.timestamp()) {
        info.creation_date = at;
        info.modification_date = at;
        info.metadata_date = at;
    }
}
