//! The integration suite: one binary (each links DuckDB), a module per area.

mod cli;
mod common;
mod compile;
mod differential;
mod validate;
mod warehouses;
