//! `state migrate`: the whole state store copied to another store (SQLite to PostgreSQL and
//! back) in one transaction on the target, after a backup of the target, then compared table by
//! table; and `state history`, the migrations a store took part in.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use futures::StreamExt as _;

use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::state_dump::{migration_versions, write_document};
use crate::secret::Secret;
use crate::state::dump::{Checksum, DumpError, TABLES};
use crate::state::dump_queries::{Loader, batch_rows};
use crate::state::migration_log::{MigrationRecord, Role};
use crate::state::{self, StateError, Store};

/// What `state migrate` is asked to do.
pub struct MigrateOptions {
    /// The target store's URL (`postgres://...`, `sqlite://path`).
    pub to: Secret,
    /// Replace what the target holds (after the backup).
    pub force: bool,
    /// How long to wait for the project lock.
    pub wait: Duration,
    /// Where the target's backup is written.
    pub backup_dir: PathBuf,
}

/// One table as copied and compared.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TableCopied {
    pub table: String,
    pub rows: u64,
    /// The same in the source and the target.
    pub checksum: String,
}

/// What a migration did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Migrated {
    pub source: String,
    pub target: String,
    pub tables: Vec<TableCopied>,
    pub rows: u64,
    pub duration_ms: u64,
    /// The target's contents before the copy, as a `state export` document.
    pub backup: Option<PathBuf>,
    /// The target held this very state already (a migration finished before): nothing copied.
    pub already_done: bool,
}

/// Copies the context's state store to `opts.to`. The source is only read, under the project
/// lock; the target is written in one transaction, so an interrupted run leaves it as it was
/// and the next run starts over. Both stores log the run.
pub async fn migrate(ctx: &Context, opts: &MigrateOptions) -> Result<Migrated> {
    let started_at = ctx.now;
    let clock = Instant::now();
    let source = ctx.store().await?;
    let _lock = ctx.lock("state migrate", opts.wait).await?;
    let target_name = state::describe_url(&opts.to);
    let mut target: Option<Arc<dyn Store>> = None;
    let result = ctx
        .unless_cancelled(async {
            let opened: Arc<dyn Store> =
                Arc::from(state::open(Some(&opts.to), &ctx.project.local_dir()).await?);
            target = Some(opened.clone());
            if source.describe() == opened.describe() {
                return Err(StateError::from(DumpError::SameStore).into());
            }
            // The target's own lock too: no cdp working on it while it is replaced.
            let owner = state::LockOwner {
                holder: "cdp state migrate".into(),
                actor: ctx.actor.name.clone(),
                host: ctx.actor.host.clone(),
            };
            let waiting = |h: &state::LockHolder| {
                ctx.note(&format!(
                    "waiting up to {}s for the target's project lock, held by {h}",
                    opts.wait.as_secs()
                ))
            };
            let _target_lock = opened
                .lock(state::PROJECT_LOCK, &owner, opts.wait, &waiting)
                .await?;
            copy(ctx, source.as_ref(), opened.as_ref(), opts).await
        })
        .await;
    let took = clock.elapsed();
    let (tables, rows) = match &result {
        Ok(m) => (m.tables.len() as i64, m.rows as i64),
        Err(_) => (0, 0),
    };
    let record = |role| MigrationRecord {
        role,
        source: source.describe().to_string(),
        target: target
            .as_ref()
            .map(|t| t.describe().to_string())
            .unwrap_or_else(|| target_name.clone()),
        actor: ctx.actor.name.clone(),
        started_at,
        ended_at: started_at + took,
        tables,
        rows,
        duration_ms: took.as_millis() as i64,
        result: match &result {
            Ok(m) if m.already_done => "verified".into(),
            Ok(_) => "succeeded".into(),
            Err(Error::Interrupted) => "interrupted".into(),
            Err(_) => "failed".into(),
        },
        error: result.as_ref().err().map(|e| e.to_string()),
    };
    if let (Ok(_), Some(target)) = (&result, &target) {
        target.record_migration(&record(Role::Target)).await?;
    }
    source.record_migration(&record(Role::Source)).await?;
    result
}

