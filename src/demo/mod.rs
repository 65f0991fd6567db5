//! `cdp demo`: a realistic dataset written at bulk speed into the configured warehouse.

pub mod generate;

use chrono::{DateTime, Utc};

pub use generate::Spec;

use crate::project::config::Tables;
use crate::warehouse::{Cell, ColType, Warehouse, WarehouseError};

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

#[derive(Debug, serde::Serialize)]
pub struct Seeded {
    pub users: u64,
    pub events: u64,
    pub end: DateTime<Utc>,
}

pub use crate::progress::{NoProgress, Progress};

/// Replaces the users and events tables with a generated dataset.
pub async fn seed(
    wh: &mut dyn Warehouse,
    tables: &Tables,
    spec: Spec,
    progress: &dyn Progress,
) -> Result<Seeded, WarehouseError> {
    let mut user_cols: Vec<(&str, ColType)> = vec![(tables.users.id.as_str(), ColType::Text)];
    user_cols.extend_from_slice(TRAITS);
    progress.start("users", spec.users);
    let mut users = (0..spec.users).map(|i| {
        if i % 10_000 == 0 {
            progress.advance(10_000.min(spec.users - i));
        }
        generate::user(&spec, i, 0, false).user
    });
    let n_users = wh.load(&tables.users.table, &user_cols, &mut users).await?;
    progress.finish();

    let e = &tables.events;
    let event_cols = crate::warehouse::event_columns(e);
    progress.start("events", spec.users);
    let mut events = EventRows::spawn(spec, progress);
    let n_events = wh.load(&e.table, &event_cols, &mut events).await?;
    progress.finish();
    Ok(Seeded {
        users: n_users,
        events: n_events,
        end: spec.end,
    })
}

/// Users generated per message from the generator thread.
const CHUNK: u64 = 1_000;

/// Streams every user's events in user order. A second thread generates them while the
/// warehouse writes, so seeding uses both cores; the bounded channel caps memory.
struct EventRows<'a> {
    chunks: std::sync::mpsc::Receiver<Vec<Vec<Cell>>>,
    buffer: std::vec::IntoIter<Vec<Cell>>,
    users_left: u64,
    progress: &'a dyn Progress,
}

impl<'a> EventRows<'a> {
    fn spawn(spec: Spec, progress: &'a dyn Progress) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(8);
        std::thread::spawn(move || {
            let mut start = 0;
            while start < spec.users {
                let end = (start + CHUNK).min(spec.users);
                let rows: Vec<Vec<Cell>> = (start..end)
                    .flat_map(|i| generate::user(&spec, i, 0, true).events)
                    .collect();
                if tx.send(rows).is_err() {
                    return;
                }
                start = end;
            }
        });
        EventRows {
            chunks: rx,
            buffer: Vec::new().into_iter(),
            users_left: spec.users,
            progress,
        }
    }
}

impl Iterator for EventRows<'_> {
    type Item = Vec<Cell>;

    fn next(&mut self) -> Option<Vec<Cell>> {
        loop {
            if let Some(row) = self.buffer.next() {
                return Some(row);
            }
            self.buffer = self.chunks.recv().ok()?.into_iter();
            let done = self.users_left.min(CHUNK);
            self.users_left -= done;
            self.progress.advance(done);
        }
    }
}
