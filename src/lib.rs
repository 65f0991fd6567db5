//! cdp: a customer data platform as code. Segments in YAML, compiled to warehouse SQL.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod applied;
pub mod assets;
pub mod auth;
pub mod campaign;
pub mod cli;
pub mod daemon;
pub mod dashboard;
pub mod demo;
pub mod destinations;
pub mod environments;
pub mod error;
pub mod fixtures;
pub mod http;
pub mod membership;
pub mod ops;
pub mod output;
pub mod plan;
pub mod preview;
pub mod progress;
pub mod project;
pub mod project_check;
pub mod retry;
pub mod scaffold;
pub mod schedule;
pub mod schema;
pub mod secret;
pub mod segment;
pub mod sql;
pub mod state;
pub mod sync;
pub mod syntax;
pub mod table;
pub mod warehouse;
