//! `cdp sync`: send each applied segment's membership changes to its destinations. What a
//! destination has acknowledged is kept in the warehouse; a run numbers the difference there,
//! streams it out in batches, checkpoints each answered batch in the state store, and folds what
//! was acknowledged back in, so a run killed anywhere is carried on by the next.

mod dry_run;
mod fold;
pub mod run;
pub mod sql;
pub mod status;
mod stream;

use crate::destinations::{Sample, Target};
use crate::segment::file::SegmentDef;
use crate::state::sync::SyncStats;

/// What to send.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Segments to sync; empty: every applied segment with destinations.
    pub segments: Vec<String>,
    /// Only this destination (its name in `cdp.yaml`).
    pub to: Option<String>,
    /// Count and show sample requests; send nothing.
    pub dry_run: bool,
    /// Send every member again, not only what changed.
    pub full: bool,
}

/// How one segment's sync to one destination ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Succeeded,
    /// A failure stopped it (a refused key, a destination that kept failing).
    Failed,
    /// The destination refused every user it had not refused before.
    Rejected,
    /// Asked to stop: what was answered is kept.
    Interrupted,
    /// Counted and sampled only.
    #[serde(rename = "dry run")]
    DryRun,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Rejected => "rejected",
            Status::Interrupted => "interrupted",
            Status::DryRun => "dry run",
        }
    }

    /// How the state store records the run.
    pub fn run_status(self) -> crate::state::RunStatus {
        use crate::state::RunStatus;
        match self {
            Status::Succeeded | Status::DryRun => RunStatus::Succeeded,
            Status::Interrupted => RunStatus::Interrupted,
            Status::Failed | Status::Rejected => RunStatus::Failed,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One segment's sync to one destination.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub segment: String,
    pub destination: String,
    #[serde(rename = "as")]
    pub mode: String,
    pub entered: i64,
    pub exited: i64,
    #[serde(flatten)]
    pub stats: SyncStats,
    pub status: Status,
    /// No applied segment sends here any more: the users it held were removed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    pub error: Option<String>,
    /// Of the users refused (`rejected`), those an earlier run had refused too: known
    /// refusals, which do not fail the run.
    pub refused_again: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Sample>,
}

impl Report {
    pub fn users_per_second(&self) -> f64 {
        let seconds = self.stats.duration_ms as f64 / 1000.0;
        if seconds > 0.0 {
            (self.stats.sent + self.stats.rejected) as f64 / seconds
        } else {
            0.0
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.status, Status::Failed | Status::Rejected)
    }
}

/// Every (segment, destination) of the applied segments that `options` selects.
pub fn targets(applied: &[SegmentDef], options: &Options) -> Vec<Target> {
    applied
        .iter()
        .filter(|s| options.segments.is_empty() || options.segments.contains(&s.name))
        .flat_map(|s| {
            s.destinations.iter().map(|d| Target {
                segment: s.name.clone(),
                name: d.to.clone(),
                key: d.key(),
                spec: d.clone(),
                retired: false,
            })
        })
        .filter(|t| options.to.as_ref().is_none_or(|to| *to == t.name))
        .collect()
}

/// The (segment, destination) pairs a destination still holds users for that no applied
/// segment sends there any more, among those `options` selects.
pub fn retired(held: &[(String, String)], current: &[Target], options: &Options) -> Vec<Target> {
    held.iter()
        .filter(|(segment, key)| {
            !current
                .iter()
                .any(|t| &t.segment == segment && &t.key == key)
        })
        .filter(|(segment, _)| options.segments.is_empty() || options.segments.contains(segment))
        .filter_map(|(segment, key)| {
            let spec = crate::segment::file::DestinationRef::from_key(key)?;
            Some(Target {
                segment: segment.clone(),
                name: spec.to.clone(),
                key: key.clone(),
                spec,
                retired: true,
            })
        })
        .filter(|t| options.to.as_ref().is_none_or(|to| *to == t.name))
        .collect()
}
