//! How often a campaign's audience reached its goal recently: the base rate a plan sizes its
//! test with (the goal's events are `report::goal_test`'s).

use chrono::{DateTime, Duration, Utc};

use super::report::goal_test;
use super::spec::CampaignDef;
use crate::membership::sql::Tables as Membership;
use crate::sql::tables::Tables;

/// `(members, converted)`: the audience's current members, and how many of them had a goal
/// event in the goal's window (`within`) up to `now`.
pub fn base_rate_sql(
    tables: &Tables,
    m: &Membership,
    c: &CampaignDef,
    now: DateTime<Utc>,
) -> String {
    let d = m.dialect();
    let ev = &tables.events;
    let from = now - Duration::seconds(c.goal.within.seconds);
    format!(
        "select count(*) as members, count(hit.user_id) as converted\n\
         from {members} mm\n\
         left join (select distinct cast(e.{uid} as {text}) as user_id from {events} e\n\
                    where {test} and e.{ts} > {from} and e.{ts} <= {to}) hit\n\
           on hit.user_id = mm.user_id\n\
         where mm.segment = {audience} and mm.exited_at is null",
        members = m.membership(),
        uid = d.ident(&ev.user_id),
        text = d.text_type(),
        events = d.ident(&ev.table),
        test = goal_test(tables, d, c, "e"),
        ts = d.ident(&ev.timestamp),
        from = d.timestamp(from),
        to = d.timestamp(now),
        audience = d.string(&c.audience),
    )
}
