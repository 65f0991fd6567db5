//! Queries that look at a segment's members: count, and members with their traits.

use crate::segment::sql::render::MEMBER_COLUMN;
use crate::sql::dialect::Dialect;
use crate::sql::tables::Tables;

/// `select count(*)` over a members query.
pub fn count_sql(members: &str) -> String {
    format!("select count(*) as members from (\n{members}\n) as m")
}

/// Members with every trait of the users table, ordered by id.
pub fn members_sql(d: &dyn Dialect, tables: &Tables, members: &str, limit: Option<u64>) -> String {
    let limit = limit
        .map(|n| format!("\n{}", d.limit(n)))
        .unwrap_or_default();
    format!(
        "select m.{MEMBER_COLUMN}, u.*\nfrom (\n{members}\n) as m\njoin {} as u on u.{} = m.{MEMBER_COLUMN}\norder by m.{MEMBER_COLUMN}{limit}",
        d.ident(&tables.users.table),
        d.ident(&tables.users.id),
    )
}

/// Members kept as text ids (membership history) with every trait of the users table; a member
/// no longer in the users table is still listed.
pub fn members_with_traits(
    d: &dyn Dialect,
    tables: &Tables,
    members: &str,
    limit: Option<u64>,
) -> String {
    let limit = limit
        .map(|n| format!("\n{}", d.limit(n)))
        .unwrap_or_default();
    format!(
        "select m.{MEMBER_COLUMN}, u.*\nfrom (\n{members}\n) as m\nleft join {} as u on cast(u.{} as {}) = m.{MEMBER_COLUMN}\norder by m.{MEMBER_COLUMN}{limit}",
        d.ident(&tables.users.table),
        d.ident(&tables.users.id),
        d.text_type(),
    )
}
