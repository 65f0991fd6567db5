//! Which campaigns are running: launched, and either recurring (`schedule:` cron; `once` is none) or still inside the goal window
//! of their last launch. `exclude_running: true` keeps their treatment users out of a new
//! campaign.

use chrono::{DateTime, Duration, Utc};

use super::super::spec::CampaignDef;
use crate::state::campaign::LaunchRecord;

/// The campaigns of `all` other than `except` that are running at `now`, given the launches
/// recorded (any order).
pub fn running(
    all: &[CampaignDef],
    launches: &[LaunchRecord],
    except: &str,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut out: Vec<String> = all
        .iter()
        .filter(|c| c.name != except)
        .filter(|c| {
            let last = launches
                .iter()
                .filter(|l| l.campaign == c.name)
                .map(|l| l.started_at)
                .max();
            match last {
                None => false,
                Some(at) => {
                    c.schedule.is_some() || at + Duration::seconds(c.goal.within.seconds) > now
                }
            }
        })
        .map(|c| c.name.clone())
        .collect();
    out.sort();
    out
}
