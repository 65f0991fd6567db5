//! The demo project's files, built into the binary so `cdp quickstart` works in an empty folder.

use std::path::Path;

use crate::error::Error;

/// (path relative to the project, content): the repository's own demo files.
pub const FILES: &[(&str, &str)] = &[
    ("cdp.yaml", include_str!("../cdp.yaml")),
    (
        "segments/active_last_30d.yaml",
        include_str!("../segments/active_last_30d.yaml"),
    ),
    (
        "segments/big_spenders_usd.yaml",
        include_str!("../segments/big_spenders_usd.yaml"),
    ),
    (
        "segments/buyers_2026.yaml",
        include_str!("../segments/buyers_2026.yaml"),
    ),
    (
        "segments/cart_abandoners.yaml",
        include_str!("../segments/cart_abandoners.yaml"),
    ),
    (
        "segments/high_value_at_risk.yaml",
        include_str!("../segments/high_value_at_risk.yaml"),
    ),
    (
        "segments/lapsed_payers.yaml",
        include_str!("../segments/lapsed_payers.yaml"),
    ),
    (
        "segments/new_not_activated.yaml",
        include_str!("../segments/new_not_activated.yaml"),
    ),
    (
        "segments/power_users.yaml",
        include_str!("../segments/power_users.yaml"),
    ),
    (
        "segments/upsell_candidates.yaml",
        include_str!("../segments/upsell_candidates.yaml"),
    ),
    (
        "segments/web_europe_engaged.yaml",
        include_str!("../segments/web_europe_engaged.yaml"),
    ),
    (
        "dashboards/growth.yaml",
        include_str!("../dashboards/growth.yaml"),
    ),
    (
        "campaigns/pro_annual_upsell.yaml",
        include_str!("../campaigns/pro_annual_upsell.yaml"),
    ),
    (
        "assets/offers/pro_annual.svg",
        include_str!("../assets/offers/pro_annual.svg"),
    ),
];

/// Keeps cdp's local files (the embedded warehouse, the state store, assets) out of git.
const GITIGNORE: &str = "# cdp's local warehouse, state store and assets\n.cdp/\n";

/// Whether `dir` already holds a project (a `cdp.yaml` or a `segments/` folder).
pub fn has_project(dir: &Path) -> bool {
    existing_project(dir).is_some()
}

/// The file or folder that shows `dir` already holds a project.
pub fn existing_project(dir: &Path) -> Option<std::path::PathBuf> {
    [dir.join("cdp.yaml"), dir.join("segments")]
        .into_iter()
        .find(|p| p.exists())
}

/// Writes the demo project and the JSON Schemas its modelines point at; never overwrites.
pub fn write_demo(dir: &Path) -> Result<Vec<String>, Error> {
    let mut written = Vec::new();
    let schemas: Vec<(String, String)> = crate::schema::KINDS
        .iter()
        .map(|(kind, file)| {
            let text =
                serde_json::to_string_pretty(&crate::schema::schema(kind).expect("known kind"))
                    .expect("json");
            (format!("schemas/{file}"), text + "\n")
        })
        .collect();
    let all = FILES
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .chain(schemas)
        .chain([(".gitignore".to_string(), GITIGNORE.to_string())]);
    for (rel, content) in all {
        let path = dir.join(&rel);
        if rel == ".gitignore" && path.exists() {
            if ignore_local_files(&path)? {
                written.push(format!("{rel} (added .cdp/)"));
            }
            continue;
        }
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, content).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        written.push(rel);
    }
    Ok(written)
}

/// Adds `.cdp/` to an existing `.gitignore` that does not ignore it yet; whether it did.
fn ignore_local_files(path: &Path) -> Result<bool, Error> {
    let write = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(write)?;
    if text
        .lines()
        .any(|l| matches!(l.trim(), ".cdp" | ".cdp/" | "/.cdp" | "/.cdp/"))
    {
        return Ok(false);
    }
    let sep = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    std::fs::write(path, format!("{text}{sep}{GITIGNORE}")).map_err(write)?;
    Ok(true)
}
