//! `<cdp_schema>.demo_spec`: the spec `cdp demo seed` generated, and how far `cdp demo advance`
//! has taken it since, so a later run continues the same dataset.

use chrono::{DateTime, Duration, Utc};

use super::Spec;
use crate::sql::dialect::{Dialect, DialectKind};
use crate::warehouse::{Cell, ColType, Warehouse, WarehouseError, type_name};

/// The demo spec table of one warehouse.
pub struct SpecTable {
    kind: DialectKind,
    schema: String,
}

/// What the table holds.
#[derive(Debug)]
pub enum Stored {
    Missing,
    Invalid(String),
    Spec(Spec),
}

impl SpecTable {
    pub fn new(kind: DialectKind, schema: &str) -> Self {
        SpecTable {
            kind,
            schema: schema.to_string(),
        }
    }

    fn dialect(&self) -> &'static dyn Dialect {
        self.kind.dialect()
    }

    /// The table's qualified, quoted name, for messages as well as SQL.
    pub fn name(&self) -> String {
        self.dialect().ident(&format!("{}.demo_spec", self.schema))
    }

    /// A staging table beside the spec, for rows that land in `table` in one transaction later.
    pub fn staging(&self, table: &str) -> String {
        format!("{}.demo_next_{table}", self.schema)
    }

    /// Removes the table (creating the schema, so the statement never fails for lack of it).
    pub fn clear_sql(&self) -> Vec<String> {
        vec![
            format!(
                "create schema if not exists {}",
                self.dialect().ident(&self.schema)
            ),
            format!("drop table if exists {}", self.name()),
        ]
    }

    /// Replaces the table with one row describing `spec`.
    pub fn write_sql(&self, spec: &Spec) -> Vec<String> {
        let d = self.dialect();
        let text = type_name(self.kind, ColType::Text);
        let ts = type_name(self.kind, ColType::Timestamp);
        let mut out = self.clear_sql();
        out.extend([
            format!(
                "create table {} (seed {text} not null, users bigint not null, days bigint not null, \
                 window_end {ts} not null, data_end {ts} not null)",
                self.name()
            ),
            // The seed is text: a u64 does not fit a bigint.
            format!(
                "insert into {} (seed, users, days, window_end, data_end) values ({}, {}, {}, {}, {})",
                self.name(),
                d.string(&spec.seed.to_string()),
                spec.users,
                spec.days,
                d.timestamp(spec.end),
                d.timestamp(spec.data_end()),
            ),
        ]);
        out
    }

    /// Records that the data now ends where `spec` says.
    pub fn update_sql(&self, spec: &Spec) -> String {
        format!(
            "update {} set data_end = {}",
            self.name(),
            self.dialect().timestamp(spec.data_end())
        )
    }

    /// Reads the spec back, telling a missing table from one cdp cannot continue.
    pub async fn read(&self, wh: &mut dyn Warehouse) -> Result<Stored, WarehouseError> {
        let d = self.dialect();
        let exists = format!(
            "select count(*) from information_schema.tables where table_schema = {} and table_name = 'demo_spec'",
            d.string(&self.schema)
        );
        if wh.count(&exists).await? == 0 {
            return Ok(Stored::Missing);
        }
        let sql = format!(
            "select seed, users, days, window_end, data_end from {}",
            self.name()
        );
        let rows = wh.rows(&sql).await?;
        Ok(match rows.as_slice() {
            [] => Stored::Missing,
            [row] => parse(row).map_or_else(Stored::Invalid, Stored::Spec),
            more => Stored::Invalid(format!("it has {} rows instead of one", more.len())),
        })
    }
}

fn parse(row: &[Cell]) -> Result<Spec, String> {
    let [seed, users, days, window_end, data_end] = row else {
        return Err(format!("it has {} columns instead of five", row.len()));
    };
    let seed = match seed {
        Cell::Text(t) => t.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("seed `{}` is not a whole number", seed.to_text()))?;
    let count = |c: &Cell, what: &str| match c {
        Cell::Int(n) if *n >= 0 => Ok(*n as u64),
        other => Err(format!("{what} `{}` is not a count", other.to_text())),
    };
    let instant = |c: &Cell, what: &str| match c {
        Cell::Timestamp(t) => Ok(*t),
        other => Err(format!("{what} `{}` is not a timestamp", other.to_text())),
    };
    let users = count(users, "users")?;
    let days = u32::try_from(count(days, "days")?).map_err(|_| "days is too large".to_string())?;
    let end = instant(window_end, "window_end")?;
    let data_end: DateTime<Utc> = instant(data_end, "data_end")?;
    let after = data_end - end;
    if after < Duration::zero() || after.num_seconds() % 86_400 != 0 {
        return Err(format!(
            "data_end {data_end} is not a whole number of days after window_end {end}"
        ));
    }
    Ok(Spec {
        users,
        days,
        seed,
        end,
        advanced: after.num_days() as u32,
    })
}
