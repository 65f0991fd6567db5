//! `state export` and `state import`: the whole state store as one versioned JSON document,
//! and that document loaded into an empty store after its format, migrations and checksums are
//! checked.

use crate::error::Result;
use crate::ops::Context;
use crate::state::StateError;
use crate::state::dump::{Document, DumpError, FORMAT, TABLES, TableDump};

/// Every table of the context's state store.
pub async fn export(ctx: &Context) -> Result<Document> {
    let store = ctx.store().await?;
    let migrations = store
        .migrations()
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let mut tables = serde_json::Map::new();
    for (name, columns, order) in TABLES {
        let rows = store.dump_table(name, columns, order).await?;
        let dump = TableDump::new(columns, rows);
        tables.insert(
            name.to_string(),
            serde_json::to_value(dump).map_err(|e| crate::error::Error::Internal(e.to_string()))?,
        );
    }
    Ok(Document {
        format: FORMAT,
        cdp_version: env!("CARGO_PKG_VERSION").to_string(),
        migrations,
        tables,
    })
}

/// What an import loaded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Imported {
    /// Each table with its rows.
    pub tables: Vec<(String, usize)>,
}

/// Loads `doc` into the context's state store, which must be empty; nothing is written unless
/// every check passes, and then everything is written in one transaction.
pub async fn import(ctx: &Context, doc: &Document) -> Result<Imported> {
    let store = ctx.store().await?;
    let here: Vec<i64> = store
        .migrations()
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let tables = doc.checked(&here).map_err(StateError::from)?;
    for (name, _, _) in TABLES {
        if store.count_rows(name).await? > 0 {
            return Err(StateError::from(DumpError::NotEmpty {
                table: name.to_string(),
            })
            .into());
        }
    }
    store.load_tables(&tables).await?;
    Ok(Imported {
        tables: tables
            .iter()
            .map(|(name, dump)| (name.to_string(), dump.rows.len()))
            .collect(),
    })
}
