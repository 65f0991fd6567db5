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
/// instants any user's window covers (which skips whole blocks of a table kept in time order);
/// only users with such events are grouped, and each arm's users are counted from the
/// assignments alone.
pub fn totals_sql(tables: &Tables, cdp: &CdpTables, c: &CampaignDef) -> String {
    let d = cdp.dialect();
    let e = &tables.events;
    let col = |name: &str| format!("ev.{}", d.ident(name));
    let (uid, name, ts) = (col(&e.user_id), col(&e.name), col(&e.timestamp));
    let props = col(&e.properties);
    let float = d.float_type();
    let revenue = match &c.goal.revenue {
        Some(p) => format!("coalesce({}, 0)", d.json_number(&props, p)),
        None => "0".into(),
    };
    // Goal events that fail the goal's filters are not read past the scan.
    let guards: Vec<String> = c.guardrails.iter().map(|g| d.string(g)).collect();
    let mut wanted = vec![format!("({})", goal_test(tables, d, c, "ev"))];
    if !guards.is_empty() {
        wanted.push(format!("{name} in ({})", guards.join(", ")));
    }
    let within = d.interval_seconds(c.goal.within.seconds);
    let a = assignments(cdp);
    let campaign = d.string(&c.name);

    // Per event: its revenue when it is a goal event (NULL otherwise, so that counting it
    // counts goal events), and a flag per guardrail.
    let mut scanned = vec![
        format!("cast({uid} as {}) as uid", d.text_type()),
        format!("{ts} as ts"),
        format!(
            "case when {} then cast({revenue} as {float}) end as revenue",
            goal_test(tables, d, c, "ev")
        ),
    ];
    let mut per_user = vec![
        "a.arm".to_string(),
        "count(e.revenue) as goal_events".into(),
        format!("coalesce(sum(e.revenue), cast(0 as {float})) as revenue"),
    ];
    let mut per_arm = vec![
        "arm".to_string(),
        "sum(case when goal_events > 0 then 1 else 0 end) as conversions".into(),
        "sum(revenue) as revenue".into(),
        "sum(revenue * revenue) as revenue_sq".into(),
    ];
    let mut select = vec![
        "n.arm".to_string(),
        format!("cast(n.users as bigint) as {USERS}"),
        format!("cast(coalesce(s.conversions, 0) as bigint) as {CONVERTED}"),
        format!("cast(coalesce(s.revenue, 0) as {float}) as {REVENUE}"),
        format!("cast(coalesce(s.revenue_sq, 0) as {float}) as {REVENUE_SQ}"),
    ];
    for (i, g) in c.guardrails.iter().enumerate() {
        let column = guardrail_column(i);
        scanned.push(format!(
            "case when {name} = {} then 1 else 0 end as {column}",
            d.string(g)
        ));
        per_user.push(format!("max(e.{column}) as {column}"));
        per_arm.push(format!("sum({column}) as {column}"));
        select.push(format!(
            "cast(coalesce(s.{column}, 0) as bigint) as {column}"
        ));
    }
    format!(
        "with cdp_user_window as (\n  select {per_user}\n  from {a} as a\n  \
         join (\n    select {scanned}\n    from {events} as ev\n    \
         where ({wanted})\n      \
         and {ts} > (select min(assigned_at) from {a} where campaign = {campaign})\n      \
         and {ts} <= (select max(assigned_at) from {a} where campaign = {campaign}) + {within}\n  \
         ) as e on e.uid = a.user_id and e.ts > a.assigned_at and e.ts <= a.assigned_at + {within}\n  \
         where a.campaign = {campaign}\n  \
         group by a.arm, a.user_id\n),\n\
         cdp_arm_users as (\n  select arm, count(*) as users from {a} where campaign = {campaign} group by arm\n),\n\
         cdp_arm_sums as (\n  select {per_arm}\n  from cdp_user_window\n  group by arm\n)\n\
         select {select}\n\
         from cdp_arm_users as n\nleft join cdp_arm_sums as s on s.arm = n.arm\norder by n.arm",
        per_user = per_user.join(",\n    "),
        scanned = scanned.join(",\n      "),
        events = d.ident(&e.table),
        wanted = wanted.join(" or "),
        per_arm = per_arm.join(",\n    "),
        select = select.join(",\n  "),
    )
}
