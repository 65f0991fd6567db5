//! `cdp demo`: a realistic dataset written at bulk speed into the configured warehouse, and
//! continued a day at a time.

pub mod advance;
mod catalog;
pub mod effect;
pub mod generate;
mod rows;
pub mod spec_table;

use chrono::{DateTime, Utc};

pub use advance::{Advanced, advance};
pub use generate::Spec;
pub use spec_table::SpecTable;

use crate::sql::tables::Tables;
use crate::warehouse::{ColType, Warehouse, WarehouseError};
use rows::EventRows;

/// Names of the users table's trait columns, after the id.
pub const TRAITS: &[(&str, ColType)] = &[
    ("email", ColType::Text),
    ("country", ColType::Text),
    ("plan", ColType::Text),
    ("platform", ColType::Text),
    ("signup_at", ColType::Timestamp),
    ("lifetime_value", ColType::Float),
    ("marketing_opt_in", ColType::Bool),
];

/// The users table's columns, its id named as `tables.users` says.
fn user_columns(tables: &Tables) -> Vec<(&str, ColType)> {
    let mut cols: Vec<(&str, ColType)> = vec![(tables.users.id.as_str(), ColType::Text)];
    cols.extend_from_slice(TRAITS);
    cols
}

#[derive(Debug, serde::Serialize)]
pub struct Seeded {
    pub users: u64,
    pub events: u64,
    pub end: DateTime<Utc>,
}

pub use crate::progress::{NoProgress, Progress};

/// Replaces the users and events tables with a generated dataset, and records `spec` in
/// `spec_table` for `advance`.
pub async fn seed(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    spec_table: &SpecTable,
    spec: Spec,
    progress: &dyn Progress,
) -> Result<Seeded, WarehouseError> {
    // A seed that dies midway leaves no spec, so nothing advances half-written data.
    wh.transaction(&spec_table.clear_sql()).await?;
    let total = spec.users_after(spec.advanced);
    progress.start("users", total);
    let mut users = (0..total).map(|i| {
        if i % 10_000 == 0 {
            progress.advance(10_000.min(total - i));
        }
        generate::user(&spec, i, false).user
    });
    let n_users = wh
        .load(&tables.users.table, &user_columns(tables), &mut users)
        .await?;
    progress.finish();

    let e = &tables.events;
    let event_cols = crate::warehouse::event_columns(e);
    progress.start("events", total);
    let mut events = EventRows::spawn(0..total, progress, move |i| {
        let mut rows = Vec::new();
        if i < spec.users {
            rows = generate::user(&spec, i, true).events;
        }
        rows.extend(generate::later_events(&spec, i, 0..spec.advanced));
        rows
    });
    let n_events = wh.load(&e.table, &event_cols, &mut events).await?;
    progress.finish();
    wh.transaction(&spec_table.write_sql(&spec)).await?;
    Ok(Seeded {
        users: n_users,
        events: n_events,
        end: spec.data_end(),
    })
}
