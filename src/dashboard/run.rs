//! Running one tile: its SQL with params bound (or its metric), rows kept for the renderers and
//! optionally streamed on to an export, and the columns it names checked against the result.

use super::error::DashboardError;
use super::metric;
use super::params_given::{Values, lookup};
use super::result::TileResult;
use super::sinks::{Keep, Renamed, Tee, replay};
use super::spec::{DashboardDef, Source, TileDef, bind};
use crate::dashboard::chart::ChartKind;
use crate::error::{Error, Result};
use crate::state::Store;
use crate::warehouse::{RowSink, Warehouse};

/// The most rows a chart keeps to draw; a chart of more points is not readable anyway.
pub const CHART_ROWS: usize = 100_000;

/// The tile's SQL with the run's values bound; `None` for a metric.
pub fn sql(tile: &TileDef, values: &Values, wh: &dyn Warehouse) -> Option<String> {
    let Source::Sql { pieces, .. } = &tile.source else {
        return None;
    };
    // Validation made sure every placeholder names a declared param, and `resolve` gave
    // every declared param a value.
    bind(pieces, wh.dialect(), |name| lookup(values, name)).ok()
}

/// Runs one tile: rows into `also` as they come (when given), and the rows its renderers need
/// kept.
pub async fn tile(
    dash: &DashboardDef,
    tile: &TileDef,
    values: &Values,
    wh: &mut dyn Warehouse,
    store: &dyn Store,
    also: Option<&mut dyn RowSink>,
) -> Result<TileResult> {
    let limit = match tile.chart.kind {
        ChartKind::Table => tile.max_rows,
        ChartKind::Number => 1,
        _ => CHART_ROWS,
    };
    let mut keep = Keep::new(limit);
    let failed = |source| DashboardError::TileQuery {
        tile: tile.id.clone(),
        file: dash.file.clone(),
        line: tile.pos.line,
        source,
    };
    {
        let both: &mut dyn RowSink = match also {
            Some(other) => &mut Tee {
                first: &mut keep,
                second: other,
            },
            None => &mut keep,
        };
        let wanted = tile
            .named_columns()
            .iter()
            .map(|(_, c)| c.to_string())
            .collect();
        let mut sink = Renamed {
            inner: both,
            wanted,
            missing: None,
        };
        let ran = match &tile.source {
            Source::Metric(m) => {
                let table = metric::table(m, store).await?;
                replay(&table, &mut sink)
            }
            Source::Sql { .. } => {
                let sql = sql(tile, values, wh).ok_or_else(|| {
                    Error::Internal(format!("tile `{}` has an unbound param", tile.id))
                })?;
                wh.query(&sql, &mut sink).await
            }
        };
        // A column the tile names is missing: said before a row was streamed.
        if let Some((missing, available)) = sink.missing {
            return Err(DashboardError::MissingColumns {
                tile: tile.id.clone(),
                file: dash.file.clone(),
                line: tile.pos.line,
                missing,
                available,
            }
            .into());
        }
        ran.map_err(failed)?;
    }
    let (table, total_rows) = keep.finish();
    let mut meta = tile.meta();
    if meta.chart.kind == ChartKind::Number && meta.chart.y.is_empty() {
        meta.chart.y = table.names().into_iter().take(1).collect();
    }
    Ok(TileResult {
        meta,
        table,
        total_rows,
    })
}
