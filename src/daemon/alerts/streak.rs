//! Whether a job's outcome owes an alert, and who sends it: the outcome is recorded in the
//! job's streak, then the owed alert is claimed with a lease by one conditional update, which
//! only one daemon's update can win.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngExt as _;

use super::JobOutcome;
use crate::error::Result;
use crate::state::Store;
use crate::state::alert::Streak;

/// How long a claim holds: longer than sending can take (each channel's budget, sent at once,
/// plus the store's own time), so that a live sender never loses it; a daemon that died while
/// sending leaves an alert that the job's next outcome sends.
pub const LEASE: Duration = Duration::from_secs(120);

/// The longest error text kept and sent: alerts are read, not parsed.
pub const MAX_ERROR: usize = 2000;

/// What to do about one outcome.
pub enum Decision {
    /// Nothing is owed.
    Quiet(Streak),
    /// An alert is owed and another daemon holds its claim.
    Elsewhere(Streak),
    /// This caller holds the claim (`claim` is its token) and sends.
    Send { claim: String, streak: Streak },
}

/// The failure an outcome is, if it is one: its error, or the rejected users above `threshold`.
pub fn failure(outcome: &JobOutcome, threshold: u64) -> Option<String> {
    match outcome {
        JobOutcome::Failed { error } => Some(shorten(error, MAX_ERROR)),
        JobOutcome::Succeeded { rejected } if *rejected > threshold => Some(format!(
            "{rejected} user{} rejected, above the threshold of {threshold}",
            if *rejected == 1 { "" } else { "s" }
        )),
        JobOutcome::Succeeded { .. } => None,
    }
}

/// Records `outcome` of `job` and claims the alert it owes, if any.
pub async fn decide(
    store: &dyn Store,
    job: &str,
    outcome: &JobOutcome,
    threshold: u64,
    now: DateTime<Utc>,
) -> Result<Decision> {
    let error = failure(outcome, threshold);
    let streak = store.record_outcome(job, error.as_deref(), now).await?;
    if !streak.pending {
        return Ok(Decision::Quiet(streak));
    }
    let token: [u8; 16] = rand::rng().random();
    let claim: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let now_ms = now.timestamp_millis();
    let until = now_ms + LEASE.as_millis() as i64;
    Ok(match store.claim_alert(job, &claim, now_ms, until).await? {
        Some(streak) => Decision::Send { claim, streak },
        None => Decision::Elsewhere(streak),
    })
}

/// Gives the claim back: sent (at `sent`) or still owed.
pub async fn settle(
    store: &dyn Store,
    job: &str,
    claim: &str,
    sent: Option<DateTime<Utc>>,
) -> Result<()> {
    store.settle_alert(job, claim, sent).await?;
    Ok(())
}

/// `text` cut to at most `max` characters, an ellipsis marking the cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_fails_above_the_threshold_only() {
        let ok = |rejected| JobOutcome::Succeeded { rejected };
        assert_eq!(failure(&ok(100), 100), None);
        assert_eq!(
            failure(&ok(101), 100).as_deref(),
            Some("101 users rejected, above the threshold of 100")
        );
        assert_eq!(
            failure(&ok(1), 0).as_deref(),
            Some("1 user rejected, above the threshold of 0")
        );
        let failed = JobOutcome::Failed {
            error: "x".repeat(5000),
        };
        assert_eq!(failure(&failed, 100).unwrap().chars().count(), MAX_ERROR);
    }

    #[test]
    fn shortening_counts_characters() {
        assert_eq!(shorten("héllo", 5), "héllo");
        assert_eq!(shorten("héllo wörld", 6), "héllo…");
    }
}
