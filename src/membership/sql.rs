//! The SQL of membership tables: creating them, staging a refresh, and merging it as intervals.

use chrono::{DateTime, Utc};

use crate::sql::dialect::{Dialect, DialectKind};
use crate::warehouse::{ColType, type_name};

const STAGE: &str = "refresh_stage";
const CHANGES: &str = "refresh_changes";

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

    pub fn name(&self, table: &str) -> String {
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
        self.dialect().scratch_table(&self.schema, STAGE).1
    }

    /// Drops and creates the scratch table `table` as the result of `query`.
    fn replace_scratch(&self, table: &str, query: &str) -> Vec<String> {
        let (create, name) = self.dialect().scratch_table(&self.schema, table);
        vec![
            format!("drop table if exists {name}"),
            format!("{create} {name} as\n{query}"),
        ]
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
        if self.dialect().indexes_pay() {
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
        self.replace_scratch(STAGE, fused_query)
    }

    /// The table of membership changes a refresh computes before it commits them.
    pub fn changes(&self) -> String {
        self.dialect().scratch_table(&self.schema, CHANGES).1
    }

    /// Replaces the changes table with every (segment, user) whose membership differs between
    /// the stage and the open intervals: `is_member` true for an entry, false for an exit. Set
    /// differences in the warehouse, one pass for every segment.
    pub fn changes_sql(&self, segments: &[MergeSegment]) -> Vec<String> {
        let d = self.dialect();
        let names: Vec<String> = segments.iter().map(|s| d.string(&s.name)).collect();
        let new: Vec<String> = segments
            .iter()
            .zip(&names)
            .map(|(s, name)| {
                format!(
                    "select distinct {name} as segment, user_id from {} where cdp_m{}",
                    self.stage(),
                    s.column
                )
            })
            .collect();
        self.replace_scratch(
            CHANGES,
            &format!(
                "select coalesce(n.segment, o.segment) as segment, coalesce(n.user_id, o.user_id) as user_id,\n  \
                 n.user_id is not null as is_member\n\
                 from ({}) as n\n\
                 full join (select segment, user_id from {} where exited_at is null and segment in ({})) as o\n  \
                 on o.segment = n.segment and o.user_id = n.user_id\n\
                 where n.user_id is null or o.user_id is null",
                new.join("\n  union all "),
                self.membership(),
                names.join(", ")
            ),
        )
    }

    /// The statements of one transaction that apply the changes table: closing the intervals of
    /// those who left, opening intervals for those who entered, then the refresh records. A
    /// segment's size is counted from its open intervals once they are current, which is one
    /// pass over them rather than one over the stage per segment.
    pub fn merge_sql(&self, m: &Merge) -> Vec<String> {
        let d = self.dialect();
        let at = d.timestamp(m.at);
        let members = self.membership();
        let changes = self.changes();
        let names: Vec<String> = m.segments.iter().map(|s| d.string(&s.name)).collect();
        let versions: Vec<String> = m
            .segments
            .iter()
            .zip(&names)
            .map(|(s, name)| format!("select {name} as segment, {} as version", s.version))
            .collect();
        vec![
            format!(
                "update {members} as m set exited_at = {at}, exited_run = {run}\n\
                 from {changes} as c\n\
                 where c.segment = m.segment and c.user_id = m.user_id and not c.is_member and m.exited_at is null",
                run = m.run_id
            ),
            format!(
                "insert into {members} (segment, user_id, entered_at, entered_run)\n\
                 select segment, user_id, {at}, {run} from {changes} where is_member",
                run = m.run_id
            ),
            format!(
                "insert into {refreshes} (run_id, segment, version, refreshed_at, size, entered, exited, duration_ms)\n\
                 select {run}, s.segment, s.version, {at}, coalesce(n.size, 0), coalesce(c.entered, 0), coalesce(c.exited, 0), {ms}\n\
                 from ({versions}) as s\n\
                 left join (select segment, count(*) as size from {members}\n    \
                 where exited_at is null and segment in ({names}) group by segment) as n on n.segment = s.segment\n\
                 left join (select segment, sum(case when is_member then 1 else 0 end) as entered,\n    \
                 sum(case when is_member then 0 else 1 end) as exited from {changes} group by segment) as c on c.segment = s.segment",
                refreshes = self.refreshes(),
                run = m.run_id,
                ms = m.duration_ms,
                versions = versions.join(" union all "),
                names = names.join(", "),
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

/// One refresh's merge: every segment, as of one instant.
pub struct Merge<'a> {
    pub segments: &'a [MergeSegment],
    pub run_id: i64,
    pub at: DateTime<Utc>,
    pub duration_ms: i64,
}

/// A segment and the stage column holding its members.
pub struct MergeSegment {
    pub name: String,
    pub column: usize,
    pub version: i64,
}
