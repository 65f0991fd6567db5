//! Streaming a run's numbered changes out of the warehouse, a page ahead, into the pipeline.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use super::run::Syncer;
use super::sql::SyncSql;
use crate::destinations::util::checkpoint::Writer;
use crate::destinations::util::pipeline::{self, Run};
use crate::destinations::{Change, Destination, Target};
use crate::error::{Error, Result};
use crate::segment::sql::dialect::DialectKind;
use crate::warehouse::{Cell, Warehouse};

/// Changes read from the warehouse per query while sending: few in the embedded warehouse, which
/// shares cdp's memory; more from a server, where each query costs a network round trip (and on
/// Snowflake a statement submission) that must stay short against the time the destination takes
/// to accept a page.
fn page_size(kind: DialectKind) -> usize {
    match kind {
        DialectKind::Duckdb => 20_000,
        _ => 100_000,
    }
}

/// Streams the run's changes out of the warehouse (a page ahead) into the pipeline.
pub(super) async fn send(
    s: &Syncer<'_>,
    mut wh: Box<dyn Warehouse>,
    sql: &SyncSql<'_>,
    target: &Target,
    destination: Arc<dyn Destination>,
    run_id: i64,
) -> Result<(pipeline::Sent, Box<dyn Warehouse>)> {
    let (tx, rx) = mpsc::channel::<Vec<Change>>(2);
    let page_rows = page_size(wh.kind());
    let page_sql = sql.pages(run_id, page_rows);
    // The reader owns the warehouse while it reads, and hands it back at the end.
    let producer = tokio::spawn(async move {
        let mut after = 0i64;
        loop {
            let text = page_sql(after);
            let rows = match wh.rows(&text).await {
                Ok(rows) => rows,
                Err(source) => {
                    return (Err(Error::Query { sql: text, source }), wh);
                }
            };
            let n = rows.len();
            let page: Vec<Change> = rows
                .into_iter()
                .map(|row| Change {
                    seq: row.first().map_or(0, Cell::as_i64),
                    user_id: row.get(1).map(Cell::to_text).unwrap_or_default(),
                    is_member: matches!(row.get(2), Some(Cell::Bool(true))),
                })
                .collect();
            if let Some(last) = page.last() {
                after = last.seq;
            }
            if n > 0 && tx.send(page).await.is_err() {
                break;
            }
            if n < page_rows {
                break;
            }
        }
        (Ok(()), wh)
    });
    let progress = s.progress.clone();
    let store = s.store.clone();
    let (segment, key) = (target.segment.clone(), target.key.clone());
    let created: Box<dyn Fn(&'static str, String) + Send + Sync> = {
        let (store, segment, key) = (store.clone(), segment.clone(), key.clone());
        Box::new(move |kind, id| {
            let (store, segment, key) = (store.clone(), segment.clone(), key.clone());
            // Recorded at once: a run that dies next still finds the object by this id.
            tokio::spawn(async move {
                let _ = store
                    .put_object(&segment, &key, kind, &id, Utc::now())
                    .await;
            });
        })
    };
    let run = Run {
        destination,
        name: target.name.clone(),
        run_id,
        segment: segment.clone(),
        key: key.clone(),
        backoff: s.backoff,
        progress: Box::new(move |n| progress.advance(n)),
        created,
        cancel: s.cancel.clone(),
    };
    let writer = Writer::start(store, (run_id, segment, key));
    let sent = pipeline::send_all(run, rx, writer).await;
    let (read, wh) = producer.await.expect("the page reader panicked");
    read?;
    Ok((sent, wh))
}
