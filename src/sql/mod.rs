//! What differs between SQL engines (the dialect trait and one file per engine), the one
//! escaping function for values and names, and where the project's users and events live.

pub mod dialect;
pub mod duckdb;
pub mod escape;
pub mod postgres;
pub mod snowflake;
pub mod tables;
