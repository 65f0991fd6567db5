//! SQL text: the dialect trait, its engines, escaping and the renderer.

pub mod dialect;
pub mod duckdb;
pub mod escape;
pub mod postgres;
pub mod render;
pub mod snowflake;
mod text;
