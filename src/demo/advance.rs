//! `cdp demo advance`: the next days of the demo data. The new rows and the spec's new end are
//! written in one transaction, so a run that dies changes nothing and can simply be repeated.

use chrono::{DateTime, Utc};

use super::rows::EventRows;
use super::spec_table::{SpecTable, Stored};
use super::{Spec, generate, user_columns};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::sql::tables::Tables;
use crate::warehouse::Warehouse;

#[derive(Debug, serde::Serialize)]
pub struct Advanced {
    pub days: u32,
    /// Users who signed up on the new days.
    pub new_users: u64,
    pub events: u64,
    /// Where the data ends now.
    pub end: DateTime<Utc>,
}

/// Appends `days` more days of users and events to the data `spec_table` describes.
pub async fn advance(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    spec_table: &SpecTable,
    days: u32,
    progress: &dyn Progress,
) -> Result<Advanced> {
    let spec = match spec_table.read(wh).await? {
        Stored::Spec(spec) => spec,
        Stored::Missing => {
            return Err(Error::NotSeeded {
                table: spec_table.name(),
            });
        }
        Stored::Invalid(problem) => {
            return Err(Error::BadDemoSpec {
                table: spec_table.name(),
                problem,
            });
        }
    };
    let later = Spec {
        advanced: spec.advanced.saturating_add(days),
        ..spec
    };
    if !wh.open_transactions() {
        return staged(wh, tables, spec_table, &spec, &later, progress).await;
    }
    wh.execute("begin").await?;
    match append(wh, tables, spec_table, &spec, &later, progress).await {
        Ok(done) => {
            wh.execute("commit").await?;
            Ok(done)
        }
        Err(e) => {
            let _ = wh.execute("rollback").await;
            Err(e)
        }
    }
}

/// Where a transaction cannot span the appends (Snowflake): the rows go to empty copies of the
/// tables first, then one transaction moves them in and moves the spec's end. A run killed
/// before that transaction leaves only the copies, which the next run replaces.
async fn staged(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    spec_table: &SpecTable,
    spec: &Spec,
    later: &Spec,
    progress: &dyn Progress,
) -> Result<Advanced> {
    let d = wh.dialect();
    let targets = [
        (
            d.ident(&tables.users.table),
            d.ident(&spec_table.staging("users")),
        ),
        (
            d.ident(&tables.events.table),
            d.ident(&spec_table.staging("events")),
        ),
    ];
    for (target, staging) in &targets {
        wh.execute(&format!("drop table if exists {staging}"))
            .await?;
        wh.execute(&format!(
            "create table {staging} as select * from {target} where 1 = 0"
        ))
        .await?;
    }
    let staged_tables = Tables {
        users: crate::sql::tables::UsersTable {
            table: spec_table.staging("users"),
            ..tables.users.clone()
        },
        events: crate::sql::tables::EventsTable {
            table: spec_table.staging("events"),
            ..tables.events.clone()
        },
    };
    let done = append_rows(wh, &staged_tables, spec, later, progress).await?;
    let mut moves: Vec<String> = targets
        .iter()
        .map(|(target, staging)| format!("insert into {target} select * from {staging}"))
        .collect();
    moves.push(spec_table.update_sql(later));
    wh.transaction(&moves).await.map_err(|f| Error::Query {
        sql: moves[f.index].clone(),
        source: f.source,
    })?;
    for (_, staging) in &targets {
        let _ = wh.execute(&format!("drop table if exists {staging}")).await;
    }
    Ok(done)
}

/// The rows of the days between `spec` and `later`, and the spec's new end; the caller holds
/// the transaction.
async fn append(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    spec_table: &SpecTable,
    spec: &Spec,
    later: &Spec,
    progress: &dyn Progress,
) -> Result<Advanced> {
    let done = append_rows(wh, tables, spec, later, progress).await?;
    wh.execute(&spec_table.update_sql(later)).await?;
    Ok(done)
}

/// Appends the users and events of the days between `spec` and `later` to `tables`.
async fn append_rows(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    spec: &Spec,
    later: &Spec,
    progress: &dyn Progress,
) -> Result<Advanced> {
    let days = spec.advanced..later.advanced;
    let before = spec.users_after(spec.advanced);
    let after = later.users_after(later.advanced);
    progress.start("users", after - before);
    let mut users = (before..after).map(|i| generate::user(later, i, false).user);
    let new_users = wh
        .append(&tables.users.table, &user_columns(tables), &mut users)
        .await?;
    progress.advance(new_users);
    progress.finish();

    // Every user so far may be active on the new days, the new sign-ups included.
    progress.start("events", after);
    let event_cols = crate::warehouse::event_columns(&tables.events);
    let spec_for_rows = *later;
    let mut events = EventRows::spawn(0..after, progress, move |i| {
        generate::later_events(&spec_for_rows, i, days.clone())
    });
    let n_events = wh
        .append(&tables.events.table, &event_cols, &mut events)
        .await?;
    progress.finish();
    Ok(Advanced {
        days: later.advanced - spec.advanced,
        new_users,
        events: n_events,
        end: later.data_end(),
    })
}
