//! Preparing every dashboard tile's SQL in the warehouse without reading a row, and checking the
//! columns each tile names are in its result.

use chrono::{DateTime, Utc};

use super::Names;
use super::engine_message;
use crate::dashboard::params_given::{samples, with_built_ins};
use crate::dashboard::run;
use crate::dashboard::sinks::spelt_as;
use crate::dashboard::spec::Source;
use crate::project::Project;
use crate::syntax::decode::index;
use crate::syntax::diagnostic::{Diagnostic, did_you_mean};
use crate::warehouse::Warehouse;

pub async fn check_tiles(
    project: &Project,
    wh: &mut dyn Warehouse,
    now: DateTime<Utc>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for dash in &project.dashboards {
        let values = with_built_ins(dash, samples(dash, now.date_naive()), now);
        for (i, tile) in dash.tiles.iter().enumerate() {
            let at = index("tiles", i);
            let names = match &tile.source {
                Source::Metric(m) => m.columns().iter().map(|c| c.to_string()).collect(),
                Source::Sql { .. } => {
                    let Some(sql) = run::sql(tile, &values, wh) else {
                        continue;
                    };
                    let mut names = Names::default();
                    let probe = format!("select * from ({sql}) as cdp_check where 1 = 0");
                    if let Err(e) = wh.query(&probe, &mut names).await {
                        out.push(
                            Diagnostic::new(
                                &dash.file,
                                tile.pos,
                                &format!("{at}.sql"),
                                format!(
                                    "the warehouse cannot run tile `{}`: {}",
                                    tile.id,
                                    engine_message(&e)
                                ),
                            )
                            .hint(format!(
                                "`cdp dashboard run {}` runs it with the params' values",
                                dash.name
                            )),
                        );
                        continue;
                    }
                    names.0
                }
            };
            for (key, column) in tile.named_columns() {
                let wanted = [column.to_string()];
                if !names.iter().any(|n| spelt_as(n, &wanted).is_some()) {
                    out.push(
                        Diagnostic::new(
                            &dash.file,
                            tile.pos,
                            &format!("{at}.{key}"),
                            format!(
                                "tile `{}` names column `{column}`, which its result does not have",
                                tile.id
                            ),
                        )
                        .maybe_hint(
                            did_you_mean(column, names.iter().map(String::as_str))
                                .or_else(|| Some(format!("its columns: {}", names.join(", ")))),
                        ),
                    );
                }
            }
        }
    }
    out
}
