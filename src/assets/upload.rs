//! Uploading files as assets: every file checked first (its type read from its bytes against
//! its name, its size against the limit), then stored under its content-addressed key, several
//! at a time.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};

use super::local::blocking;
use super::{AssetStore, AssetsError, ImageType, Meta, Result, key_for, sniff::sniff};
use crate::progress::Progress;

/// One file uploaded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Uploaded {
    /// The file as given.
    pub file: String,
    pub key: String,
    pub size: u64,
    pub content_type: &'static str,
    /// False when the store held it already.
    pub stored: bool,
}

/// Checks every file, then uploads them with `in_flight` at once; reports them in the order
/// given. Nothing is uploaded when a file is refused.
pub async fn upload(
    store: &dyn AssetStore,
    files: &[PathBuf],
    max_bytes: u64,
    in_flight: usize,
    progress: Arc<dyn Progress>,
) -> Result<Vec<Uploaded>> {
    let mut kinds = Vec::with_capacity(files.len());
    for file in files {
        kinds.push(check_file(file, max_bytes)?);
    }
    progress.start("upload", files.len() as u64);
    let done = stream::iter(files.iter().zip(kinds))
        .map(|(file, kind)| {
            let progress = progress.clone();
            async move {
                let path = file.clone();
                let bytes = blocking(move || read(&path, max_bytes)).await?;
                // The file may have changed since it was checked.
                check_bytes(file, &bytes, kind, max_bytes)?;
                let meta = Meta::of(&bytes, kind.mime());
                let key = key_for(&meta.sha256, kind);
                let size = meta.size;
                let stored = store.put_if_absent(&key, bytes, &meta).await?;
                progress.advance(1);
                Ok::<_, AssetsError>(Uploaded {
                    file: file.display().to_string(),
                    key,
                    size,
                    content_type: kind.mime(),
                    stored,
                })
            }
        })
        .buffered(in_flight.max(1))
        .try_collect()
        .await;
    progress.finish();
    done
}

/// The type of a file its name gives, checked against its first bytes and its size.
pub(crate) fn check_file(file: &Path, max_bytes: u64) -> Result<ImageType> {
    let named = file
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ImageType::from_extension)
        .ok_or_else(|| AssetsError::UnknownExtension {
            path: file.to_path_buf(),
        })?;
    let read_error = |source| AssetsError::Read {
        path: file.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(file).map_err(read_error)?;
    let size = f.metadata().map_err(read_error)?.len();
    if size > max_bytes {
        return Err(AssetsError::TooBig {
            path: file.to_path_buf(),
            size,
            max: max_bytes,
        });
    }
    let mut head = Vec::with_capacity(4096);
    (&mut f)
        .take(4096)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    check_bytes(file, &head, named, u64::MAX)?;
    Ok(named)
}

fn check_bytes(file: &Path, bytes: &[u8], named: ImageType, max_bytes: u64) -> Result<()> {
    if bytes.len() as u64 > max_bytes {
        return Err(AssetsError::TooBig {
            path: file.to_path_buf(),
            size: bytes.len() as u64,
            max: max_bytes,
        });
    }
    match sniff(bytes) {
        None => Err(AssetsError::NotAnImage {
            path: file.to_path_buf(),
        }),
        Some(found) if found != named => Err(AssetsError::TypeMismatch {
            path: file.to_path_buf(),
            named,
            found,
        }),
        Some(_) => Ok(()),
    }
}

/// The whole file, refused when it grew past the limit since it was checked.
fn read(file: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let read_error = |source| AssetsError::Read {
        path: file.to_path_buf(),
        source,
    };
    let f = std::fs::File::open(file).map_err(read_error)?;
    let mut bytes = Vec::new();
    f.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(bytes)
}
