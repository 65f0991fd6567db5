//! The integration suite: one binary (each links DuckDB), a module per area.

mod cli;
mod common;
mod compile;
mod crash;
mod demo;
mod differential;
mod examples;
mod snowflake;
mod state;
mod validate;
mod warehouses;
mod workflow;
