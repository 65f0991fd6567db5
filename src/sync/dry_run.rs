//! `cdp sync --dry-run`: what a sync would add and remove, and sample requests; nothing sent.

use super::Options;
use super::Report;
use super::run::{Syncer, report};
use super::sql::SyncSql;
use crate::destinations::{Change, Destination, Prepare, Target};
use crate::error::{Error, Result};
use crate::warehouse::{Cell, Warehouse};

/// Sample changes of each kind shown by `--dry-run`.
const SAMPLES: usize = 3;

pub(super) async fn dry_run(
    s: &Syncer<'_>,
    wh: &mut dyn Warehouse,
    sql: &SyncSql<'_>,
    target: &Target,
    destination: &dyn Destination,
    options: &Options,
) -> Result<Report> {
    let (entered, exited) =
        super::status::pair(wh, &SyncSql::count_changes(&sql.diff_of(options.full))).await?;
    let (held, _) = super::status::pair(wh, &sql.held_counts()).await?;
    destination
        .prepare(&Prepare {
            store: s.store.as_ref(),
            fresh: options.full || held == 0,
        })
        .await?;
    let mut r = report(target, entered, exited);
    for member in [true, false] {
        let rows = wh
            .rows(&sql.sample(options.full, member, SAMPLES))
            .await
            .map_err(Error::Warehouse)?;
        let batch: Vec<Change> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| Change {
                seq: i as i64 + 1,
                user_id: row.first().map(Cell::to_text).unwrap_or_default(),
                is_member: member,
            })
            .collect();
        if !batch.is_empty() {
            r.samples.push(destination.sample(&batch));
        }
    }
    r.status = super::Status::DryRun;
    Ok(r)
}
