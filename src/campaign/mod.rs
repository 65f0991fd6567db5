//! Campaigns: an offer to a segment sent through Braze with a deterministic holdout, and the
//! measurement of what it changed: the spec, the assignment (computed and frozen), the launch
//! and its journaled sends, the offer images, and the report (its warehouse query, statistics
//! and document).

pub mod assets;
pub mod assignment;
mod error;
pub mod exposures;
pub mod freeze;
pub mod goal;
pub mod journal;
pub mod launch;
pub mod report;
pub mod send;
pub mod spec;
pub mod stats;

pub use error::CampaignError;
