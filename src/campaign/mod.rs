//! Campaigns: their spec, the assignment to treatment or holdout, the launch and the report.

pub mod stats;
