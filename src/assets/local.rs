//! Assets in a local folder: each written to a hidden temporary file and renamed into place, so
//! a killed process never leaves a partial object under its key.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    AssetStore, AssetsError, Meta, ObjectInfo, Result, check_key, sha256_hex, type_of_key,
};

/// A folder of assets, maybe published by a web server or CDN at `public_base_url`.
pub struct LocalStore {
    root: PathBuf,
    public_base_url: Option<String>,
    /// Tells temporary files of one process apart.
    counter: AtomicU64,
}

impl LocalStore {
    pub fn new(root: PathBuf, public_base_url: Option<String>) -> LocalStore {
        LocalStore {
            root,
            public_base_url,
            counter: AtomicU64::new(0),
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

/// Runs file work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> AssetsError + '_ {
    move |source| AssetsError::Read {
        path: path.to_path_buf(),
        source,
    }
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> AssetsError + '_ {
    move |source| AssetsError::Write {
        path: path.to_path_buf(),
        source,
    }
}

#[async_trait::async_trait]
impl AssetStore for LocalStore {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        let path = self.path(key)?;
        let key = key.to_string();
        blocking(move || {
            let meta = match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => m,
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(read_error(&path)(e)),
            };
            // The folder keeps no checksums: the bytes are read and hashed.
            let bytes = std::fs::read(&path).map_err(read_error(&path))?;
            Ok(Some(ObjectInfo {
                content_type: type_of_key(&key),
                size: bytes.len() as u64,
                uploaded_at: meta.modified().ok().map(DateTime::<Utc>::from),
                sha256: Some(sha256_hex(&bytes)),
                key,
            }))
        })
        .await
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, _meta: &Meta) -> Result<()> {
        let path = self.path(key)?;
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .root
            .join(format!(".tmp-{}-{n}-{key}", std::process::id()));
        let root = self.root.clone();
        blocking(move || {
            std::fs::create_dir_all(&root).map_err(write_error(&root))?;
            let written = (|| {
                use std::io::Write;
                let mut f = std::fs::File::create(&temp)?;
                f.write_all(&bytes)?;
                f.sync_all()
            })();
            if let Err(e) = written.and_then(|()| std::fs::rename(&temp, &path)) {
                let _ = std::fs::remove_file(&temp);
                return Err(write_error(&path)(e));
            }
            Ok(())
        })
        .await
    }

    async fn list(&self) -> Result<Vec<ObjectInfo>> {
        let root = self.root.clone();
        blocking(move || {
            let entries = match std::fs::read_dir(&root) {
                Ok(e) => e,
                // Nothing uploaded yet.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(read_error(&root)(e)),
            };
            let mut out = Vec::new();
            for entry in entries {
                let entry = entry.map_err(read_error(&root))?;
                let key = entry.file_name().to_string_lossy().into_owned();
                let meta = entry.metadata().map_err(read_error(&entry.path()))?;
                // Temporary files of a write in progress (or killed) are hidden, and a name no
                // key could have was not put there by cdp.
                if check_key(&key).is_err() || !meta.is_file() {
                    continue;
                }
                out.push(ObjectInfo {
                    content_type: type_of_key(&key),
                    size: meta.len(),
                    uploaded_at: meta.modified().ok().map(DateTime::<Utc>::from),
                    sha256: None,
                    key,
                });
            }
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        })
        .await
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let path = self.path(key)?;
        let (key, location) = (key.to_string(), self.location());
        blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(AssetsError::NotFound { key, location })
            }
            Err(e) => Err(read_error(&path)(e)),
        })
        .await
    }

    async fn url(&self, key: &str, _expires: Duration) -> Result<String> {
        let path = self.path(key)?;
        if !path.is_file() {
            return Err(AssetsError::NotFound {
                key: key.to_string(),
                location: self.location(),
            });
        }
        Ok(match &self.public_base_url {
            Some(base) => format!("{base}/{key}"),
            None => {
                let absolute = std::fs::canonicalize(&path).map_err(read_error(&path))?;
                file_url(&absolute)
            }
        })
    }
}

/// A `file://` URL of an absolute path, with the bytes a URL path may not hold escaped.
fn file_url(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_escape_what_a_path_may_hold() {
        assert_eq!(
            file_url(Path::new("/srv/my assets/a.png")),
            "file:///srv/my%20assets/a.png"
        );
    }

    #[tokio::test]
    async fn a_put_is_whole_under_its_key_and_nothing_else_is_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("assets"), None);
        let bytes = b"GIF89a-pixels".to_vec();
        let meta = Meta::of(&bytes, "image/gif");
        let key = format!("{}.gif", meta.sha256);
        assert!(
            store
                .put_if_absent(&key, bytes.clone(), &meta)
                .await
                .unwrap()
        );
        assert!(
            !store
                .put_if_absent(&key, bytes.clone(), &meta)
                .await
                .unwrap()
        );
        // A temporary file left by a killed write is not an asset.
        std::fs::write(dir.path().join("assets/.tmp-1-0-x.gif"), b"GIF").unwrap();
        // Nor is a file no key could name.
        std::fs::write(dir.path().join("assets/my logo.gif"), b"GIF").unwrap();
        let listed = store.list().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].key, key);
        assert_eq!(listed[0].size, bytes.len() as u64);
        assert!(meta.matches(&store.head(&key).await.unwrap().unwrap()));
        assert_eq!(store.get(&key).await.unwrap(), bytes);
        assert!(store.head("missing.png").await.unwrap().is_none());
        assert!(matches!(
            store.get("../escape.png").await,
            Err(AssetsError::BadKey(_))
        ));
    }
}
