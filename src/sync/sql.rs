//! The warehouse side of syncs: what each destination has acknowledged, the numbered changes a
//! run sends, and folding the acknowledged ones in. Differences are computed in the warehouse.

use crate::membership::sql::Tables;
use crate::warehouse::{ColType, type_name};

/// One segment's sync to one way of sending (`DestinationRef::key`).
pub struct SyncSql<'a> {
    pub tables: &'a Tables,
    /// The segment's name and the destination key, as SQL string literals.
    segment: String,
    destination: String,
    /// The segment no longer goes to this destination: it should hold nobody.
    retired: bool,
}

impl<'a> SyncSql<'a> {
    pub fn new(tables: &'a Tables, segment: &str, destination: &str) -> Self {
        let d = tables.dialect();
        SyncSql {
            tables,
            segment: d.string(segment),
            destination: d.string(destination),
            retired: false,
        }
    }

    /// For a target no applied segment sends to any more.
    pub fn retired(mut self, retired: bool) -> Self {
        self.retired = retired;
        self
    }

    /// Every (segment, destination) with users the destination holds.
    pub fn held_targets(&self) -> String {
        format!(
            "select distinct segment, destination from {} where not invalid order by segment, destination",
            self.members()
        )
    }

    /// Users the destination holds: `invalid` marks those it refused for good.
    pub fn members(&self) -> String {
        self.tables.name("sync_members")
    }

    /// The numbered changes of each run.
    pub fn pending(&self) -> String {
        self.tables.name("sync_pending")
    }

    /// A run's refusals, loaded from the state store to fold them.
    pub fn rejected(&self) -> String {
        self.tables.name("sync_rejected")
    }

    pub fn ensure(&self) -> Vec<String> {
        let kind = self.tables.kind;
        let text = type_name(kind, ColType::Text);
        let mut out = vec![
            format!(
                "create schema if not exists {}",
                self.tables.dialect().ident(&self.tables.schema)
            ),
            format!(
                "create table if not exists {} (segment {text} not null, destination {text} not null, \
                 user_id {text} not null, invalid boolean not null)",
                self.members()
            ),
            format!(
                "create table if not exists {} (run_id bigint not null, segment {text} not null, \
                 destination {text} not null, seq bigint not null, user_id {text} not null, is_member boolean not null)",
                self.pending()
            ),
            format!(
                "create table if not exists {} (run_id bigint not null, segment {text} not null, \
                 destination {text} not null, user_id {text} not null, permanent boolean not null)",
                self.rejected()
            ),
        ];
        if kind.dialect().indexes_pay() {
            out.push(format!(
                "create index if not exists cdp_sync_members on {} (segment, destination, user_id)",
                self.members()
            ));
            out.push(format!(
                "create index if not exists cdp_sync_pending on {} (run_id, segment, destination, seq)",
                self.pending()
            ));
        }
        out
    }

    /// The condition selecting this target's rows; `alias` qualifies the columns when given.
    fn target(&self, alias: &str) -> String {
        let q = if alias.is_empty() {
            String::new()
        } else {
            format!("{alias}.")
        };
        format!(
            "{q}segment = {} and {q}destination = {}",
            self.segment, self.destination
        )
    }

    /// (user_id, is_member) of every change to send: current members the destination does not
    /// hold (all of them with `full`), and users it holds who are no longer members.
    pub fn diff(&self) -> String {
        self.diff_of(false)
    }

    pub fn diff_of(&self, full: bool) -> String {
        if self.retired {
            return format!(
                "select a.user_id, false as is_member from {} as a where {}",
                self.members(),
                self.target("a")
            );
        }
        let membership = self.tables.membership();
        // Anti-joins as left joins: each builds one hash table and spills under a memory limit,
        // where `not exists` first collects every distinct member.
        let (held, unheld) = if full {
            (String::new(), String::new())
        } else {
            (
                format!(
                    "\n  left join (select user_id from {} as a where {}) as a on a.user_id = n.user_id",
                    self.members(),
                    self.target("a")
                ),
                " and a.user_id is null".to_string(),
            )
        };
        format!(
            "select n.user_id, true as is_member from {membership} as n{held}\n  \
             where n.segment = {seg} and n.exited_at is null{unheld}\n\
             union all\n\
             select a.user_id, false as is_member from {members} as a\n  \
             left join (select user_id from {membership} as m where m.segment = {seg} and m.exited_at is null) as m\n    \
             on m.user_id = a.user_id\n  \
             where {target} and m.user_id is null",
            seg = self.segment,
            members = self.members(),
            target = self.target("a"),
        )
    }

