//! Campaigns: an offer to a segment sent through a destination with a deterministic holdout,
//! and the measurement of what it changed. For now: the holdout assignment.

pub mod assignment;
