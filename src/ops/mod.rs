//! The operations both front ends run (the command line today, the daemon next): each takes a
//! [`Context`] and returns a typed, serialisable report. Nothing here parses arguments, prints,
//! asks a person, reads the process's environment or exits the process.

pub mod assets;
pub mod auth;
pub mod campaign;
pub mod campaign_exposures;
pub mod campaign_launch;
pub mod campaign_report;
pub mod check;
mod context;
pub mod dashboard;
pub mod dashboard_export;
pub mod data;
pub mod env;
pub mod plan;
pub mod promote;
pub mod refresh;
mod segment_show;
pub mod segments;
pub mod state_dump;
pub mod state_migrate;
pub mod sync;

pub use context::{Actor, Context, Reporter, Silent};
