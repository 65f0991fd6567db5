//! A campaign's goal in SQL: the events that count as a conversion, and how often the audience
//! reached it recently (the base rate a plan sizes its test with).

use chrono::{DateTime, Duration, Utc};

use super::spec::CampaignDef;
use crate::membership::sql::Tables as Membership;
use crate::segment::sql::render::Renderer;
use crate::sql::tables::Tables;

/// The test an event row aliased `e` passes when it is a goal event: its name and the goal's
/// `where:` filters.
pub fn goal_test(tables: &Tables, m: &Membership, c: &CampaignDef, e: &str) -> String {
    let d = m.dialect();
    let ev = &tables.events;
    let renderer = Renderer {
        dialect: d,
        tables,
        column_at: Vec::new(),
    };
    let props = format!("{e}.{}", d.ident(&ev.properties));
    format!(
        "{e}.{} = {} and {}",
        d.ident(&ev.name),
        d.string(&c.goal.event),
        renderer.prop_tests(&c.goal.filters, &props)
    )
}

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
        test = goal_test(tables, m, c, "e"),
        ts = d.ident(&ev.timestamp),
        from = d.timestamp(from),
        to = d.timestamp(now),
        audience = d.string(&c.audience),
    )
}
