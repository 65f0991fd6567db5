//! Several segments' membership in one query: the scans `fuse` merged, joined to the users.

use std::fmt::Write as _;

use super::combine::combine;
use super::restrict::restrictions;
use super::{FUSED, MEMBER_COLUMN, Renderer, cte_name, events_cte, indent};
use crate::segment::fuse::Fused;
use crate::segment::ir::Pred;

impl Renderer<'_> {
    /// One row per user: `user_id` as text, then `cdp_m<i>`, whether the user is a member of
    /// the i-th fused segment: one scan of events per event name, one per sequence.
    ///
    /// Each scan's per-user columns become, before the join with the users, the comparisons the
    /// predicates make of them (`cdp_l<k>`, a boolean each), and the users for whom they all
    /// read as for a user without events are left out: what is joined is a few bits per user
    /// that differs instead of every aggregate of every user. A user without a row reads each
    /// comparison as it reads with its columns missing (the comparison of NULL, which the
    /// engine folds to a constant).
    pub fn fused(&self, fused: &Fused) -> String {
        let d = self.dialect;
        let users = d.ident(&self.tables.users.table);
        let id = format!("u.{}", d.ident(&self.tables.users.id));
        let columns = fused
            .groups
            .iter()
            .flat_map(|g| g.columns.iter().map(|c| c.1 + 1))
            .max()
            .unwrap_or(0);
        // Where each global column is computed: (group, local column).
        let mut at = vec![None; columns];
        for (g, group) in fused.groups.iter().enumerate() {
            for (local, global) in &group.columns {
                at[*global] = Some((g, *local));
            }
        }
        let mut leaves: Vec<Vec<Pred>> = vec![Vec::new(); fused.groups.len()];
        for (_, pred) in &fused.members {
            collect_leaves(pred, &at, &mut leaves);
        }
        let mut ctes = Vec::new();
        let sequence: Vec<bool> = fused
            .groups
            .iter()
            .map(|g| !g.scan.sequences.is_empty())
            .collect();
        let only = restrictions(&fused.members, &leaves, &sequence);
        for (g, group) in fused.groups.iter().enumerate() {
            let name = format!("{FUSED}_g{g}");
            let users = only[g].map(|(r, k)| {
                format!(
                    "select cdp_uid from {} where cdp_l{k}",
                    cte_name(&format!("{FUSED}_g{r}"))
                )
            });
            self.scan_ctes(&name, &group.scan, users.as_deref(), &mut ctes);
            let mut column_at = vec![String::new(); columns];
            for (local, global) in &group.columns {
                column_at[*global] = format!("cdp_c{local}");
            }
            let local = Renderer {
                dialect: self.dialect,
                tables: self.tables,
                column_at,
            };
            let mut select = vec!["cdp_uid".to_string()];
            let mut differs = Vec::new();
            for (k, leaf) in leaves[g].iter().enumerate() {
                select.push(format!("{} as cdp_l{k}", local.pred(leaf, "cdp_uid")));
                differs.push(leaf.without_events().map(|missing| match missing {
                    true => format!("not cdp_l{k}"),
                    false => format!("cdp_l{k}"),
                }));
            }
            let mut body = format!(
                "select {}\nfrom {}",
                select.join(",\n  "),
                events_cte(&name)
            );
            // A user whose comparisons all read as they do without a row needs no row: the
            // join's build side keeps only the users that differ.
            if let Some(differs) = differs.into_iter().collect::<Option<Vec<_>>>() {
                body = format!(
                    "select *\nfrom (\n{}\n) as l\nwhere {}",
                    indent(&body),
                    differs.join(" or ")
                );
            }
            ctes.push((cte_name(&name), body));
        }
        let (joins, reads) = self.combined(fused, &leaves, &id, &mut ctes);
        let missing = Renderer {
            dialect: self.dialect,
            tables: self.tables,
            column_at: vec!["null".to_string(); columns],
        };
        let read = |leaf: &Pred| -> Option<Pred> {
            let g = leaf_column(leaf)
                .and_then(|c| at.get(c).copied().flatten())?
                .0;
            let k = leaves[g].iter().position(|l| l == leaf)?;
            Some(Pred::Sql(format!(
                "coalesce({}, {})",
                reads[g][k],
                missing.pred(leaf, &id)
            )))
        };
        let mut sql = String::new();
        if !ctes.is_empty() {
            let parts: Vec<String> = ctes
                .iter()
                .map(|(n, body)| format!("{n} as (\n{}\n)", indent(body)))
                .collect();
            let _ = writeln!(sql, "with\n{}", parts.join(",\n"));
        }
        let mut select = vec![format!(
            "cast({id} as {}) as {MEMBER_COLUMN}",
            d.text_type()
        )];
        for (i, (_, pred)) in fused.members.iter().enumerate() {
            select.push(format!(
                "{} as cdp_m{i}",
                self.member(&replace_leaves(pred, &read), &id)
            ));
        }
        let _ = write!(
            sql,
            "select {}\nfrom {users} as u{joins}\nwhere {id} is not null",
            select.join(",\n  ")
        );
        sql
    }
}

