//! Checks across a dashboard's tiles (unique ids, the grid) and across files (unique names,
//! segments a metric shows).

use super::tile::GRID_COLUMNS;
use super::{DashboardDef, Metric, Source, TileDef};
use crate::syntax::decode::{Decoder, index};
use crate::syntax::diagnostic::{Diagnostic, did_you_mean};

/// Unique tile ids; every tile inside the 12-column grid and none overlapping another.
pub fn check_grid(d: &mut Decoder, tiles: &[TileDef]) {
    for (i, t) in tiles.iter().enumerate() {
        if let Some(first) = tiles[..i].iter().find(|o| o.id == t.id) {
            d.report(
                t.pos,
                &format!("{}.id", index("tiles", i)),
                format!("tile id `{}` is used twice", t.id),
            )
            .hint = Some(format!(
                "the first is at line {}; give each tile its own id",
                first.pos.line
            ));
        }
        let l = t.layout;
        if l.x + l.w > GRID_COLUMNS {
            d.report(
                t.pos,
                &format!("{}.layout", index("tiles", i)),
                format!(
                    "tile `{}` leaves the grid: x {} + w {} is past column {GRID_COLUMNS}",
                    t.id, l.x, l.w
                ),
            )
            .hint = Some(format!(
                "the grid has {GRID_COLUMNS} columns: keep x + w at most {GRID_COLUMNS}"
            ));
        }
    }
    for (i, t) in tiles.iter().enumerate() {
        for o in &tiles[..i] {
            let (a, b) = (o.layout, t.layout);
            let overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            if overlap && o.id != t.id {
                d.report(
                    t.pos,
                    &format!("{}.layout", index("tiles", i)),
                    format!(
                        "tile `{}` overlaps tile `{}` (line {}): {} and {}",
                        t.id,
                        o.id,
                        o.pos.line,
                        describe(b),
                        describe(a)
                    ),
                )
                .hint = Some(format!("move `{}` to y {} or beside it", t.id, a.y + a.h));
            }
        }
    }
}

fn describe(l: crate::dashboard::result::Layout) -> String {
    format!("{{ x: {}, y: {}, w: {}, h: {} }}", l.x, l.y, l.w, l.h)
}

/// Problems across dashboard files: a name used twice, a segment a metric shows that the
/// project does not declare.
pub fn check_dashboards(dashboards: &[DashboardDef], segments: &[&str]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, dash) in dashboards.iter().enumerate() {
        if let Some(first) = dashboards[..i].iter().find(|o| o.name == dash.name) {
            out.push(
                Diagnostic::new(
                    &dash.file,
                    dash.name_pos,
                    "name",
                    format!("dashboard `{}` is declared twice", dash.name),
                )
                .hint(format!(
                    "`{}` declares it too; give each dashboard its own name",
                    first.file
                )),
            );
        }
        for (t, tile) in dash.tiles.iter().enumerate() {
            if let Source::Metric(Metric::SegmentHistory { segment }) = &tile.source
                && !segments.contains(&segment.as_str())
            {
                out.push(
                    Diagnostic::new(
                        &dash.file,
                        tile.pos,
                        &format!("{}.segment", index("tiles", t)),
                        format!("segment `{segment}` is not declared"),
                    )
                    .maybe_hint(did_you_mean(segment, segments.iter().copied())),
                );
            }
        }
    }
    out
}
