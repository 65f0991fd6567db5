//! `cdp dashboard`: list, run and export, printed.

use super::Resolved;
use crate::dashboard::params_given;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::Format;
use crate::table::Cell;

pub fn list(r: &Resolved) -> Result<()> {
    let ctx = r.context()?;
    let listed = ops::dashboard::list(&ctx);
    if r.printer.format == Format::Json {
        return r.printer.json(&listed).map_err(Error::Output);
    }
    let rows = listed
        .into_iter()
        .map(|d| {
            vec![
                Cell::Text(d.name),
                Cell::Text(d.title),
                Cell::Int(d.tiles as i64),
                Cell::Text(d.params.join(", ")),
                Cell::Text(d.file),
            ]
        })
        .collect();
    r.printer
        .rows(&["name", "title", "tiles", "params", "file"], rows)
        .map_err(Error::Output)
}

pub fn given(params: &[String]) -> Result<Vec<(String, String)>> {
    Ok(params
        .iter()
        .map(|p| params_given::split(p))
        .collect::<Result<_, _>>()?)
}

pub async fn run(r: &Resolved, name: &str, params: &[String]) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::dashboard::run(&ctx, name, &given(params)?).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    for tile in &report.tiles {
        let left_out = tile.left_out();
        let more = if left_out > 0 {
            format!(" ({} rows, {left_out} not shown)", tile.total_rows)
        } else {
            String::new()
        };
        r.printer
            .heading(&format!("{}{more}", tile.meta.chart.title));
        r.printer.table(&tile.table).map_err(Error::Output)?;
    }
    Ok(())
}
