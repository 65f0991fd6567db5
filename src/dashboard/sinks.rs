//! Where a tile's rows go as the warehouse streams them: kept up to a limit and counted, and
//! optionally passed on to another sink (an export writing every row).

use crate::table::{Cell, Table};
use crate::warehouse::{RowSink, WarehouseError};

/// Keeps the first `limit` rows and counts them all.
pub struct Keep {
    limit: usize,
    names: Vec<String>,
    rows: Vec<Vec<Cell>>,
    total: u64,
}

impl Keep {
    pub fn new(limit: usize) -> Keep {
        Keep {
            limit,
            names: Vec::new(),
            rows: Vec::new(),
            total: 0,
        }
    }

    /// The kept rows as a typed table, and how many rows there were.
    pub fn finish(self) -> (Table, u64) {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        (Table::new(&names, self.rows), self.total)
    }
}

impl RowSink for Keep {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        self.names = names.to_vec();
        Ok(())
    }

    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        if self.rows.len() < self.limit {
            self.rows.push(row.to_vec());
        }
        self.total += 1;
        Ok(())
    }
}

/// Feeds every row to both sinks.
pub struct Tee<'a> {
    pub first: &'a mut dyn RowSink,
    pub second: &'a mut dyn RowSink,
}

impl RowSink for Tee<'_> {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        self.first.columns(names)?;
        self.second.columns(names)
    }

    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.first.row(row)?;
        self.second.row(row)
    }
}

/// Streams a table that is already in memory (a metric) into a sink.
pub fn replay(table: &Table, sink: &mut dyn RowSink) -> Result<(), WarehouseError> {
    sink.columns(&table.names())?;
    for row in &table.rows {
        sink.row(row)?;
    }
    Ok(())
}

/// Passes rows on to a sink and adds up the time that sink takes.
pub struct Timed<'a> {
    inner: &'a mut dyn RowSink,
    spent: std::time::Duration,
}

impl<'a> Timed<'a> {
    pub fn new(inner: &'a mut dyn RowSink) -> Timed<'a> {
        Timed {
            inner,
            spent: std::time::Duration::ZERO,
        }
    }

    pub fn spent(&self) -> std::time::Duration {
        self.spent
    }
}

impl RowSink for Timed<'_> {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        let t = std::time::Instant::now();
        let done = self.inner.columns(names);
        self.spent += t.elapsed();
        done
    }

    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        let t = std::time::Instant::now();
        let done = self.inner.row(row);
        self.spent += t.elapsed();
        done
    }
}

/// Passes rows on with the result's column names spelt as the tile names them, where they
/// differ only in case (Snowflake answers `DAY` for `as day`), and stops before the first row
/// when a column the tile names is not in the result.
pub struct Renamed<'a> {
    pub inner: &'a mut dyn RowSink,
    pub wanted: Vec<String>,
    /// Set when the result lacks columns the tile names: (those missing, the result's columns).
    pub missing: Option<(Vec<String>, Vec<String>)>,
}

/// `name` as one of `wanted` spells it, when it matches one exactly or, failing that, one alone
/// ignoring case.
pub fn spelt_as(name: &str, wanted: &[String]) -> Option<String> {
    if wanted.iter().any(|w| w == name) {
        return Some(name.to_string());
    }
    let mut matches = wanted.iter().filter(|w| w.eq_ignore_ascii_case(name));
    match (matches.next(), matches.next()) {
        (Some(w), None) => Some(w.clone()),
        _ => None,
    }
}

impl RowSink for Renamed<'_> {
    fn columns(&mut self, names: &[String]) -> Result<(), WarehouseError> {
        let names: Vec<String> = names
            .iter()
            .map(|n| spelt_as(n, &self.wanted).unwrap_or_else(|| n.clone()))
            .collect();
        let missing: Vec<String> = self
            .wanted
            .iter()
            .filter(|w| !names.contains(w))
            .cloned()
            .collect();
        if !missing.is_empty() {
            self.missing = Some((missing, names));
            return Err(WarehouseError::Sink(
                "the result lacks columns the tile names".into(),
            ));
        }
        self.inner.columns(&names)
    }

    fn row(&mut self, row: &[Cell]) -> Result<(), WarehouseError> {
        self.inner.row(row)
    }
}
