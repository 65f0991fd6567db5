//! Campaigns: an offer to a segment sent through a destination with a deterministic holdout,
//! and the measurement of what it changed. So far: the spec, the assignment (computed and
//! frozen), the offer images' checks, the statistics of the report and the warehouse query
//! and document it is made of.

pub mod assets;
pub mod assignment;
pub mod freeze;
pub mod report;
pub mod spec;
pub mod stats;
