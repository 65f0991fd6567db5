//! Segment rules: the checked rule tree, its plan, and SQL for each engine.

pub mod compile;
pub mod eval;
pub mod file;
pub mod fixture_file;
pub mod fuse;
pub mod graph;
pub mod ir;
pub mod lower;
pub mod parse;
pub mod rule;
pub mod sql;
