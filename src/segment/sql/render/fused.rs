//! Several segments' membership in one query: the scans `fuse` merged, joined to the users.

use std::fmt::Write as _;

use super::{FUSED, MEMBER_COLUMN, Renderer, events_cte, indent};
use crate::segment::fuse::Fused;

impl Renderer<'_> {
    /// One row per user: `user_id` as text, then `cdp_m<i>`, whether the user is a member of
    /// the i-th fused segment: one scan of events for every aggregate, one for every sequence.
    pub fn fused(&self, fused: &Fused) -> String {
        let d = self.dialect;
        let users = d.ident(&self.tables.users.table);
        let id = format!("u.{}", d.ident(&self.tables.users.id));
        let mut ctes = Vec::new();
        let mut joins = String::new();
        let mut column_at = Vec::new();
        // Each group joins the users on its own: cheaper than joining the groups first.
        let join =
            if fused.members.iter().all(|(_, p)| p.requires_events()) && fused.groups.len() == 1 {
                "join"
            } else {
                "left join"
            };
        for (g, group) in fused.groups.iter().enumerate() {
            let name = format!("{FUSED}_g{g}");
            self.scan_ctes(&name, &group.scan, &mut ctes);
            for (local, global) in &group.columns {
                if column_at.len() <= *global {
                    column_at.resize(*global + 1, String::new());
                }
                column_at[*global] = format!("g{g}.cdp_c{local}");
            }
            let _ = write!(
                joins,
                "\n{join} {} as g{g} on g{g}.cdp_uid = {id}",
                events_cte(&name)
            );
        }
        let r = Renderer {
            dialect: self.dialect,
            tables: self.tables,
            column_at,
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
            select.push(format!("{} as cdp_m{i}", r.pred(pred, &id)));
        }
        let _ = write!(
            sql,
            "select {}\nfrom {users} as u{joins}\nwhere {id} is not null",
            select.join(",\n  ")
        );
        sql
    }
}
