//! The exports a dashboard run is written to.

pub mod pdf;
