//! What operates on a project's environments: each one's components and where they are, and
//! whether each answers.

pub mod components;
pub mod status;

pub use components::{Component, components};
