//! The comparisons of several fused scans as one row per user, packed into integers.
//!
//! Joining each scan to the users on its own needs every scan's hash table in memory at once
//! while the users stream through them, which at a few million users outgrows cdp's memory
//! limit. Instead each scan's booleans are packed into integers (bit `b` of mask `j` is one
//! comparison), the scans' rows stacked and reduced to one row per user by one aggregate (which
//! spills when it must), and that alone is joined to the users. Masks are read back with `mod`,
//! which every engine computes exactly on integers.

use super::indent;

/// Comparisons in one mask: an `integer` on every engine holds 30 bits.
const BITS: usize = 30;

/// For scans given as (CTE name, number of comparisons `cdp_l<k>`), the body of the CTE of
/// masks per user (`cdp_uid`, `cdp_b<j>`) and, per scan and comparison, the expression reading
/// it from that CTE's row `alias` (NULL when the user has none).
pub(super) fn combine(scans: &[(String, usize)], alias: &str) -> (String, Vec<Vec<String>>) {
    // Each mask: (scan, first comparison, how many).
    let mut masks = Vec::new();
    for (s, (_, n)) in scans.iter().enumerate() {
        masks.extend((0..*n).step_by(BITS).map(|at| (s, at, (n - at).min(BITS))));
    }
    let branches: Vec<String> = scans
        .iter()
        .enumerate()
        .map(|(s, (name, _))| {
            let columns: Vec<String> = masks
                .iter()
                .enumerate()
                .map(|(j, &(of, at, len))| {
                    if of != s {
                        return format!("cast(null as integer) as cdp_b{j}");
                    }
                    let bits: Vec<String> = (0..len)
                        .map(|b| format!("case when cdp_l{} then {} else 0 end", at + b, 1 << b))
                        .collect();
                    format!("{} as cdp_b{j}", bits.join(" + "))
                })
                .collect();
            format!("select cdp_uid, {}\nfrom {name}", columns.join(",\n  "))
        })
        .collect();
    let reduced: Vec<String> = (0..masks.len())
        .map(|j| format!("max(cdp_b{j}) as cdp_b{j}"))
        .collect();
    let body = format!(
        "select cdp_uid, {}\nfrom (\n{}\n) as b\ngroup by cdp_uid",
        reduced.join(", "),
        indent(&branches.join("\nunion all\n"))
    );
    let mut reads: Vec<Vec<String>> = vec![Vec::new(); scans.len()];
    for (j, &(s, _, len)) in masks.iter().enumerate() {
        reads[s]
            .extend((0..len).map(|b| format!("mod({alias}.cdp_b{j}, {}) >= {}", 2 << b, 1 << b)));
    }
    (body, reads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_beyond_a_mask_go_to_the_next() {
        let (body, reads) = combine(&[("a".into(), 2), ("b".into(), 31)], "l");
        assert_eq!(reads[0], ["mod(l.cdp_b0, 2) >= 1", "mod(l.cdp_b0, 4) >= 2"]);
        assert_eq!(reads[1].len(), 31);
        assert_eq!(reads[1][30], "mod(l.cdp_b2, 2) >= 1");
        assert!(body.contains("cast(null as integer) as cdp_b1"));
        assert!(body.contains("max(cdp_b2) as cdp_b2"));
    }
}
