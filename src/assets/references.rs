//! Checking the assets a project file names (an offer's `image:`): a file of the project must
//! exist and be an image within the size limit; a key must be in the store. Problems come back
//! as diagnostics placed where the reference is written.

use std::path::Path;

use super::{AssetStore, sha_of_key, upload::check_file};
use crate::syntax::diagnostic::{Diagnostic, did_you_mean};
use crate::syntax::yaml::Pos;

/// An asset named in a project file.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetRef {
    /// The file it is written in, relative to the project (`campaigns/spring.yaml`).
    pub file: String,
    pub pos: Pos,
    /// The dotted key it is the value of (`offer.items[0].image`).
    pub key: String,
    /// A path relative to the project (`assets/pro_annual.png`), or a key `<sha256>.<ext>`.
    pub value: String,
}

/// Problems with `refs`: files are looked for under `root`; keys in `store` when one is given
/// (without one, keys are not checked, as checking asks the store).
pub async fn check_references(
    root: &Path,
    store: Option<&dyn AssetStore>,
    max_bytes: u64,
    refs: &[AssetRef],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in refs {
        let at = |message: String| Diagnostic::new(&r.file, r.pos, &r.key, message);
        if sha_of_key(&r.value).is_some() {
            let Some(store) = store else { continue };
            match store.head(&r.value).await {
                Ok(Some(_)) => {}
                Ok(None) => out.push(
                    at(format!("asset `{}` is not in `{}`", r.value, store.location())).hint(
                        "upload the image with `cdp assets upload <file>`, or `cdp assets migrate` it from another environment",
                    ),
                ),
                Err(e) => out.push(
                    at(format!("cannot check asset `{}`: {}", r.value, crate::error::chain(&e)))
                        .maybe_hint(e.hint()),
                ),
            }
            continue;
        }
        let path = root.join(&r.value);
        if !path.is_file() {
            out.push(
                at(format!("asset `{}` does not exist", r.value))
                    .maybe_hint(nearby(&path))
                    .expected("a file of the project (relative to cdp.yaml) or an asset key"),
            );
            continue;
        }
        if let Err(e) = check_file(&path, max_bytes) {
            // The message names the path as given, not where the project happens to be.
            let text = e.to_string().replace(&path.display().to_string(), &r.value);
            out.push(at(text).maybe_hint(e.hint()));
        }
    }
    out
}

/// "did you mean" among the files beside a missing one.
fn nearby(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let siblings: Vec<String> = std::fs::read_dir(path.parent()?)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    did_you_mean(&name, siblings.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::local::LocalStore;
    use crate::assets::{AssetStore, Meta};

    fn r(value: &str, line: u32) -> AssetRef {
        AssetRef {
            file: "campaigns/spring.yaml".into(),
            pos: Pos { line, column: 60 },
            key: "offer.items[0].image".into(),
            value: value.into(),
        }
    }

    #[tokio::test]
    async fn missing_and_wrong_assets_are_placed_where_they_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("assets")).unwrap();
        std::fs::write(
            dir.path().join("assets/pro_annual.png"),
            b"\x89PNG\r\n\x1a\n....",
        )
        .unwrap();
        std::fs::write(dir.path().join("assets/fake.png"), b"GIF89a....").unwrap();
        let store = LocalStore::new(dir.path().join(".cdp/assets"), None);
        let bytes = b"GIF89a-stored".to_vec();
        let meta = Meta::of(&bytes, "image/gif");
        let stored = format!("{}.gif", meta.sha256);
        store.put(&stored, bytes, &meta).await.unwrap();
        let absent = format!("{}.png", "0".repeat(64));
        let refs = [
            r("assets/pro_annual.png", 3),
            r("assets/pro_anual.png", 4),
            r("assets/fake.png", 5),
            r(&stored, 6),
            r(&absent, 7),
        ];
        let found = check_references(dir.path(), Some(&store), 5_000_000, &refs).await;
        let lines: Vec<(u32, &str)> = found.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(lines.len(), 3, "{found:#?}");
        assert_eq!(lines[0], (4, "asset `assets/pro_anual.png` does not exist"));
        assert_eq!(
            found[0].hint.as_deref(),
            Some("did you mean `pro_annual.png`?")
        );
        assert_eq!(
            lines[1],
            (
                5,
                "`assets/fake.png` holds a GIF image, not the PNG its name says"
            )
        );
        assert_eq!(lines[2].0, 7);
        assert!(
            lines[2]
                .1
                .starts_with(&format!("asset `{absent}` is not in"))
        );
        assert!(found.iter().all(|d| d.file == "campaigns/spring.yaml"));
        // Without a store, keys are left alone.
        let offline = check_references(dir.path(), None, 5_000_000, &refs).await;
        assert_eq!(offline.len(), 2);
    }
}
