//! `state export` and `state import`: the whole state store as one versioned JSON document,
//! streamed table by table, and that document loaded into an empty store after its format,
//! migrations and checksums are checked.

use std::io::Write;

use futures::StreamExt as _;

use crate::error::{Error, Result};
use crate::ops::Context;
use crate::state::dump::{Checksum, Document, DumpError, FORMAT, TABLES};
use crate::state::{StateError, Store};

/// What an export wrote: each table with its rows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Tables {
    pub tables: Vec<(String, u64)>,
}

impl Tables {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// The migrations applied to a store, by version.
pub async fn migration_versions(store: &dyn Store) -> Result<Vec<i64>> {
    Ok(store
        .migrations()
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect())
}

/// Writes every table of the context's state store to `out` as one document, streaming rows
/// as they are read; `io` names a failed write.
pub async fn export(
    ctx: &Context,
    out: &mut dyn Write,
    io: &dyn Fn(std::io::Error) -> Error,
) -> Result<Tables> {
    let store = ctx.store().await?;
    write_document(store.as_ref(), out, io).await
}

/// One store as a document on `out` (the bytes `serde_json` writes for a [`Document`]).
pub async fn write_document(
    store: &dyn Store,
    out: &mut dyn Write,
    io: &dyn Fn(std::io::Error) -> Error,
) -> Result<Tables> {
    let migrations = migration_versions(store).await?;
    let head = format!(
        "{{\"format\":{FORMAT},\"cdp_version\":{},\"migrations\":{},\"tables\":{{",
        json(&env!("CARGO_PKG_VERSION")),
        json(&migrations),
    );
    out.write_all(head.as_bytes()).map_err(io)?;
    let mut tables = Vec::new();
    for (i, (name, columns, order)) in TABLES.iter().enumerate() {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let open = format!(
            "{}{}:{{\"columns\":{},\"rows\":[",
            if i == 0 { "" } else { "," },
            json(name),
            json(&names)
        );
        out.write_all(open.as_bytes()).map_err(io)?;
        let mut sum = Checksum::default();
        let mut rows = store.stream_table(name, columns, order);
        while let Some(row) = rows.next().await {
            let text = json(&row?);
            if sum.rows() > 0 {
                out.write_all(b",").map_err(io)?;
            }
            out.write_all(text.as_bytes()).map_err(io)?;
            sum.add_json(&text);
        }
        tables.push((name.to_string(), sum.rows()));
        let close = format!("],\"checksum\":{}}}", json(&sum.finish()));
        out.write_all(close.as_bytes()).map_err(io)?;
    }
    out.write_all(b"}}").map_err(io)?;
    Ok(Tables { tables })
}

/// Compact JSON of a value.
fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Loads `doc` into the context's state store, which must be empty; nothing is written unless
/// every check passes, and then everything is written in one transaction.
pub async fn import(ctx: &Context, doc: &Document) -> Result<Tables> {
    let store = ctx.store().await?;
    let here = migration_versions(store.as_ref()).await?;
    let tables = doc.checked(&here).map_err(StateError::from)?;
    for (name, _, _) in TABLES {
        if store.count_rows(name).await? > 0 {
            return Err(StateError::from(DumpError::NotEmpty {
                table: name.to_string(),
            })
            .into());
        }
    }
    let mut load = store.begin_load().await?;
    for (name, dump) in &tables {
        let batches = futures::stream::iter(dump.rows.chunks(1_000).map(<[_]>::to_vec));
        load.load(name, batches.boxed()).await?;
    }
    load.commit().await?;
    Ok(Tables {
        tables: tables
            .iter()
            .map(|(name, dump)| (name.to_string(), dump.rows.len() as u64))
            .collect(),
    })
}
