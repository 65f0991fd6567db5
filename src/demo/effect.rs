//! A true campaign effect planted in the demo data (`demo seed --campaign-effect`): the
//! campaign's audience assigned as a launch would have assigned it, then goal events added to
//! treatment users so that treatment converts at the holdout's rate plus the effect.
//!
//! The assignment instant is the goal's window plus one day before the data ends, so every
//! user's window is over. The audience is its compiled query run as of that instant, assigned
//! with the documented hash. Then, with `p` the share of all assigned users who converted on
//! their own and `e` the effect (absolute, 0.05 for five percentage points), each treatment
//! user who did not convert gets one goal event halfway through the window when a second hash
//! of the user (salt `<campaign salt>:effect`) falls below `e / (1 − p)`: treatment then
//! converts at `p + e` in expectation and the holdout stays at `p`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::campaign::assignment::{Arm, BUCKETS, bucket_sql};
use crate::campaign::freeze::{assignments, ensure_sql, freeze_members_sql};
use crate::campaign::report::{goal_test, read, totals_sql};
use crate::campaign::spec::CampaignDef;
use crate::error::{Error, Result};
use crate::membership::sql::Tables as CdpTables;
use crate::segment::compile::Compiler;
use crate::segment::file::SegmentDef;
use crate::segment::rule::{Cond, Lit};
use crate::sql::tables::Tables;
use crate::warehouse::Warehouse;

/// What was planted.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Planted {
    pub campaign: String,
    /// Absolute: treatment's expected rate minus the holdout's.
    pub effect: f64,
    pub assigned_at: DateTime<Utc>,
    pub treatment: u64,
    pub holdout: u64,
    /// The share of assigned users who converted in their window before any was added.
    pub base_rate: f64,
    /// Goal events added to treatment users.
    pub added: u64,
}

/// A property value that passes `cond`, or `None` when the property is best left out (a
/// condition that a missing value passes); an error for a condition no value is made for.
fn witness(property: &str, cond: &Cond) -> Result<Option<Value>> {
    let lit = |l: &Lit| match l {
        Lit::Bool(b) => Value::from(*b),
        Lit::Int(i) => Value::from(*i),
        Lit::Float(f) => Value::from(*f),
        Lit::Text(t) => Value::from(t.as_str()),
    };
    let step = |l: &Lit, by: f64| match l {
        Lit::Int(i) => Ok(Value::from(*i + by as i64)),
        Lit::Float(f) => Ok(Value::from(*f + by)),
        _ => Err(()),
    };
    let value = match cond {
        Cond::Ne(_) | Cond::NotIn(_) | Cond::IsNotSet => return Ok(None),
        Cond::Eq(l) | Cond::Gte(l) | Cond::Lte(l) | Cond::Between(l, _) => Ok(lit(l)),
        Cond::In(ls) => ls.first().map(lit).ok_or(()),
        Cond::Gt(l) => step(l, 1.0),
        Cond::Lt(l) => step(l, -1.0),
        Cond::Contains(s) | Cond::StartsWith(s) | Cond::EndsWith(s) => Ok(Value::from(s.as_str())),
        Cond::IsSet => Ok(Value::from("demo")),
        Cond::Matches(_) => Err(()),
    };
    value.map(Some).map_err(|()| {
        Error::Usage(format!(
            "cannot plant a campaign effect: no demo value is made for the goal's filter `{property}: {}`",
            cond.keyword()
        ))
    })
}

/// The properties of a planted goal event: a value passing each filter, and the revenue
/// property set to the offer's price.
fn properties(c: &CampaignDef) -> Result<String> {
    let mut props = Map::new();
    for f in &c.goal.filters {
        if let Some(v) = witness(&f.property, &f.cond)? {
            props.insert(f.property.clone(), v);
        }
    }
    if let (Some(revenue), Some(item)) = (&c.goal.revenue, c.offer.first()) {
        props.insert(revenue.clone(), Value::from(item.price));
    }
    Ok(Value::Object(props).to_string())
}

fn query_error(sql: &str) -> impl FnOnce(crate::warehouse::WarehouseError) -> Error + '_ {
    move |source| Error::Query {
        sql: sql.to_string(),
        source,
    }
}

