//! One page being drawn: shapes and text placed in points from the page's top left corner
//! (y down, as the layout and the scenes think) and turned into PDF operations (y up).

use std::collections::BTreeSet;

use printpdf::{
    Color as PdfColor, ExtendedGraphicsStateId, Line, LineDashPattern, LinePoint, Op, PaintMode,
    PdfFontHandle, Point as PdfPoint, Polygon, PolygonRing, Pt, Rgb, TextItem, TextMatrix,
    WindingOrder,
};

use super::fonts::Fonts;
use crate::dashboard::chart::scene::{Anchor, Color, Point};

/// How far a cubic Bézier handle sits from a quarter circle's end, as a share of the radius.
const KAPPA: f32 = 0.552_284_8;

/// One line of text to place.
#[derive(Clone, Copy, Debug)]
pub struct Run<'t> {
    pub x: f32,
    /// The baseline.
    pub y: f32,
    pub text: &'t str,
    pub size: f32,
    pub bold: bool,
    pub color: Color,
    pub anchor: Anchor,
    /// Degrees clockwise around (x, y).
    pub rotate: f32,
}

impl<'t> Run<'t> {
    pub fn new(x: f32, y: f32, text: &'t str, size: f32, color: Color) -> Run<'t> {
        Run {
            x,
            y,
            text,
            size,
            bold: false,
            color,
            anchor: Anchor::Start,
            rotate: 0.0,
        }
    }

    pub fn bold(self) -> Run<'t> {
        Run { bold: true, ..self }
    }

    pub fn anchor(self, anchor: Anchor) -> Run<'t> {
        Run { anchor, ..self }
    }
}

/// The name of the graphics state that fills with `alpha` per mille.
pub fn alpha_state(per_mille: u16) -> ExtendedGraphicsStateId {
    ExtendedGraphicsStateId(format!("GSfill{per_mille}"))
}

/// What a page draws with that the document must provide.
#[derive(Debug, Default)]
pub struct Used {
    /// Fill opacities, per mille.
    pub alphas: BTreeSet<u16>,
    /// The characters set in each face, for the fonts' subsets.
    pub regular: BTreeSet<char>,
    pub bold: BTreeSet<char>,
}

impl Used {
    pub fn add(&mut self, other: Used) {
        self.alphas.extend(other.alphas);
        self.regular.extend(other.regular);
        self.bold.extend(other.bold);
    }
}

pub struct Canvas<'f> {
    fonts: &'f Fonts,
    page_height: f32,
    ops: Vec<Op>,
    used: Used,
}

