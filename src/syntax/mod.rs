//! Located YAML: parsing with a line and column on every node, decoding that collects every
//! problem, and the diagnostics that point into a file (shared by every kind of project file).

pub mod decode;
pub mod diagnostic;
pub mod time;
pub mod yaml;

pub use diagnostic::Invalid;
