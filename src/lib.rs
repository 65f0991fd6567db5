//! cdp: a customer data platform as code. Segments in YAML, compiled to warehouse SQL.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod demo;
pub mod error;
pub mod fixtures;
pub mod membership;
pub mod output;
pub mod plan;
pub mod preview;
pub mod progress;
pub mod project;
pub mod scaffold;
pub mod schema;
pub mod segment;
pub mod state;
pub mod warehouse;
