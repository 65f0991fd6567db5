//! What the state store keeps of campaigns: each launch with its counts, and every treatment
//! user's send, written `pending` before the request that messages them goes out and settled by
//! its answer, so that no launch, killed anywhere, messages a user twice.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StateError;

/// Where a treatment user's message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    /// Its request is out, or was when cdp stopped.
    Pending,
    /// Braze accepted it.
    Sent,
    /// Braze refused it, for this user or for the request.
    Failed,
    /// The request may or may not have been processed (its answer was lost): not sent again
    /// unless asked (`launch --resend-unknown`).
    Unknown,
    /// Not messaged: the user had reached the frequency cap.
    Capped,
}

impl SendStatus {
    pub const ALL: [SendStatus; 5] = [
        SendStatus::Pending,
        SendStatus::Sent,
        SendStatus::Failed,
        SendStatus::Unknown,
        SendStatus::Capped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::Pending => "pending",
            SendStatus::Sent => "sent",
            SendStatus::Failed => "failed",
            SendStatus::Unknown => "unknown",
            SendStatus::Capped => "capped",
        }
    }

    pub fn parse(s: &str) -> Option<SendStatus> {
        SendStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A launch as it starts.
#[derive(Clone, Debug)]
pub struct NewLaunch<'a> {
    pub campaign: &'a str,
    pub send_id: &'a str,
    pub actor: &'a str,
    pub host: &'a str,
    pub at: DateTime<Utc>,
}

/// What a launch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct LaunchTotals {
    /// Users assigned (to either arm) by this launch.
    pub assigned: i64,
    /// Treatment users it had to message.
    pub to_send: i64,
    pub sent: i64,
    pub unknown: i64,
    pub failed: i64,
    pub capped: i64,
    pub requests: i64,
    pub retried: i64,
}

/// One launch of a campaign.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LaunchRecord {
    pub id: i64,
    pub campaign: String,
    pub send_id: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded`, `failed` or `interrupted`.
    pub status: String,
    #[serde(flatten)]
    pub totals: LaunchTotals,
    pub actor: String,
    pub host: String,
    pub error: Option<String>,
}

/// One entry of a launch's journal of sends; `batch` is the number of a request's first
/// recipient in the launch.
#[derive(Clone, Debug, PartialEq)]
pub enum SendEntry {
    /// A request's recipients, recorded `pending` before it goes out. A user sent again
    /// (`unknown` before) keeps that status to fall back on.
    Begin {
        batch: i64,
        users: Vec<String>,
        at: DateTime<Utc>,
    },
    /// Its answer: `refused` users (with their reasons) failed, its other pending recipients
    /// `status`.
    Settle {
        batch: i64,
        status: SendStatus,
        reason: Option<String>,
        refused: Vec<(String, String)>,
        at: DateTime<Utc>,
    },
    /// A request that was not processed: its recipients are as before it was sent.
    Restore { batch: i64 },
}

/// One request's recipients: the launch, and the number of its first recipient.
#[derive(Clone, Copy, Debug)]
pub struct BatchKey<'a> {
    pub campaign: &'a str,
    pub launch_id: i64,
    pub batch: i64,
}

#[async_trait]
pub trait CampaignState {
    /// Settles what a launch that died left behind: sends still `pending` become `unknown`
    /// (their request may have gone out) and the launch `interrupted`. Returns the send id of
    /// the campaign's last launch when it did not succeed, for the next launch to carry on with.
    async fn recover_launches(
        &self,
        campaign: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<String>, StateError>;

    async fn start_launch(&self, launch: &NewLaunch<'_>) -> Result<i64, StateError>;

    async fn finish_launch(
        &self,
        id: i64,
        status: &str,
        totals: &LaunchTotals,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;

    /// Launches, newest first: of one campaign, or of all.
    async fn launches(
        &self,
        campaign: Option<&str>,
        limit: i64,
    ) -> Result<Vec<LaunchRecord>, StateError>;

    /// Users with a send of this campaign in `statuses`.
    async fn users_with(
        &self,
        campaign: &str,
        statuses: &[SendStatus],
    ) -> Result<HashSet<String>, StateError>;

    /// Writes a launch's journal entries in order, in one transaction.
    async fn write_sends(
        &self,
        campaign: &str,
        launch_id: i64,
        entries: &[SendEntry],
    ) -> Result<(), StateError>;

    /// Records users not messaged, with why (the frequency cap).
    async fn record_unsent(
        &self,
        key: BatchKey<'_>,
        users: &[&str],
        status: SendStatus,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;

    /// Users per send status of a campaign.
    async fn send_counts(&self, campaign: &str) -> Result<Vec<(SendStatus, i64)>, StateError>;

    /// A page of the users sent a message of the campaign whose exposure event is not recorded
    /// yet, in id order after `after`.
    async fn unexposed(
        &self,
        campaign: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>, StateError>;

    /// Records that the users' exposure events were accepted.
    async fn mark_exposed(
        &self,
        campaign: &str,
        users: &[&str],
        at: DateTime<Utc>,
    ) -> Result<(), StateError>;

    /// Users messaged (or perhaps messaged) by at least `min` campaigns since `since`.
    async fn messaged_since(
        &self,
        since: DateTime<Utc>,
        min: i64,
    ) -> Result<HashSet<String>, StateError>;
}