/// Assigns campaign `c`'s audience as of the goal window plus a day before `end`, replacing
/// any earlier assignment of it, and adds goal events for an absolute `effect` (see the module).
pub async fn plant(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    cdp: &CdpTables,
    segments: &[SegmentDef],
    c: &CampaignDef,
    end: DateTime<Utc>,
    effect: f64,
) -> Result<Planted> {
    let d = cdp.dialect();
    let within = c.goal.within.seconds;
    let at = end - Duration::seconds(within) - Duration::days(1);
    let compiler = Compiler {
        dialect: d,
        tables,
        now: at,
    };
    let members = compiler
        .segment(segments, &c.audience)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut statements = vec![format!(
        "create schema if not exists {}",
        d.ident(&cdp.schema)
    )];
    statements.extend(ensure_sql(cdp));
    statements.push(format!(
        "delete from {} where campaign = {}",
        assignments(cdp),
        d.string(&c.name)
    ));
    statements.push(freeze_members_sql(cdp, c, &members, at));
    for sql in &statements {
        wh.execute(sql).await.map_err(query_error(sql))?;
    }

    let sql = totals_sql(tables, cdp, c);
    let rows = wh.rows(&sql).await.map_err(query_error(&sql))?;
    let natural = read(&rows, &c.guardrails).map_err(|source| Error::CampaignTotals {
        campaign: c.name.clone(),
        source,
    })?;
    let users = natural.users();
    let converted = natural.treatment.conversions + natural.holdout.conversions;
    let base_rate = if users == 0 {
        0.0
    } else {
        converted as f64 / users as f64
    };
    let share = (effect / (1.0 - base_rate)).clamp(0.0, 1.0);
    let threshold = (share * f64::from(BUCKETS)).round() as u32;

    let e = &tables.events;
    let col = |n: &str| d.ident(n);
    let window = d.interval_seconds(within);
    let insert = format!(
        "insert into {events} ({uid}, {name}, {ts}, {props})\n\
         select a.user_id, {event}, a.assigned_at + {half}, {json}\n\
         from {a} as a\n\
         where a.campaign = {campaign} and a.arm = {treatment} and {effect_bucket} < {threshold}\n\
           and not exists (select 1 from {events} as ev where ev.{uid} = a.user_id and {goal}\n\
             and ev.{ts} > a.assigned_at and ev.{ts} <= a.assigned_at + {window})",
        events = d.ident(&e.table),
        uid = col(&e.user_id),
        name = col(&e.name),
        ts = col(&e.timestamp),
        props = col(&e.properties),
        event = d.string(&c.goal.event),
        half = d.interval_seconds(within / 2),
        json = d.json_value(&properties(c)?),
        a = assignments(cdp),
        campaign = d.string(&c.name),
        treatment = d.string(Arm::Treatment.as_str()),
        effect_bucket = bucket_sql(d, &format!("{}:effect", c.salt), "a.user_id"),
        goal = goal_test(tables, d, c, "ev"),
    );
    let before = count_goal_events(wh, tables, c).await?;
    wh.execute(&insert).await.map_err(query_error(&insert))?;
    let added = count_goal_events(wh, tables, c).await? - before;
    Ok(Planted {
        campaign: c.name.clone(),
        effect,
        assigned_at: at,
        treatment: natural.treatment.users,
        holdout: natural.holdout.users,
        base_rate,
        added: added.max(0) as u64,
    })
}

async fn count_goal_events(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    c: &CampaignDef,
) -> Result<i64> {
    let d = wh.dialect();
    let sql = format!(
        "select count(*) from {} as ev where {}",
        d.ident(&tables.events.table),
        goal_test(tables, d, c, "ev")
    );
    wh.count(&sql).await.map_err(query_error(&sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_witness_passes_each_filter_or_is_left_out() {
        let w = |c: Cond| witness("p", &c).unwrap();
        assert_eq!(
            w(Cond::Eq(Lit::Text("pro_annual".into()))),
            Some(Value::from("pro_annual"))
        );
        assert_eq!(w(Cond::Gt(Lit::Int(10))), Some(Value::from(11)));
        assert_eq!(w(Cond::Lt(Lit::Float(1.5))), Some(Value::from(0.5)));
        assert_eq!(
            w(Cond::In(vec![Lit::Text("a".into())])),
            Some(Value::from("a"))
        );
        assert_eq!(w(Cond::Ne(Lit::Text("a".into()))), None);
        assert!(witness("p", &Cond::Matches("^a".into())).is_err());
        assert!(witness("p", &Cond::Gt(Lit::Text("b".into()))).is_err());
    }
}
