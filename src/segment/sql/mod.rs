//! A segment's plan as SQL text, through the dialect trait.

pub mod render;
mod text;
