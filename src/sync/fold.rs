//! Folding a run's acknowledged changes into what the destination holds: at the end of a run,
//! or at the start of the next when a run died before it.

use super::run::{Syncer, exec, transaction};
use super::sql::SyncSql;
use crate::destinations::Target;
use crate::error::Result;
use crate::state::sync::SyncKey;
use crate::warehouse::{Cell, ColType, Warehouse};

/// Folds the acknowledged changes of runs that stopped before folding them, then clears what
/// any earlier run left in the warehouse.
pub(super) async fn fold_leftovers(
    s: &Syncer<'_>,
    wh: &mut dyn Warehouse,
    sql: &SyncSql<'_>,
    target: &Target,
) -> Result<()> {
    for record in s.store.unfolded_syncs(&target.segment, &target.key).await? {
        fold(s, wh, sql, target, record.run_id, record.acked_seq).await?;
    }
    for statement in sql.clear() {
        exec(wh, &statement).await?;
    }
    Ok(())
}

/// Makes the changes of `run_id` numbered up to `acked` what the destination holds, less those
/// it refused for now (sent again next time); then marks the run folded.
pub(super) async fn fold(
    s: &Syncer<'_>,
    wh: &mut dyn Warehouse,
    sql: &SyncSql<'_>,
    target: &Target,
    run_id: i64,
    acked: i64,
) -> Result<()> {
    let key = SyncKey {
        run_id,
        segment: &target.segment,
        destination: &target.key,
    };
    let refused = s.store.settle_rejections(key).await?;
    exec(wh, &sql.clear_rejected(run_id)).await?;
    if !refused.is_empty() {
        let columns = [
            ("run_id", ColType::Int),
            ("segment", ColType::Text),
            ("destination", ColType::Text),
            ("user_id", ColType::Text),
            ("permanent", ColType::Bool),
        ];
        let mut rows = refused.iter().map(|r| {
            vec![
                Cell::Int(r.run_id),
                Cell::Text(r.segment.clone()),
                Cell::Text(r.destination.clone()),
                Cell::Text(r.user_id.clone()),
                Cell::Bool(r.permanent),
            ]
        });
        wh.append(&sql.rejected(), &columns, &mut rows).await?;
    }
    transaction(wh, &sql.fold(run_id, acked)).await?;
    s.store.mark_folded(key).await?;
    Ok(())
}
