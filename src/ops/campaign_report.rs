//! `campaign report`: a launched campaign measured in its warehouse (one query over the frozen
//! assignments and the events), its statistics, and the report written as PDF and Excel files
//! through the dashboard renderers.

use chrono::{DateTime, Utc};

use crate::campaign::freeze::{assignments, ensure_sql};
pub use crate::campaign::report::CampaignReport;
use crate::campaign::report::tiles::dashboard;
use crate::campaign::report::{read, totals_sql};
use crate::campaign::spec::CampaignDef;
use crate::dashboard::DashboardError;
use crate::dashboard::export::FileFormat;
use crate::dashboard::export::xlsx::{XlsxError, XlsxExport};
use crate::error::{Error, Result};
use crate::membership::sql::Tables as CdpTables;
use crate::ops::Context;
use crate::ops::campaign::find;
use crate::ops::dashboard_export::{
    ExportOptions, Partials, Written, partial, publish_all, write_pdf,
};
use crate::table::Cell;
use crate::warehouse::{RowSink, Warehouse, WarehouseError};

/// Waits for `work`, the warehouse running `sql`, unless the context's token stops it first.
async fn run<T>(
    ctx: &Context,
    sql: &str,
    work: impl Future<Output = Result<T, WarehouseError>>,
) -> Result<T> {
    ctx.unless_cancelled(async {
        work.await.map_err(|source| Error::Query {
            sql: sql.to_string(),
            source,
        })
    })
    .await
}

/// When the campaign's users were assigned, first and last; `NotLaunched` when none were.
async fn assigned(
    ctx: &Context,
    wh: &mut dyn Warehouse,
    cdp: &CdpTables,
    c: &CampaignDef,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let d = cdp.dialect();
    // The table is created as any of cdp's own tables is, on first use, so that a campaign never
    // launched reads as such rather than as a missing table.
    let mut ensure = vec![format!(
        "create schema if not exists {}",
        d.ident(&cdp.schema)
    )];
    ensure.extend(ensure_sql(cdp));
    for sql in &ensure {
        run(ctx, sql, wh.execute(sql)).await?;
    }
    let sql = format!(
        "select min(assigned_at), max(assigned_at) from {} where campaign = {}",
        assignments(cdp),
        d.string(&c.name)
    );
    let found = run(ctx, &sql, wh.rows(&sql)).await?;
    match found.first().map(|r| (&r[0], &r[1])) {
        Some((Cell::Timestamp(first), Cell::Timestamp(last))) => Ok((*first, *last)),
        None | Some((Cell::Null, _)) => Err(Error::NotLaunched(c.name.clone())),
        Some((first, last)) => Err(Error::Internal(format!(
            "the assignments' first and last instants read as `{first:?}` and `{last:?}`"
        ))),
    }
}

/// The report of campaign `name`: its launched users' goal and guardrails in their windows,
/// treatment against holdout.
pub async fn report(ctx: &Context, name: &str) -> Result<CampaignReport> {
    let c = find(&ctx.project, name)?;
    let mut wh = ctx.warehouse().await?;
    let cdp = CdpTables::new(wh.kind(), ctx.project.warehouse.cdp_schema());
    let window = assigned(ctx, wh.as_mut(), &cdp, c).await?;
    let sql = totals_sql(ctx.project.tables(), &cdp, c);
    let found = run(ctx, &sql, wh.rows(&sql)).await?;
    let totals = read(&found, &c.guardrails).map_err(|source| Error::CampaignTotals {
        campaign: c.name.clone(),
        source,
    })?;
    CampaignReport::new(c, &totals, window, ctx.now).map_err(|source| Error::CampaignStats {
        campaign: c.name.clone(),
        source,
    })
}

/// Writes the report as `<campaign>-report.pdf` and `.xlsx` in `options.dir`, drawn by the
/// dashboard renderers; both files replace earlier ones only once both are whole.
pub fn export(
    ctx: &Context,
    report: &CampaignReport,
    options: &ExportOptions,
) -> Result<Vec<Written>> {
    let (header, tiles) = dashboard(report, &ctx.project.env, ctx.now);
    std::fs::create_dir_all(&options.dir).map_err(|source| Error::Write {
        path: options.dir.clone(),
        source,
    })?;
    let path = |ext: &str| options.dir.join(format!("{}.{ext}", header.name));
    let (pdf_path, xlsx_path) = (path("pdf"), path("xlsx"));
    let _partials = Partials(vec![partial(&pdf_path), partial(&xlsx_path)]);
    let xlsx = options.formats.contains(&FileFormat::Xlsx);
    if xlsx {
        let metas: Vec<_> = tiles.iter().map(|t| t.meta.clone()).collect();
        let xlsx_error = |e: XlsxError| DashboardError::Xlsx(Box::new(e));
        let mut book =
            XlsxExport::create(&partial(&xlsx_path), &header, &metas).map_err(xlsx_error)?;
        for (i, t) in tiles.iter().enumerate() {
            let mut sink = book.tile(i).map_err(xlsx_error)?;
            let sheet_error = |e: WarehouseError| DashboardError::Xlsx(Box::new(e));
            sink.columns(&t.table.names()).map_err(sheet_error)?;
            for row in &t.table.rows {
                sink.row(row).map_err(sheet_error)?;
            }
        }
        book.finish().map_err(xlsx_error)?;
    }
    let pdf = options.formats.contains(&FileFormat::Pdf);
    if pdf {
        write_pdf(&header, &tiles, options.page, &pdf_path)?;
    }
    publish_all(pdf.then_some(pdf_path), xlsx.then_some(xlsx_path))
}
