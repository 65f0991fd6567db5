//! Campaigns: an offer to a segment sent through a destination with a deterministic holdout,
//! and the measurement of what it changed: the spec and the holdout assignment so far.

pub mod assets;
pub mod assignment;
pub mod freeze;
pub mod spec;
