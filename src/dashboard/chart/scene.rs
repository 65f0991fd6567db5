//! A chart laid out as vector primitives in a box of points (origin top left, y down): the SVG
//! and PDF renderers draw these and nothing else, so both show the same chart.

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Color(pub u8, pub u8, pub u8);

/// Where a text's anchor point sits along its baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// A point in the scene, in points from the top left corner.
pub type Point = (f32, f32);

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A straight stroke; `dash` is the length of dashes and gaps, none for a solid line.
    Line {
        from: Point,
        to: Point,
        stroke: Color,
        width: f32,
        dash: Option<f32>,
    },
    /// An open path through the points.
    Polyline {
        points: Vec<Point>,
        stroke: Color,
        width: f32,
    },
    /// A closed, filled shape (an area under a line, a pie slice); `opacity` from 0 to 1.
    Polygon {
        points: Vec<Point>,
        fill: Color,
        opacity: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Color,
    },
    Circle {
        center: Point,
        r: f32,
        fill: Color,
    },
    /// One line of text with its baseline at `at`, rotated by `rotate` degrees (clockwise)
    /// around `at`.
    Text {
        at: Point,
        text: String,
        size: f32,
        color: Color,
        anchor: Anchor,
        bold: bool,
        rotate: f32,
    },
}

/// A laid-out chart: its size in points and what to draw, in order.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Scene {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}
