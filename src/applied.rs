//! What is applied: the segment versions `cdp apply` recorded, read back from the state store,
//! and the content hash that says whether a file still means what was applied.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::project::Project;
use crate::segment::file::SegmentDef;
use crate::state::{SEGMENT, Store};
use crate::syntax::yaml::{self, Node, Value};

/// A hash of what a segment file means: its YAML without comments, layout, quoting or `tests:`
/// (fixtures check a definition; they are not part of it).
pub fn content_hash(text: &str) -> String {
    // Remembered by text: the daemon's pages ask it of every segment file on every request.
    static SEEN: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, String>>> =
        std::sync::OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(hash) = seen.lock().ok().and_then(|m| m.get(text).cloned()) {
        return hash;
    }
    let hash = compute_hash(text);
    if let Ok(mut m) = seen.lock() {
        if m.len() >= 1024 {
            m.clear();
        }
        m.insert(text.to_string(), hash.clone());
    }
    hash
}

fn compute_hash(text: &str) -> String {
    let canonical = match yaml::parse(text) {
        Ok(node) => {
            let mut out = String::new();
            canonical(&node, true, &mut out);
            out
        }
        Err(_) => text.to_string(),
    };
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().take(8).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn canonical(node: &Node, top: bool, out: &mut String) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format!("{f:?}")),
        Value::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        Value::Seq(items) => {
            out.push('[');
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(n, false, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            let mut first = true;
            for (k, v) in entries {
                if top && k.name == "tests" {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&serde_json::Value::String(k.name.clone()).to_string());
                out.push(':');
                canonical(v, false, out);
            }
            out.push('}');
        }
    }
}

/// The project's segments with the text of each file.
pub fn project_texts(project: &Project) -> Result<Vec<(&SegmentDef, String)>> {
    project
        .segments
        .iter()
        .map(|def| {
            let path = project.root.join(&def.file);
            std::fs::read_to_string(&path)
                .map(|text| (def, text))
                .map_err(|source| Error::Load(crate::project::LoadError::Io { path, source }))
        })
        .collect()
}

/// Applied segments with their version and hash, parsed from the YAML recorded by `apply`.
pub async fn applied_segments(store: &dyn Store) -> Result<Vec<(SegmentDef, i64, String)>> {
    let mut out = Vec::new();
    for d in store.definitions(SEGMENT).await? {
        let file = format!("{} (applied version {})", d.name, d.version);
        let def = crate::project::parse_segment_text(&file, &d.content).map_err(|invalid| {
            Error::AppliedInvalid {
                name: d.name.clone(),
                invalid,
            }
        })?;
        out.push((def, d.version, d.hash));
    }
    Ok(out)
}

/// The applied segments themselves, without their versions.
pub async fn applied_defs(store: &dyn Store) -> Result<Vec<SegmentDef>> {
    Ok(applied_segments(store)
        .await?
        .into_iter()
        .map(|a| a.0)
        .collect())
}

/// The project's segments whose file no longer means what was applied, with the applied
/// version: refresh and sync work on the applied one, and say so.
pub fn edited_since_applied<'p>(
    project: &'p Project,
    applied: &[(SegmentDef, i64, String)],
) -> Result<Vec<(&'p SegmentDef, i64)>> {
    Ok(project_texts(project)?
        .into_iter()
        .filter_map(|(def, text)| {
            let (_, version, hash) = applied.iter().find(|a| a.0.name == def.name)?;
            (content_hash(&text) != *hash).then_some((def, *version))
        })
        .collect())
}