async fn copy(
    ctx: &Context,
    source: &dyn Store,
    target: &dyn Store,
    opts: &MigrateOptions,
) -> Result<Migrated> {
    let clock = Instant::now();
    let here = migration_versions(source).await?;
    let there = migration_versions(target).await?;
    if here != there {
        return Err(StateError::from(DumpError::Migrations { found: there, here }).into());
    }
    let mut full = None;
    for (name, _, _) in TABLES {
        if target.count_rows(name).await? > 0 {
            full = Some(name.to_string());
            break;
        }
    }
    let done = |tables: Vec<TableCopied>, backup, already_done| Migrated {
        source: source.describe().to_string(),
        target: target.describe().to_string(),
        rows: tables.iter().map(|t| t.rows).sum(),
        tables,
        duration_ms: clock.elapsed().as_millis() as u64,
        backup,
        already_done,
    };
    if let Some(table) = full {
        // A run that committed but stopped before its check finds its own copy: it checks it.
        let mut same = Vec::new();
        for (name, columns, order) in TABLES {
            let quiet = crate::progress::NoProgress;
            let (a, b) = futures::join!(
                sum_table(source, name, columns, order, &quiet),
                sum_table(target, name, columns, order, &quiet)
            );
            let (a, b) = (a?, b?);
            if a != b {
                break;
            }
            same.push(copied(name, a));
        }
        if same.len() == TABLES.len() {
            return Ok(done(same, None, true));
        }
        if !opts.force {
            return Err(StateError::from(DumpError::NotEmpty { table }).into());
        }
    }
    let backup = backup(target, opts).await?;
    let mut load = target.begin_load().await?;
    if opts.force {
        for (name, _, _) in TABLES.iter().rev() {
            load.clear(name).await?;
        }
    }
    let mut sums = Vec::new();
    for (name, columns, order) in TABLES {
        let total = source.count_rows(name).await?;
        let progress = ctx.reporter.progress();
        progress.start(name, total.max(0) as u64);
        let sum = copy_table(source, load.as_mut(), name, columns, order, &*progress).await;
        progress.finish();
        sums.push((name, sum?));
    }
    load.commit().await?;
    let mut tables = Vec::new();
    for ((name, columns, order), (_, want)) in TABLES.iter().zip(sums) {
        let progress = ctx.reporter.progress();
        progress.start(&format!("{name}: compare"), want.0);
        let got = sum_table(target, name, columns, order, &*progress).await;
        progress.finish();
        let got = got?;
        if got != want {
            return Err(StateError::from(DumpError::Mismatch {
                table: name.to_string(),
                source_rows: want.0,
                target_rows: got.0,
                source_sum: want.1,
                target_sum: got.1,
            })
            .into());
        }
        tables.push(copied(name, want));
    }
    Ok(done(tables, Some(backup), false))
}

fn copied(table: &str, (rows, checksum): (u64, String)) -> TableCopied {
    TableCopied {
        table: table.to_string(),
        rows,
        checksum,
    }
}

/// The target as it is, written as an export under the backup folder.
async fn backup(target: &dyn Store, opts: &MigrateOptions) -> Result<PathBuf> {
    let stamp = Utc::now()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
        .replace([':', '.'], "-");
    let path = opts
        .backup_dir
        .join(format!("state-before-migrate-{stamp}.json"));
    let failed = |source| Error::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&opts.backup_dir).map_err(failed)?;
    let file = std::fs::File::create(&path).map_err(failed)?;
    let mut out = std::io::BufWriter::new(file);
    write_document(target, &mut out, &failed).await?;
    out.into_inner()
        .map_err(|e| failed(e.into_error()))?
        .sync_all()
        .map_err(failed)?;
    Ok(path)
}

/// Rows and checksum of one table.
async fn sum_table(
    store: &dyn Store,
    table: &str,
    columns: crate::state::dump::Columns,
    order: &str,
    progress: &dyn crate::progress::Progress,
) -> Result<(u64, String)> {
    let mut sum = Checksum::default();
    let mut rows = store.stream_table(table, columns, order);
    while let Some(row) = rows.next().await {
        sum.add(&row?);
        if sum.rows().is_multiple_of(1_000) {
            progress.advance(1_000);
        }
    }
    Ok((sum.rows(), sum.finish()))
}

/// Streams one table of the source into the load, a batch at a time: the next batch is read
/// while the last one is written.
async fn copy_table(
    source: &dyn Store,
    load: &mut dyn Loader,
    table: &str,
    columns: crate::state::dump::Columns,
    order: &str,
    progress: &dyn crate::progress::Progress,
) -> Result<(u64, String)> {
    let size = batch_rows(columns);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Vec<serde_json::Value>>>(4);
    let read = async move {
        let mut sum = Checksum::default();
        let mut rows = source.stream_table(table, columns, order);
        let mut batch = Vec::with_capacity(size);
        while let Some(row) = rows.next().await {
            let row = row?;
            sum.add(&row);
            batch.push(row);
            if batch.len() == size {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
                if tx.send(full).await.is_err() {
                    break;
                }
            }
        }
        if !batch.is_empty() {
            tx.send(batch).await.ok();
        }
        Ok::<_, Error>((sum.rows(), sum.finish()))
    };
    let batches = futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
        .inspect(|batch| progress.advance(batch.len() as u64))
        .boxed();
    let write = load.load(table, batches);
    let (read, written) = futures::join!(read, write);
    let read = read?;
    written?;
    Ok(read)
}

/// The migrations the context's store took part in, newest first.
pub async fn history(ctx: &Context, limit: i64) -> Result<Vec<MigrationRecord>> {
    Ok(ctx.store().await?.migration_log(limit).await?)
}
