//! The exports drawn from a dashboard run: SVG for the web UI (each chart's scene).

pub mod svg;
