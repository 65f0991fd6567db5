//! `dashboard list`, `run` and `export`: a dashboard's tiles run in the warehouse (several at a
//! time where it allows), then drawn by the renderers.

use futures::future::try_join_all;

use crate::dashboard::DashboardError;
use crate::dashboard::params_given::{self, Values};
use crate::dashboard::result::{Header, TileResult};
use crate::dashboard::run;
use crate::dashboard::spec::DashboardDef;
use crate::error::Result;
use crate::ops::Context;

/// Tiles run at once on a warehouse across the network (each on its own connection).
const PARALLEL_TILES: usize = 4;

/// A dashboard as the project declares it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Listed {
    pub name: String,
    pub title: String,
    pub tiles: usize,
    /// `days = 30`, ...: each param with its default.
    pub params: Vec<String>,
    pub file: String,
}

pub fn list(ctx: &Context) -> Vec<Listed> {
    ctx.project
        .dashboards
        .iter()
        .map(|d| Listed {
            name: d.name.clone(),
            title: d.title.clone(),
            tiles: d.tiles.len(),
            params: d
                .params
                .iter()
                .map(|p| match &p.default {
                    Some(v) => format!("{} = {v}", p.name),
                    None => format!("{} ({})", p.name, p.kind.name()),
                })
                .collect(),
            file: d.file.clone(),
        })
        .collect()
}

/// Looks a dashboard of the project up, or says which exist.
pub fn find<'p>(ctx: &'p Context, name: &str) -> Result<&'p DashboardDef> {
    ctx.project
        .dashboards
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| {
            DashboardError::Unknown {
                name: name.to_string(),
                known: ctx
                    .project
                    .dashboards
                    .iter()
                    .map(|d| d.name.clone())
                    .collect(),
            }
            .into()
        })
}

/// A dashboard after its tiles ran.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DashboardReport {
    pub header: Header,
    pub tiles: Vec<TileResult>,
}

/// The header every export shows.
pub fn header(ctx: &Context, dash: &DashboardDef, values: &Values) -> Header {
    Header {
        name: dash.name.clone(),
        title: dash.title.clone(),
        description: dash.description.clone(),
        environment: ctx.project.env.clone(),
        generated_at: ctx.now,
        params: values
            .iter()
            .map(|(n, v)| (n.clone(), v.to_string()))
            .collect(),
    }
}

/// Runs every tile of dashboard `name` with `given` params (`name`, `value` as written).
pub async fn run(ctx: &Context, name: &str, given: &[(String, String)]) -> Result<DashboardReport> {
    let dash = find(ctx, name)?;
    let declared = params_given::resolve(dash, given)?;
    let values = params_given::with_built_ins(dash, declared.clone(), ctx.now);
    let store = ctx.store().await?;
    let first = ctx.warehouse().await?;
    let lanes = if first.dialect().in_process() {
        1
    } else {
        PARALLEL_TILES.min(dash.tiles.len()).max(1)
    };
    let mut warehouses = vec![first];
    for _ in 1..lanes {
        warehouses.push(ctx.warehouse().await?);
    }
    let progress = ctx.reporter.progress();
    progress.start("tiles", dash.tiles.len() as u64);
    let work = warehouses.into_iter().enumerate().map(|(lane, mut wh)| {
        let (store, values, progress) = (store.clone(), &values, progress.clone());
        async move {
            let mut done = Vec::new();
            for (i, tile) in dash.tiles.iter().enumerate().skip(lane).step_by(lanes) {
                let result =
                    run::tile(dash, tile, values, wh.as_mut(), store.as_ref(), None).await?;
                progress.advance(1);
                done.push((i, result));
            }
            Ok::<_, crate::error::Error>(done)
        }
    });
    let mut results: Vec<(usize, TileResult)> = ctx
        .unless_cancelled(try_join_all(work))
        .await?
        .into_iter()
        .flatten()
        .collect();
    progress.finish();
    results.sort_by_key(|(i, _)| *i);
    Ok(DashboardReport {
        header: header(ctx, dash, &declared),
        tiles: results.into_iter().map(|(_, t)| t).collect(),
    })
}
