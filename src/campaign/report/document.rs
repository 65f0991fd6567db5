//! The report as one document: the statistics of the goal, the guardrails, and what was
//! measured (the campaign, its window, when).

use chrono::{DateTime, Utc};

use super::{Guardrail, Totals, compare_guardrail};
use crate::campaign::spec::CampaignDef;
use crate::campaign::stats::{Comparison, StatsError, compare};

/// What was measured: the goal, its window after each user's assignment, and when the users
/// measured were assigned.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Window {
    pub event: String,
    /// As written in the campaign (`14d`).
    pub within: String,
    pub first_assigned: DateTime<Utc>,
    pub last_assigned: DateTime<Utc>,
    /// The configured share of users held out (0.1 for 10 %).
    pub holdout_share: f64,
    /// The currency of the offer, which revenue is taken to be in.
    pub currency: Option<String>,
}

/// `cdp campaign report`: serialised as one JSON document whose keys are `campaign`, `window`,
/// `generated_at`, then the comparison's `arms`, `uplift`, `incremental`, `srm`, `mde`,
/// `verdict`, then `guardrails`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CampaignReport {
    pub campaign: String,
    pub window: Window,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub comparison: Comparison,
    pub guardrails: Vec<Guardrail>,
}

impl CampaignReport {
    /// The report of `c` from the totals its query found, for users assigned between
    /// `assigned` (first, last), generated at `now`.
    pub fn new(
        c: &CampaignDef,
        totals: &Totals,
        assigned: (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<CampaignReport, StatsError> {
        let holdout_share =
            f64::from(c.holdout_bp) / f64::from(crate::campaign::assignment::BUCKETS);
        let comparison = compare(&totals.treatment, &totals.holdout, holdout_share)?;
        let guardrails = totals
            .guardrails
            .iter()
            .map(|(event, with)| {
                compare_guardrail(event, *with, &totals.treatment, &totals.holdout)
            })
            .collect();
        Ok(CampaignReport {
            campaign: c.name.clone(),
            window: Window {
                event: c.goal.event.clone(),
                within: c.goal.within.to_string(),
                first_assigned: assigned.0,
                last_assigned: assigned.1,
                holdout_share,
                currency: c.offer.first().map(|o| o.currency.clone()),
            },
            generated_at: now,
            comparison,
            guardrails,
        })
    }
}
