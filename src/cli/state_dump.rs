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
    // `-o -` is stdout, as for most tools.
    match out.filter(|p| p.as_os_str() != "-") {
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            ops::state_dump::export(&ctx, &mut stdout, &Error::Output).await?;
            writeln!(stdout)
                .and_then(|_| stdout.flush())
                .map_err(Error::Output)?;
        }
        Some(path) => {
            // Written beside its name and moved there whole.
            let mut partial = path.as_os_str().to_os_string();
            partial.push(".partial");
            let partial = std::path::PathBuf::from(partial);
            let failed = |source| Error::Write {
                path: path.to_path_buf(),
                source,
            };
            let file = std::fs::File::create(&partial).map_err(failed)?;
            let mut file = std::io::BufWriter::new(file);
            let written = ops::state_dump::export(&ctx, &mut file, &failed).await;
            let done = written.and_then(|tables| {
                file.into_inner()
                    .map_err(|e| failed(e.into_error()))
                    .and_then(|f| f.sync_all().map_err(failed))
                    .and_then(|_| std::fs::rename(&partial, path).map_err(failed))
                    .map(|_| tables)
            });
            let tables = done.inspect_err(|_| {
                std::fs::remove_file(&partial).ok();
            })?;
            r.printer.note(&format!(
                "wrote {} ({} tables, {} rows)",
                path.display(),
                tables.tables.len(),
                tables.rows()
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
    r.printer.note(&format!(
        "imported {} tables, {} rows, into {}",
        imported.tables.len(),
        imported.rows(),
        ctx.store().await?.describe()
    ));
    Ok(())
}
