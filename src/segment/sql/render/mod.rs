//! Rendering plans to SQL text for one dialect and one `tables:` mapping.

mod combine;
mod fused;
mod pairs;
mod props;
mod restrict;
mod sequence;

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

pub use super::text::cte_name;
use super::text::{bound, events_cte, group, indent, literal, wrap};
use crate::segment::ir::{Agg, Column, EventTest, Plan, Pred, Scan};
use crate::segment::rule::{Cond, Lit};
use crate::sql::dialect::Dialect;
use crate::sql::tables::Tables;

/// The column every compiled segment returns.
pub const MEMBER_COLUMN: &str = "user_id";

/// The name the fused scan's CTEs are built from.
const FUSED: &str = "refresh";

pub struct Renderer<'a> {
    pub dialect: &'a dyn Dialect,
    pub tables: &'a Tables,
    /// Where each scan column is read from, when not from the single `e` (fused scans).
    pub column_at: Vec<String>,
}

/// Names of the event columns as the current query level sees them.
#[derive(Clone)]
struct EventCols {
    uid: String,
    name: String,
    ts: String,
    props: String,
    /// Whether the scan reads one event name only: then every row is of it.
    one_name: bool,
}

impl Renderer<'_> {
    /// The CTEs of one segment's plan (`cdp_<name>`, and its event scan), comma-joined.
    pub fn ctes(&self, plan: &Plan, out: &mut Vec<(String, String)>) {
        if let Some(scan) = &plan.scan {
            self.scan_ctes(&plan.segment, scan, None, out);
        }
        out.push((cte_name(&plan.segment), self.select(plan)));
    }

    /// The members query: dependencies' CTEs, then the segment itself.
    pub fn query(&self, plan: &Plan, dependencies: &[Plan]) -> String {
        let mut ctes = Vec::new();
        for dep in dependencies {
            self.ctes(dep, &mut ctes);
        }
        if let Some(scan) = &plan.scan {
            self.scan_ctes(&plan.segment, scan, None, &mut ctes);
        }
        let mut sql = String::new();
        if !ctes.is_empty() {
            sql.push_str("with\n");
            let parts: Vec<String> = ctes
                .iter()
                .map(|(n, body)| format!("{n} as (\n{}\n)", indent(body)))
                .collect();
            sql.push_str(&parts.join(",\n"));
            sql.push('\n');
        }
        sql.push_str(&self.select(plan));
        sql
    }

    fn select(&self, plan: &Plan) -> String {
        let d = self.dialect;
        let users = d.ident(&self.tables.users.table);
        let id = format!("u.{}", d.ident(&self.tables.users.id));
        let mut sql = format!("select {id} as {MEMBER_COLUMN}\nfrom {users} as u");
        if plan.scan.is_some() {
            // When no user without events can match, an inner join lets the engine filter the
            // per-user aggregates before joining them to every user.
            let join = if plan.predicate.requires_events() {
                "join"
            } else {
                "left join"
            };
            let _ = write!(
                sql,
                "\n{join} {} as e on e.cdp_uid = {id}",
                events_cte(&plan.segment)
            );
        }
        let _ = write!(sql, "\nwhere {}", self.pred(&plan.predicate, &id));
        sql
    }

    /// The CTEs of a scan; `users`, when given, a query of the only users it needs to read.
    fn scan_ctes(
        &self,
        segment: &str,
        scan: &Scan,
        users: Option<&str>,
        out: &mut Vec<(String, String)>,
    ) {
        let d = self.dialect;
        let t = &self.tables.events;
        let raw = EventCols {
            uid: format!("ev.{}", d.ident(&t.user_id)),
            name: format!("ev.{}", d.ident(&t.name)),
            ts: format!("ev.{}", d.ident(&t.timestamp)),
            props: format!("ev.{}", d.ident(&t.properties)),
            one_name: scan.events.len() == 1,
        };
        let mut from = format!(
            "{} as ev\nwhere {}",
            d.ident(&t.table),
            self.scan_filter(scan, &raw)
        );
        if let Some(users) = users {
            let _ = write!(from, "\n  and {} in ({users})", raw.uid);
        }
        if Self::is_pair(scan) {
            return self.pair_scan(segment, scan, &raw, out);
        }
        if !scan.sequences.is_empty() {
            return self.sequence_scan(segment, scan, &raw, &from, out);
        }
        let mut select = vec![format!("{} as cdp_uid", raw.uid)];
        for (i, c) in scan.columns.iter().enumerate() {
            select.push(format!("{} as cdp_c{i}", self.column(c, &raw)));
        }
        let body = format!(
            "select {}\nfrom {from}\ngroup by {}",
            select.join(",\n  "),
            raw.uid
        );
        out.push((events_cte(segment), body));
    }

    /// Only the rows some condition can use: per event name, from its earliest window.
    fn scan_filter(&self, scan: &Scan, raw: &EventCols) -> String {
        let d = self.dialect;
        let mut groups: Vec<(Option<DateTime<Utc>>, Vec<String>)> = Vec::new();
        for (name, since) in &scan.events {
            match groups.iter_mut().find(|(s, _)| s == since) {
                Some((_, names)) => names.push(d.string(name)),
                None => groups.push((*since, vec![d.string(name)])),
            }
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(since, names)| {
                let name = match names.as_slice() {
                    [one] => format!("{} = {one}", raw.name),
                    many => format!("{} in ({})", raw.name, many.join(", ")),
                };
                match since {
                    Some(at) => format!("{name} and {} >= {}", raw.ts, d.timestamp(*at)),
                    None => name,
                }
            })
            .collect();
        match parts.as_slice() {
            [one] => one.clone(),
            many => {
                let wrapped: Vec<String> = many.iter().map(|p| format!("({p})")).collect();
                format!("({})", wrapped.join("\n  or "))
            }
        }
    }

    /// A per-user column as one aggregate over the scanned rows. `agg(case when ...)` rather
    /// than a `filter` clause: measured faster on DuckDB, and every engine has it.
    fn column(&self, c: &Column, cols: &EventCols) -> String {
        match self.column_parts(c, cols) {
            Some((func, value)) => format!("{func}({value})"),
            None => unreachable!("sequence flags are rendered by the sequence scan"),
        }
    }

    /// The aggregate function of a column and the per-row value it reads (NULL on rows that do
    /// not match); `None` for a sequence flag.
    fn column_parts(&self, c: &Column, cols: &EventCols) -> Option<(&'static str, String)> {
        let d = self.dialect;
        match c {
            Column::Aggregate {
                agg: a,
                property,
                test,
            } => {
                let value = match property {
                    Some(p) => d.json_number(&cols.props, p),
                    None => "1".into(),
                };
                let func = match a {
                    Agg::Count => "count",
                    Agg::Sum => "sum",
                    Agg::Avg => "avg",
                    Agg::Min => "min",
                    Agg::Max => "max",
                };
                Some((
                    func,
                    format!("case when {} then {value} end", self.test(test, cols)),
                ))
            }
            Column::Seen { latest, test } => Some((
                if *latest { "max" } else { "min" },
                format!("case when {} then {} end", self.test(test, cols), cols.ts),
            )),
            Column::SequenceMatched(_) => None,
        }
    }

    /// A row-level test on one event.
    fn test(&self, t: &EventTest, cols: &EventCols) -> String {
        let d = self.dialect;
        let mut parts = Vec::new();
        if !cols.one_name {
            parts.push(format!("{} = {}", cols.name, d.string(&t.event)));
        }
        parts.extend(t.from.map(|b| bound(d, &cols.ts, b, true)));
        parts.extend(t.until.map(|b| bound(d, &cols.ts, b, false)));
        let props: Vec<String> = t
            .filters
            .iter()
            .map(|f| self.prop_test(f, &cols.props))
            .collect();
        match (parts.is_empty(), props.is_empty()) {
            (true, true) => "true".into(),
            (false, true) => parts.join(" and "),
            (true, false) => props.join(" and "),
            // Engines evaluate every operand of `and` over a whole batch, but `case` parses the
            // JSON of the rows whose name and time match only: most of a property filter's cost.
            (false, false) => format!(
                "case when {} then {} else false end",
                parts.join(" and "),
                props.join(" and ")
            ),
        }
    }

    fn pred(&self, p: &Pred, id: &str) -> String {
        let d = self.dialect;
        match p {
            Pred::And(ps) => group(ps.iter().map(|p| self.pred(p, id)), " and "),
            Pred::Or(ps) => group(ps.iter().map(|p| self.pred(p, id)), " or "),
            Pred::Not(p) => format!("not {}", wrap(&self.pred(p, id))),
            Pred::Trait { name, cond } => self.cond(
                &format!("u.{}", d.ident(name)),
                cond,
                cond.matches_missing(),
            ),
            Pred::Value {
                column,
                cond,
                zero_when_empty,
            } => {
                let v = if *zero_when_empty {
                    format!("coalesce({}, 0)", self.col(*column))
                } else {
                    self.col(*column)
                };
                self.cond(&v, cond, false)
            }
            Pred::SeenIn {
                column,
                from,
                until,
            } => {
                let v = self.col(*column);
                let mut parts = Vec::new();
                parts.extend(from.map(|b| bound(d, &v, b, true)));
                parts.extend(until.map(|b| bound(d, &v, b, false)));
                if parts.is_empty() {
                    format!("{v} is not null")
                } else {
                    format!("coalesce({}, false)", parts.join(" and "))
                }
            }
            Pred::Flag { column } => format!("coalesce({} = 1, false)", self.col(*column)),
            Pred::InSegment(name) => format!(
                "coalesce({id} in (select {MEMBER_COLUMN} from {}), false)",
                cte_name(name)
            ),
            Pred::Sql(sql) => format!("coalesce(({}), false)", sql.trim()),
        }
    }

    fn col(&self, column: usize) -> String {
        match self.column_at.get(column) {
            Some(at) => at.clone(),
            None => format!("e.cdp_c{column}"),
        }
    }

    /// A comparison that is never NULL: a missing value gives `missing`.
    fn cond(&self, v: &str, cond: &Cond, missing: bool) -> String {
        let d = self.dialect;
        let lit = |l: &Lit| literal(d, l);
        let list = |ls: &[Lit]| ls.iter().map(lit).collect::<Vec<_>>().join(", ");
        let text = format!("cast({v} as {})", d.text_type());
        let cmp = match cond {
            Cond::IsSet => return format!("{v} is not null"),
            Cond::IsNotSet => return format!("{v} is null"),
            Cond::Eq(l) => format!("{v} = {}", lit(l)),
            Cond::Ne(l) => format!("{v} <> {}", lit(l)),
            Cond::In(ls) => format!("{v} in ({})", list(ls)),
            Cond::NotIn(ls) => format!("{v} not in ({})", list(ls)),
            Cond::Gt(l) => format!("{v} > {}", lit(l)),
            Cond::Gte(l) => format!("{v} >= {}", lit(l)),
            Cond::Lt(l) => format!("{v} < {}", lit(l)),
            Cond::Lte(l) => format!("{v} <= {}", lit(l)),
            Cond::Between(a, b) => format!("{v} between {} and {}", lit(a), lit(b)),
            Cond::Contains(s) => d.contains(&text, s),
            Cond::StartsWith(s) => format!("left({text}, {}) = {}", s.chars().count(), d.string(s)),
            Cond::EndsWith(s) => format!("right({text}, {}) = {}", s.chars().count(), d.string(s)),
            Cond::Matches(p) => d.regex_match(&text, p),
        };
        format!("coalesce({cmp}, {missing})")
    }
}
