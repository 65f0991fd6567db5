//! `cdp init`, `cdp schema`, `cdp completions`.

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, Resolved};
use crate::error::{Error, Result};
use crate::scaffold;
use crate::schema;

pub fn init(r: &Resolved) -> Result<()> {
    // Adding the demo's segments to someone's own project would only make work for them.
    if let Some(path) = scaffold::existing_project(&r.dir) {
        return Err(Error::ProjectExists { path });
    }
    let written = scaffold::write_demo(&r.dir)?;
    let mut out = std::io::stdout().lock();
    for file in &written {
        writeln!(out, "{file}").map_err(Error::Output)?;
    }
    r.printer.note(&format!(
        "wrote {} files; try `cdp quickstart`",
        written.len()
    ));
    Ok(())
}

pub fn schema(r: &Resolved, kind: Option<&str>, out: Option<PathBuf>) -> Result<()> {
    if let Some(dir) = out {
        std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        for (kind, file) in schema::KINDS {
            let path = dir.join(file);
            let text = serde_json::to_string_pretty(&schema::schema(kind).expect("known kind"))
                .expect("json")
                + "\n";
            std::fs::write(&path, text).map_err(|source| Error::Write { path, source })?;
        }
        r.printer.note(&format!(
            "wrote {} schemas into {}",
            schema::KINDS.len(),
            dir.display()
        ));
        return Ok(());
    }
    let value = match kind {
        Some(k) => schema::schema(k).ok_or_else(|| Error::UnknownSchema(k.to_string()))?,
        None => serde_json::Value::Object(
            schema::KINDS
                .iter()
                .map(|(k, _)| (k.to_string(), schema::schema(k).expect("known kind")))
                .collect(),
        ),
    };
    r.printer.json(&value).map_err(Error::Output)
}

pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "cdp", &mut std::io::stdout());
    Ok(())
}
