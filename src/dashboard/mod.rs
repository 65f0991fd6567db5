//! Dashboards as code: tile specs, tile queries, one chart model and the exports drawn from it.

pub mod chart;
pub mod error;
pub mod export;
pub mod font;
mod metric;
pub use metric::segment_history;
pub mod params_given;
pub mod result;
pub mod run;
pub mod sinks;
pub mod spec;

pub use error::DashboardError;
