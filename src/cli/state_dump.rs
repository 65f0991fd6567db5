//! `cdp state export` and `cdp state import`: the state store to and from one JSON file.

use std::io::Write as _;
use std::path::Path;

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::state::StateError;
use crate::state::dump::{Document, DumpError};

pub async fn export(r: &Resolved, out: Option<&Path>) -> Result<()> {
    let ctx = r.context()?;
    let doc = ops::state_dump::export(&ctx).await?;
    let text = serde_json::to_vec(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    let rows: usize = doc
        .tables
        .values()
        .filter_map(|t| t["rows"].as_array().map(Vec::len))
        .sum();
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&text).map_err(Error::Output)?;
            writeln!(stdout).map_err(Error::Output)?;
        }
        Some(path) => {
            // Written beside its name and moved there whole.
            let mut partial = path.as_os_str().to_os_string();
            partial.push(".partial");
            let write = |p: &Path| std::fs::write(p, &text);
            write(Path::new(&partial))
                .and_then(|_| std::fs::rename(&partial, path))
                .map_err(|source| Error::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
            r.printer.note(&format!(
                "wrote {} ({} tables, {rows} rows)",
                path.display(),
                doc.tables.len()
            ));
        }
    }
    Ok(())
}

pub async fn import(r: &Resolved, file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let doc: Document = serde_json::from_str(&text)
        .map_err(|e| StateError::from(DumpError::NotAnExport(e.to_string())))?;
    let ctx = r.context()?;
    let imported = ops::state_dump::import(&ctx, &doc).await?;
    let rows: usize = imported.tables.iter().map(|(_, n)| n).sum();
    r.printer.note(&format!(
        "imported {} tables, {rows} rows, into {}",
        imported.tables.len(),
        ctx.store().await?.describe()
    ));
    Ok(())
}
