//! Dashboards as code: tile specs, tile queries, one chart model and the exports drawn from it.

pub mod chart;
pub mod export;
pub mod font;
pub mod result;