impl Renderer<'_> {
    /// The joins bringing the groups' comparisons to the users `id`, and the expression reading
    /// each (NULL for a user the group has no row for). One group joins as it is (an inner join
    /// when no user without events can be a member); several are combined first (`combine`);
    /// none read, nothing is joined.
    fn combined(
        &self,
        fused: &Fused,
        leaves: &[Vec<Pred>],
        id: &str,
        ctes: &mut Vec<(String, String)>,
    ) -> (String, Vec<Vec<String>>) {
        if leaves.iter().all(Vec::is_empty) {
            return (String::new(), vec![Vec::new(); leaves.len()]);
        }
        if let [_] = fused.groups.as_slice() {
            let join = if fused.members.iter().all(|(_, p)| p.requires_events()) {
                "join"
            } else {
                "left join"
            };
            let reads = (0..leaves[0].len())
                .map(|k| format!("g0.cdp_l{k}"))
                .collect();
            let name = cte_name(&format!("{FUSED}_g0"));
            return (
                format!("\n{join} {name} as g0 on g0.cdp_uid = {id}"),
                vec![reads],
            );
        }
        let scans: Vec<(String, usize)> = leaves
            .iter()
            .enumerate()
            .map(|(g, l)| (cte_name(&format!("{FUSED}_g{g}")), l.len()))
            .collect();
        let (body, reads) = combine(&scans, "l");
        let name = cte_name(&format!("{FUSED}_leaves"));
        let join = format!("\nleft join {name} as l on l.cdp_uid = {id}");
        ctes.push((name, body));
        (join, reads)
    }

    /// A segment's predicate as a selected value. Engines evaluate every operand of a selected
    /// `and` on every row: a regular expression among them is tested only where the rest holds.
    fn member(&self, p: &Pred, id: &str) -> String {
        if let Pred::And(ps) = p {
            let (slow, fast): (Vec<Pred>, Vec<Pred>) = ps.iter().cloned().partition(Pred::is_slow);
            if !slow.is_empty() && !fast.is_empty() {
                return format!(
                    "case when {} then {} else false end",
                    self.pred(&Pred::And(fast), id),
                    self.pred(&Pred::And(slow), id)
                );
            }
        }
        self.pred(p, id)
    }
}

/// The column a leaf of a predicate reads, for the leaves that read one.
fn leaf_column(p: &Pred) -> Option<usize> {
    match p {
        Pred::Value { column, .. } | Pred::SeenIn { column, .. } | Pred::Flag { column } => {
            Some(*column)
        }
        _ => None,
    }
}

/// Each distinct leaf reading a scan column, under the group that computes its column.
fn collect_leaves(p: &Pred, at: &[Option<(usize, usize)>], out: &mut [Vec<Pred>]) {
    match p {
        Pred::And(ps) | Pred::Or(ps) => ps.iter().for_each(|p| collect_leaves(p, at, out)),
        Pred::Not(p) => collect_leaves(p, at, out),
        _ => {
            if let Some((g, _)) = leaf_column(p).and_then(|c| at.get(c).copied().flatten())
                && !out[g].contains(p)
            {
                out[g].push(p.clone());
            }
        }
    }
}

fn replace_leaves(p: &Pred, read: &dyn Fn(&Pred) -> Option<Pred>) -> Pred {
    match p {
        Pred::And(ps) => Pred::And(ps.iter().map(|p| replace_leaves(p, read)).collect()),
        Pred::Or(ps) => Pred::Or(ps.iter().map(|p| replace_leaves(p, read)).collect()),
        Pred::Not(p) => Pred::Not(Box::new(replace_leaves(p, read))),
        _ => read(p).unwrap_or_else(|| p.clone()),
    }
}
