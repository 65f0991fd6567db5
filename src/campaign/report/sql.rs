//! The report's one query: the campaign's frozen assignments joined to its goal and guardrail
//! events in each user's window, read in one scan of the events table, summed per arm.

use super::{CONVERTED, REVENUE, REVENUE_SQ, USERS, guardrail_column};
use crate::campaign::freeze::assignments;
use crate::campaign::spec::CampaignDef;
use crate::membership::sql::Tables as CdpTables;
use crate::segment::sql::render::Renderer;
use crate::sql::dialect::Dialect;
use crate::sql::tables::Tables;

/// Whether the event row `alias` is one of the goal's: its name and every `where` filter.
pub fn goal_test(tables: &Tables, d: &dyn Dialect, c: &CampaignDef, alias: &str) -> String {
    let e = &tables.events;
    let renderer = Renderer {
        dialect: d,
        tables,
        column_at: Vec::new(),
    };
    let props = format!("{alias}.{}", d.ident(&e.properties));
    let mut goal = vec![format!(
        "{alias}.{} = {}",
        d.ident(&e.name),
        d.string(&c.goal.event)
    )];
    goal.extend(c.goal.filters.iter().map(|f| renderer.prop_test(f, &props)));
    goal.join(" and ")
}

/// One row per arm that has users: `arm`, `users`, `conversions`, `revenue`, `revenue_sq`, then
/// one count of users per guardrail event (`guardrail_<i>`, in the campaign's order).
///
/// A user converted when they had at least one goal event (the goal's name and `where`
/// filters) after their `assigned_at` and at most `within` later; their revenue is the sum of
/// the revenue property (a JSON number; 0 when absent) over those events, and `revenue_sq` sums
/// the square of each user's revenue. A guardrail counts the users who had that event in the
/// same window. The events table is read once, narrowed to the events named and to the
/// instants any user's window covers; the assignments are joined to what remains.
pub fn totals_sql(tables: &Tables, cdp: &CdpTables, c: &CampaignDef) -> String {
    let d = cdp.dialect();
    let e = &tables.events;
    let col = |name: &str| format!("ev.{}", d.ident(name));
    let (uid, name, ts, props) = (
        col(&e.user_id),
        col(&e.name),
        col(&e.timestamp),
        col(&e.properties),
    );
    let goal = goal_test(tables, d, c, "ev");
    let float = d.float_type();
    let revenue = match &c.goal.revenue {
        Some(p) => format!("coalesce({}, 0)", d.json_number(&props, p)),
        None => "0".into(),
    };
    let mut names: Vec<&str> = vec![c.goal.event.as_str()];
    for g in &c.guardrails {
        if !names.contains(&g.as_str()) {
            names.push(g);
        }
    }
    let names: Vec<String> = names.iter().map(|n| d.string(n)).collect();
    let within = d.interval_seconds(c.goal.within.seconds);
    let text = d.text_type();

    let mut scanned = vec![
        format!("cast({uid} as {text}) as uid"),
        format!("{ts} as ts"),
        format!("case when {goal} then 1 else 0 end as goal"),
        format!("cast(case when {goal} then {revenue} else 0 end as {float}) as revenue"),
    ];
    let mut per_user = vec![
        "a.arm".to_string(),
        "coalesce(max(e.goal), 0) as converted".into(),
        format!("coalesce(sum(e.revenue), cast(0 as {float})) as revenue"),
    ];
    let mut per_arm = vec![
        "arm".to_string(),
        format!("cast(count(*) as bigint) as {USERS}"),
        format!("cast(coalesce(sum(converted), 0) as bigint) as {CONVERTED}"),
        format!("cast(coalesce(sum(revenue), 0) as {float}) as {REVENUE}"),
        format!("cast(coalesce(sum(revenue * revenue), 0) as {float}) as {REVENUE_SQ}"),
    ];
    for (i, g) in c.guardrails.iter().enumerate() {
        let column = guardrail_column(i);
        scanned.push(format!(
            "case when {name} = {} then 1 else 0 end as {column}",
            d.string(g)
        ));
        per_user.push(format!("coalesce(max(e.{column}), 0) as {column}"));
        per_arm.push(format!(
            "cast(coalesce(sum({column}), 0) as bigint) as {column}"
        ));
    }
    format!(
        "with cdp_assigned as (\n  select user_id, arm, assigned_at from {a} where campaign = {campaign}\n),\n\
         cdp_window_events as (\n  select {scanned}\n  from {events} as ev\n  \
         where {name} in ({names})\n    \
         and {ts} > (select min(assigned_at) from cdp_assigned)\n    \
         and {ts} <= (select max(assigned_at) from cdp_assigned) + {within}\n),\n\
         cdp_per_user as (\n  select {per_user}\n  from cdp_assigned as a\n  \
         left join cdp_window_events as e on e.uid = a.user_id\n    \
         and e.ts > a.assigned_at and e.ts <= a.assigned_at + {within}\n  \
         group by a.user_id, a.arm\n)\n\
         select {per_arm}\nfrom cdp_per_user\ngroup by arm\norder by arm",
        a = assignments(cdp),
        campaign = d.string(&c.name),
        scanned = scanned.join(",\n    "),
        events = d.ident(&e.table),
        names = names.join(", "),
        per_user = per_user.join(",\n    "),
        per_arm = per_arm.join(",\n  "),
    )
}
