//! A chart's scene drawn into a box on the page: every item moved to the box, shrunk when the
//! scene came back larger than asked, and handed to the canvas as vector shapes and text.

use super::canvas::{Canvas, Run};
use crate::dashboard::chart::scene::{Item, Point, Scene};

/// Where a scene goes on the page and how much it is shrunk.
#[derive(Clone, Copy, Debug)]
struct Place {
    x: f32,
    y: f32,
    scale: f32,
}

impl Place {
    fn point(&self, (x, y): Point) -> Point {
        (self.x + x * self.scale, self.y + y * self.scale)
    }

    fn points(&self, points: &[Point]) -> Vec<Point> {
        points.iter().map(|p| self.point(*p)).collect()
    }
}

/// Draws `scene` with its top left corner at (`x`, `y`), within `width` x `height` points.
pub fn draw(canvas: &mut Canvas<'_>, scene: &Scene, x: f32, y: f32, width: f32, height: f32) {
    let mut scale: f32 = 1.0;
    if scene.width > width && scene.width > 0.0 {
        scale = scale.min(width / scene.width);
    }
    if scene.height > height && scene.height > 0.0 {
        scale = scale.min(height / scene.height);
    }
    let at = Place { x, y, scale };
    for item in &scene.items {
        match item {
            Item::Line {
                from,
                to,
                stroke,
                width,
                dash,
            } => canvas.line(
                at.point(*from),
                at.point(*to),
                *stroke,
                width * scale,
                dash.map(|d| d * scale),
            ),
            Item::Polyline {
                points,
                stroke,
                width,
            } => canvas.polyline(&at.points(points), *stroke, width * scale),
            Item::Polygon {
                points,
                fill,
                opacity,
            } => canvas.polygon(&at.points(points), *fill, *opacity),
            Item::Rect {
                x: rx,
                y: ry,
                w,
                h,
                fill,
            } => {
                let (px, py) = at.point((*rx, *ry));
                canvas.fill_rect(px, py, w * scale, h * scale, *fill);
            }
            Item::Circle { center, r, fill } => canvas.circle(at.point(*center), r * scale, *fill),
            Item::Text {
                at: origin,
                text,
                size,
                color,
                anchor,
                bold,
                rotate,
            } => {
                let (px, py) = at.point(*origin);
                canvas.text(Run {
                    x: px,
                    y: py,
                    text,
                    size: size * scale,
                    bold: *bold,
                    color: *color,
                    anchor: *anchor,
                    rotate: *rotate,
                });
            }
        }
    }
}
