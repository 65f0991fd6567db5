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

/// Receives progress of long work; the CLI draws it, tests ignore it.
pub trait Progress: Send + Sync {
    fn start(&self, what: &str, total: u64);
    fn advance(&self, n: u64);
    fn finish(&self);
}

pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

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
    let event_cols = [
        (e.user_id.as_str(), ColType::Text),
        (e.name.as_str(), ColType::Text),
        (e.timestamp.as_str(), ColType::Timestamp),
        (e.properties.as_str(), ColType::Json),
    ];
    progress.start("events", spec.users);
    let mut events = EventRows {
        spec,
        next: 0,
        buffer: Vec::new().into_iter(),
        progress,
    };
    let n_events = wh.load(&e.table, &event_cols, &mut events).await?;
    progress.finish();
    Ok(Seeded {
        users: n_users,
        events: n_events,
        end: spec.end,
    })
}

/// Streams every user's events in user order, one user generated at a time.
struct EventRows<'a> {
    spec: Spec,
    next: u64,
    buffer: std::vec::IntoIter<Vec<Cell>>,
    progress: &'a dyn Progress,
}

impl Iterator for EventRows<'_> {
    type Item = Vec<Cell>;

    fn next(&mut self) -> Option<Vec<Cell>> {
        loop {
            if let Some(row) = self.buffer.next() {
                return Some(row);
            }
            if self.next >= self.spec.users {
                return None;
            }
            self.buffer = generate::user(&self.spec, self.next, 0, true)
                .events
                .into_iter();
            self.next += 1;
            if self.next % 10_000 == 0 || self.next == self.spec.users {
                self.progress.advance(if self.next % 10_000 == 0 {
                    10_000
                } else {
                    self.next % 10_000
                });
            }
        }
    }
}