impl<'f> Canvas<'f> {
    pub fn new(fonts: &'f Fonts, page_height: f32) -> Canvas<'f> {
        Canvas {
            fonts,
            page_height,
            ops: Vec::new(),
            used: Used::default(),
        }
    }

    pub fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    /// The page's operations and what they use.
    pub fn finish(self) -> (Vec<Op>, Used) {
        (self.ops, self.used)
    }

    fn point(&self, (x, y): Point) -> LinePoint {
        LinePoint {
            p: PdfPoint {
                x: Pt(x),
                y: Pt(self.page_height - y),
            },
            bezier: false,
        }
    }

    fn handle(&self, p: Point) -> LinePoint {
        LinePoint {
            bezier: true,
            ..self.point(p)
        }
    }

    /// Until `unclip`, nothing is drawn outside the rectangle.
    pub fn clip(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let ring = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
        let points = ring.iter().map(|p| self.point(*p)).collect();
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points }],
                mode: PaintMode::Clip,
                winding_order: WindingOrder::NonZero,
            },
        });
    }

    pub fn unclip(&mut self) {
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A filled rectangle; a negative width or height extends left or up from (x, y).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Color) {
        let (x, w) = if w < 0.0 { (x + w, -w) } else { (x, w) };
        let (y, h) = if h < 0.0 { (y + h, -h) } else { (y, h) };
        if w == 0.0 || h == 0.0 {
            return;
        }
        self.polygon(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], fill, 1.0);
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, stroke: Color, width: f32) {
        let points = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
        self.stroke(&points, true, stroke, width, None);
    }

    pub fn line(&mut self, from: Point, to: Point, stroke: Color, width: f32, dash: Option<f32>) {
        self.stroke(&[from, to], false, stroke, width, dash);
    }

    pub fn polyline(&mut self, points: &[Point], stroke: Color, width: f32) {
        self.stroke(points, false, stroke, width, None);
    }

    fn stroke(
        &mut self,
        points: &[Point],
        closed: bool,
        color: Color,
        width: f32,
        dash: Option<f32>,
    ) {
        let points: Vec<LinePoint> = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|p| self.point(*p))
            .collect();
        if points.len() < 2 || !positive(width) {
            return;
        }
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetOutlineColor { col: rgb(color) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        if let Some(d) = dash.filter(|d| *d > 0.0) {
            self.ops.push(Op::SetLineDashPattern {
                dash: LineDashPattern::new(0.0, &[d, d]),
            });
        }
        self.ops.push(Op::DrawLine {
            line: Line {
                points,
                is_closed: closed,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A filled shape; `opacity` below 1 fills through a graphics state with that alpha.
    pub fn polygon(&mut self, points: &[Point], fill: Color, opacity: f32) {
        let ring: Vec<LinePoint> = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|p| self.point(*p))
            .collect();
        self.fill(ring, fill, opacity);
    }

    pub fn circle(&mut self, (cx, cy): Point, r: f32, fill: Color) {
        if !positive(r) || !cx.is_finite() || !cy.is_finite() {
            return;
        }
        let k = r * KAPPA;
        let mut ring = vec![self.point((cx + r, cy))];
        let quarters = [
            ((cx + r, cy + k), (cx + k, cy + r), (cx, cy + r)),
            ((cx - k, cy + r), (cx - r, cy + k), (cx - r, cy)),
            ((cx - r, cy - k), (cx - k, cy - r), (cx, cy - r)),
            ((cx + k, cy - r), (cx + r, cy - k), (cx + r, cy)),
        ];
        for (h1, h2, end) in quarters {
            ring.extend([self.handle(h1), self.handle(h2), self.point(end)]);
        }
        self.fill(ring, fill, 1.0);
    }

    fn fill(&mut self, points: Vec<LinePoint>, fill: Color, opacity: f32) {
        if points.len() < 3 {
            return;
        }
        let per_mille = (opacity.clamp(0.0, 1.0) * 1000.0).round() as u16;
        if per_mille == 0 {
            return;
        }
        self.ops.push(Op::SaveGraphicsState);
        if per_mille < 1000 {
            self.used.alphas.insert(per_mille);
            self.ops.push(Op::LoadGraphicsState {
                gs: alpha_state(per_mille),
            });
        }
        self.ops.push(Op::SetFillColor { col: rgb(fill) });
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// Text in the embedded font, so it can be selected and searched.
    pub fn text(&mut self, run: Run<'_>) {
        if run.text.is_empty() || !positive(run.size) || !run.x.is_finite() || !run.y.is_finite() {
            return;
        }
        let text = self.fonts.face(run.bold).drawable(run.text);
        let width = self.fonts.width(&text, run.size, run.bold);
        let chars = if run.bold {
            &mut self.used.bold
        } else {
            &mut self.used.regular
        };
        chars.extend(text.chars());
        let shift = match run.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -width / 2.0,
            Anchor::End => -width,
        };
        let (sin, cos) = run.rotate.to_radians().sin_cos();
        // Clockwise on the page (y down) is clockwise on paper: the baseline runs along
        // (cos, -sin) in PDF space (y up).
        let x = run.x + shift * cos;
        let y = self.page_height - run.y - shift * sin;
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(self.fonts.face(run.bold).id.clone()),
                size: Pt(run.size),
            },
            Op::SetFillColor {
                col: rgb(run.color),
            },
            Op::SetTextMatrix {
                matrix: TextMatrix::Raw([cos, -sin, sin, cos, x, y]),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
        ]);
    }
}

/// Above zero (and so not NaN).
fn positive(v: f32) -> bool {
    v > 0.0
}

fn rgb(Color(r, g, b): Color) -> PdfColor {
    PdfColor::Rgb(Rgb::new(
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(b) / 255.0,
        None,
    ))
}
