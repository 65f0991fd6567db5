//! The SQL of membership tables: creating them, staging a refresh, and merging it as intervals.

use chrono::{DateTime, Utc};

use crate::segment::sql::dialect::{Dialect, DialectKind};
use crate::warehouse::{ColType, type_name};

/// Qualified names of cdp's tables in one warehouse.
pub struct Tables {
    pub kind: DialectKind,
    pub schema: String,
}

impl Tables {
    pub fn new(kind: DialectKind, schema: &str) -> Self {
        Tables {
            kind,
            schema: schema.to_string(),
        }
    }

    pub fn dialect(&self) -> &'static dyn Dialect {
        self.kind.dialect()
    }

    fn name(&self, table: &str) -> String {
        self.dialect().ident(&format!("{}.{table}", self.schema))
    }

    pub fn membership(&self) -> String {
        self.name("membership")
    }

    pub fn refreshes(&self) -> String {
        self.name("refreshes")
    }

    /// The table a refresh computes every selected segment's members into.
    pub fn stage(&self) -> String {
        self.name("refresh_stage")
    }

    /// Creates the schema and tables when missing; never touches existing data.
    pub fn ensure(&self) -> Vec<String> {
        let d = self.dialect();
        let text = type_name(self.kind, ColType::Text);
        let ts = type_name(self.kind, ColType::Timestamp);
        let mut out = vec![
            format!("create schema if not exists {}", d.ident(&self.schema)),
            format!(
                "create table if not exists {} (segment {text} not null, user_id {text} not null, \
                 entered_at {ts} not null, exited_at {ts}, entered_run bigint not null, exited_run bigint)",
                self.membership()
            ),
            format!(
                "create table if not exists {} (run_id bigint not null, segment {text} not null, \
                 version bigint not null, refreshed_at {ts} not null, size bigint not null, entered bigint not null, \
                 exited bigint not null, duration_ms bigint not null)",
                self.refreshes()
            ),
        ];
        // PostgreSQL reads open intervals by index; DuckDB and Snowflake scan columns instead.
        if self.kind == DialectKind::Postgres {
            out.push(format!(
                "create index if not exists cdp_membership_open on {} (segment, user_id) where exited_at is null",
                self.membership()
            ));
            out.push(format!(
                "create index if not exists cdp_membership_segment on {} (segment, entered_at)",
                self.membership()
            ));
        }
        out
    }

    /// Replaces the stage table with the result of the fused membership query.
    pub fn stage_sql(&self, fused_query: &str) -> Vec<String> {
        vec![
            format!("drop table if exists {}", self.stage()),
            format!("create table {} as\n{fused_query}", self.stage()),
        ]
    }

    /// One transaction's statements that make `segment`'s open intervals equal to the members in
    /// stage column `column`: the refresh record (with counts) first, then closing and opening.
    pub fn merge_sql(&self, m: &Merge) -> Vec<String> {
        let d = self.dialect();
        let seg = d.string(m.segment);
        let at = d.timestamp(m.at);
        let members = self.membership();
        let new = format!(
            "(select distinct user_id from {} where cdp_m{})",
            self.stage(),
            m.column
        );
        let open = format!("{members} as m where m.segment = {seg} and m.exited_at is null");
        let entered = format!(
            "select n.user_id from {new} as n where not exists (select 1 from {open} and m.user_id = n.user_id)"
        );
        vec![
            format!(
                "insert into {} (run_id, segment, version, refreshed_at, size, entered, exited, duration_ms)\n\
                 select {run}, {seg}, {version}, {at},\n  (select count(*) from {new} as n),\n  \
                 (select count(*) from ({entered}) as x),\n  \
                 (select count(*) from {open} and not exists (select 1 from {new} as n where n.user_id = m.user_id)),\n  {ms}",
                self.refreshes(),
                run = m.run_id,
                version = m.version,
                ms = m.duration_ms,
            ),
            format!(
                "update {members} set exited_at = {at}, exited_run = {run}\n\
                 where segment = {seg} and exited_at is null\n  \
                 and user_id not in (select user_id from {new} as n)",
                run = m.run_id
            ),
            format!(
                "insert into {members} (segment, user_id, entered_at, entered_run)\n\
                 select {seg}, x.user_id, {at}, {run} from ({entered}) as x",
                run = m.run_id
            ),
        ]
    }

    /// The refresh records of some runs (to recover what a killed run committed).
    pub fn refreshes_of_runs(&self, runs: &[i64]) -> String {
        let ids: Vec<String> = runs.iter().map(i64::to_string).collect();
        format!(
            "select run_id, segment, version, refreshed_at, size, entered, exited, duration_ms from {} where run_id in ({})",
            self.refreshes(),
            ids.join(", ")
        )
    }

    /// The latest refresh instant of each segment.
    pub fn last_refreshes(&self) -> String {
        format!(
            "select segment, max(refreshed_at) from {} group by segment",
            self.refreshes()
        )
    }
}

/// One segment's merge.
pub struct Merge<'a> {
    pub segment: &'a str,
    pub column: usize,
    pub version: i64,
    pub run_id: i64,
    pub at: DateTime<Utc>,
    pub duration_ms: i64,
}