    /// Numbers a run's changes into the pending table.
    pub fn fill_pending(&self, run_id: i64, full: bool) -> String {
        format!(
            "insert into {} (run_id, segment, destination, seq, user_id, is_member)\n\
             select {run_id}, {}, {}, {}, user_id, is_member\n\
             from ({}) as d",
            self.pending(),
            self.segment,
            self.destination,
            self.tables.dialect().row_number("user_id"),
            self.diff_of(full)
        )
    }

    /// (entered, exited) among the changes of `diff` (a query of user_id, is_member).
    pub fn count_changes(diff: &str) -> String {
        format!(
            "select count(case when is_member then 1 end), count(case when not is_member then 1 end) from ({diff}) as c"
        )
    }

    /// (entered, exited) of a run's pending changes.
    pub fn pending_counts(&self, run_id: i64) -> String {
        Self::count_changes(&format!(
            "select is_member from {} as p where p.run_id = {run_id} and {}",
            self.pending(),
            self.target("p")
        ))
    }

    /// The query of one page of a run's changes, those numbered after its argument, in order.
    pub fn pages(&self, run_id: i64, limit: usize) -> impl Fn(i64) -> String + Send + 'static {
        let head = format!(
            "select seq, user_id, is_member from {} as p where p.run_id = {run_id} and {} and p.seq > ",
            self.pending(),
            self.target("p")
        );
        move |after| format!("{head}{after} order by seq limit {limit}")
    }

    /// A few changes of `diff` for `--dry-run`: entries and exits.
    pub fn sample(&self, full: bool, member: bool, limit: usize) -> String {
        format!(
            "select user_id, is_member from ({}) as d where {}is_member order by user_id limit {limit}",
            self.diff_of(full),
            if member { "" } else { "not " }
        )
    }

    /// Drops every run's leftover changes and refusals of this target (after folding them).
    pub fn clear(&self) -> Vec<String> {
        vec![
            format!("delete from {} where {}", self.pending(), self.target("")),
            format!("delete from {} where {}", self.rejected(), self.target("")),
        ]
    }

    /// Removes a run's refusals before loading them again (a fold may run twice).
    pub fn clear_rejected(&self, run_id: i64) -> String {
        format!(
            "delete from {t} where run_id = {run_id} and {}",
            self.target(""),
            t = self.rejected()
        )
    }

    /// One transaction: the changes numbered up to `acked` that the destination did not refuse
    /// (or refused for good) become what it holds; then the run's rows go. Running it twice
    /// changes nothing more.
    pub fn fold(&self, run_id: i64, acked: i64) -> Vec<String> {
        let refused_for_now = format!(
            "select user_id from {r} as r where r.run_id = {run_id} and {} and not r.permanent",
            self.target("r"),
            r = self.rejected()
        );
        let answered = format!(
            "p.run_id = {run_id} and {} and p.seq <= {acked}",
            self.target("p")
        );
        vec![
            format!(
                "delete from {m} where {} and user_id in (\n  \
                 select p.user_id from {p} as p left join ({refused_for_now}) as r on r.user_id = p.user_id\n  \
                 where {answered} and r.user_id is null)",
                self.target(""),
                m = self.members(),
                p = self.pending(),
            ),
            format!(
                "insert into {m} (segment, destination, user_id, invalid)\n\
                 select {seg}, {dest}, p.user_id, r.user_id is not null\n\
                 from {p} as p left join {r} as r on r.run_id = {run_id} and {rt} and r.user_id = p.user_id\n\
                 where {answered} and p.is_member and (r.user_id is null or r.permanent)",
                m = self.members(),
                p = self.pending(),
                r = self.rejected(),
                seg = self.segment,
                dest = self.destination,
                rt = self.target("r"),
            ),
            format!(
                "delete from {p} where run_id = {run_id} and {}",
                self.target(""),
                p = self.pending()
            ),
            self.clear_rejected(run_id),
        ]
    }

    /// The segment's members as of its last refresh (one count).
    pub fn current_members(&self) -> String {
        format!(
            "select count(*) from {} where segment = {} and exited_at is null",
            self.tables.membership(),
            self.segment
        )
    }

    /// (acknowledged, refused for good) users the destination holds.
    pub fn held_counts(&self) -> String {
        format!(
            "select count(case when not invalid then 1 end), count(case when invalid then 1 end) from {} as a where {}",
            self.members(),
            self.target("a")
        )
    }
}
