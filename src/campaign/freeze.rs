//! Assignments frozen in the warehouse, in `<cdp_schema>.campaign_assignments`: each member of
//! the audience is assigned once, by the first launch that finds them, and never again; a later
//! run of a recurring campaign adds only users who became members since.

use chrono::{DateTime, Utc};

use super::assignment::{arm_sql, bucket_sql};
use super::spec::CampaignDef;
use crate::membership::sql::Tables;
use crate::warehouse::{ColType, type_name};

pub fn assignments(t: &Tables) -> String {
    t.name("campaign_assignments")
}

/// Creates the table (and on PostgreSQL its index) when missing.
pub fn ensure_sql(t: &Tables) -> Vec<String> {
    let text = type_name(t.kind, ColType::Text);
    let ts = type_name(t.kind, ColType::Timestamp);
    let mut out = vec![format!(
        "create table if not exists {} (campaign {text} not null, user_id {text} not null, \
         arm {text} not null, bucket bigint not null, assigned_at {ts} not null)",
        assignments(t)
    )];
    if t.dialect().indexes_pay() {
        out.push(format!(
            "create unique index if not exists cdp_campaign_assignments_user on {} (campaign, user_id)",
            assignments(t)
        ));
    }
    out
}

/// Assigns the audience's current members who have no assignment in this campaign yet, as of
/// `at`.
pub fn freeze_sql(t: &Tables, c: &CampaignDef, at: DateTime<Utc>) -> String {
    freeze_excluding_sql(t, c, at, &[])
}

/// The audience's current members, from the membership table (a query with a `user_id`).
pub fn audience_sql(t: &Tables, c: &CampaignDef) -> String {
    format!(
        "select user_id from {} where segment = {} and exited_at is null",
        t.membership(),
        t.dialect().string(&c.audience)
    )
}

/// As `freeze_sql`, leaving out (of both arms, so the comparison stays fair) members in the
/// treatment of one of the campaigns `running` (`exclude_running: true`).
pub fn freeze_excluding_sql(
    t: &Tables,
    c: &CampaignDef,
    at: DateTime<Utc>,
    running: &[String],
) -> String {
    insert(t, &candidates_sql(t, c, &audience_sql(t, c), at, running))
}

/// Assigns the users of `members` (a query with a `user_id` column) who have no assignment in
/// this campaign yet, as of `at`: how a launch freezes the audience's members, whether they
/// come from the membership table or from the audience's query run as of `at`.
pub fn freeze_members_sql(t: &Tables, c: &CampaignDef, members: &str, at: DateTime<Utc>) -> String {
    insert(t, &candidates_sql(t, c, members, at, &[]))
}

fn insert(t: &Tables, candidates: &str) -> String {
    format!(
        "insert into {} (campaign, user_id, arm, bucket, assigned_at)\n{candidates}",
        assignments(t)
    )
}

/// The assignments a launch at `at` would add: `(campaign, user_id, arm, bucket, assigned_at)`
/// of each user of `members` not assigned yet (nor busy in a `running` campaign's treatment).
pub fn candidates_sql(
    t: &Tables,
    c: &CampaignDef,
    members: &str,
    at: DateTime<Utc>,
    running: &[String],
) -> String {
    let d = t.dialect();
    let campaign = d.string(&c.name);
    let bucket = bucket_sql(d, &c.salt, "m.user_id");
    let busy = if running.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = running.iter().map(|n| d.string(n)).collect();
        format!(
            "\n  and not exists (select 1 from {a} r where r.user_id = q.user_id \
             and r.arm = 'treatment' and r.campaign in ({}))",
            names.join(", "),
            a = assignments(t),
        )
    };
    format!(
        "select {campaign} as campaign, q.user_id, {arm} as arm, q.bucket, {at} as assigned_at\n\
         from (select m.user_id, {bucket} as bucket from ({members}) m) q\n\
         where not exists (select 1 from {a} x where x.campaign = {campaign} and x.user_id = q.user_id){busy}",
        a = assignments(t),
        arm = arm_sql(d, "q.bucket", c.holdout_bp),
        at = d.timestamp(at),
    )
}

/// A page of the campaign's treatment users, in id order after `after`.
pub fn treatment_page_sql(t: &Tables, campaign: &str, after: Option<&str>, limit: u64) -> String {
    let d = t.dialect();
    let after = after
        .map(|a| format!(" and user_id > {}", d.string(a)))
        .unwrap_or_default();
    format!(
        "select user_id from {} where campaign = {} and arm = 'treatment'{after} order by user_id {}",
        assignments(t),
        d.string(campaign),
        d.limit(limit),
    )
}

/// `(arm, users)` of a campaign's assignments.
pub fn counts_sql(t: &Tables, campaign: &str) -> String {
    format!(
        "select arm, count(*) as users from {} where campaign = {} group by arm order by arm",
        assignments(t),
        t.dialect().string(campaign)
    )
}
