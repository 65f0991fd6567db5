//! Which fused scans need read only the users another scan admits (a semi-join on that scan).

use crate::segment::ir::Pred;

/// For each group (given each one's leaves, the comparisons read from it), the leaf of an
/// earlier group, as (group, index), to whose users its scan can be restricted: every segment
/// reading the group holds that leaf as a condition of its `all`, so no user outside it can be
/// a member of any of them, whatever the group says of that user. A leaf qualifies if a user
/// without events fails it (so its users are the rows of its group where it holds) and its
/// group is not restricted itself. Of several, the group with the fewest comparisons, as it
/// is computed once and read twice. Sequences (`sequence[g]`) are not restricted.
pub(super) fn restrictions(
    members: &[(String, Pred)],
    leaves: &[Vec<Pred>],
    sequence: &[bool],
) -> Vec<Option<(usize, usize)>> {
    let mut only: Vec<Option<(usize, usize)>> = vec![None; leaves.len()];
    for g in 0..leaves.len() {
        if sequence[g] {
            continue;
        }
        let mut common: Option<Vec<(usize, usize)>> = None;
        for (_, p) in members {
            if !leaves[g].iter().any(|l| holds_leaf(p, l)) {
                continue;
            }
            let conditions: &[Pred] = match p {
                Pred::And(ps) => ps,
                _ => &[],
            };
            let direct: Vec<(usize, usize)> = (0..g)
                .filter(|&r| !sequence[r] && only[r].is_none())
                .flat_map(|r| (0..leaves[r].len()).map(move |k| (r, k)))
                .filter(|&(r, k)| {
                    let leaf = &leaves[r][k];
                    conditions.contains(leaf) && leaf.without_events() == Some(false)
                })
                .collect();
            common = Some(match common {
                None => direct,
                Some(c) => c.into_iter().filter(|x| direct.contains(x)).collect(),
            });
        }
        only[g] = common
            .unwrap_or_default()
            .into_iter()
            .min_by_key(|&(r, _)| leaves[r].len());
    }
    only
}

fn holds_leaf(p: &Pred, leaf: &Pred) -> bool {
    match p {
        Pred::And(ps) | Pred::Or(ps) => ps.iter().any(|p| holds_leaf(p, leaf)),
        Pred::Not(p) => holds_leaf(p, leaf),
        _ => p == leaf,
    }
}
